// What a replay reports, and how it is assembled from the timing job: per-step cycles (host
// observed), latency with and without denoisers, the overlap what-if, the energy roll-up per
// component (CGRA actions from the plan, the denoiser's account from the timing job),
// parameter shares and, over the accuracy passes, mean and spread per pass kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common/energy.h"
#include "platform/replay_plan.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

struct StepReport {
    std::string name;
    std::string op;
    StepKind kind = StepKind::Free;
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

/// Accuracy over the passes of one kind.
struct AccuracySummary {
    double mean = 0.0;  ///< %
    double std = 0.0;   ///< sample standard deviation, % (0 for one pass)
    int n = 0;          ///< passes
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
    /// Not simulated: the latency if every block were hidden behind the next analog layer
    /// (images pipelined), a bound computed from the step times.
    std::uint64_t cycles_overlapped = 0;
    /// soc.denoiser_overlap dependence: `cycles` is the timing job's simulated finish time and
    /// the step cycles add up to cycles_step_sum (>= cycles); off: both are the step sum.
    bool overlap_simulated = false;
    std::uint64_t cycles_step_sum = 0;
    std::uint64_t block_wait_cycles = 0;  ///< the host waiting for a block before a step
    /// Blocks of one inference that ran single-buffered although denoiser.dma_double_buffer
    /// is 1 (two X buffers do not fit, or the weights are streamed).
    std::uint64_t single_buffered_blocks = 0;
    std::int64_t denoiser_blocks = 0;
    std::int64_t crossbars_used = 0;
    std::int64_t denoiser_params = 0;
    std::int64_t backbone_params = 0;
    std::uint64_t scratchpad_words = 0;     ///< CGRA data-memory words per inference
    std::uint64_t denoiser_sram_words = 0;  ///< denoiser SRAM words per inference
    std::vector<ComponentEnergy> energy;    ///< CGRA components, then "denoiser.*"
    double energy_pJ = 0.0;                 ///< per inference, all components
    double denoiser_energy_pJ = 0.0;        ///< per inference, the "denoiser.*" components
    /// The action counts behind `energy`, per inference and per (component, action): with
    /// another energy table, energy_of() of each gives the energy without re-simulating.
    std::vector<EnergyLine> actions;
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
    /// Cycles of the steps that ran beside a block instead of after it (dependence overlap).
    std::uint64_t cycles_hidden() const { return cycles_step_sum - cycles; }
    /// The latency overhead if every block were hidden behind the next analog layer, %
    /// (computed, not simulated).
    double overlapped_overhead_pct() const {
        return 100.0 *
               (static_cast<double>(cycles_overlapped) -
                static_cast<double>(cycles_without_denoisers)) /
               static_cast<double>(cycles_without_denoisers);
    }
    /// Denoiser parameters as a share of the backbone's, % (0 without a backbone).
    double denoiser_params_pct() const {
        return backbone_params > 0 ? 100.0 * static_cast<double>(denoiser_params) /
                                         static_cast<double>(backbone_params)
                                   : 0.0;
    }
    double power_mW() const { return average_power_mW(energy_pJ, latency_ns()); }
    double denoiser_power_mW() const { return average_power_mW(denoiser_energy_pJ, latency_ns()); }
    /// Accuracy over the passes of `kind` (clean, noisy, denoised).
    AccuracySummary accuracy(const std::string& kind) const;
};

/// The timing job's simulated latency when blocks overlapped later steps
/// (soc.denoiser_overlap dependence).
struct OverlapTiming {
    double latency_ns = 0.0;     ///< start to end of the timing job
    double block_wait_ns = 0.0;  ///< the host waiting for blocks
};

/// The per-inference part of the result: `step_ns` (host-observed time of every step, ns) and
/// `block_cycles` (the denoiser's CYCLES register per step) from the timing job, the CGRA's
/// actions from the plan charged under `cgra_table` (cgra::charged_energy_table of the run's
/// table: the ADC's energy at cgra.adc_bits), `denoiser_energy` over the timing job.
ReplayResult assemble_result(const workloads::Graph& g, const ReplayPlan& plan, double clock_mhz,
                             const std::vector<double>& step_ns,
                             const std::vector<std::uint64_t>& block_cycles,
                             const EnergyAccount& denoiser_energy, const EnergyTable& cgra_table,
                             const std::optional<OverlapTiming>& overlap = std::nullopt);

}  // namespace dnsim::platform
