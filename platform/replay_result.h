// What a replay reports, and how it is assembled from the timing job: per-step cycles (host
// observed), latency with and without denoisers, the overlap what-if, the energy roll-up per
// component (CGRA actions from the plan, the denoiser's account from the timing job),
// parameter shares and, over the accuracy passes, mean and spread per pass kind and chip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/common/energy.h"
#include "platform/replay_plan.h"
#include "platform/replay_schedule.h"
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
    /// Denoiser steps: block_cycles split by the control unit's phases (name, cycles), in
    /// phase order; they add up to block_cycles.
    std::vector<std::pair<std::string, std::uint64_t>> phase_cycles;
};

struct PassResult {
    std::string kind;  ///< clean, noisy, denoised
    std::uint64_t seed = 0;
    std::optional<ChipId> chip;  ///< the chip it ran on; none: the clean pass
    std::int64_t correct = 0;
    std::int64_t images = 0;
    std::vector<float> logits;  ///< images x classes, dataset order (keep_logits only)
    /// Per image, dataset order: 1 where the top-1 prediction is right. Passes over the same
    /// images pair image by image (ReplayResult::difference).
    std::vector<std::uint8_t> hits;
    double accuracy_pct() const {
        return images > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(images)
                          : 0.0;
    }
};

/// One chip's accuracy: the mean over its passes of one kind.
struct ChipAccuracy {
    ChipId chip;
    double mean = 0.0;  ///< %
};

/// Accuracy over the passes of one kind. With passes on several chips, the chips are the
/// independent samples: a chip's seeds share its programmed weights, so the confidence
/// interval is over the chips' means.
struct AccuracySummary {
    double mean = 0.0;        ///< %, over every pass
    double std = 0.0;         ///< sample standard deviation over every pass, % (n > 1 only)
    int n = 0;                ///< passes (chips x seeds)
    std::int64_t images = 0;  ///< images of each pass
    /// Each chip's mean, in chip order; empty for the clean pass, which runs on no chip.
    std::vector<ChipAccuracy> per_chip;
    /// Sample standard deviation of the chips' means, % (more than one chip only).
    double chip_std = 0.0;

    /// Chips the passes ran on (0 for the clean pass).
    int chips() const { return static_cast<int>(per_chip.size()); }
    /// The chip with the lowest mean, the first of equals; none without chips.
    std::optional<ChipAccuracy> worst_chip() const;
    /// The binomial standard error of an accuracy over `images` images at `mean`, %: the
    /// sampling error of the test set, all that one pass can tell.
    double binomial_se_pct() const;
    /// Half-width of the 95 % confidence interval of the mean, %: with more than one chip over
    /// the chips' means (Student's t, t975(chips-1) x chip_std / sqrt(chips)); else over the
    /// seeds with more than one pass (t975(n-1) x std / sqrt(n)); else 1.96 x the binomial
    /// standard error.
    double ci95_pct() const;
    /// What ci95_pct() is over, in words (summary.json's ci95_over).
    std::string ci95_over() const;
    /// "90.60 +- 0.12 (mean +- std over 3 seeds; 95 % CI +- 0.30)", with several chips
    /// "90.60 +- 0.12 (mean +- std over 2 chips x 3 seeds; 95 % CI over the chips +- 0.30)",
    /// or with one pass "90.60 (one seed; binomial s.e. 0.29 over 10000 images)": never a
    /// spread of 0. `one` names the single pass ("one seed"; the clean pass: "no noise").
    std::string text(const char* one = "one seed") const;
};

/// The difference between two kinds of pass, paired: each pass of the first kind against the
/// pass of the second on the same chip with the same seed (the same images and, at the analog
/// layers, the same noise draws), or against the clean pass, which runs once. Pairing removes
/// what the two passes share (which images are hard), so a difference is known much better
/// than the two accuracies apart.
struct PairedDifference {
    double mean = 0.0;  ///< points, mean over the pairs
    int pairs = 0;
    int chips = 0;  ///< chips the pairs ran on (0: none)
    /// Both kinds run with noise: a pair met the same noise draws (the streams are keyed by
    /// layer, image and seed, docs/noise.md); against the clean pass only the images are shared.
    bool same_draws = false;
    /// One pair: its interval comes from the discordant images (false: the passes had no
    /// per-image outcomes, and the interval is the unpaired one).
    bool paired_images = true;
    /// Images one pass gets right and the other wrong, over every pair: with one pair these
    /// decide the interval.
    std::int64_t only_first = 0;
    std::int64_t only_second = 0;
    std::int64_t images = 0;  ///< images of each pass
    /// Half-width of the 95 % confidence interval of `mean`, points: with more than one chip
    /// over the chips' mean differences, else over the pairs (Student's t); with one pair over
    /// the images, 1.96 x the standard error of a paired difference of proportions,
    /// sqrt(b + c - (b - c)^2 / n) / n with b, c the discordant images.
    double ci95 = 0.0;
    /// What ci95 is over, in words.
    std::string ci95_over() const;
    /// "+1.94 (95 % CI +1.52 to +2.36, paired over the same images and noise draws)".
    std::string text() const;
};

