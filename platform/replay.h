// Full-network replay through the platform: a timing pass (one image, every block through the
// denoiser's TLM port) and, with a dataset, the accuracy passes — clean (no noise, no
// denoisers), noisy (analog noise, no denoisers) and denoised (analog noise and denoisers) over
// several seeds. Functional work runs inside the CGRA's transactions (Eigen, images split over
// worker threads) and in the denoiser's fixed-point datapath.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cgra/analog_noise.h"
#include "datasets/dataset.h"
#include "graph/graph.h"
#include "soc.h"

namespace dnsim::platform {

/// How the accuracy passes compute denoiser blocks.
enum class DenoiserPath {
    Kernel,  ///< the denoiser's bit-exact fixed-point kernel, images over worker threads
    Tlm,     ///< every block of every image through the SystemC denoiser (slow; same bits)
};

struct ReplayConfig {
    SocConfig soc;
    cgra::NoiseConfig noise;
    std::uint64_t seed = 1;   ///< first run seed (activation/read noise, denoiser lanes)
    unsigned seeds = 1;       ///< noisy and denoised passes with seeds seed, seed + 1, ...
    std::int64_t batch = 64;  ///< images per platform job
    unsigned threads = 2;     ///< worker threads for the functional work
    DenoiserPath denoiser_path = DenoiserPath::Kernel;
    EnergyTable energy_table = EnergyTable::defaults_45nm();
    bool keep_logits = false;  ///< keep every pass's logits in PassResult::logits
    /// Called after every job of the accuracy passes: images done, images in all passes.
    std::function<void(std::int64_t done, std::int64_t total)> progress;

    /// Throws ConfigError naming the run.* / noise.* / cgra.* key of a bad value.
    void validate() const;
};

struct StepReport {
    std::string name;
    std::string op;
    std::string kind;          ///< analog, digital, denoiser, none
    std::uint64_t cycles = 0;  ///< per image, at the CGRA clock
    double time_ns = 0.0;
    std::int64_t crossbars = 0;
    std::int64_t replication = 0;
    std::int64_t macs = 0;
    std::uint64_t block_cycles = 0;  ///< denoiser steps: the accelerator's CYCLES register
};

struct PassResult {
    std::string kind;  ///< clean, noisy, denoised
    std::uint64_t seed = 0;
    std::int64_t correct = 0;
    std::int64_t images = 0;
    std::vector<float> logits;  ///< images x classes, dataset order (keep_logits only)
    double accuracy_pct() const {
        return images > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(images)
                          : 0.0;
    }
};

struct ComponentEnergy {
    std::string component;
    double energy_pJ = 0.0;  ///< per inference
    double power_mW = 0.0;   ///< averaged over the whole inference
};

struct ReplayResult {
    std::string model;
    double clock_mhz = 0.0;
    std::vector<StepReport> steps;
    std::uint64_t cycles = 0;  ///< per inference, with denoisers
    std::uint64_t cycles_without_denoisers = 0;
    std::uint64_t denoiser_cycles = 0;
    std::uint64_t cycles_overlapped = 0;  ///< what-if: each block hidden behind the next layer
    std::int64_t crossbars_used = 0;
    std::int64_t denoiser_params = 0;
    std::int64_t backbone_params = 0;
    std::uint64_t scratchpad_words = 0;     ///< CGRA data-memory words per inference
    std::uint64_t denoiser_sram_words = 0;  ///< denoiser SRAM words per inference
    std::vector<ComponentEnergy> energy;
    std::vector<PassResult> passes;
    double functional_wall_s = 0.0;
    std::int64_t functional_images = 0;  ///< images replayed in all accuracy passes

    double latency_ns() const { return static_cast<double>(cycles) * 1e3 / clock_mhz; }
    double overhead_pct() const {
        return cycles_without_denoisers > 0
                   ? 100.0 * static_cast<double>(cycles - cycles_without_denoisers) /
                         static_cast<double>(cycles_without_denoisers)
                   : 0.0;
    }
};

/// Replays `g` (timing only when `data` is null). Throws ConfigError for bad input.
ReplayResult run_replay(const workloads::Graph& g, const workloads::Dataset* data,
                        const ReplayConfig& cfg);

}  // namespace dnsim::platform
