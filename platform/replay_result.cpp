// Result assembly.
#include "platform/replay_result.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "models/cgra/layer_cost.h"
#include "models/common/stats.h"
#include "workloads/graph/transforms.h"

namespace dnsim::platform {

namespace {

/// Mean and sample standard deviation (0 for fewer than two values) of `v`.
std::pair<double, double> mean_and_std(const std::vector<double>& v) {
    double mean = 0.0;
    for (const double x : v)
        mean += x;
    mean /= static_cast<double>(std::max<std::size_t>(v.size(), 1));
    double ss = 0.0;
    for (const double x : v)
        ss += (x - mean) * (x - mean);
    return {mean, v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0};
}

/// Half-width of the 95 % confidence interval of the mean of `n` samples with sample standard
/// deviation `std` (Student's t).
double t_interval(double std, int n) {
    return t975(n - 1) * std / std::sqrt(static_cast<double>(n));
}

}  // namespace

AccuracySummary ReplayResult::accuracy(const std::string& kind) const {
    AccuracySummary m;
    std::vector<double> v;
    // Each chip's accuracies, in chip order (the passes run chip by chip).
    std::vector<std::pair<ChipId, std::vector<double>>> chips;
    for (const auto& p : passes) {
        if (p.kind != kind)
            continue;
        v.push_back(p.accuracy_pct());
        m.images = p.images;
        if (!p.chip)
            continue;
        if (chips.empty() || chips.back().first.index != p.chip->index)
            chips.push_back({*p.chip, {}});
        chips.back().second.push_back(p.accuracy_pct());
    }
    m.n = static_cast<int>(v.size());
    if (v.empty())
        return m;
    std::tie(m.mean, m.std) = mean_and_std(v);
    std::vector<double> chip_means;
    for (const auto& [chip, acc] : chips) {
        m.per_chip.push_back({chip, mean_and_std(acc).first});
        chip_means.push_back(m.per_chip.back().mean);
    }
    m.chip_std = mean_and_std(chip_means).second;
    return m;
}

PairedDifference ReplayResult::difference(const std::string& a, const std::string& b) const {
    PairedDifference d;
    std::vector<double> diffs;
    // Each chip's differences, in chip order.
    std::vector<std::pair<unsigned, std::vector<double>>> chips;
    // A pass's binomial variance, %^2.
    const auto binomial_var = [](const PassResult& r) {
        const double f = r.accuracy_pct() / 100.0;
        return r.images > 0 ? 1e4 * f * (1.0 - f) / static_cast<double>(r.images) : 0.0;
    };
    bool counted = false;       // the discordant images were counted (both passes kept their hits)
    double unpaired_var = 0.0;  // of the last pair, from the two binomial errors, %^2
    for (const auto& p : passes) {
        if (p.kind != a)
            continue;
        for (const auto& q : passes) {
            if (q.kind != b)
                continue;
            // The clean pass runs on no chip and pairs with every pass; passes on chips pair
            // on the same chip with the same seed.
            if (p.chip && q.chip && (p.chip->index != q.chip->index || p.seed != q.seed))
                continue;
            diffs.push_back(p.accuracy_pct() - q.accuracy_pct());
            d.same_draws = p.chip && q.chip;
            d.images = p.images;
            unpaired_var = binomial_var(p) + binomial_var(q);
            if (!p.hits.empty() && p.hits.size() == q.hits.size()) {
                counted = true;
                for (std::size_t i = 0; i < p.hits.size(); ++i) {
                    d.only_first += p.hits[i] > q.hits[i];
                    d.only_second += p.hits[i] < q.hits[i];
                }
            }
            const auto& chip = p.chip ? p.chip : q.chip;
            if (!chip)
                continue;
            if (chips.empty() || chips.back().first != chip->index)
                chips.push_back({chip->index, {}});
            chips.back().second.push_back(diffs.back());
        }
    }
    d.pairs = static_cast<int>(diffs.size());
    d.chips = static_cast<int>(chips.size());
    if (diffs.empty())
        return d;
    double spread = 0.0;
    std::tie(d.mean, spread) = mean_and_std(diffs);
    if (d.chips > 1) {
        std::vector<double> chip_means;
        for (const auto& [chip, v] : chips)
            chip_means.push_back(mean_and_std(v).first);
        d.ci95 = t_interval(mean_and_std(chip_means).second, d.chips);
    } else if (d.pairs > 1) {
        d.ci95 = t_interval(spread, d.pairs);
    } else if (!counted) {
        // Passes without their per-image outcomes cannot be paired: the unpaired interval.
        d.paired_images = false;
        d.ci95 = 1.959964 * std::sqrt(unpaired_var);
    } else if (d.images > 0) {
        const auto n = static_cast<double>(d.images);
        const auto b1 = static_cast<double>(d.only_first);
        const auto c1 = static_cast<double>(d.only_second);
        const double var = std::max(0.0, b1 + c1 - (b1 - c1) * (b1 - c1) / n);
        d.ci95 = 1.959964 * 100.0 * std::sqrt(var) / n;
    }
    return d;
}

std::string PairedDifference::ci95_over() const {
    if (chips > 1) {
        return fmt::format("chips: Student's t over the {} chips' mean differences", chips);
    }
    if (pairs > 1)
        return "pairs: Student's t over the pairs' differences";
    return paired_images ? "images: one pair, 1.96 x the standard error of a paired difference "
                           "of proportions (the images one pass gets right and the other wrong)"
                         : "images: one pair without per-image outcomes, 1.96 x the two "
                           "binomial standard errors combined (unpaired)";
}

std::string PairedDifference::text() const {
    if (pairs == 0)
        return "-";
    if (!paired_images) {
        return fmt::format("{:+.2f} (95 % CI {:+.2f} to {:+.2f}, unpaired: no per-image outcomes)",
                           mean, mean - ci95, mean + ci95);
    }
    return fmt::format("{:+.2f} (95 % CI {:+.2f} to {:+.2f}, paired over the same images{}{})",
                       mean, mean - ci95, mean + ci95, same_draws ? " and noise draws" : "",
                       chips > 1 ? fmt::format(" and chips, over {} chips", chips)
                                 : (pairs > 1 ? fmt::format(", over {} pairs", pairs) : ""));
}

std::optional<ChipAccuracy> AccuracySummary::worst_chip() const {
    if (per_chip.empty())
        return std::nullopt;
    return *std::min_element(
        per_chip.begin(), per_chip.end(),
        [](const ChipAccuracy& a, const ChipAccuracy& b) { return a.mean < b.mean; });
}

double AccuracySummary::binomial_se_pct() const {
    if (images <= 0)
        return 0.0;
    const double p = mean / 100.0;
    return 100.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(images));
}

