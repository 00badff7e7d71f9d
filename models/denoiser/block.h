// The denoiser block's parameters (Fig. 1 of the paper): PW-reduce (C -> C_r), depthwise 3x3 on
// C_r channels, PW-mean and PW-variance (C_r -> C each), all with biases. One template holds
// both the float parameters and their 16-bit fixed-point image; pack()/unpack() define the
// layout the host writes to memory for the weight-load DMA (docs/denoiser.md).
#pragma once

#include <cstdint>
#include <vector>

#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

template <typename T>
struct BlockParams {
    unsigned channels = 0;              ///< C
    unsigned reduced = 0;               ///< C_r
    std::vector<T> reduce_w, reduce_b;  ///< C_r x C, C_r
    std::vector<T> dw_w, dw_b;          ///< C_r x 9 (row-major 3x3), C_r
    std::vector<T> mean_w, mean_b;      ///< C x C_r, C
    std::vector<T> var_w, var_b;        ///< C x C_r, C

    BlockParams() = default;
    BlockParams(unsigned c, unsigned cr)
        : channels(c),
          reduced(cr),
          reduce_w(std::size_t{cr} * c),
          reduce_b(cr),
          dw_w(std::size_t{cr} * 9),
          dw_b(cr),
          mean_w(std::size_t{c} * cr),
          mean_b(c),
          var_w(std::size_t{c} * cr),
          var_b(c) {}

    /// Weights and biases: 3 C C_r + 9 C_r + 2 C_r + 2 C (the paper's 0.75 C^2 + 2.25 C at 1/4).
    static std::uint64_t parameter_count(unsigned c, unsigned cr) {
        return 3ULL * c * cr + 9ULL * cr + 2ULL * cr + 2ULL * c;
    }
    std::uint64_t parameter_count() const { return parameter_count(channels, reduced); }
};

using BlockWeightsF = BlockParams<double>;
using BlockWeights = BlockParams<std::int16_t>;

/// Deterministic synthetic parameters (Kaiming-uniform weights, small biases) for timing and
/// power studies of blocks without trained weights; keyed by (seed, channels, reduced).
BlockWeightsF synthetic_block_weights(unsigned channels, unsigned reduced, std::uint64_t seed);

/// Weights in the weight format; biases, which add to activations, in the activation format.
BlockWeights quantize_block(const BlockWeightsF& w, const BlockFormat& fmt);

/// The float values the fixed-point parameters stand for (for the float reference).
BlockWeightsF dequantize_block(const BlockWeights& w, const BlockFormat& fmt);

/// Packed memory image: reduce_w, reduce_b, dw_w, dw_b, mean_w, mean_b, var_w, var_b (int16).
std::vector<std::int16_t> pack_block(const BlockWeights& w);
/// Inverse of pack_block(); `words` must equal packed_words(c, cr).
BlockWeights unpack_block(unsigned c, unsigned cr, const std::int16_t* words, std::size_t count);
inline std::uint64_t packed_words(unsigned c, unsigned cr) {
    return BlockWeights::parameter_count(c, cr);
}

/// Word offsets of each parameter array inside the packed image.
struct PackedLayout {
    std::uint64_t reduce_w, reduce_b, dw_w, dw_b, mean_w, mean_b, var_w, var_b, total;
};
PackedLayout packed_layout(unsigned c, unsigned cr);

}  // namespace dnsim::denoiser
