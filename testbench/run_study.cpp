// dnsim run: replay, report, result files.
#include "testbench/run_study.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/common/config_text.h"
#include "models/common/isa.h"
#include "models/common/output_files.h"
#include "testbench/config_binder.h"
#include "testbench/config_keys.h"
#include "testbench/model_loader.h"
#include "testbench/provenance.h"
#include "testbench/report.h"
#include "testbench/result_json.h"
#include "testbench/run_memory.h"
#include "testbench/run_trace.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"

namespace dnsim::tb {

namespace {

/// A progress bar on stderr, redrawn in place when stderr is a terminal.
void progress_bar(std::int64_t done, std::int64_t total) {
    static const bool tty = isatty(STDERR_FILENO) != 0;
    if (!tty || total <= 0)
        return;
    const int width = 40;
    const auto filled = static_cast<int>(width * done / total);
    std::cerr << fmt::format("\r[{}{}] {:3d}% {}/{} images",
                             std::string(static_cast<std::size_t>(filled), '#'),
                             std::string(static_cast<std::size_t>(width - filled), ' '),
                             static_cast<int>(100 * done / total), done, total)
              << (done == total ? "\n" : "") << std::flush;
}

/// A float32 (N, classes) NumPy .npy file (format version 1.0).
std::string npy_f4(const std::vector<float>& v, std::int64_t rows) {
    const std::int64_t cols = rows > 0 ? static_cast<std::int64_t>(v.size()) / rows : 0;
    std::string header =
        fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += static_cast<char>(1);
    out += static_cast<char>(0);
    out += static_cast<char>(header.size() & 0xFF);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    return out;
}

std::string csv_layers(const platform::ReplayResult& r) {
    std::string out = "index,layer,op,kind,cycles,time_ns,macs,crossbars,replication\n";
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        out += fmt::format("{},{},{},{},{},{:.3f},{},{},{}\n", i, csv_field(s.name),
                           csv_field(s.op), csv_field(platform::to_string(s.kind)), s.cycles,
                           s.time_ns, s.macs, s.crossbars, s.replication);
    }
    return out;
}

/// The logits file of a pass: logits_<pass>_seed<S>.npy, or with several chips (`chips`)
/// logits_<pass>_chip<C>_seed<S>.npy for a pass on chip C (the clean pass runs on none).
std::string logits_name(const std::string& kind, std::uint64_t seed,
                        const std::optional<platform::ChipId>& chip, unsigned chips) {
    if (chips > 1 && chip)
        return fmt::format("logits_{}_chip{}_seed{}.npy", kind, chip->index, seed);
    return fmt::format("logits_{}_seed{}.npy", kind, seed);
}

/// The noise draws of the run's passes (run.seed, run.seeds, run.chips, noise.chip_seed).
platform::PassSeeds pass_seeds(const platform::ReplayConfig& c) {
    return {c.seed, c.seeds, c.chips, c.noise.chip_seed};
}

bool has_denoisers(const workloads::Graph& g) {
    return std::any_of(g.nodes.begin(), g.nodes.end(),
                       [](const auto& n) { return n.op == workloads::Op::Denoiser; });
}

/// The files `dnsim run` writes into --out for graph `g`.
std::vector<std::string> result_names(const workloads::Graph& g, const RunOptions& opt) {
    std::vector<std::string> names{"summary.json", "layers.csv"};
    if (opt.report)
        names.push_back("report.html");
    if (!opt.save_logits || opt.timing_only)
        return names;
    for (const platform::Pass& p : platform::make_passes(pass_seeds(opt.replay), has_denoisers(g)))
        names.push_back(logits_name(p.kind, p.seed, p.chip, opt.replay.chips));
    return names;
}

/// The denoiser's power figures, each with its window: over the whole inference and while its
/// blocks run, split into static (leakage) and dynamic; without blocks only the idle
/// hardware's static power (there is no denoiser average power to report).
std::vector<std::pair<std::string, std::string>> denoiser_power_rows(
    const platform::ReplayResult& r) {
    if (r.denoiser_blocks == 0) {
        return {{"denoiser idle static power, mW",
                 fmt::format("{:.4f} ({}, no denoiser block)", r.denoiser_static_inference_mW(),
                             r.denoiser_power_gating)}};
    }
    return {
        {"denoiser power, inference window, mW",
         fmt::format("{:.4f} (static {:.4f} + dynamic {:.4f}; {:.1f} us)",
                     r.denoiser_power_inference_mW(), r.denoiser_static_inference_mW(),
                     r.denoiser_dynamic_inference_mW(), r.latency_ns() * 1e-3)},
        {"denoiser power, active window, mW",
         fmt::format("{:.4f} (static {:.4f} + dynamic {:.4f}; {:.1f} us of blocks)",
                     r.denoiser_power_active_mW(), r.denoiser_static_active_mW(),
                     r.denoiser_dynamic_active_mW(), r.denoiser_active_ns * 1e-3)},
    };
}

/// "noisy 75.00 on chip 1 (noise.chip_seed 2); denoised 77.00 on chip 0 (noise.chip_seed 1)":
/// the worst chip of each pass kind (the denoised part only with denoisers).
std::string worst_chips_text(const platform::AccuracySummary& noisy,
                             const platform::AccuracySummary& denoised) {
    std::string out;
    for (const auto& [kind, a] :
         {std::pair<const char*, const platform::AccuracySummary&>{"noisy", noisy},
          {"denoised", denoised}}) {
        if (const auto w = a.worst_chip()) {
            out += fmt::format("{}{} {:.2f} on chip {} (noise.chip_seed {})",
                               out.empty() ? "" : "; ", kind, w->mean, w->chip.index, w->chip.seed);
        }
    }
    return out;
}

/// The paper's summary (its Tables I and II, plus Fig. 3's overhead and the power figure):
/// accuracy clean / noisy / denoised, parameter overhead, cycles and latency overhead, power.
void paper_table(std::ostream& os, const platform::ReplayResult& r, const RunOptions& opt) {
    const platform::AccuracySummary clean = r.accuracy("clean");
    const platform::AccuracySummary noisy = r.accuracy("noisy");
    const platform::AccuracySummary denoised = r.accuracy("denoised");
    const auto& n = opt.replay.noise;
    const double cyc_us = 1.0 / r.clock_mhz;
    std::vector<std::pair<std::string, std::string>> rows{
        {"model", r.model},
        {"noise",
         fmt::format("{} k = {} x {} magnitude ({}), {}", to_string(n.fidelity), n.activation_k,
                     to_string(n.magnitude), to_string(n.distribution),
                     noisy.chips() > 1 ? fmt::format("{} chips x {} seed(s)", noisy.chips(),
                                                     noisy.n / noisy.chips())
                                       : fmt::format("{} seed(s)", noisy.n))},
        {"clean accuracy, %", clean.text("no noise")},
        {"noisy accuracy, %", noisy.text()},
        {"denoised accuracy, %", denoised.n > 0 ? denoised.text() : "- (no denoisers)"},
        {"noisy - clean, points (what noise costs)", r.difference("noisy", "clean").text()},
        {"denoised - noisy, points (what the denoisers recover)",
         r.difference("denoised", "noisy").text()},
        {"denoised - clean, points", r.difference("denoised", "clean").text()},
        {"denoiser parameters", fmt::format("{} ({:.2f} % of {})", r.denoiser_params,
                                            r.denoiser_params_pct(), r.backbone_params)},
        {"cycles per inference",
         fmt::format("{} ({} without denoisers)", r.cycles, r.cycles_without_denoisers)},
        {"latency per inference, us",
         fmt::format("{:.1f} ({:.1f} without denoisers)", static_cast<double>(r.cycles) * cyc_us,
                     static_cast<double>(r.cycles_without_denoisers) * cyc_us)},
        {"latency overhead, %", fmt::format("{:.2f}", r.overhead_pct())},
        {"energy per inference, uJ",
         fmt::format("{:.3f} (denoiser {:.3f}, {:.2f} %)", r.energy_pJ * 1e-6,
                     r.denoiser_energy_pJ * 1e-6, r.denoiser_share_pct())},
    };
    if (noisy.chips() > 1) {
        // After the accuracy rows (the last of which is the denoised - clean difference).
        const auto last = std::find_if(rows.begin(), rows.end(), [](const auto& row) {
            return row.first == "denoised - clean, points";
        });
        rows.insert(last == rows.end() ? last : last + 1,
                    {"worst chip, %", worst_chips_text(noisy, denoised)});
    }
    for (const auto& row : denoiser_power_rows(r))
        rows.push_back(row);
    std::size_t width = 28;
    for (const auto& row : rows)
        width = std::max(width, row.first.size());
    os << "\nsummary (the paper's Table I/II columns)\n";
    for (const auto& [k, v] : rows)
        os << fmt::format("  {:<{}}  {}\n", k, width, v);
}

/// The model with the requested denoisers inserted; its denoiser weights (which the
/// accelerator's 16-bit format must hold) and the results directory are checked now, not after
/// the simulation. A timing-only run builds a built-in backbone without weight values: the
/// timing needs its shapes only.
workloads::Graph prepare_model(const RunOptions& opt) {
    workloads::Graph g =
        load_model(opt.model, "model",
                   opt.timing_only ? workloads::Weights::ShapesOnly : workloads::Weights::Drawn);
    if (!opt.denoisers.empty()) {
        for (const auto& layer : split_list(opt.denoisers)) {
            workloads::insert_denoiser(g, layer, opt.denoiser_ratio, opt.replay.seed, "denoisers");
        }
    }
    for (const workloads::Node& n : g.nodes) {
        if (n.op == workloads::Op::Denoiser)
            platform::check_denoiser_weights(g, n, opt.replay.soc.format, opt.model);
    }
    check_output_dir(opt.out_dir, result_names(g, opt), "out");
    if (!opt.trace_path.empty()) {
        check_output_file(opt.trace_path, "trace");
        check_not_a_result_file(opt.trace_path, opt.out_dir, result_names(g, opt), "trace");
    }
    return g;
}

/// The dataset, normalised as the model asks (with a note on the console when it does).
workloads::Dataset load_run_dataset(const RunOptions& opt, const workloads::Graph& g,
                                    std::ostream& os) {
    workloads::DatasetSpec spec = opt.dataset;
    const std::string note = apply_model_normalisation(spec, g, opt.model);
    if (!note.empty())
        os << note << "\n";
    return workloads::load_dataset(spec);
}

/// The replay configuration, once the run is known to fit in memory.
platform::ReplayConfig replay_config(const RunOptions& opt, const workloads::Graph& g,
                                     const workloads::Dataset& data) {
    platform::ReplayConfig cfg = opt.replay;
    cfg.progress = progress_bar;
    cfg.keep_logits = opt.save_logits;
    const std::int64_t slices = cfg.noise.fidelity == cgra::Fidelity::BitSliced
                                    ? cfg.soc.cgra.analog.cells_per_weight()
                                    : 0;
    const std::int64_t images = opt.timing_only ? 0 : data.size();
    const std::int64_t copies = run_weight_copies(g.weight_values, opt.timing_only, slices);
    const auto kept = cfg.keep_logits
                          ? static_cast<std::int64_t>(
                                platform::make_passes(pass_seeds(cfg), has_denoisers(g)).size())
                          : 0;
    check_memory(estimate_run_memory(workloads::graph_footprint(g), images, cfg.batch, cfg.threads,
                                     copies, kept),
                 opt.model, "lower run.batch or dataset.limit");
    return cfg;
}

/// The console's timing part: model, MX-CGRA, the layers, latency, memory and energy.
void print_timing(std::ostream& os, const platform::ReplayResult& r,
                  const platform::ReplayConfig& cfg) {
    const double us = 1e-3;
    os << fmt::format(
        "dnsim run: model {} ({} backbone parameters), {} denoiser block(s) "
        "({} parameters, {:.2f} % of the backbone)\n",
        r.model, r.backbone_params, r.denoiser_blocks, r.denoiser_params, r.denoiser_params_pct());
    os << fmt::format(
        "MX-CGRA: {} crossbars of {}x{} in use of {} ({:.1f} %; replication {}); clock {} MHz\n\n",
        r.crossbars_used, cfg.soc.cgra.analog.crossbar_rows, cfg.soc.cgra.analog.crossbar_cols,
        cfg.soc.cgra.analog.crossbars,
        100.0 * static_cast<double>(r.crossbars_used) /
            static_cast<double>(cfg.soc.cgra.analog.crossbars),
        cgra::to_string(cfg.soc.cgra.analog.policy), r.clock_mhz);
    std::size_t name_w = 5;
    for (const auto& s : r.steps)
        name_w = std::max(name_w, s.name.size());
    name_w = std::min<std::size_t>(name_w, 40);
    os << fmt::format("{:>4}  {:<{}}  {:<18}  {:<8}  {:>12}  {:>12}  {:>9}  {:>5}\n", "#", "layer",
                      name_w, "op", "kind", "cycles", "time_us", "crossbars", "repl");
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        if (s.kind == platform::StepKind::Free)
            continue;
        os << fmt::format("{:>4}  {:<{}}  {:<18}  {:<8}  {:>12}  {:>12.3f}  {:>9}  {:>5}\n", i,
                          s.name, name_w, s.op, platform::to_string(s.kind), s.cycles,
                          s.time_ns * us, s.crossbars, s.replication);
    }
    const double cyc_us = 1.0 / r.clock_mhz;
    os << fmt::format(
        "\nlatency per inference: {} cycles = {:.1f} us with denoisers; {} cycles = "
        "{:.1f} us without; overhead {:.2f} %\n",
        r.cycles, static_cast<double>(r.cycles) * cyc_us, r.cycles_without_denoisers,
        static_cast<double>(r.cycles_without_denoisers) * cyc_us, r.overhead_pct());
    if (r.single_buffered_blocks > 0) {
        os << fmt::format(
            "note: {} denoiser block(s) ran single-buffered although denoiser.dma_double_buffer "
            "is 1 (two X tile buffers do not fit the activation SRAM, or the weights do not fit "
            "the weight SRAM)\n",
            r.single_buffered_blocks);
    }
    if (r.overlap_simulated) {
        os << fmt::format(
            "soc.denoiser_overlap dependence: latency is the simulated finish time; the steps "
            "add up to {} cycles, {} ran beside blocks; the host waited {} cycles for blocks\n",
            r.cycles_step_sum, r.cycles_hidden(), r.block_wait_cycles);
    }
    if (r.denoiser_cycles > 0) {
        os << fmt::format(
            "what-if (computed, not simulated), every block hidden behind the next analog layer "
            "with images pipelined: {} cycles, overhead {:.2f} %\n",
            r.cycles_overlapped, r.overlapped_overhead_pct());
    }
    os << fmt::format(
        "data memory: {} CGRA scratchpad words (16-bit), {} denoiser SRAM row accesses per "
        "inference\n\n",
        r.scratchpad_words, r.denoiser_sram_rows);
    os << fmt::format(
        "energy per inference (power averaged over the whole inference, {:.1f} "
        "us)\n",
        r.latency_ns() * 1e-3);
    os << fmt::format("{:<28}  {:>14}  {:>12}  {:>12}  {:>12}\n", "component", "energy_uJ",
                      "static_uJ", "dynamic_uJ", "power_mW");
    for (const auto& e : r.energy) {
        os << fmt::format("{:<28}  {:>14.4f}  {:>12.4f}  {:>12.4f}  {:>12.4f}\n", e.component,
                          e.energy_pJ * 1e-6, e.static_pJ * 1e-6, e.dynamic_pJ * 1e-6, e.power_mW);
    }
    os << fmt::format("{:<28}  {:>14.4f}  {:>12.4f}  {:>12.4f}  {:>12.4f}\n", "total",
                      r.energy_pJ * 1e-6, r.static_pJ * 1e-6, (r.energy_pJ - r.static_pJ) * 1e-6,
                      r.power_mW());
    os << fmt::format(
        "denoiser: {:.4f} uJ per inference, {:.2f} % of the total "
        "(denoiser.power_gating = {})\n",
        r.denoiser_energy_pJ * 1e-6, r.denoiser_share_pct(), r.denoiser_power_gating);
    for (const auto& [k, v] : denoiser_power_rows(r))
        os << fmt::format("  {:<44}  {}\n", k, v);
    if (r.recalibration_cells > 0) {
        os << fmt::format(
            "recalibration (every analog weight reprogrammed, not per inference): {} cells, "
            "{:.2f} uJ, {:.3f} ms",
            r.recalibration_cells, r.recalibration_energy_pJ * 1e-6,
            r.recalibration_time_ns * 1e-6);
        if (r.denoiser_blocks > 0 && r.denoiser_energy_pJ > 0.0) {
            os << fmt::format("; the energy of the denoiser in {:.0f} inferences",
                              r.recalibration_energy_pJ / r.denoiser_energy_pJ);
        }
        os << "\n";
    }
}

