// The denoiser block in plain fixed point, straight loops over the whole tensor (the SystemC
// model must match it bit for bit; block_reference.h). The replay runs it for every block and
// image, so it is compiled once per vector ISA into DNSIM_ISA_NS (cmake/DnsimIsa.cmake). Integer
// arithmetic only: every copy gives the same bits.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "models/common/fixed_point.h"
#include "models/denoiser/block_reference_isa.h"
#include "models/denoiser/noise_cancel.h"
#include "models/denoiser/systolic.h"

#if !defined(DNSIM_ISA_NS)
#error "reference_block.cpp is compiled through dnsim_add_isa_sources (cmake/DnsimIsa.cmake)"
#endif

namespace dnsim::denoiser::DNSIM_ISA_NS {

namespace {

/// True when every partial sum of bias * one + sum_c w_c x_c, with any 16-bit inputs x_c, and
/// its rounding offset stay inside int32: then 32-bit accumulation (twice the vector lanes of
/// 64-bit) gives exactly the sum requantize() would see, and its 32-bit saturation is idle.
bool fits_int32(const std::int16_t* w, std::size_t n, std::int64_t bias, std::int64_t one,
                int shift) {
    std::int64_t bound = std::abs(bias) * one + (shift > 0 ? std::int64_t{1} << (shift - 1) : 0);
    for (std::size_t c = 0; c < n; ++c)
        bound += std::int64_t{32768} * std::abs(std::int64_t{w[c]});
    return bound <= std::numeric_limits<std::int32_t>::max();
}

/// acc[p] += sum_c w[c] x[c P + p] in 32 bits (exact where fits_int32() holds), four
/// channels per pass over the accumulators.
void accumulate32(std::int32_t* __restrict acc, const std::int16_t* w,
                  const std::int16_t* __restrict x, std::size_t channels, std::size_t P) {
    std::size_t c = 0;
    for (; c + 4 <= channels; c += 4) {
        const std::int32_t w0 = w[c], w1 = w[c + 1], w2 = w[c + 2], w3 = w[c + 3];
        const std::int16_t* x0 = x + c * P;
        const std::int16_t* x1 = x0 + P;
        const std::int16_t* x2 = x1 + P;
        const std::int16_t* x3 = x2 + P;
        for (std::size_t p = 0; p < P; ++p)
            acc[p] += w0 * x0[p] + w1 * x1[p] + w2 * x2[p] + w3 * x3[p];
    }
    for (; c < channels; ++c) {
        const std::int32_t wc = w[c];
        const std::int16_t* xc = x + c * P;
        for (std::size_t p = 0; p < P; ++p)
            acc[p] += wc * xc[p];
    }
}

/// requantize() of an accumulator that fits_int32() showed exact in 32 bits.
inline std::int16_t requantize32(std::int32_t acc, int shift) {
    const std::int32_t r = shift > 0 ? (acc + (std::int32_t{1} << (shift - 1))) >> shift : acc;
    return static_cast<std::int16_t>(std::clamp<std::int32_t>(r, kFixedMin, kFixedMax));
}

/// One channel's depthwise 3x3 over its zero-bordered copy (rows of W + 2): out[y W + x] =
/// finish(bias + the nine products), summed in Acc (int32 where fits_int32() proved every
/// partial sum exact there, int64 otherwise).
template <typename Acc, typename Finish>
void depthwise_channel(const std::int32_t* padded, long H, long W, const std::int32_t* k, Acc bias,
                       std::int16_t* out, const Finish& finish) {
    const long Wp = W + 2;
    for (long y = 0; y < H; ++y) {
        const std::int32_t* r0 = padded + y * Wp;
        const std::int32_t* r1 = r0 + Wp;
        const std::int32_t* r2 = r1 + Wp;
        std::int16_t* row = out + y * W;
        for (long xx = 0; xx < W; ++xx) {
            const Acc acc = bias + Acc{k[0] * r0[xx]} + Acc{k[1] * r0[xx + 1]} +
                            Acc{k[2] * r0[xx + 2]} + Acc{k[3] * r1[xx]} + Acc{k[4] * r1[xx + 1]} +
                            Acc{k[5] * r1[xx + 2]} + Acc{k[6] * r2[xx]} + Acc{k[7] * r2[xx + 1]} +
                            Acc{k[8] * r2[xx + 2]};
            row[xx] = finish(acc);
        }
    }
}

}  // namespace

ReferenceTrace reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                               const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                               unsigned lanes) {
    ReferenceTrace t;
    reference_block_into(x, shape, w, fmt, seed, lanes, t);
    return t;
}

