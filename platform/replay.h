// Full-network replay through the platform: a timing job (one image, every block through the
// denoiser's registers) and, with a dataset, the accuracy passes — clean (no noise, no
// denoisers), noisy (analog noise, no denoisers) and denoised (analog noise and denoisers) over
// several seeds and chip instances. The CGRA and the denoiser compute on the job's buffers inside
// their transactions; this file only schedules (replay_schedule.h), keeps the buffers (job_data.h)
// and assembles the result (replay_result.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/cgra/analog_noise.h"
#include "platform/replay_result.h"
#include "platform/replay_schedule.h"
#include "platform/soc.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

/// How the accuracy passes compute denoiser blocks.
enum class DenoiserPath {
    Kernel,  ///< the denoiser's functional port: its bit-exact datapath, images over the threads
    Tlm,     ///< every block of every image through the denoiser's registers (slow; same bits)
};

struct ReplayConfig {
    SocConfig soc;
    cgra::NoiseConfig noise;
    std::uint64_t seed = 1;  ///< first run seed (activation/read noise, denoiser lanes)
    unsigned seeds = 1;      ///< noisy and denoised passes per chip, one per run seed
    /// Chip instances noise.chip_seed + c, c = 0 .. chips - 1; chip c's passes use run seeds
    /// seed + c x seeds, ... (make_passes).
    unsigned chips = 1;
    std::int64_t batch = 64;  ///< images per platform job
    unsigned threads = 2;     ///< worker threads for the functional work
    DenoiserPath denoiser_path = DenoiserPath::Kernel;
    EnergyTable energy_table = EnergyTable::defaults_45nm();
    bool keep_logits = false;  ///< keep every pass's logits in PassResult::logits
    /// The accuracy passes to run. dnsim run runs them all; a program may leave some out (the
    /// replay-speed benchmark times the noisy pass alone).
    PassSelection passes;
    /// Called after every job of the accuracy passes: images done, images in all passes.
    std::function<void(std::int64_t done, std::int64_t total)> progress;
    /// Non-null: the timing job's timeline is recorded into it (platform/timeline.h).
    Timeline* timeline = nullptr;

    /// Throws ConfigError naming the run.* / noise.* / cgra.* key of a bad value.
    void validate() const;
};

/// Replays `g` (timing only when `data` is null). Throws ConfigError for bad input.
///
/// It elaborates a SoC and runs the SystemC simulation, which SystemC allows once per process:
/// a second call (or a call after any other simulation started) throws std::logic_error saying
/// so (platform/simulation.h). Run each replay in its own process.
ReplayResult run_replay(const workloads::Graph& g, const workloads::Dataset* data,
                        const ReplayConfig& cfg);

}  // namespace dnsim::platform
