// Result assembly.
#include "platform/replay_result.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "models/cgra/layer_cost.h"
#include "workloads/graph/transforms.h"

namespace dnsim::platform {

AccuracySummary ReplayResult::accuracy(const std::string& kind) const {
    AccuracySummary m;
    std::vector<double> v;
    for (const auto& p : passes) {
        if (p.kind == kind)
            v.push_back(p.accuracy_pct());
    }
    m.n = static_cast<int>(v.size());
    if (v.empty())
        return m;
    for (const double x : v)
        m.mean += x;
    m.mean /= static_cast<double>(v.size());
    if (v.size() > 1) {
        for (const double x : v)
            m.std += (x - m.mean) * (x - m.mean);
        m.std = std::sqrt(m.std / static_cast<double>(v.size() - 1));
    }
    return m;
}

ReplayResult assemble_result(const workloads::Graph& g, const ReplayPlan& plan, double clock_mhz,
                             const std::vector<double>& step_ns,
                             const std::vector<std::uint64_t>& block_cycles,
                             const EnergyAccount& denoiser_energy, const EnergyTable& cgra_table,
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
        r.overlap_simulated = true;
        r.cycles = static_cast<std::uint64_t>(std::llround(overlap->latency_ns / cycle_ns));
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
    for (const auto& [component, pj] : cgra_energy.per_component_pJ()) {
        r.energy.push_back({component, pj, average_power_mW(pj, latency)});
        r.energy_pJ += pj;
    }
    for (const auto& [component, pj] : denoiser_energy.per_component_pJ()) {
        r.energy.push_back({"denoiser." + component, pj, average_power_mW(pj, latency)});
        r.energy_pJ += pj;
        r.denoiser_energy_pJ += pj;
    }
    for (const EnergyLine& l : denoiser_energy.lines()) {
        if (l.action == "sram_word")
            r.denoiser_sram_words += static_cast<std::uint64_t>(l.count);
    }
    r.actions = cgra_energy.totals();
    for (EnergyLine l : denoiser_energy.totals()) {
        l.component = "denoiser." + l.component;
        r.actions.push_back(std::move(l));
    }
    return r;
}

}  // namespace dnsim::platform