/// The console's accuracy part: clean, noisy and denoised accuracy (with several chips each
/// chip's and the worst) and the replay's speed.
void print_accuracy(std::ostream& os, const platform::ReplayResult& r,
                    const workloads::Dataset& data) {
    const platform::AccuracySummary clean = r.accuracy("clean");
    const platform::AccuracySummary noisy = r.accuracy("noisy");
    const platform::AccuracySummary denoised = r.accuracy("denoised");
    os << fmt::format("\naccuracy on {} ({} images, top-1 %):\n  clean     {}\n  noisy     {}\n",
                      data.name, data.size(), clean.text("no noise"), noisy.text());
    if (denoised.n > 0)
        os << fmt::format("  denoised  {}\n", denoised.text());
    if (noisy.chips() > 1) {
        for (std::size_t c = 0; c < noisy.per_chip.size(); ++c) {
            const platform::ChipAccuracy& chip = noisy.per_chip[c];
            os << fmt::format("  chip {} (noise.chip_seed {}): noisy {:.2f}", chip.chip.index,
                              chip.chip.seed, chip.mean);
            if (c < denoised.per_chip.size())
                os << fmt::format(", denoised {:.2f}", denoised.per_chip[c].mean);
            os << "\n";
        }
        os << "  worst chip: " << worst_chips_text(noisy, denoised) << "\n";
    }
    os << fmt::format(
        "replay: {} images in {:.2f} s ({:.1f} images/s; kernels {})\n", r.functional_images,
        r.functional_wall_s,
        static_cast<double>(r.functional_images) / std::max(r.functional_wall_s, 1e-9),
        isa::describe());
}

