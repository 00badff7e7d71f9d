// Configuration keys shared by the dnsim commands.
#include "config_keys.h"

#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "common/config_error.h"

namespace dnsim::tb {

namespace {

void bind_sram(ConfigBinder& b, const std::string& prefix, denoiser::SramConfig& s) {
    b.add_unsigned(prefix + ".size_bytes", s.size_bytes, "capacity, bytes",
                   [&s](unsigned long long v) { s.size_bytes = v; });
    b.add_unsigned(prefix + ".width_bits", s.width_bits, "word width, bits (multiple of 16)",
                   [&s](unsigned long long v) { s.width_bits = static_cast<unsigned>(v); });
    b.add_unsigned(prefix + ".banks", s.banks, "banks",
                   [&s](unsigned long long v) { s.banks = static_cast<unsigned>(v); });
    b.add_unsigned(prefix + ".ports", s.ports, "accesses per bank per cycle",
                   [&s](unsigned long long v) { s.ports = static_cast<unsigned>(v); });
}

}  // namespace

void bind_denoiser_hardware(ConfigBinder& b, denoiser::DenoiserConfig& c) {
    const auto u = [&b](const std::string& key, unsigned& field, const std::string& help) {
        b.add_field(key, field, help);
    };
    b.add_real("denoiser.clock_mhz", c.clock_mhz, "clock, MHz",
               [&c](double v) { c.clock_mhz = v; });
    u("denoiser.cores", c.cores, "conv cores");
    u("denoiser.array_rows", c.array_rows, "systolic array rows per core");
    u("denoiser.array_cols", c.array_cols, "systolic array columns per core");
    u("denoiser.lanes", c.lanes, "noise-cancellation lanes");
    u("denoiser.box_muller_latency_cycles", c.box_muller_latency_cycles,
      "Box-Muller pipeline depth, cycles");
    u("denoiser.lane_post_latency_cycles", c.lane_post_latency_cycles,
      "lane stages after Box-Muller, cycles");
    u("denoiser.leaky_relu_elements_per_cycle", c.leaky_relu_elements_per_cycle,
      "LeakyReLU unit width, elements/cycle");
    u("denoiser.interface_words_per_cycle", c.interface_words_per_cycle,
      "external interface bandwidth, 16-bit words/cycle");
    u("denoiser.interface_latency_cycles", c.interface_latency_cycles,
      "external interface latency per burst, cycles");
    u("denoiser.register_access_cycles", c.register_access_cycles,
      "register access latency, cycles");
    bind_sram(b, "weight_sram", c.weight_sram);
    bind_sram(b, "activation_sram", c.activation_sram);
}

void bind_block_format(ConfigBinder& b, denoiser::BlockFormat& f) {
    b.add_real("block.bottleneck_ratio", f.bottleneck_ratio, "C_r = round(C x ratio)",
               [&f](double v) { f.bottleneck_ratio = v; });
    b.add_int(
        "block.activation_frac_bits", f.activation_frac_bits,
        "fraction bits of activations (0..15)",
        [&f](long long v) { f.activation_frac_bits = static_cast<int>(v); }, INT_MIN, INT_MAX);
    b.add_int(
        "block.weight_frac_bits", f.weight_frac_bits, "fraction bits of weights (0..15)",
        [&f](long long v) { f.weight_frac_bits = static_cast<int>(v); }, INT_MIN, INT_MAX);
    b.add_int(
        "block.leaky_shift", f.leaky_shift, "LeakyReLU slope 2^-k, k (0..15)",
        [&f](long long v) { f.leaky_shift = static_cast<int>(v); }, INT_MIN, INT_MAX);
}

void bind_energy(ConfigBinder& b, EnergyTable& table) {
    for (const auto& [name, entry] : table.entries()) {
        const std::string key = "energy." + name;
        const std::string unit = entry.kind == EnergyEntry::Kind::dynamic_pJ ? "pJ" : "uW";
        b.add_real(key, entry.value, entry.description + ", " + unit,
                   [&table, n = name](double v) { table.set(n, v); });
    }
}

void bind_dataset(ConfigBinder& b, workloads::DatasetSpec& d, DatasetKeys& text) {
    b.add_string("dataset.format", d.format, "fashion-mnist, idx, cifar10 or npy",
                 [&d](const std::string& v) { d.format = v; });
    b.add_string("dataset.images", d.images,
                 "idx/npy: image file; cifar10: batch files, comma-separated",
                 [&d](const std::string& v) { d.images = v; });
    b.add_string("dataset.labels", d.labels, "idx/npy: label file",
                 [&d](const std::string& v) { d.labels = v; });
    b.add_string("dataset.split", d.split, "fashion-mnist: test or train",
                 [&d](const std::string& v) { d.split = v; });
    b.add_int(
        "dataset.limit", d.limit, "use the first N images only (0: all)",
        [&d](long long v) { d.limit = v; }, 0, LLONG_MAX);
    b.add_string("dataset.mean", "",
                 "per-channel mean after scaling pixels to [0, 1], "
                 "comma-separated (empty: the dataset's default)",
                 [&text](const std::string& v) { text.mean = v; });
    b.add_string("dataset.std", "", "per-channel standard deviation, comma-separated",
                 [&text](const std::string& v) { text.std = v; });
    b.add_string("dataset.scale", "",
                 "factor from 8-bit pixels to the range of mean/std, e.g. 1/255 or 1 (empty: "
                 "the model's, else 1/255)",
                 [&text](const std::string& v) { text.scale = v; });
    b.add_string("dataset.channel_order", d.channel_order,
                 "channel order the model expects: gray, rgb or bgr (empty: the model's, else "
                 "as stored)",
                 [&d](const std::string& v) { d.channel_order = v; });
}

void finish_dataset(workloads::DatasetSpec& d, const DatasetKeys& text) {
    d.mean = parse_float_list("dataset.mean", text.mean);
    d.std = parse_float_list("dataset.std", text.std);
    // The shared parsers leave the naming to the caller (ConfigError with an empty key).
    std::string problem;
    try {
        if (!text.scale.empty())
            d.scale = workloads::parse_pixel_scale(text.scale);
    } catch (const ConfigError& e) {
        problem = e.what();
    }
    if (!problem.empty())
        throw ConfigError("dataset.scale", problem);
    try {
        if (!d.channel_order.empty())
            workloads::check_channel_order(d.channel_order, -1);
    } catch (const ConfigError& e) {
        problem = e.what();
    }
    if (!problem.empty())
        throw ConfigError("dataset.channel_order", problem);
}

std::string apply_model_normalisation(workloads::DatasetSpec& d, const workloads::Graph& g,
                                      const std::string& model) {
    const workloads::InputNormalisation& n = g.input_normalisation;
    if (!d.scale && n.scale)
        d.scale = n.scale;
    if (d.mean.empty())
        d.mean = n.mean;
    if (d.std.empty())
        d.std = n.std;
    if (d.channel_order.empty())
        d.channel_order = n.channel_order;
    if (!d.mean.empty() && !d.std.empty())
        return "";
    // The dataset's default fills in: say which, and how to override it.
    workloads::InputNormalisation used = workloads::default_normalisation(d);
    if (d.scale)
        used.scale = d.scale;
    if (!d.mean.empty())
        used.mean = d.mean;
    if (!d.std.empty())
        used.std = d.std;
    const char* missing = n.empty()                         ? "normalisation"
                          : n.mean.empty() && n.std.empty() ? "mean and std"
                          : n.mean.empty()                  ? "mean"
                                                            : "std";
    return fmt::format(
        "note: model '{}' does not record its input {} (ONNX metadata dnsim.input.*, "
        "docs/onnx.md); using the {} default: {}; override with --dataset.mean/--dataset.std",
        model, missing, d.format, workloads::describe(used));
}

void bind_cgra(ConfigBinder& b, cgra::CgraConfig& c, CgraKeys& text) {
    const auto u = [&b](const std::string& key, unsigned& field, const std::string& help) {
        b.add_field(key, field, help);
    };
    auto& a = c.analog;
    b.add_real("cgra.clock_mhz", c.clock_mhz, "CGRA digital clock, MHz",
               [&c](double v) { c.clock_mhz = v; });
    u("cgra.crossbar_rows", a.crossbar_rows, "crossbar wordlines (ISAAC/PUMA: 128)");
    u("cgra.crossbar_cols", a.crossbar_cols, "crossbar bitlines (ISAAC/PUMA: 128)");
    u("cgra.bits_per_cell", a.bits_per_cell, "bits per memristor cell (ISAAC/PUMA: 2)");
    u("cgra.weight_bits", a.weight_bits, "weight precision, bits");
    u("cgra.input_bits", a.input_bits, "input precision, bits");
    u("cgra.dac_bits", a.dac_bits, "DAC resolution, bits (1: bit-serial inputs)");
    u("cgra.adc_bits", a.adc_bits, "ADC resolution, bits (ISAAC: 8)");
    b.add_real(
        "cgra.pass_ns", a.pass_ns,
        "one input-bit pass incl. ADC, ns (ISAAC: 100; calibrated default, docs/validation.md)",
        [&a](double v) { a.pass_ns = v; });
    u("cgra.pipeline_fill_passes", a.pipeline_fill_passes, "extra passes per MVM (PUMA: 2)");
    u("cgra.crossbars", a.crossbars, "crossbars on the chip (ISAAC: 16128)");
    u("cgra.replication", a.replication,
      "weight copies per layer (uniform) or the minimum (balanced)");
    b.add_string("cgra.replication_policy", text.policy, "uniform or balanced",
                 [&text](const std::string& v) { text.policy = v; });
    b.add_string("cgra.depthwise", text.depthwise,
                 "depthwise convolutions: digital or "
                 "block_diagonal",
                 [&text](const std::string& v) { text.depthwise = v; });
    u("cgra.digital_tiles", c.digital.tiles, "digital tiles");
    u("cgra.digital_lanes_per_tile", c.digital.lanes_per_tile, "16-bit ops per tile per cycle");
    u("cgra.digital_macs_per_tile", c.digital.macs_per_tile, "MACs per tile per cycle");
    u("cgra.scratchpad_words_per_cycle", c.digital.scratchpad_words_per_cycle,
      "data-memory bandwidth, 16-bit words/cycle");
}

void finish_cgra(cgra::CgraConfig& c, const CgraKeys& text) {
    c.analog.policy = cgra::parse_replication_policy("cgra.replication_policy", text.policy);
    c.depthwise = cgra::parse_depthwise_mapping("cgra.depthwise", text.depthwise);
    c.validate();
}

void bind_noise(ConfigBinder& b, cgra::NoiseConfig& n, NoiseKeys& text) {
    const auto r = [&b](const std::string& key, double& field, const std::string& help) {
        b.add_real(key, field, help, [&field](double v) { field = v; });
    };
    b.add_string("noise.fidelity", text.fidelity,
                 "activation (fast, whole datasets) or bitsliced (cells, DAC passes, per-column "
                 "ADC; slow, for subsets)",
                 [&text](const std::string& v) { text.fidelity = v; });
    r("noise.activation_k", n.activation_k,
      "activation noise sigma = k x magnitude (paper: 0.02-0.08; 0 = off)");
    b.add_string("noise.magnitude", text.magnitude, "element, channel or tensor",
                 [&text](const std::string& v) { text.magnitude = v; });
    b.add_string("noise.distribution", text.distribution, "gaussian, uniform or laplace",
                 [&text](const std::string& v) { text.distribution = v; });
    r("noise.programming_sigma", n.programming_sigma,
      "relative conductance programming variation, once per chip (0 = off)");
    b.add_unsigned("noise.chip_seed", n.chip_seed, "chip instance seed",
                   [&n](unsigned long long v) { n.chip_seed = v; });
    r("noise.stuck_fraction", n.stuck_fraction, "fraction of weights stuck at 0 (0 = off)");
    r("noise.drift_time_s", n.drift_time_s, "deployment time since programming, s (0 = off)");
    r("noise.drift_nu", n.drift_nu, "drift exponent");
    r("noise.drift_t0_s", n.drift_t0_s, "drift reference time, s");
    b.add_int(
        "noise.drift_compensation", n.drift_compensation ? 1 : 0,
        "1: rescale outputs by the mean drift (0 or 1)",
        [&n](long long v) { n.drift_compensation = v == 1; }, 0, 1);
    r("noise.read_sigma", n.read_sigma, "read noise per MVM output, relative (0 = off)");
    b.add_unsigned("noise.adc_bits", n.adc_bits, "layer-output quantisation bits (0 = off)",
                   [&n](unsigned long long v) { n.adc_bits = static_cast<unsigned>(v); });
    r("noise.adc_clip", n.adc_clip, "ADC full scale as a fraction of max |y|");
}

void finish_noise(cgra::NoiseConfig& n, const NoiseKeys& text) {
    n.fidelity = cgra::parse_fidelity("noise.fidelity", text.fidelity);
    n.magnitude = cgra::parse_magnitude("noise.magnitude", text.magnitude);
    n.distribution = cgra::parse_distribution("noise.distribution", text.distribution);
    n.validate();
}

void bind_model_limits(ConfigBinder& b) {
    const workloads::GraphLimits& d = workloads::graph_limits();
    b.add_int("model.max_tensor_elements", d.max_tensor_elements,
              "largest tensor a model may declare, elements per image (a guard against "
              "malformed or hostile files; raise it for very large models)",
              [](long long v) {
                  workloads::GraphLimits l = workloads::graph_limits();
                  l.max_tensor_elements = v;
                  workloads::set_graph_limits(l);
              });
    b.add_int("model.max_macs_per_image", d.max_macs_per_image,
              "most multiply-accumulates per image a model may declare", [](long long v) {
                  workloads::GraphLimits l = workloads::graph_limits();
                  l.max_macs_per_image = v;
                  workloads::set_graph_limits(l);
              });
}

}  // namespace dnsim::tb
