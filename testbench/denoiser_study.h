// `dnsim denoiser`: one or more runs of a denoiser block on the accelerator model with
// synthetic weights and inputs, checked against the plain C++ fixed-point reference (bit for
// bit) and the Eigen float reference (within the rounding bound), reported as a console table
// and JSON (cycles per phase, time, SRAM traffic, energy per component, average power).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/common/energy.h"
#include "platform/denoiser_bench.h"

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::tb {

/// The most block invocations of one study (run.runs).
inline constexpr unsigned kMaxRuns = 1000000;
/// The most memory the inputs and outputs of all runs may take: they are all held at once.
inline constexpr std::uint64_t kMaxRunsBytes = std::uint64_t{4} << 30;

struct DenoiserStudyOptions {
    platform::BenchOptions bench;
    EnergyTable energy = EnergyTable::defaults_45nm();
    std::uint64_t seed = 1;
    unsigned runs = 1;    ///< block invocations (same block id: weights stay resident)
    bool verify = true;   ///< compare with the references
    std::string out_dir;  ///< where denoiser.json goes; empty = no file
    /// Non-empty: also dump the cycle-stepped array running the block's convolutions there as
    /// a VCD file (systolic_vcd.h); checked before the simulation.
    std::string vcd_path;
    std::vector<std::pair<std::string, std::string>> effective_config;
    std::string command;  ///< the command line, for the provenance block
};

/// The keys of `dnsim denoiser`: denoiser.*, weight_sram.*, activation_sram.*, block.* (shape,
/// format, SRAM bases), run.seed, run.runs, energy.*.
const config::KeySet<DenoiserStudyOptions>& denoiser_study_keys();

/// Synthetic noisy activations of a block input: ReLU-like magnitudes plus 6 % noise.
std::vector<std::int16_t> synthetic_activations(const denoiser::BlockShape& shape,
                                                const denoiser::BlockFormat& fmt,
                                                std::uint64_t seed, std::uint64_t run);

/// Runs the study (elaborates and simulates: call once per process). Returns the exit code.
int run_denoiser_study(const DenoiserStudyOptions& opt, std::ostream& out);

}  // namespace dnsim::tb
