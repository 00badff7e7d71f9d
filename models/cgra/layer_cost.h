// Analytic timing and action counts of one layer on the MX-CGRA: analog layers (convolutions
// and fully connected layers as crossbar MVMs) and digital layers (BN, activations, pooling,
// residual add, concat, depthwise when mapped digitally). Plain C++: no SystemC kernel. The
// formulas are in docs/cgra.md; each is checked against a hand-computed case in the tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/cgra/cgra_config.h"
#include "models/common/energy.h"

namespace dnsim::cgra {

/// A convolution or fully connected layer as the crossbars see it (one image).
struct AnalogLayer {
    std::string name;
    std::int64_t kernel_h = 1;
    std::int64_t kernel_w = 1;
    std::int64_t in_channels = 1;   ///< C_in (Gemm: K)
    std::int64_t out_channels = 1;  ///< C_out (Gemm: N)
    std::int64_t groups = 1;
    std::int64_t out_h = 1;  ///< output pixels (Gemm: M rows x 1)
    std::int64_t out_w = 1;

    std::int64_t mvms() const { return out_h * out_w; }
    bool depthwise() const { return groups > 1 && in_channels == groups; }
};

/// How one copy of a layer's weights sits on crossbars.
struct CrossbarMapping {
    std::int64_t rows = 0;  ///< weight rows per matrix: kH kW C_in/groups (block-diagonal: kH kW C)
    std::int64_t cols = 0;  ///< crossbar columns per matrix: C_out/groups x cells per weight
    std::int64_t row_tiles = 0;  ///< ceil(rows / crossbar_rows)
    std::int64_t col_tiles = 0;  ///< ceil(cols / crossbar_cols)
    std::int64_t matrices = 1;   ///< groups mapped separately (1 for dense or block-diagonal)
    std::int64_t crossbars = 0;  ///< matrices x row_tiles x col_tiles
};

/// Maps a layer onto crossbars (depthwise layers only with DepthwiseMapping::BlockDiagonal).
CrossbarMapping map_to_crossbars(const AnalogLayer& layer, const AnalogConfig& cfg,
                                 bool block_diagonal);

/// Work and time of one layer for one image.
struct LayerCost {
    std::uint64_t cycles = 0;  ///< at the CGRA clock
    double time_ns = 0.0;
    std::int64_t crossbars = 0;    ///< crossbars holding the layer (all copies)
    std::int64_t replication = 0;  ///< copies of the weights (analog layers)
    /// Action counts by energy-table entry, per component ("cgra.analog", "cgra.digital",
    /// "cgra.memory").
    std::map<std::string, std::map<std::string, double>> actions;
    /// Crossbar-ns of array activity (crossbars x active time), for the crossbar power entry.
    double crossbar_active_ns = 0.0;
    std::uint64_t scratchpad_words = 0;  ///< 16-bit words read + written in data memory
};

/// Analog layer with `copies` copies of its weights running MVMs in parallel.
LayerCost analog_layer_cost(const AnalogLayer& layer, const CgraConfig& cfg, std::int64_t copies);

/// Digital work: `ops` 16-bit element operations and `macs` multiply-accumulates, reading
/// `words_in` and writing `words_out` 16-bit words of data memory.
struct DigitalWork {
    std::string name;
    std::int64_t ops = 0;
    std::int64_t macs = 0;
    std::int64_t words_in = 0;
    std::int64_t words_out = 0;
};
LayerCost digital_layer_cost(const DigitalWork& work, const CgraConfig& cfg);

/// Reprogramming one layer's weights (recalibration, e.g. against drift): every cell written
/// again by program-and-verify. Each crossbar has its own write drivers, each serving
/// cgra.program_column_mux columns, and every crossbar programs at once; a row at a time, the
/// cells of a row under different drivers in parallel. Each iteration of a cell is a write
/// pulse (cgra.program_pulse_ns, energy cell_program_pulse) and a verify read of one pass
/// (cgra.pass_ns: a row drive and a column conversion). Formulas in docs/energy.md.
struct ProgramCost {
    std::int64_t cells = 0;  ///< cells holding the weights, all copies
    /// Action counts ("cgra.program": cell_program_pulse, dac_row_drive, adc_conversion).
    std::map<std::string, std::map<std::string, double>> actions;
    /// The slowest crossbar's time, ns (all program at once).
    double time_ns = 0.0;
};
ProgramCost program_cost(const AnalogLayer& layer, const CgraConfig& cfg, std::int64_t copies);

/// Copies per analog layer under the configured policy. Throws ConfigError("cgra.crossbars")
/// naming `model` when the layers do not fit the crossbars available.
std::vector<std::int64_t> plan_replication(const std::vector<AnalogLayer>& layers,
                                           const CgraConfig& cfg, const std::string& model);

/// Adds a layer's actions and crossbar activity to an energy account.
void charge(const LayerCost& cost, EnergyAccount& account);

}  // namespace dnsim::cgra