/// `v` when `known`, else null (a pass that did not run has no statistics, not 0).
nlohmann::json when(bool known, double v) {
    return known ? nlohmann::json(v) : nlohmann::json();
}

/// A standard deviation over `n` passes: null with one pass (no spread is known, not 0).
nlohmann::json spread(double std, int n) {
    return n > 1 ? nlohmann::json(std) : nlohmann::json();
}

/// A pass's per-image outcomes as hex: bit-packed, 8 images a byte, the first image in the most
/// significant bit of the first byte (numpy.unpackbits order), trailing bits 0. Two runs over
/// the same images can then be compared image by image, paired, without their logits.
std::string hits_hex(const std::vector<std::uint8_t>& hits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve((hits.size() + 7) / 8 * 2);
    for (std::size_t i = 0; i < hits.size(); i += 8) {
        unsigned byte = 0;
        for (std::size_t b = 0; b < 8; ++b)
            byte = (byte << 1) | (i + b < hits.size() && hits[i + b] != 0 ? 1U : 0U);
        out += kDigits[byte >> 4];
        out += kDigits[byte & 15U];
    }
    return out;
}

/// {chip, chip_seed, pct} of the worst chip of `a`; null without chips.
nlohmann::json worst_chip_json(const platform::AccuracySummary& a) {
    const auto w = a.worst_chip();
    if (!w)
        return nlohmann::json();
    return {{"chip", w->chip.index}, {"chip_seed", w->chip.seed}, {"pct", w->mean}};
}