struct ComponentEnergy {
    std::string component;
    double energy_pJ = 0.0;   ///< per inference
    double power_mW = 0.0;    ///< averaged over the whole inference
    double static_pJ = 0.0;   ///< of energy_pJ: leakage
    double dynamic_pJ = 0.0;  ///< of energy_pJ: actions (wake-ups included)
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
    /// Cycles of the steps that ran beside a block instead of after it (dependence overlap):
    /// cycles = cycles_step_sum - cycles_hidden_by_overlap.
    std::uint64_t cycles_hidden_by_overlap = 0;
    std::uint64_t block_wait_cycles = 0;  ///< the host waiting for a block before a step
    /// Blocks of one inference that ran single-buffered although denoiser.dma_double_buffer
    /// is 1 (two X buffers do not fit, or the weights are streamed).
    std::uint64_t single_buffered_blocks = 0;
    std::int64_t denoiser_blocks = 0;
    std::int64_t crossbars_used = 0;
    std::int64_t denoiser_params = 0;
    std::int64_t backbone_params = 0;
    std::uint64_t scratchpad_words = 0;    ///< CGRA data-memory words per inference
    std::uint64_t denoiser_sram_rows = 0;  ///< denoiser SRAM row accesses per inference
    std::vector<ComponentEnergy> energy;   ///< CGRA components, then "denoiser.*"
    double energy_pJ = 0.0;                ///< per inference, all components
    double static_pJ = 0.0;                ///< of energy_pJ: leakage
    double denoiser_energy_pJ = 0.0;       ///< per inference, the "denoiser.*" components
    double denoiser_static_pJ = 0.0;       ///< of denoiser_energy_pJ: leakage
    /// The denoiser's active window: the time its blocks run per inference (sum of the
    /// denoiser steps' host-observed times, wake-ups included), ns.
    double denoiser_active_ns = 0.0;
    /// The denoiser's leakage power with everything on (its static power while blocks run), mW.
    double denoiser_on_leakage_mW = 0.0;
    std::string denoiser_power_gating;  ///< denoiser.power_gating of the run
    /// The action counts behind `energy`, per inference and per (component, action): with
    /// another energy table, energy_of() of each gives the energy without re-simulating.
    std::vector<EnergyLine> actions;
    /// Reprogramming every analog weight once (recalibration; cgra::program_cost): cells,
    /// energy, time, and its action counts. Not part of the energy per inference.
    std::int64_t recalibration_cells = 0;
    double recalibration_energy_pJ = 0.0;
    double recalibration_time_ns = 0.0;
    std::vector<EnergyLine> recalibration_actions;
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
    std::uint64_t cycles_hidden() const { return cycles_hidden_by_overlap; }
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
    /// Average power of everything over the whole inference (the inference window), mW.
    double power_mW() const { return average_power_mW(energy_pJ, latency_ns()); }
    double static_power_mW() const { return average_power_mW(static_pJ, latency_ns()); }
    double dynamic_power_mW() const { return power_mW() - static_power_mW(); }
    double denoiser_dynamic_pJ() const { return denoiser_energy_pJ - denoiser_static_pJ; }
    /// The denoiser's share of the energy per inference, %.
    double denoiser_share_pct() const {
        return energy_pJ > 0.0 ? 100.0 * denoiser_energy_pJ / energy_pJ : 0.0;
    }
    /// The denoiser's power over the inference window (all its energy / the latency), mW.
    double denoiser_power_inference_mW() const {
        return average_power_mW(denoiser_energy_pJ, latency_ns());
    }
    double denoiser_static_inference_mW() const {
        return average_power_mW(denoiser_static_pJ, latency_ns());
    }
    double denoiser_dynamic_inference_mW() const {
        return average_power_mW(denoiser_dynamic_pJ(), latency_ns());
    }
    /// The denoiser's power while its blocks run (the active window): its on-leakage plus its
    /// dynamic energy (all spent in blocks) over the active window, mW (0 without blocks).
    double denoiser_static_active_mW() const {
        return denoiser_active_ns > 0.0 ? denoiser_on_leakage_mW : 0.0;
    }
    double denoiser_dynamic_active_mW() const {
        return average_power_mW(denoiser_dynamic_pJ(), denoiser_active_ns);
    }
    double denoiser_power_active_mW() const {
        return denoiser_static_active_mW() + denoiser_dynamic_active_mW();
    }
    /// Accuracy over the passes of `kind` (clean, noisy, denoised).
    AccuracySummary accuracy(const std::string& kind) const;
    /// Accuracy of kind `a` minus kind `b`, paired pass by pass (pairs = 0 where either kind
    /// has no pass).
    PairedDifference difference(const std::string& a, const std::string& b) const;
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
/// table: the ADC's energy at cgra.adc_bits), `denoiser_energy` over the timing job and
/// `denoiser_on_leakage_mW` (Denoiser::on_leakage_mW).
ReplayResult assemble_result(const workloads::Graph& g, const ReplayPlan& plan, double clock_mhz,
                             const std::vector<double>& step_ns,
                             const std::vector<std::uint64_t>& block_cycles,
                             const EnergyAccount& denoiser_energy, const EnergyTable& cgra_table,
                             double denoiser_on_leakage_mW = 0.0,
                             const std::optional<OverlapTiming>& overlap = std::nullopt);

}  // namespace dnsim::platform
