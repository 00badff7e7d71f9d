// The replay's schedule: the passes (clean; then per chip instance and per seed noisy and, with
// denoisers, denoised) and the jobs the host driver runs — the timing job (one image,
// recorded) first, then every pass in jobs of run.batch images (one image per job for a graph
// whose activations do not all hold the images along dimension 0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/replay_plan.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

/// A chip instance: its index in the run (run.chips) and the seed of its programming
/// variation and stuck cells (noise.chip_seed + index).
struct ChipId {
    unsigned index = 0;
    std::uint64_t seed = 0;
};

struct Pass {
    std::string kind;  ///< clean, noisy, denoised
    bool noise = false;
    bool denoisers = false;
    std::uint64_t seed = 0;      ///< run seed (activation and read noise, denoiser lanes)
    std::optional<ChipId> chip;  ///< the chip whose crossbars compute; none: the clean pass
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

/// The noise draws of the accuracy passes: run.seed, run.seeds, run.chips, noise.chip_seed.
struct PassSeeds {
    std::uint64_t seed = 1;       ///< the first run seed
    unsigned seeds = 1;           ///< noisy (and denoised) passes per chip
    unsigned chips = 1;           ///< chip instances
    std::uint64_t chip_seed = 1;  ///< chip 0's; chip c is chip_seed + c
};

/// The accuracy passes in the order they run: clean (run seed `seed`, no chip), then chip by
/// chip (c = 0 .. chips - 1, chip seed chip_seed + c) for each of its seeds (run seed
/// seed + c x seeds + s, s = 0 .. seeds - 1) noisy and, with `denoisers`, denoised. With one
/// chip: seeds seed, seed + 1, ... as without chips. Chip by chip, so the crossbars are
/// programmed once per chip.
std::vector<Pass> make_passes(const PassSeeds& seeds, bool denoisers, PassSelection selected = {});

/// The passes over `images` dataset images (none: timing only; make_passes) and their jobs of
/// at most `batch` images.
Schedule make_schedule(const workloads::Graph& g, const ReplayPlan& plan, std::int64_t images,
                       const PassSeeds& seeds, std::int64_t batch, PassSelection selected = {});

using workloads::images_along_dim0;

}  // namespace dnsim::platform