double AccuracySummary::ci95_pct() const {
    if (chips() > 1)
        return t_interval(chip_std, chips());
    if (n > 1)
        return t_interval(std, n);
    return 1.959964 * binomial_se_pct();
}

std::string AccuracySummary::ci95_over() const {
    if (chips() > 1) {
        return fmt::format(
            "chips: Student's t over the {} chips' mean accuracies (the chips are the "
            "independent samples; a chip's seeds share its programmed weights)",
            chips());
    }
    return n > 1 ? "seeds: Student's t over the seeds' accuracies"
                 : "images: one seed, 1.96 x the binomial standard error";
}

std::string AccuracySummary::text(const char* one) const {
    if (chips() > 1) {
        const int seeds = n / chips();
        return fmt::format(
            "{:.2f} +- {:.2f} (mean +- std over {} chips x {} seed{}; 95 % CI over the chips "
            "+- {:.2f})",
            mean, std, chips(), seeds, seeds == 1 ? "" : "s", ci95_pct());
    }
    if (n > 1) {
        return fmt::format("{:.2f} +- {:.2f} (mean +- std over {} seeds; 95 % CI +- {:.2f})", mean,
                           std, n, ci95_pct());
    }
    return fmt::format("{:.2f} ({}; binomial s.e. {:.2f} over {} images)", mean, one,
                       binomial_se_pct(), images);
}