/// summary.json's "accuracy": the means and spreads (the 95 % confidence half-widths over the
/// chips' means with several chips, over the seeds with several seeds, or over the images),
/// every chip's means, and every pass.
nlohmann::json accuracy_json(const platform::ReplayResult& r, const workloads::Dataset& data) {
    const platform::AccuracySummary clean = r.accuracy("clean");
    const platform::AccuracySummary noisy = r.accuracy("noisy");
    const platform::AccuracySummary denoised = r.accuracy("denoised");
    nlohmann::json acc = {
        {"dataset", data.name},
        {"images", data.size()},
        {"clean_pct", clean.mean},
        {"clean_pct_binomial_se", clean.binomial_se_pct()},
        {"noisy_pct_mean", noisy.mean},
        {"noisy_pct_std", spread(noisy.std, noisy.n)},
        {"noisy_pct_ci95", noisy.ci95_pct()},
        {"noisy_pct_binomial_se", noisy.binomial_se_pct()},
        {"denoised_pct_mean", denoised.mean},
        {"denoised_pct_std", spread(denoised.std, denoised.n)},
        {"denoised_pct_ci95", when(denoised.n > 0, denoised.ci95_pct())},
        {"denoised_pct_binomial_se", when(denoised.n > 0, denoised.binomial_se_pct())},
        {"seeds", noisy.n / std::max(noisy.chips(), 1)},
        {"chips", noisy.chips()},
        {"ci95_over", noisy.ci95_over()}};
    // The differences, paired pass by pass (platform::PairedDifference).
    std::string over;
    for (const auto& [name, a, b] : {std::tuple{"noisy_minus_clean", "noisy", "clean"},
                                     std::tuple{"denoised_minus_noisy", "denoised", "noisy"},
                                     std::tuple{"denoised_minus_clean", "denoised", "clean"}}) {
        const platform::PairedDifference d = r.difference(a, b);
        if (over.empty())
            over = d.ci95_over();
        acc[std::string(name) + "_points"] = when(d.pairs > 0, d.mean);
        acc[std::string(name) + "_ci95_points"] = when(d.pairs > 0, d.ci95);
        acc[std::string(name) + "_discordant_images"] =
            d.pairs > 0 ? nlohmann::json{{std::string("only_") + a, d.only_first},
                                         {std::string("only_") + b, d.only_second}}
                        : nlohmann::json();
    }
    acc["difference_ci95_over"] = over;  // noisy - clean's, the first: every pair is alike
    nlohmann::json chips = nlohmann::json::array();
    for (std::size_t c = 0; c < noisy.per_chip.size(); ++c) {
        const platform::ChipAccuracy& chip = noisy.per_chip[c];
        chips.push_back({{"chip", chip.chip.index},
                         {"chip_seed", chip.chip.seed},
                         {"noisy_pct_mean", chip.mean},
                         {"denoised_pct_mean", c < denoised.per_chip.size()
                                                   ? nlohmann::json(denoised.per_chip[c].mean)
                                                   : nlohmann::json()}});
    }
    acc["per_chip"] = chips;
    if (noisy.chips() > 1) {
        acc["noisy_worst_chip"] = worst_chip_json(noisy);
        acc["denoised_worst_chip"] = worst_chip_json(denoised);
    }
    nlohmann::json per = nlohmann::json::array();
    for (const auto& p : r.passes) {
        per.push_back({{"pass", p.kind},
                       {"seed", p.seed},
                       {"chip", p.chip ? nlohmann::json(p.chip->index) : nlohmann::json()},
                       {"chip_seed", p.chip ? nlohmann::json(p.chip->seed) : nlohmann::json()},
                       {"correct", p.correct},
                       {"images", p.images},
                       {"accuracy_pct", p.accuracy_pct()},
                       {"hits_hex", hits_hex(p.hits)}});
    }
    acc["passes"] = per;
    return acc;
}

