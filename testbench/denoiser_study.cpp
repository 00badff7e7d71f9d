// The denoiser study: bench, references, energy, console table and JSON.
#include "testbench/denoiser_study.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/config_schema.h"
#include "models/common/output_files.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"
#include "models/denoiser/block_reference.h"
#include "models/denoiser/registers.h"
#include "models/denoiser/tile_plan.h"
#include "platform/simulation.h"
#include "testbench/config_keys.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"
#include "testbench/systolic_vcd.h"

namespace dnsim::tb {

using namespace dnsim::denoiser;
using platform::DenoiserBench;
using platform::DenoiserJob;

const config::KeySet<DenoiserStudyOptions>& denoiser_study_keys() {
    static const config::KeySet<DenoiserStudyOptions> k = [] {
        using config::ours;
        using O = DenoiserStudyOptions;
        config::KeySet<O> s;
        s.nest(
            DenoiserConfig::keys(), [](auto& o) -> auto& { return o.bench.config; });
        s.nest(
            BlockShape::keys(), [](auto& o) -> auto& { return o.bench.shape; });
        s.nest(
            BlockFormat::keys(), [](auto& o) -> auto& { return o.bench.format; });
        s.add(
             "block.asram_base", [](auto& o) -> auto& { return o.bench.asram_base; })
            .help("ASRAM_BASE register: where the block's tiles start in the activation SRAM")
            .doc_unit("bytes")
            .origin(
                ours("0: the block at the start of the SRAM, as a host with one block places it"));
        s.add(
             "block.wsram_base", [](auto& o) -> auto& { return o.bench.wsram_base; })
            .help("WSRAM_BASE register: where the block's weights start in the weight SRAM")
            .doc_unit("bytes")
            .origin(ours("0: as block.asram_base"));
        declare_run_seed(s, &O::seed);
        s.add("run.runs", &O::runs)
            .range(1U, kMaxRuns)
            .help(
                "block invocations, weights resident; their inputs and outputs are held in "
                "memory (at most 4 GiB)")
            .origin(ours("one block invocation: the cycles and energy of one image"));
        s.nest(EnergyTable::keys(), &O::energy);
        return s;
    }();
    return k;
}

std::vector<std::int16_t> synthetic_activations(const BlockShape& shape, const BlockFormat& fmt,
                                                std::uint64_t seed, std::uint64_t run) {
    Rng rng(seed, {streams::kSyntheticActivations, run, shape.channels, shape.height, shape.width});
    const FixedFormat af = fmt.activation();
    std::vector<std::int16_t> x(shape.elements());
    for (auto& v : x) {
        const double clean = std::abs(rng.normal());
        v = af.quantize(clean + 0.06 * clean * rng.normal());
    }
    return x;
}

namespace {

struct Verification {
    bool ran = false;
    bool bit_identical = true;
    std::uint64_t mismatches = 0;
    double float_max_abs_error = 0.0;
    double float_max_bound = 0.0;
    std::uint64_t bound_violations = 0;
};

Verification verify(const DenoiserStudyOptions& opt, const BlockWeights& wq,
                    const std::vector<DenoiserJob>& jobs, const DenoiserBench& bench) {
    Verification v;
    v.ran = true;
    const BlockFormat& fmt = opt.bench.format;
    const FixedFormat af = fmt.activation();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const ReferenceTrace ref = reference_block(jobs[i].x, opt.bench.shape, wq, fmt,
                                                   jobs[i].seed, opt.bench.config.lanes);
        const auto& out = bench.results()[i].out;
        for (std::size_t k = 0; k < ref.out.size(); ++k) {
            v.mismatches += (k >= out.size() || out[k] != ref.out[k]) ? 1U : 0U;
        }
        if (i == 0) {
            std::vector<double> xd(jobs[i].x.size()), zd(ref.normal.size());
            for (std::size_t k = 0; k < xd.size(); ++k) {
                xd[k] = af.to_double(jobs[i].x[k]);
                zd[k] = std::ldexp(static_cast<double>(ref.normal[k]), -kNormalFracBits);
            }
            const FloatResult fr =
                float_reference(xd, opt.bench.shape, dequantize_block(wq, fmt), fmt, zd);
            for (std::size_t k = 0; k < fr.out.size(); ++k) {
                const double err = std::abs(af.to_double(ref.out[k]) - fr.out[k]);
                v.float_max_abs_error = std::max(v.float_max_abs_error, err);
                v.float_max_bound = std::max(v.float_max_bound, fr.bound[k]);
                v.bound_violations += err > fr.bound[k] ? 1U : 0U;
            }
        }
    }
    v.bit_identical = v.mismatches == 0;
    return v;
}

/// The block a study runs: its reduced channel count, tile plan, quantised weights and one job
/// (input and seed register) per run.
struct StudySetup {
    unsigned reduced = 0;
    TilePlan plan;
    BlockWeights weights;
    std::vector<DenoiserJob> jobs;
};

/// Refuses a block whose runs' inputs and outputs, all held in memory, exceed kMaxRunsBytes.
void check_runs_memory(const DenoiserStudyOptions& opt) {
    // Every run's input is built up front and every output kept (16-bit words each).
    const std::uint64_t run_bytes = opt.bench.shape.elements() * 4U;
    const auto gib = [](std::uint64_t bytes) { return static_cast<double>(bytes) / (1U << 30); };
    if (run_bytes > kMaxRunsBytes) {
        throw ConfigError("block.channels x block.height x block.width",
                          fmt::format("a {}x{}x{} block needs {:.1f} GiB for its input and "
                                      "output; accepted: at most {:.0f} GiB",
                                      opt.bench.shape.channels, opt.bench.shape.height,
                                      opt.bench.shape.width, gib(run_bytes), gib(kMaxRunsBytes)));
    }
    if (run_bytes * opt.runs > kMaxRunsBytes) {
        throw ConfigError("run.runs",
                          fmt::format("{} runs of a {}x{}x{} block need {:.1f} GiB for their "
                                      "inputs and outputs, all held in memory; accepted: at most "
                                      "{} runs of this block ({:.0f} GiB)",
                                      opt.runs, opt.bench.shape.channels, opt.bench.shape.height,
                                      opt.bench.shape.width, gib(run_bytes * opt.runs),
                                      kMaxRunsBytes / run_bytes, gib(kMaxRunsBytes)));
    }
}

StudySetup prepare_study(const DenoiserStudyOptions& opt) {
    StudySetup s;
    s.reduced = reduced_channels(opt.bench.shape, opt.bench.format.bottleneck_ratio);
    s.plan = plan_block(opt.bench.config, opt.bench.shape, s.reduced, opt.bench.asram_base,
                        opt.bench.wsram_base);
    check_runs_memory(opt);
    s.weights = quantize_block(
        synthetic_block_weights(opt.bench.shape.channels, s.reduced, opt.seed), opt.bench.format);
    for (unsigned r = 0; r < opt.runs; ++r) {
        s.jobs.push_back({synthetic_activations(opt.bench.shape, opt.bench.format, opt.seed, r),
                          derive_key(opt.seed, {streams::kStudySeedRegister, r}), 1});
    }
    return s;
}

/// Refuses the study when the denoiser rejected any block run.
void check_runs_done(const DenoiserBench& bench) {
    for (std::size_t i = 0; i < bench.results().size(); ++i) {
        const auto& r = bench.results()[i];
        if (!reg::status_done.in(r.status)) {
            throw ConfigError(
                "", fmt::format("the denoiser rejected block run {}: error code {} "
                                "({})",
                                i, r.error_code, bench.denoiser().control().last_error()));
        }
    }
}

/// Cycles, time, energy and average power of all runs together.
struct StudyTotals {
    std::uint64_t cycles;
    double time_ns;
    EnergyAccount energy;
    double energy_pJ;
    double power_mW;  ///< over the block time (the active window)
    double static_mW;
    double dynamic_mW;
};

StudyTotals study_totals(const Denoiser& d, const EnergyTable& table) {
    const std::uint64_t cycles = d.control().total_cycles();
    const double time_ns = d.clock().cycles_to_ns(cycles);
    // The window is the blocks' time: everything is on while they run (wake-ups included).
    EnergyAccount energy = d.energy(table, time_ns, time_ns);
    const double energy_pJ = energy.total_pJ();
    double static_pJ = 0.0;
    for (const EnergyLine& l : energy.lines()) {
        if (l.kind == EnergyEntry::Kind::leakage_uW)
            static_pJ += l.energy_pJ;
    }
    const double power = average_power_mW(energy_pJ, time_ns);
    const double static_mW = average_power_mW(static_pJ, time_ns);
    return {cycles, time_ns, std::move(energy), energy_pJ, power, static_mW, power - static_mW};
}

/// The console table: block and tiling, cycles per phase, memory traffic, energy per component
/// and the verification.
void print_study(std::ostream& out, const DenoiserStudyOptions& opt, const StudySetup& setup,
                 const Denoiser& d, const StudyTotals& totals, const Verification& ver,
                 double sim_wall_ms) {
    const Clock& clk = d.clock();
    const auto& shape = opt.bench.shape;
    const unsigned reduced = setup.reduced;
    const TilePlan& plan = setup.plan;
    fmt::print(out,
               "dnsim denoiser: {}x{}x{} block, C_r = {}, {} params; {} cores of {}x{}, "
               "{} lanes, {} MHz; {} run(s)\n",
               shape.channels, shape.height, shape.width, reduced,
               BlockWeights::parameter_count(shape.channels, reduced), opt.bench.config.cores,
               opt.bench.config.array_rows, opt.bench.config.array_cols, opt.bench.config.lanes,
               clk.freq_mhz(), opt.runs);
    fmt::print(out, "tiling: {} tile(s) of {} row(s); weights {}\n\n", plan.tiles.size(),
               plan.tile_rows,
               plan.weights_resident ? "resident" : "streamed per tile (do not fit)");
    fmt::print(out, "{:<16}{:>14}{:>12}{:>9}\n", "phase", "cycles", "time_ns", "share");
    for (std::size_t p = 0; p < kPhaseCount; ++p) {
        const std::uint64_t c = d.control().phase_cycles()[p];
        fmt::print(out, "{:<16}{:>14}{:>12.0f}{:>8.1f}%\n", phase_name(static_cast<Phase>(p)), c,
                   clk.cycles_to_ns(c),
                   totals.cycles
                       ? 100.0 * static_cast<double>(c) / static_cast<double>(totals.cycles)
                       : 0.0);
    }
    fmt::print(out, "{:<16}{:>14}{:>12.0f}\n\n", "total", totals.cycles, totals.time_ns);
    fmt::print(out, "{:<16}{:>14}{:>14}\n", "memory", "reads_words", "writes_words");
    for (const Sram* s : {&d.weight_sram(), &d.activation_sram()}) {
        fmt::print(out, "{:<16}{:>14}{:>14}\n",
                   s == &d.weight_sram() ? "weight_sram" : "activation_sram",
                   s->stats().value("reads"), s->stats().value("writes"));
    }
    fmt::print(out, "{:<16}{:>14}{:>14}\n\n", "interface",
               d.control().stats().value("interface_read_words"),
               d.control().stats().value("interface_write_words"));
    fmt::print(out, "{:<16}{:>14}{:>9}\n", "component", "energy_pJ", "share");
    for (const auto& [name, pj] : totals.energy.per_component_pJ()) {
        fmt::print(out, "{:<16}{:>14.1f}{:>8.1f}%\n", name, pj, 100.0 * pj / totals.energy_pJ);
    }
    fmt::print(out, "{:<16}{:>14.1f}\n", "total", totals.energy_pJ);
    fmt::print(out,
               "power while the block(s) run: {:.3f} mW (static {:.3f} + dynamic {:.3f}; "
               "denoiser.power_gating = {}, {} wake-up(s))\n",
               totals.power_mW, totals.static_mW, totals.dynamic_mW,
               to_string(d.config().power.gating), d.control().stats().value("wake_ups"));
    if (ver.ran) {
        fmt::print(out,
                   "verification: {} vs the C++ fixed-point reference ({} mismatching "
                   "elements); float reference max |error| {:.3g} (bound {:.3g}, {} violations)\n",
                   ver.bit_identical ? "bit-identical" : "MISMATCH", ver.mismatches,
                   ver.float_max_abs_error, ver.float_max_bound, ver.bound_violations);
    }
    fmt::print(out, "wall time: {:.1f} ms (elaboration + simulation)\n", sim_wall_ms);
}

/// Every counter of the denoiser's control, cores, lanes, LeakyReLU and SRAMs, by
/// group.counter.
nlohmann::ordered_json denoiser_stats_json(const Denoiser& d) {
    nlohmann::ordered_json stats;
    const auto dump = [&stats](const StatGroup& g) {
        for (const auto& c : g.counters()) {
            stats[g.name() + "." + c.name] = {{"value", c.value}, {"unit", c.unit}};
        }
    };
    dump(d.control().stats());
    for (const auto& c : d.cores()) {
        dump(c.stats());
    }
    for (const auto& l : d.lanes()) {
        dump(l.stats());
    }
    dump(d.leaky_relu().stats());
    dump(d.weight_sram().stats());
    dump(d.activation_sram().stats());
    return stats;
}

/// denoiser.json: the configuration, block, plan, cycles, memory traffic, energy, counters and
/// the verification.
nlohmann::ordered_json study_json(const DenoiserStudyOptions& opt, const StudySetup& setup,
                                  const DenoiserBench& bench, const StudyTotals& totals,
                                  const Verification& ver, double wall_s) {
    const Denoiser& d = bench.denoiser();
    const auto& shape = opt.bench.shape;
    const unsigned reduced = setup.reduced;
    const TilePlan& plan = setup.plan;
    nlohmann::ordered_json j;
    j["schema_version"] = kResultSchemaVersion;
    j["tool"] = "dnsim";
    j["command"] = "denoiser";
    nlohmann::ordered_json cfg;
    for (const auto& [k, v] : opt.effective_config) {
        cfg[k] = v;
    }
    j["config"] = cfg;
    j["block"] = {{"channels", shape.channels},
                  {"height", shape.height},
                  {"width", shape.width},
                  {"reduced_channels", reduced},
                  {"parameters", BlockWeights::parameter_count(shape.channels, reduced)},
                  {"runs", opt.runs}};
    j["plan"] = {{"tiles", plan.tiles.size()},
                 {"tile_rows", plan.tile_rows},
                 {"activation_footprint_words", plan.activation_words},
                 {"weights_resident", plan.weights_resident}};
    nlohmann::ordered_json phases;
    for (std::size_t p = 0; p < kPhaseCount; ++p) {
        phases[phase_name(static_cast<Phase>(p))] = d.control().phase_cycles()[p];
    }
    j["phase_cycles"] = phases;
    j["total_cycles"] = totals.cycles;
    nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
    for (const auto& r : bench.results()) {
        blocks.push_back({{"cycles", r.cycles},
                          {"start_ns", r.start.to_seconds() * 1e9},
                          {"end_ns", r.end.to_seconds() * 1e9}});
    }
    j["blocks"] = blocks;
    j["clock_mhz"] = d.clock().freq_mhz();
    j["time_ns"] = totals.time_ns;
    j["sram"] = {{"weight_sram",
                  {{"reads_words", d.weight_sram().stats().value("reads")},
                   {"writes_words", d.weight_sram().stats().value("writes")},
                   {"read_rows", d.weight_sram().stats().value("read_rows")},
                   {"write_rows", d.weight_sram().stats().value("write_rows")}}},
                 {"activation_sram",
                  {{"reads_words", d.activation_sram().stats().value("reads")},
                   {"writes_words", d.activation_sram().stats().value("writes")},
                   {"read_rows", d.activation_sram().stats().value("read_rows")},
                   {"write_rows", d.activation_sram().stats().value("write_rows")}}}};
    j["interface"] = {{"read_words", d.control().stats().value("interface_read_words")},
                      {"write_words", d.control().stats().value("interface_write_words")}};
    nlohmann::ordered_json comp;
    for (const auto& [name, pj] : totals.energy.per_component_pJ()) {
        comp[name] = pj;
    }
    j["energy_pJ"] = comp;
    nlohmann::ordered_json lines = nlohmann::ordered_json::array();
    for (const auto& l : totals.energy.lines()) {
        lines.push_back({{"component", l.component},
                         {"action", l.action},
                         {"count", l.count},
                         {"energy_pJ", l.energy_pJ}});
    }
    j["energy_lines"] = lines;
    j["total_energy_pJ"] = totals.energy_pJ;
    j["average_power_mW"] = totals.power_mW;  // over the block time
    j["static_power_mW"] = totals.static_mW;
    j["dynamic_power_mW"] = totals.dynamic_mW;
    j["power_gating"] = to_string(d.config().power.gating);
    j["stats"] = denoiser_stats_json(d);
    if (ver.ran) {
        j["verification"] = {{"bit_identical_to_reference", ver.bit_identical},
                             {"mismatching_elements", ver.mismatches},
                             {"float_max_abs_error", ver.float_max_abs_error},
                             {"float_error_bound_max", ver.float_max_bound},
                             {"float_bound_violations", ver.bound_violations}};
    }
    ProvenanceInputs p;
    p.command = opt.command;
    p.config = opt.effective_config;
    p.wall_time_s = wall_s;
    j["provenance"] = provenance_json(p);
    return j;
}

}  // namespace

