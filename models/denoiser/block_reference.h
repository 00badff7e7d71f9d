// Two references of one denoiser block, independent of the SystemC model's tiling, core split
// and SRAM placement:
//  - reference_block(): plain C++ fixed point, straight loops over the whole tensor; the
//    SystemC model must match it bit for bit.
//  - float_reference(): Eigen double precision on the same (dequantised) parameters and the
//    same normal samples, with a per-element bound on the fixed-point rounding error
//    (docs/denoiser.md, "Fixed point vs float").
#pragma once

#include <cstdint>
#include <vector>

#include "models/denoiser/block.h"
#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

/// Intermediate and final tensors of the fixed-point block, CHW order.
struct ReferenceTrace {
    std::vector<std::int16_t> h1, h2, mean, var;
    std::vector<std::int16_t> normal;  ///< Z1 (Q4.11) used for each element of X
    std::vector<std::int16_t> out;
};

/// The block in fixed point; noise element order (h, c, w), element g to lane g mod `lanes`.
ReferenceTrace reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                               const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                               unsigned lanes);
/// The same into `into`, whose vectors are resized and overwritten: a caller that runs many
/// blocks keeps one trace and allocates (and zeroes) nothing per block.
void reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                     const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                     unsigned lanes, ReferenceTrace& into);

struct FloatResult {
    std::vector<double> out;    ///< X_hat in double precision
    std::vector<double> bound;  ///< |fixed - float| <= bound per element (no saturation)
};

/// The block in double precision. `x` and `normal` are the same values the fixed-point model
/// saw (as doubles); `w` the dequantised parameters. Rounding bounds use the formats in `fmt`.
FloatResult float_reference(const std::vector<double>& x, const BlockShape& shape,
                            const BlockWeightsF& w, const BlockFormat& fmt,
                            const std::vector<double>& normal);

}  // namespace dnsim::denoiser
