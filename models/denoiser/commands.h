// Typed payloads the control unit sends to its units over TLM (carried in the generic payload's
// data pointer, NVDLA-style; common/tlm_command.h). Operands are pointers into the SRAMs,
// obtained through DMI. A command without its data (null `in`, `data` or `x`) is timed and
// counted like any other but computes nothing: the control unit sends such commands for a block
// whose data nobody reads (ControlUnit::set_compute).
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/common/tlm_command.h"
#include "models/denoiser/systolic.h"

namespace dnsim::denoiser {

/// One conv core's share of a conv phase on one tile.
struct ConvCommand {
    enum class Kind : std::uint8_t { pointwise, depthwise };
    Kind kind = Kind::pointwise;
    int weight_frac_bits = 0;
    unsigned filters = 0;                   ///< filters of this weight group (T for pointwise)
    const std::int16_t* in = nullptr;       ///< null: timed and counted only
    std::size_t in_stride = 0;              ///< words between input channel planes
    unsigned in_channels = 0;               ///< C_in (pointwise)
    const std::int16_t* weights = nullptr;  ///< pointwise: filters x C_in; depthwise: filters x 9
    const std::int16_t* bias = nullptr;
    std::int16_t* out = nullptr;
    std::size_t out_stride = 0;  ///< words between output channel planes
    std::size_t pixels = 0;      ///< output pixels of the tile (S_C)
    /// Share of this core: pointwise, column folds [unit0, unit1); depthwise, units
    /// (channel * col_folds + fold) in [unit0, unit1).
    std::uint64_t unit0 = 0, unit1 = 0;
    PlaneTile plane{};  ///< depthwise geometry
    // Results, filled in by the core.
    FoldWork work{};
    std::uint64_t saturated = 0;
};

/// LeakyReLU over `count` contiguous words in place.
struct LeakyReluCommand {
    std::int16_t* data = nullptr;  ///< null: timed and counted only
    std::size_t count = 0;
    int shift = 0;
};

/// One lane's share of noise cancellation on a tile: the elements g = (h C + c) W + w with
/// g mod lanes == lane, in increasing g, for image rows [r0, r1).
struct NoiseCommand {
    std::int16_t* x = nullptr;  ///< X tile buffer (rows from x_row0); X_hat written here; null:
                                ///< timed and counted only
    unsigned x_row0 = 0;
    unsigned x_rows = 0;
    const std::int16_t* mean = nullptr;  ///< tile buffers starting at row r0
    const std::int16_t* var = nullptr;
    unsigned channels = 0, width = 0;
    unsigned r0 = 0, r1 = 0;
    unsigned lanes = 1;
    int frac_bits = 0;
    /// X_hat = X - mu: no draw, no square root (BlockFormat::stochastic false).
    bool mean_only = false;
    std::uint64_t elements = 0;  ///< filled in by the lane: elements denoised
    std::uint64_t samples = 0;   ///< filled in by the lane: normal samples drawn
};

}  // namespace dnsim::denoiser