int run_denoiser_study(const DenoiserStudyOptions& opt, std::ostream& out) {
    const auto wall0 = std::chrono::steady_clock::now();
    denoiser_study_keys().check(opt);
    if (!opt.vcd_path.empty()) {
        check_vcd_block(opt.bench.shape,
                        reduced_channels(opt.bench.shape, opt.bench.format.bottleneck_ratio),
                        opt.bench.config);
        check_output_file(opt.vcd_path, "vcd");
        if (!opt.out_dir.empty())
            check_not_a_result_file(opt.vcd_path, opt.out_dir, {"denoiser.json"}, "vcd");
    }
    const StudySetup setup = prepare_study(opt);

    platform::begin_simulation("run_denoiser_study");
    DenoiserBench bench("bench", opt.bench, setup.weights, setup.jobs);
    // --vcd: the cycle-stepped array beside the bench, traced into a scratch file.
    std::optional<ScratchFile> vcd_file;
    sc_core::sc_trace_file* vcd_trace = nullptr;
    std::unique_ptr<SystolicVcd> vcd;
    if (!opt.vcd_path.empty()) {
        vcd_file.emplace("dnsim-vcd", ".vcd", "vcd");
        vcd_trace = sc_core::sc_create_vcd_trace_file(vcd_file->name().c_str());
        vcd = std::make_unique<SystolicVcd>("systolic_vcd", opt.bench.config, opt.bench.shape,
                                            setup.weights, opt.bench.format, setup.jobs[0].x,
                                            vcd_trace);
    }
    sc_core::sc_start();
    platform::end_simulation();
    if (vcd_trace != nullptr)
        sc_core::sc_close_vcd_trace_file(vcd_trace);
    const double sim_wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0).count();

    check_runs_done(bench);
    const Verification ver =
        opt.verify ? verify(opt, setup.weights, setup.jobs, bench) : Verification{};
    const StudyTotals totals = study_totals(bench.denoiser(), opt.energy);
    print_study(out, opt, setup, bench.denoiser(), totals, ver, sim_wall_ms);
    if (!opt.out_dir.empty()) {
        write_file_atomically(
            opt.out_dir, "denoiser.json",
            json_text(study_json(opt, setup, bench, totals, ver, sim_wall_ms / 1000.0)));
        fmt::print(out, "wrote {}/denoiser.json\n", opt.out_dir);
    }
    if (vcd) {
        write_output_file(opt.vcd_path, vcd_without_date(vcd_file->read()), "vcd");
        fmt::print(out,
                   "wrote {}: {} cycles of the {}x{} array (PW-reduce, depthwise, PW-mean{})\n",
                   opt.vcd_path, vcd->cycles(), opt.bench.config.array_rows,
                   opt.bench.config.array_cols, opt.bench.format.stochastic ? ", PW-var" : "");
    }
    return ver.ran && (!ver.bit_identical || ver.bound_violations != 0) ? 3 : 0;
}

}  // namespace dnsim::tb