/// summary.json: timing, energy, the accuracy `acc` (unless timing only) and the configuration.
nlohmann::json summary_json(const platform::ReplayResult& r, const RunOptions& opt,
                            const nlohmann::json& acc, const workloads::Dataset& data,
                            double wall_s) {
    const double cyc_us = 1.0 / r.clock_mhz;
    nlohmann::json j;
    j["schema_version"] = kResultSchemaVersion;
    j["model"] = r.model;
    j["backbone_params"] = r.backbone_params;
    j["denoiser_params"] = r.denoiser_params;
    j["clock_mhz"] = r.clock_mhz;
    j["cycles_per_inference"] = r.cycles;
    j["cycles_per_inference_without_denoisers"] = r.cycles_without_denoisers;
    j["denoiser_cycles_per_inference"] = r.denoiser_cycles;
    j["latency_us"] = static_cast<double>(r.cycles) * cyc_us;
    j["latency_without_denoisers_us"] = static_cast<double>(r.cycles_without_denoisers) * cyc_us;
    j["latency_overhead_pct"] = r.overhead_pct();
    j["overlap_what_if_cycles"] = r.cycles_overlapped;
    j["overlap_what_if_is"] =
        "computed, not simulated: every block hidden behind the next analog layer, images "
        "pipelined";
    j["latency_source"] = r.overlap_simulated
                              ? "simulated finish time (soc.denoiser_overlap dependence)"
                              : "sum of the steps (sequential)";
    j["cycles_step_sum"] = r.cycles_step_sum;
    j["cycles_hidden_by_overlap"] = r.cycles_hidden();
    j["block_wait_cycles"] = r.block_wait_cycles;
    j["single_buffered_blocks"] = r.single_buffered_blocks;
    j["crossbars_used"] = r.crossbars_used;
    j["scratchpad_words_per_inference"] = r.scratchpad_words;
    j["denoiser_sram_row_accesses_per_inference"] = r.denoiser_sram_rows;
    nlohmann::json energy = nlohmann::json::array();
    for (const auto& e : r.energy) {
        energy.push_back({{"component", e.component},
                          {"energy_pJ", e.energy_pJ},
                          {"static_pJ", e.static_pJ},
                          {"dynamic_pJ", e.dynamic_pJ},
                          {"power_mW", e.power_mW}});
    }
    j["energy_per_inference"] = energy;
    // Each block of the timing job: its step at the CGRA clock (host observed), the
    // accelerator's CYCLES register at the denoiser clock and that split by phase.
    nlohmann::json blocks = nlohmann::json::array();
    for (const auto& s : r.steps) {
        if (s.kind != platform::StepKind::Denoiser)
            continue;
        nlohmann::json phases = nlohmann::json::array();
        for (const auto& [phase, cycles] : s.phase_cycles)
            phases.push_back({{"phase", phase}, {"cycles", cycles}});
        blocks.push_back({{"layer", s.name},
                          {"step_cycles", s.cycles},
                          {"block_cycles", s.block_cycles},
                          {"phases", phases}});
    }
    j["denoiser_blocks"] = blocks;
    j["energy_per_inference_uJ"] = r.energy_pJ * 1e-6;
    j["denoiser_energy_per_inference_uJ"] = r.denoiser_energy_pJ * 1e-6;
    j["denoiser_energy_share_pct"] = r.denoiser_share_pct();
    j["denoiser_power_gating"] = r.denoiser_power_gating;
    // Reprogramming every analog weight once (not part of the energy per inference).
    j["recalibration_cells"] = r.recalibration_cells;
    j["recalibration_energy_uJ"] = r.recalibration_energy_pJ * 1e-6;
    j["recalibration_time_ms"] = r.recalibration_time_ns * 1e-6;
    j["recalibration_in_denoiser_inferences"] =
        r.denoiser_blocks > 0 && r.denoiser_energy_pJ > 0.0
            ? nlohmann::json(r.recalibration_energy_pJ / r.denoiser_energy_pJ)
            : nlohmann::json();
    nlohmann::json recal_actions = nlohmann::json::array();
    for (const EnergyLine& l : r.recalibration_actions) {
        recal_actions.push_back(
            {{"action", l.action}, {"count", l.count}, {"energy_pJ", l.energy_pJ}});
    }
    j["recalibration_actions"] = recal_actions;
    // Power over the inference window (the whole inference).
    j["total_average_power_mW"] = r.power_mW();
    j["total_static_power_mW"] = r.static_power_mW();
    j["total_dynamic_power_mW"] = r.dynamic_power_mW();
    if (r.denoiser_blocks > 0) {
        j["denoiser_power_inference_window_mW"] = r.denoiser_power_inference_mW();
        j["denoiser_power_inference_window_static_mW"] = r.denoiser_static_inference_mW();
        j["denoiser_power_inference_window_dynamic_mW"] = r.denoiser_dynamic_inference_mW();
        // Power while the denoiser's blocks run (the active window).
        j["denoiser_active_window_us"] = r.denoiser_active_ns * 1e-3;
        j["denoiser_power_active_window_mW"] = r.denoiser_power_active_mW();
        j["denoiser_power_active_window_static_mW"] = r.denoiser_static_active_mW();
        j["denoiser_power_active_window_dynamic_mW"] = r.denoiser_dynamic_active_mW();
    } else {
        // No block: the idle denoiser hardware's leakage under the gating policy.
        j["denoiser_idle_static_power_mW"] = r.denoiser_static_inference_mW();
    }
    if (!opt.timing_only)
        j["accuracy"] = acc;
    nlohmann::json config = nlohmann::json::object();
    for (const auto& [k, v] : opt.effective_config)
        config[k] = v;
    j["config"] = config;
    j["kernels_isa"] = isa::name(isa::active());
    nlohmann::json actions = nlohmann::json::array();
    for (const EnergyLine& l : r.actions) {
        const bool dynamic = l.kind == EnergyEntry::Kind::dynamic_pJ;
        actions.push_back({{"component", l.component},
                           {"action", l.action},
                           {"kind", dynamic ? "dynamic" : "leakage"},
                           {"count", l.count},
                           {"count_unit", dynamic ? "actions" : "instance-ns"},
                           {"energy_pJ", l.energy_pJ}});
    }
    j["actions_per_inference"] = actions;
    ProvenanceInputs p;
    p.command = opt.command;
    p.model = opt.model;
    p.model_builtin = workloads::is_builtin_model(opt.model);
    p.dataset_files = data.files;
    p.config = opt.effective_config;
    p.wall_time_s = wall_s;
    // (Its text as in every result file: an invalid UTF-8 byte of a path becomes U+FFFD.)
    j["provenance"] = nlohmann::json::parse(json_text(provenance_json(p)));
    return j;
}

