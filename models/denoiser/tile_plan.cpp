// Row tiling of the activation SRAM and filter grouping of the weight SRAM.
#include "models/denoiser/tile_plan.h"

#include <algorithm>

#include "models/common/config_error.h"
#include "models/denoiser/block.h"

namespace dnsim::denoiser {

namespace {
unsigned halo_rows(const BlockShape& shape, unsigned rows) {
    return rows >= shape.height ? shape.height : std::min(shape.height, rows + 2);
}
}  // namespace

std::uint64_t tile_footprint_words(const BlockShape& shape, unsigned reduced, unsigned rows,
                                   unsigned x_buffers) {
    const std::uint64_t w = shape.width;
    const std::uint64_t in_rows = halo_rows(shape, rows);
    return (std::uint64_t{x_buffers} * shape.channels + reduced) * in_rows * w +
           (std::uint64_t{reduced} + 2ULL * shape.channels) * rows * w;
}

TilePlan plan_block(const DenoiserConfig& cfg, const BlockShape& shape, unsigned reduced,
                    std::uint64_t activation_base_bytes, std::uint64_t weight_base_bytes) {
    TilePlan plan;
    plan.channels = shape.channels;
    plan.reduced = reduced;
    const std::uint64_t a_cap = activation_base_bytes >= cfg.activation_sram.size_bytes
                                    ? 0
                                    : (cfg.activation_sram.size_bytes - activation_base_bytes) / 2;
    const std::uint64_t one_row = tile_footprint_words(shape, reduced, 1);
    if (one_row > a_cap) {
        throw ConfigError(
            "activation_sram.size_bytes",
            fmt::format("{} bytes (minus base {} bytes) is smaller than one tile row of a {}x{}x{} "
                        "block: one output row needs {} bytes (X and h1 with halo, h2, mean, "
                        "variance); accepted: >= {} bytes",
                        cfg.activation_sram.size_bytes, activation_base_bytes, shape.channels,
                        shape.height, shape.width, one_row * 2,
                        one_row * 2 + activation_base_bytes));
    }
    const std::uint64_t w_cap = weight_base_bytes >= cfg.weight_sram.size_bytes
                                    ? 0
                                    : (cfg.weight_sram.size_bytes - weight_base_bytes) / 2;
    plan.weights_resident = packed_words(shape.channels, reduced) <= w_cap;
    // Double buffering needs two X buffers for one row and resident weights (streamed weights
    // would take the external interface in the middle of a tile's compute).
    if (cfg.dma_double_buffer) {
        plan.double_buffered =
            plan.weights_resident && tile_footprint_words(shape, reduced, 1, 2) <= a_cap;
        plan.double_buffer_fallback = !plan.double_buffered;
    }
    const unsigned x_buffers = plan.double_buffered ? 2 : 1;
    // Largest tile that fits (footprint grows monotonically with the row count).
    unsigned lo = 1, hi = shape.height;
    while (lo < hi) {
        const unsigned mid = lo + (hi - lo + 1) / 2;
        if (tile_footprint_words(shape, reduced, mid, x_buffers) <= a_cap) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    plan.tile_rows = lo;
    for (unsigned r0 = 0; r0 < shape.height; r0 += plan.tile_rows) {
        RowTile t;
        t.r0 = r0;
        t.r1 = std::min(shape.height, r0 + plan.tile_rows);
        t.in_r0 = r0 == 0 ? 0 : r0 - 1;
        t.in_r1 = std::min(shape.height, t.r1 + 1);
        plan.tiles.push_back(t);
    }
    const std::uint64_t w = shape.width;
    const std::uint64_t in_rows = halo_rows(shape, plan.tile_rows);
    plan.x_offset = 0;
    plan.x_words = std::uint64_t{shape.channels} * in_rows * w;
    plan.h1_offset = plan.x_offset + x_buffers * plan.x_words;
    plan.h2_offset = plan.h1_offset + std::uint64_t{reduced} * in_rows * w;
    plan.mean_offset = plan.h2_offset + std::uint64_t{reduced} * plan.tile_rows * w;
    plan.var_offset = plan.mean_offset + std::uint64_t{shape.channels} * plan.tile_rows * w;
    plan.activation_words = plan.var_offset + std::uint64_t{shape.channels} * plan.tile_rows * w;

    if (plan.weights_resident) {
        plan.reduce_group = reduced;
        plan.depthwise_group = reduced;
        plan.head_group = shape.channels;
        return plan;
    }
    const std::uint64_t largest_filter = std::max<std::uint64_t>(
        {std::uint64_t{shape.channels} + 1, std::uint64_t{reduced} + 1, 10});
    if (largest_filter > w_cap) {
        throw ConfigError("weight_sram.size_bytes",
                          fmt::format("{} bytes (minus base {} bytes) cannot hold one filter of a "
                                      "{}-channel block ({} bytes); accepted: >= {} bytes",
                                      cfg.weight_sram.size_bytes, weight_base_bytes, shape.channels,
                                      largest_filter * 2, largest_filter * 2 + weight_base_bytes));
    }
    plan.reduce_group = static_cast<unsigned>(
        std::min<std::uint64_t>(reduced, w_cap / (std::uint64_t{shape.channels} + 1)));
    plan.depthwise_group = static_cast<unsigned>(std::min<std::uint64_t>(reduced, w_cap / 10));
    plan.head_group = static_cast<unsigned>(
        std::min<std::uint64_t>(shape.channels, w_cap / (std::uint64_t{reduced} + 1)));
    return plan;
}

}  // namespace dnsim::denoiser