void reference_block_into(const std::vector<std::int16_t>& x, const BlockShape& shape,
                          const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                          unsigned lanes, ReferenceTrace& t) {
    const unsigned c_in = shape.channels;
    const unsigned cr = w.reduced;
    const auto H = static_cast<long>(shape.height);
    const auto W = static_cast<long>(shape.width);
    const std::size_t P = shape.pixels();
    const int wf = fmt.weight_frac_bits;
    const std::int64_t one = std::int64_t{1} << wf;
    // Every element of every tensor is written below (var and normal by the stochastic term,
    // or set to zero without it), so storage from an earlier call is reused as it is.
    t.h1.resize(std::size_t{cr} * P);
    t.h2.resize(std::size_t{cr} * P);
    t.mean.resize(std::size_t{c_in} * P);
    t.var.resize(std::size_t{c_in} * P);
    t.normal.resize(std::size_t{c_in} * P);
    t.out.resize(std::size_t{c_in} * P);

    // Integer sums are exact, so the loops run channel-outer with a row of accumulators (the
    // inner loop over pixels vectorises); the result is the same in any order. A 16 x 16-bit
    // product fits in 32 bits, so only the accumulation is 64-bit.
    std::vector<std::int64_t> row(P), row2(P);
    std::vector<std::int32_t> row32(P), row32b(P);
    for (unsigned m = 0; m < cr; ++m) {
        const std::int16_t* wm = w.reduce_w.data() + std::size_t{m} * c_in;
        if (fits_int32(wm, c_in, w.reduce_b[m], one, wf)) {
            std::fill(row32.begin(), row32.end(), static_cast<std::int32_t>(w.reduce_b[m] * one));
            accumulate32(row32.data(), wm, x.data(), c_in, P);
            for (std::size_t p = 0; p < P; ++p)
                t.h1[m * P + p] = leaky_relu(requantize32(row32[p], wf), fmt.leaky_shift);
            continue;
        }
        std::fill(row.begin(), row.end(), w.reduce_b[m] * one);
        for (unsigned c = 0; c < c_in; ++c) {
            const std::int32_t wc = w.reduce_w[std::size_t{m} * c_in + c];
            const std::int16_t* xc = x.data() + std::size_t{c} * P;
            for (std::size_t p = 0; p < P; ++p)
                row[p] += wc * xc[p];
        }
        for (std::size_t p = 0; p < P; ++p)
            t.h1[m * P + p] = leaky_relu(requantize(row[p], wf), fmt.leaky_shift);
    }
    // Depthwise 3x3 over a zero-bordered copy of each channel (a zero tap adds nothing, so the
    // sum equals the one over the in-range taps only).
    const long Wp = W + 2;
    std::vector<std::int32_t> padded(static_cast<std::size_t>((H + 2) * Wp), 0);
    for (unsigned m = 0; m < cr; ++m) {
        for (long y = 0; y < H; ++y) {
            for (long xx = 0; xx < W; ++xx) {
                padded[static_cast<std::size_t>((y + 1) * Wp + xx + 1)] =
                    t.h1[m * P + static_cast<std::size_t>(y * W + xx)];
            }
        }
        std::int32_t k[9];
        for (std::size_t i = 0; i < 9; ++i)
            k[i] = w.dw_w[m * 9 + i];
        const std::int64_t bias = w.dw_b[m] * one;
        std::int16_t* out = t.h2.data() + m * P;
        if (fits_int32(w.dw_w.data() + m * 9, 9, w.dw_b[m], one, wf)) {
            // Every partial sum fits in 32 bits: the same sums, twice the vector lanes.
            depthwise_channel(padded.data(), H, W, k, static_cast<std::int32_t>(bias), out,
                              [&](std::int32_t acc) {
                                  return leaky_relu(requantize32(acc, wf), fmt.leaky_shift);
                              });
        } else {
            depthwise_channel(padded.data(), H, W, k, bias, out, [&](std::int64_t acc) {
                return leaky_relu(requantize(acc, wf), fmt.leaky_shift);
            });
        }
    }
    if (!fmt.stochastic) {
        // The ablation without the stochastic term: the mean head alone, X_hat = X - mu; the
        // variance head and the lanes' draws stay idle (var and normal remain zero).
        for (unsigned m = 0; m < c_in; ++m) {
            const std::int16_t* wmean = w.mean_w.data() + std::size_t{m} * cr;
            std::int16_t* mean = t.mean.data() + std::size_t{m} * P;
            if (fits_int32(wmean, cr, w.mean_b[m], one, wf)) {
                std::fill(row32.begin(), row32.end(), static_cast<std::int32_t>(w.mean_b[m] * one));
                accumulate32(row32.data(), wmean, t.h2.data(), cr, P);
                for (std::size_t p = 0; p < P; ++p)
                    mean[p] = requantize32(row32[p], wf);
                continue;
            }
            std::fill(row.begin(), row.end(), w.mean_b[m] * one);
            for (unsigned c = 0; c < cr; ++c) {
                const std::int32_t wm = wmean[c];
                const std::int16_t* h = t.h2.data() + std::size_t{c} * P;
                for (std::size_t p = 0; p < P; ++p)
                    row[p] += wm * h[p];
            }
            for (std::size_t p = 0; p < P; ++p)
                mean[p] = requantize(row[p], wf);
        }
        for (std::size_t i = 0; i < t.out.size(); ++i)
            t.out[i] = static_cast<std::int16_t>(
                std::clamp<std::int32_t>(std::int32_t{x[i]} - t.mean[i], -32768, 32767));
        std::fill(t.var.begin(), t.var.end(), std::int16_t{0});
        std::fill(t.normal.begin(), t.normal.end(), std::int16_t{0});
        return;
    }
    for (unsigned m = 0; m < c_in; ++m) {
        const std::int16_t* wmean = w.mean_w.data() + std::size_t{m} * cr;
        const std::int16_t* wvar = w.var_w.data() + std::size_t{m} * cr;
        if (fits_int32(wmean, cr, w.mean_b[m], one, wf) &&
            fits_int32(wvar, cr, w.var_b[m], one, wf)) {
            std::fill(row32.begin(), row32.end(), static_cast<std::int32_t>(w.mean_b[m] * one));
            std::fill(row32b.begin(), row32b.end(), static_cast<std::int32_t>(w.var_b[m] * one));
            accumulate32(row32.data(), wmean, t.h2.data(), cr, P);
            accumulate32(row32b.data(), wvar, t.h2.data(), cr, P);
            for (std::size_t p = 0; p < P; ++p) {
                t.mean[m * P + p] = requantize32(row32[p], wf);
                t.var[m * P + p] = requantize32(row32b[p], wf);
            }
            continue;
        }
        std::fill(row.begin(), row.end(), w.mean_b[m] * one);
        std::fill(row2.begin(), row2.end(), w.var_b[m] * one);
        for (unsigned c = 0; c < cr; ++c) {
            const std::int32_t wm = w.mean_w[std::size_t{m} * cr + c];
            const std::int32_t wv = w.var_w[std::size_t{m} * cr + c];
            const std::int16_t* h = t.h2.data() + std::size_t{c} * P;
            for (std::size_t p = 0; p < P; ++p) {
                row[p] += wm * h[p];
                row2[p] += wv * h[p];
            }
        }
        for (std::size_t p = 0; p < P; ++p) {
            t.mean[m * P + p] = requantize(row[p], wf);
            t.var[m * P + p] = requantize(row2[p], wf);
        }
    }
    // Building a lane (LFSR leap tables, Box-Muller tables) costs far more than one block's
    // arithmetic, so each thread keeps its lanes and reseeds them: the state after reseed()
    // depends on the seed alone.
    thread_local std::vector<NoiseLaneKernel> lane;
    if (lane.size() < lanes) {
        lane.resize(lanes);
    }
    for (unsigned l = 0; l < lanes; ++l) {
        lane[l].reseed(seed, l);
    }
    // Three loops: the lanes' LFSRs in element order g (over (h, c, w), lane g mod lanes; the
    // registers in local variables, so the lanes' leaps overlap), Box-Muller on every element
    // (independent iterations, so the square roots overlap), then Y = Z1 sigma + mu and X - Y
    // row by row, where element g of a row is element i of the (c, h, w) tensor.
    thread_local std::vector<std::uint32_t> u1;
    thread_local std::vector<std::uint16_t> u2;
    thread_local std::vector<std::int16_t> normal_g;
    u1.resize(t.normal.size());
    u2.resize(t.normal.size());
    normal_g.resize(t.normal.size());
    NoiseLaneKernel::draw_round_robin(lane.data(), lanes, u1.size(), u1.data(), u2.data());
    const BoxMuller converter;
    box_muller_normals(converter, u1.data(), u2.data(), normal_g.data(), normal_g.size());
    const std::int16_t* sigma_of = sigma_table(fmt.activation_frac_bits);
    // gaussian_sample() and the saturating subtraction in 32 bits: |Z1 sigma| < 2^30.
    static_assert(kNormalFracBits == 11);
    const std::int16_t* zg = normal_g.data();
    for (long y = 0; y < H; ++y) {
        for (unsigned c = 0; c < c_in; ++c, zg += W) {
            const std::size_t first = c * P + static_cast<std::size_t>(y * W);
            for (long xx = 0; xx < W; ++xx) {
                const std::size_t i = first + static_cast<std::size_t>(xx);
                const std::int32_t z = zg[xx];
                t.normal[i] = static_cast<std::int16_t>(z);
                // max(v, 0) without a branch: the sign of v is as random as the noise.
                const std::int32_t v = t.var[i];
                const std::int32_t sigma = sigma_of[v & ~(v >> 31)];
                const std::int32_t yv = std::clamp<std::int32_t>(
                    ((z * sigma + (1 << 10)) >> 11) + t.mean[i], -32768, 32767);
                t.out[i] =
                    static_cast<std::int16_t>(std::clamp<std::int32_t>(x[i] - yv, -32768, 32767));
            }
        }
    }
}

}  // namespace dnsim::denoiser::DNSIM_ISA_NS
