// MX-CGRA layer timing and action counts.
#include "models/cgra/layer_cost.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim::cgra {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

std::uint64_t to_cycles(double ns, const CgraConfig& cfg) {
    return static_cast<std::uint64_t>(std::ceil(ns / cfg.cycle_ns() - 1e-9));
}

/// Crossbars needed by one copy of a layer, or 0 when the layer is not analog.
std::int64_t crossbars_per_copy(const AnalogLayer& l, const CgraConfig& cfg) {
    if (l.depthwise() && cfg.depthwise == DepthwiseMapping::Digital)
        return 0;
    return map_to_crossbars(l, cfg.analog, l.depthwise()).crossbars;
}

}  // namespace

CrossbarMapping map_to_crossbars(const AnalogLayer& layer, const AnalogConfig& cfg,
                                 bool block_diagonal) {
    CrossbarMapping m;
    const std::int64_t k = layer.kernel_h * layer.kernel_w;
    if (block_diagonal) {
        m.rows = k * layer.in_channels;
        m.cols = layer.out_channels * cfg.cells_per_weight();
        m.matrices = 1;
    } else {
        m.rows = k * layer.in_channels / layer.groups;
        m.cols = layer.out_channels / layer.groups * cfg.cells_per_weight();
        m.matrices = layer.groups;
    }
    m.row_tiles = ceil_div(m.rows, cfg.crossbar_rows);
    m.col_tiles = ceil_div(m.cols, cfg.crossbar_cols);
    m.crossbars = m.matrices * m.row_tiles * m.col_tiles;
    return m;
}

LayerCost analog_layer_cost(const AnalogLayer& layer, const CgraConfig& cfg, std::int64_t copies) {
    const AnalogConfig& a = cfg.analog;
    const CrossbarMapping m = map_to_crossbars(layer, a, layer.depthwise());
    const std::int64_t passes = a.passes_per_mvm();
    const std::int64_t mvms = layer.mvms();
    const std::int64_t rounds = ceil_div(mvms, copies);
    LayerCost c;
    c.replication = copies;
    c.crossbars = m.crossbars * copies;
    // Each MVM streams the input bit-serially (passes) plus the pipeline fill; copies work on
    // different output pixels at once.
    const double analog_ns = static_cast<double>(rounds) *
                             static_cast<double>(passes + a.pipeline_fill_passes) *
                             a.pass_time_ns();
    // Partial sums of the row tiles are added digitally: (row_tiles - 1) adds per output.
    const std::int64_t outputs = mvms * layer.out_channels;
    const std::int64_t reduce_adds = outputs * (m.row_tiles - 1);
    const std::int64_t lanes = std::int64_t{cfg.digital.tiles} * cfg.digital.lanes_per_tile;
    const double reduce_ns = static_cast<double>(ceil_div(reduce_adds, lanes)) * cfg.cycle_ns();
    // The reduction is pipelined behind the crossbars: the layer takes the longer of the two.
    c.time_ns = std::max(analog_ns, reduce_ns);
    c.cycles = to_cycles(c.time_ns, cfg);
    const auto per_mvm_adc = static_cast<double>(passes * m.matrices * m.row_tiles * m.cols);
    const auto per_mvm_dac = static_cast<double>(passes * m.matrices * m.col_tiles * m.rows);
    auto& an = c.actions["cgra.analog"];
    an["adc_conversion"] = per_mvm_adc * static_cast<double>(mvms);
    an["dac_row_drive"] = per_mvm_dac * static_cast<double>(mvms);
    an["shift_add_16b"] = per_mvm_adc * static_cast<double>(mvms);
    c.actions["cgra.digital"]["add_16b"] = static_cast<double>(reduce_adds);
    // Input buffer (eDRAM, 256-bit accesses): the input vector of every MVM and its outputs.
    const double in_bits = static_cast<double>(m.matrices * m.rows) * a.input_bits;
    const double out_bits = static_cast<double>(layer.out_channels) * 16.0;
    c.actions["cgra.memory"]["edram_256b"] =
        static_cast<double>(mvms) * (std::ceil(in_bits / 256.0) + std::ceil(out_bits / 256.0));
    c.crossbar_active_ns =
        static_cast<double>(m.crossbars) * static_cast<double>(copies) * analog_ns;
    return c;
}