ReplayResult assemble_result(const workloads::Graph& g, const ReplayPlan& plan, double clock_mhz,
                             const std::vector<double>& step_ns,
                             const std::vector<std::uint64_t>& block_cycles,
                             const EnergyAccount& denoiser_energy, const EnergyTable& cgra_table,
                             double denoiser_on_leakage_mW,
                             const std::optional<OverlapTiming>& overlap) {
    ReplayResult r;
    r.model = g.name;
    r.clock_mhz = clock_mhz;
    const double cycle_ns = 1000.0 / clock_mhz;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& s = plan.steps[i];
        StepReport sr;
        sr.name = s.name;
        sr.op = s.op;
        sr.kind = s.kind;
        sr.time_ns = step_ns[i];
        sr.cycles = static_cast<std::uint64_t>(std::llround(sr.time_ns / cycle_ns));
        sr.crossbars = s.cost.crossbars;
        sr.replication = s.cost.replication;
        sr.macs = s.macs;
        sr.block_cycles = block_cycles[i];
        r.cycles += sr.cycles;
        if (s.kind == StepKind::Denoiser) {
            r.denoiser_cycles += sr.cycles;
            r.denoiser_active_ns += sr.time_ns;
            ++r.denoiser_blocks;
        } else {
            r.cycles_without_denoisers += sr.cycles;
        }
        r.scratchpad_words += s.cost.scratchpad_words;
        r.steps.push_back(std::move(sr));
    }
    r.cycles_step_sum = r.cycles;
    if (overlap) {
        // Blocks ran beside later steps: the latency is the simulated time, not the step sum.
        // The hidden time is rounded once, from the nanoseconds: step cycles are each rounded,
        // so a latency rounded on its own could exceed their sum at a clock that does not
        // divide the step times.
        r.overlap_simulated = true;
        double step_sum_ns = 0.0;
        for (const double ns : step_ns)
            step_sum_ns += ns;
        const auto hidden =
            std::llround(std::max(0.0, step_sum_ns - overlap->latency_ns) / cycle_ns);
        r.cycles_hidden_by_overlap =
            std::min(r.cycles_step_sum, static_cast<std::uint64_t>(hidden));
        r.cycles = r.cycles_step_sum - r.cycles_hidden_by_overlap;
        r.block_wait_cycles =
            static_cast<std::uint64_t>(std::llround(overlap->block_wait_ns / cycle_ns));
    }
    // The computed what-if (not simulated): each block runs while the next layer computes
    // (pipelined over images), so it costs only what the next layer does not hide.
    r.cycles_overlapped = r.cycles_step_sum;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        if (plan.steps[i].kind != StepKind::Denoiser)
            continue;
        std::uint64_t hide = 0;
        for (std::size_t j = i + 1; j < r.steps.size(); ++j) {
            if (plan.steps[j].kind == StepKind::Analog) {
                hide = r.steps[j].cycles;
                break;
            }
        }
        r.cycles_overlapped -= std::min(hide, r.steps[i].cycles);
    }
    r.crossbars_used = plan.crossbars_used;
    r.denoiser_params = workloads::denoiser_parameter_count(g);
    r.backbone_params = g.parameter_count() - r.denoiser_params;

    // Energy per inference: CGRA actions of one image from the plan, denoiser from the timing job.
    EnergyAccount cgra_energy(cgra_table);
    for (const Step& s : plan.steps) {
        if (s.kind == StepKind::Analog || s.kind == StepKind::Digital)
            cgra::charge(s.cost, cgra_energy);
    }
    const double latency = r.latency_ns();
    r.denoiser_on_leakage_mW = denoiser_on_leakage_mW;
    const auto add = [&](const std::string& component, const EnergyAccount& acc,
                         const std::string& name, bool denoiser) {
        ComponentEnergy e{name, 0.0, 0.0, 0.0, 0.0};
        for (const EnergyLine& l : acc.lines()) {
            if (l.component != component)
                continue;
            (l.kind == EnergyEntry::Kind::leakage_uW ? e.static_pJ : e.dynamic_pJ) += l.energy_pJ;
        }
        e.energy_pJ = e.static_pJ + e.dynamic_pJ;
        e.power_mW = average_power_mW(e.energy_pJ, latency);
        r.energy_pJ += e.energy_pJ;
        r.static_pJ += e.static_pJ;
        if (denoiser) {
            r.denoiser_energy_pJ += e.energy_pJ;
            r.denoiser_static_pJ += e.static_pJ;
        }
        r.energy.push_back(std::move(e));
    };
    for (const auto& component : cgra_energy.per_component_pJ())
        add(component.first, cgra_energy, component.first, false);
    for (const auto& component : denoiser_energy.per_component_pJ())
        add(component.first, denoiser_energy, "denoiser." + component.first, true);
    for (const EnergyLine& l : denoiser_energy.lines()) {
        if (l.action == "weight_sram_row" || l.action == "activation_sram_row")
            r.denoiser_sram_rows += static_cast<std::uint64_t>(l.count);
    }
    r.actions = cgra_energy.totals();
    // Recalibration: every analog layer's crossbars reprogrammed, all at once.
    EnergyAccount program_energy(cgra_table);
    for (const Step& s : plan.steps) {
        if (s.kind != StepKind::Analog)
            continue;
        const cgra::ProgramCost p = cgra::program_cost(s.analog, plan.cgra, s.cost.replication);
        r.recalibration_cells += p.cells;
        r.recalibration_time_ns = std::max(r.recalibration_time_ns, p.time_ns);
        for (const auto& [component, actions] : p.actions) {
            for (const auto& [action, count] : actions)
                program_energy.add_dynamic(component, action, count);
        }
    }
    r.recalibration_energy_pJ = program_energy.total_pJ();
    r.recalibration_actions = program_energy.totals();
    for (EnergyLine l : denoiser_energy.totals()) {
        l.component = "denoiser." + l.component;
        r.actions.push_back(std::move(l));
    }
    return r;
}

}  // namespace dnsim::platform
