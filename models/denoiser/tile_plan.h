// How the control unit fits one block into the two SRAMs: the activation SRAM holds a tile of
// output rows (X and h1 with a one-row halo for the 3x3 depthwise conv, h2, mean, variance);
// the weight SRAM holds all block parameters (resident across runs of the same block) or, when
// they do not fit, one group of filters of the current phase at a time (streamed per tile).
// Every extra transfer this causes is counted by the control unit.
#pragma once

#include <cstdint>
#include <vector>

#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

struct RowTile {
    unsigned r0 = 0, r1 = 0;        ///< output rows [r0, r1)
    unsigned in_r0 = 0, in_r1 = 0;  ///< rows of X / h1 needed, halo included, clipped to image
    unsigned rows() const { return r1 - r0; }
    unsigned in_rows() const { return in_r1 - in_r0; }
};

struct TilePlan {
    unsigned channels = 0, reduced = 0;
    unsigned tile_rows = 0;  ///< output rows per tile (last tile may be shorter)
    std::vector<RowTile> tiles;
    /// Activation SRAM regions, word offsets from ASRAM_BASE, sized for the largest tile.
    std::uint64_t x_offset = 0, h1_offset = 0, h2_offset = 0, mean_offset = 0, var_offset = 0;
    /// Two X buffers (denoiser.dma_double_buffer): tile i uses x_offset + (i % 2) x x_words.
    bool double_buffered = false;
    /// denoiser.dma_double_buffer was asked for but the block runs single-buffered: the two
    /// X buffers do not fit (even for one row), or the weights are streamed per tile.
    bool double_buffer_fallback = false;
    std::uint64_t x_words = 0;           ///< one X buffer (C x rows with halo x W)
    std::uint64_t activation_words = 0;  ///< footprint of the largest tile
    bool weights_resident = false;       ///< all parameters fit in the weight SRAM at once
    /// Filters per weight group when not resident (== all filters when resident).
    unsigned reduce_group = 0, depthwise_group = 0, head_group = 0;
};

/// Words of activation SRAM one tile of `rows` output rows needs (`x_buffers` copies of X).
std::uint64_t tile_footprint_words(const BlockShape& shape, unsigned reduced, unsigned rows,
                                   unsigned x_buffers = 1);

/// Plans the block (double-buffered when cfg.dma_double_buffer and it fits: two X buffers,
/// weights resident; else single-buffered, with double_buffer_fallback set); throws
/// ConfigError("activation_sram.size_bytes" / "weight_sram.size_bytes") if not even one output row
/// / one filter fits above the base addresses.
TilePlan plan_block(const DenoiserConfig& cfg, const BlockShape& shape, unsigned reduced,
                    std::uint64_t activation_base_bytes, std::uint64_t weight_base_bytes);

}  // namespace dnsim::denoiser