/// summary.json, layers.csv, (with --save-logits) every pass's logits and (with a report)
/// report.html, written together; returns why report.html could not be made ("" if it was or
/// was not asked for), the other files being written all the same.
std::string write_results(const RunOptions& opt, const platform::ReplayResult& r,
                          const nlohmann::json& summary, std::ostream& os) {
    std::vector<std::pair<std::string, std::string>> files{{"summary.json", json_text(summary)},
                                                           {"layers.csv", csv_layers(r)}};
    if (opt.save_logits) {
        for (const auto& p : r.passes) {
            files.emplace_back(logits_name(p.kind, p.seed, p.chip, opt.replay.chips),
                               npy_f4(p.logits, p.images));
        }
    }
    const std::filesystem::path out(opt.out_dir);
    std::string report_error;
    if (opt.report) {
        ReportRun run;
        run.label = run_label(opt.out_dir);
        run.source = opt.out_dir;
        run.summary = nlohmann::json::parse(files[0].second);  // as written
        for (std::size_t i = 0; i < r.steps.size(); ++i) {
            const auto& s = r.steps[i];
            run.layers.push_back({static_cast<std::int64_t>(i), s.name, s.op,
                                  platform::to_string(s.kind), s.cycles, s.time_ns});
        }
        try {
            files.emplace_back("report.html", report_html({run}, load_vega_scripts(), opt.command));
        } catch (const std::exception& e) {
            report_error = e.what();  // the results are written all the same
        }
    }
    write_files_atomically(opt.out_dir, files, "out");
    os << "results: " << (out / "summary.json").string() << ", " << (out / "layers.csv").string()
       << "\n";
    if (!report_error.empty())
        return report_error;
    std::error_code ec;
    if (opt.report) {
        os << "report: " << (out / "report.html").string() << " (open it in a browser)\n";
    } else if (std::filesystem::is_regular_file(out / "report.html", ec)) {
        os << "note: " << (out / "report.html").string()
           << " is from an earlier run; this run did not rewrite it (--report does)\n";
    }
    return "";
}

}  // namespace

