// The replay's schedule: the passes (clean; then per seed noisy and, with denoisers, denoised)
// and the jobs the host driver runs — the timing job (one image, recorded) first, then every
// pass in jobs of run.batch images (one image per job for a graph whose activations do not all
// hold the images along dimension 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/replay_plan.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

struct Pass {
    std::string kind;  ///< clean, noisy, denoised
    bool noise = false;
    bool denoisers = false;
    std::uint64_t seed = 0;
};

struct ScheduledJob {
    std::uint32_t images = 1;
    int pass = -1;           ///< index into Schedule::passes; -1: the timing job
    std::int64_t first = 0;  ///< dataset index of the job's first image
};

struct Schedule {
    std::vector<Pass> passes;
    std::vector<ScheduledJob> jobs;
    std::int64_t images = 0;  ///< images in all passes together
};

/// Which accuracy passes a replay runs (all by default; the denoised one only with blocks).
struct PassSelection {
    bool clean = true;
    bool noisy = true;
    bool denoised = true;
};

/// The passes over `images` dataset images (none: timing only) with run seeds seed, seed + 1,
/// ... (`seeds` of them) and their jobs of at most `batch` images.
Schedule make_schedule(const workloads::Graph& g, const ReplayPlan& plan, std::int64_t images,
                       std::uint64_t seed, unsigned seeds, std::int64_t batch,
                       PassSelection selected = {});

using workloads::images_along_dim0;

}  // namespace dnsim::platform
