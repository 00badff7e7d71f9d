// Full-network replay: validation, the simulation run, the passes' tallies.
#include "platform/replay.h"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "models/cgra/adc_energy.h"
#include "models/common/config_error.h"
#include "models/common/worker_pool.h"
#include "models/denoiser/tile_plan.h"
#include "platform/job_data.h"
#include "platform/replay_keys.h"
#include "platform/replay_schedule.h"
#include "platform/simulation.h"

namespace dnsim::platform {

using workloads::Graph;

void ReplayConfig::validate() const {
    replay_hardware_keys<ReplayConfig>().check(*this);
    replay_run_keys<ReplayConfig>().check(*this);
}

namespace {

/// Every block's C_r must come back from the RATIO register the driver writes (C_r / C).
/// Every denoiser block can be programmed (its C_r through the RATIO register) and planned in
/// the accelerator's SRAMs (at the base addresses 0 the replay programs): a block that cannot is
/// one error naming it and the key to change before the simulation starts, not an error code
/// in the middle of it.
void check_blocks(const ReplayPlan& plan, const denoiser::DenoiserConfig& accelerator) {
    for (const Step& s : plan.steps) {
        if (s.kind != StepKind::Denoiser)
            continue;
        const auto c = static_cast<unsigned>(s.out_dims[1]);
        const double ratio = static_cast<double>(s.reduced_channels) / c;
        const denoiser::BlockShape shape{c, static_cast<unsigned>(s.out_dims[2]),
                                         static_cast<unsigned>(s.out_dims[3])};
        if (denoiser::reduced_channels(shape, ratio) != s.reduced_channels) {
            throw ConfigError(s.name, fmt::format("C_r = {} of C = {} cannot be programmed "
                                                  "through the RATIO register",
                                                  s.reduced_channels, c));
        }
        try {
            denoiser::plan_block(accelerator, shape, static_cast<unsigned>(s.reduced_channels), 0,
                                 0);
        } catch (const ConfigError& e) {
            throw ConfigError(
                s.name, fmt::format("the denoiser accelerator cannot hold this "
                                    "block, {}x{}x{} with C_r {}: {}",
                                    c, shape.height, shape.width, s.reduced_channels, e.what()));
        }
    }
}

}  // namespace

ReplayResult run_replay(const Graph& g, const workloads::Dataset* data, const ReplayConfig& cfg) {
    cfg.validate();
    g.validate(g.name);
    const ReplayPlan plan = make_replay_plan(g, cfg.soc.cgra);
    if (data != nullptr) {
        g.require_weight_values("an accuracy replay");
        workloads::check_dataset_for_model(*data, g);
    }
    check_blocks(plan, cfg.soc.denoiser);

    const Schedule schedule =
        make_schedule(g, plan, data != nullptr ? data->size() : 0,
                      {cfg.seed, cfg.seeds, cfg.chips, cfg.noise.chip_seed}, cfg.batch, cfg.passes);
    std::vector<PassResult> passes(schedule.passes.size());
    for (std::size_t p = 0; p < passes.size(); ++p) {
        passes[p].kind = schedule.passes[p].kind;
        passes[p].seed = schedule.passes[p].seed;
        passes[p].chip = schedule.passes[p].chip;
    }
    WorkerPool pool(cfg.threads);
    const workloads::Dataset empty;
    JobData job_data(g, plan, data != nullptr ? *data : empty, cfg.soc.format, pool);
    std::size_t next = 0;
    Soc* soc_ptr = nullptr;
    EnergyAccount denoiser_energy(cfg.energy_table);
    double denoiser_on_leakage_mW = 0.0;
    std::chrono::steady_clock::time_point functional_start;
    std::uint64_t single_buffered = 0;  // blocks of the timing job that fell back
    std::int64_t done = 0;
    // Tallies the job just finished: after the timing job, the denoiser's energy over one
    // inference; after an accuracy job, its correct predictions (and logits).
    const auto finish_job = [&](const ScheduledJob& job) {
        if (job.pass < 0) {
            double elapsed = 0.0;
            double active = 0.0;
            for (std::size_t i = 0; i < plan.steps.size(); ++i) {
                elapsed += soc_ptr->step_ns()[i];
                if (plan.steps[i].kind == StepKind::Denoiser)
                    active += soc_ptr->step_ns()[i];
            }
            // Blocks beside later steps: the inference lasts its simulated time, not the sum.
            if (cfg.soc.denoiser_overlap == DenoiserOverlap::Dependence)
                elapsed = soc_ptr->recorded_ns();
            denoiser_energy = soc_ptr->denoiser().energy(cfg.energy_table, active, elapsed);
            denoiser_on_leakage_mW = soc_ptr->denoiser().on_leakage_mW(cfg.energy_table);
            single_buffered = soc_ptr->denoiser().control().stats().value("single_buffered_blocks");
            functional_start = std::chrono::steady_clock::now();
            return;
        }
        PassResult& pr = passes[static_cast<std::size_t>(job.pass)];
        if (pr.hits.empty())
            pr.hits.assign(static_cast<std::size_t>(data->size()), 0);
        pr.correct += job_data.correct(&pr.hits);
        if (cfg.keep_logits)
            job_data.append_logits(pr.logits);
        pr.images += job.images;
        done += job.images;
        if (cfg.progress)
            cfg.progress(done, schedule.images);
    };
    JobSource source = [&]() -> std::optional<ReplayJob> {
        if (next > 0)
            finish_job(schedule.jobs[next - 1]);
        if (next == schedule.jobs.size())
            return std::nullopt;
        const ScheduledJob& job = schedule.jobs[next++];
        if (job.pass < 0)
            return ReplayJob{1, true, true, true, cfg.seed, nullptr};
        const Pass& pass = schedule.passes[static_cast<std::size_t>(job.pass)];
        job_data.start(pass, job.first, job.images);
        return ReplayJob{job.images, pass.denoisers, cfg.denoiser_path == DenoiserPath::Tlm,
                         false,      pass.seed,      &job_data};
    };
    begin_simulation("run_replay");
    Soc soc("soc", cfg.soc, cfg.noise, g, plan, source, &pool);
    soc_ptr = &soc;
    soc.set_timeline(cfg.timeline);
    sc_core::sc_start();
    end_simulation();
    soc.rethrow_failure();

    ReplayResult r = assemble_result(
        g, plan, cfg.soc.cgra.clock_mhz, soc.step_ns(), soc.denoiser_cycles(), denoiser_energy,
        cgra::charged_energy_table(cfg.energy_table, cfg.soc.cgra.analog), denoiser_on_leakage_mW,
        cfg.soc.denoiser_overlap == DenoiserOverlap::Dependence
            ? std::optional<OverlapTiming>(OverlapTiming{soc.recorded_ns(), soc.block_wait_ns()})
            : std::nullopt);
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        if (plan.steps[i].kind != StepKind::Denoiser)
            continue;
        for (std::size_t k = 0; k < denoiser::kPhaseCount; ++k) {
            r.steps[i].phase_cycles.emplace_back(
                denoiser::phase_name(static_cast<denoiser::Phase>(k)),
                soc.denoiser_phase_cycles()[i][k]);
        }
    }
    r.denoiser_power_gating = denoiser::to_string(cfg.soc.denoiser.power.gating);
    r.single_buffered_blocks = single_buffered;
    if (data != nullptr) {
        r.functional_wall_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - functional_start)
                .count();
        r.functional_images = schedule.images;
    }
    r.passes = std::move(passes);
    return r;
}

}  // namespace dnsim::platform