int run_study(const RunOptions& options, std::ostream& os) {
    const auto t0 = std::chrono::steady_clock::now();
    RunOptions opt = options;
    if (opt.report) {
        // Before the simulation: a report asked for needs the chart scripts.
        try {
            check_vega_scripts();
        } catch (const ConfigError& e) {
            if (opt.report_required)
                throw;
            os << "note: no report.html: " << e.what() << "\n";
            opt.report = false;
        }
    }
    const workloads::Graph g = prepare_model(opt);
    workloads::Dataset data;
    if (!opt.timing_only)
        data = load_run_dataset(opt, g, os);
    platform::ReplayConfig cfg = replay_config(opt, g, data);
    if (!opt.timing_only && cfg.chips > 1 && cfg.noise.programming_sigma == 0.0 &&
        cfg.noise.stuck_fraction == 0.0) {
        std::cerr << fmt::format(
            "note: run.chips {} with noise.programming_sigma and noise.stuck_fraction 0: the "
            "chips differ only in their noise draws\n",
            cfg.chips);
    }
    platform::Timeline timeline;
    if (!opt.trace_path.empty())
        cfg.timeline = &timeline;
    const platform::ReplayResult r = run_replay(g, opt.timing_only ? nullptr : &data, cfg);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    print_timing(os, r, cfg);
    nlohmann::json acc = nlohmann::json::object();
    if (!opt.timing_only) {
        print_accuracy(os, r, data);
        acc = accuracy_json(r, data);
        paper_table(os, r, opt);
    }
    os << fmt::format("wall time: {:.2f} s\n", wall);
    const std::string report_error =
        write_results(opt, r, summary_json(r, opt, acc, data, wall), os);
    if (!opt.trace_path.empty()) {
        write_output_file(opt.trace_path, trace_json(timeline, r, cfg, opt.model), "trace");
        os << "trace: " << opt.trace_path << "\n";
    }
    if (!report_error.empty()) {
        throw ConfigError(
            "report", fmt::format("the results are written, report.html is not: {}", report_error));
    }
    return 0;
}

}  // namespace dnsim::tb