ProgramCost program_cost(const AnalogLayer& layer, const CgraConfig& cfg, std::int64_t copies) {
    const AnalogConfig& a = cfg.analog;
    const auto mux = static_cast<std::int64_t>(a.program_column_mux);
    std::int64_t row_drives = 0;  // one per round: the verify read of the cells written together
    std::int64_t tile_rows = 0;   // the fullest crossbar's rows and rounds per row
    std::int64_t tile_rounds = 0;
    ProgramCost c;
    if (layer.depthwise()) {
        // Block-diagonal: a row holds one channel's weight in cells_per_weight columns; the
        // rest of the row is other channels' zeros, which are not reprogrammed.
        const std::int64_t cpw = a.cells_per_weight();
        const std::int64_t rows = layer.kernel_h * layer.kernel_w * layer.in_channels;
        c.cells = copies * rows * cpw;
        row_drives = copies * rows * std::min(mux, cpw);
        tile_rows = std::min<std::int64_t>(rows, a.crossbar_rows);
        tile_rounds = std::min(mux, cpw);
    } else {
        const CrossbarMapping m = map_to_crossbars(layer, a, false);
        // Column tiles: full ones of crossbar_cols and a last one of the rest. A row of a tile
        // with c columns is written in min(c, mux) rounds, its drivers working in parallel.
        const std::int64_t full_cols = m.cols / a.crossbar_cols;
        const std::int64_t rest_cols = m.cols % a.crossbar_cols;
        const std::int64_t rounds_per_row =
            full_cols * std::min<std::int64_t>(mux, a.crossbar_cols) + std::min(mux, rest_cols);
        c.cells = copies * m.matrices * m.rows * m.cols;
        row_drives = copies * m.matrices * m.rows * rounds_per_row;
        tile_rows = std::min<std::int64_t>(m.rows, a.crossbar_rows);
        tile_rounds = std::min(mux, std::min<std::int64_t>(m.cols, a.crossbar_cols));
    }
    const double ppc = a.program_pulses_per_cell;
    auto& p = c.actions["cgra.program"];
    p["cell_program_pulse"] = static_cast<double>(c.cells) * ppc;
    p["adc_conversion"] = static_cast<double>(c.cells) * ppc;
    p["dac_row_drive"] = static_cast<double>(row_drives) * ppc;
    c.time_ns = static_cast<double>(tile_rows * tile_rounds) * ppc *
                (a.program_pulse_ns + a.pass_time_ns());
    return c;
}

LayerCost digital_layer_cost(const DigitalWork& w, const CgraConfig& cfg) {
    const DigitalConfig& d = cfg.digital;
    const std::int64_t op_cycles = ceil_div(w.ops, std::int64_t{d.tiles} * d.lanes_per_tile);
    const std::int64_t mac_cycles = ceil_div(w.macs, std::int64_t{d.tiles} * d.macs_per_tile);
    const std::int64_t words = w.words_in + w.words_out;
    const std::int64_t mem_cycles = ceil_div(words, d.scratchpad_words_per_cycle);
    LayerCost c;
    c.cycles = static_cast<std::uint64_t>(std::max(op_cycles + mac_cycles, mem_cycles));
    c.time_ns = static_cast<double>(c.cycles) * cfg.cycle_ns();
    if (w.ops > 0)
        c.actions["cgra.digital"]["add_16b"] = static_cast<double>(w.ops);
    if (w.macs > 0)
        c.actions["cgra.digital"]["mac_16b"] = static_cast<double>(w.macs);
    c.actions["cgra.memory"]["sram_word"] = static_cast<double>(words);
    c.scratchpad_words = static_cast<std::uint64_t>(words);
    return c;
}

std::vector<std::int64_t> plan_replication(const std::vector<AnalogLayer>& layers,
                                           const CgraConfig& cfg, const std::string& model) {
    const AnalogConfig& a = cfg.analog;
    std::vector<std::int64_t> per_copy(layers.size());
    std::vector<std::int64_t> copies(layers.size(), 0);
    std::int64_t used = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        per_copy[i] = crossbars_per_copy(layers[i], cfg);
        if (per_copy[i] == 0)
            continue;
        copies[i] = std::min<std::int64_t>(a.replication, layers[i].mvms());
        used += per_copy[i] * copies[i];
    }
    if (used > a.crossbars) {
        throw ConfigError(
            "cgra.crossbars",
            fmt::format("model '{}' needs {} crossbars of {}x{} at replication {}; "
                        "{} available (raise cgra.crossbars or lower "
                        "cgra.replication)",
                        model, used, a.crossbar_rows, a.crossbar_cols, a.replication, a.crossbars));
    }
    if (a.policy == ReplicationPolicy::Balanced) {
        // Give one more copy at a time to the layer whose MVM rounds take longest, while the
        // spare crossbars allow it.
        const auto rounds = [&](std::size_t i) {
            return (layers[i].mvms() + copies[i] - 1) / copies[i];
        };
        std::priority_queue<std::pair<std::int64_t, std::size_t>> q;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (per_copy[i] > 0)
                q.push({rounds(i), i});
        }
        while (!q.empty()) {
            const std::size_t i = q.top().second;
            q.pop();
            if (copies[i] >= layers[i].mvms())
                continue;
            if (used + per_copy[i] > a.crossbars)
                break;  // the slowest layer cannot grow
            ++copies[i];
            used += per_copy[i];
            q.push({rounds(i), i});
        }
    }
    return copies;
}

void charge(const LayerCost& cost, EnergyAccount& account) {
    for (const auto& [component, actions] : cost.actions) {
        for (const auto& [action, count] : actions) {
            account.add_dynamic(component, action, count);
        }
    }
    if (cost.crossbar_active_ns > 0.0) {
        account.add_leakage("cgra.analog", "crossbar_active", 1.0, cost.crossbar_active_ns);
    }
}

}  // namespace dnsim::cgra
