// Plain fixed-point and Eigen float references of the denoiser block.
#include "block_reference.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "common/fixed_point.h"
#include "noise_cancel.h"
#include "systolic.h"

namespace dnsim::denoiser {

ReferenceTrace reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                               const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                               unsigned lanes) {
    const unsigned c_in = shape.channels;
    const unsigned cr = w.reduced;
    const auto H = static_cast<long>(shape.height);
    const auto W = static_cast<long>(shape.width);
    const std::size_t P = shape.pixels();
    const int wf = fmt.weight_frac_bits;
    const std::int64_t one = std::int64_t{1} << wf;
    ReferenceTrace t;
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
    for (unsigned m = 0; m < cr; ++m) {
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
        for (long y = 0; y < H; ++y) {
            const std::int32_t* r0 = padded.data() + y * Wp;
            const std::int32_t* r1 = r0 + Wp;
            const std::int32_t* r2 = r1 + Wp;
            std::int16_t* out = t.h2.data() + m * P + static_cast<std::size_t>(y * W);
            for (long xx = 0; xx < W; ++xx) {
                const std::int64_t acc =
                    bias + std::int64_t{k[0] * r0[xx]} + std::int64_t{k[1] * r0[xx + 1]} +
                    std::int64_t{k[2] * r0[xx + 2]} + std::int64_t{k[3] * r1[xx]} +
                    std::int64_t{k[4] * r1[xx + 1]} + std::int64_t{k[5] * r1[xx + 2]} +
                    std::int64_t{k[6] * r2[xx]} + std::int64_t{k[7] * r2[xx + 1]} +
                    std::int64_t{k[8] * r2[xx + 2]};
                out[xx] = leaky_relu(requantize(acc, wf), fmt.leaky_shift);
            }
        }
    }
    for (unsigned m = 0; m < c_in; ++m) {
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
    // Three loops: the lanes' LFSRs in element order (short dependency chains), Box-Muller on
    // every element (independent iterations, so the square roots overlap), then
    // Y = Z1 sigma + mu and X - Y over the whole block (no look-ups or roots; it vectorises).
    thread_local std::vector<std::uint32_t> u1;
    thread_local std::vector<std::uint16_t> u2;
    u1.resize(t.normal.size());
    u2.resize(t.normal.size());
    unsigned l = 0;  // lane of element g (global index in (h, c, w) order): g mod lanes
    for (long y = 0; y < H; ++y) {
        for (unsigned c = 0; c < c_in; ++c) {
            const std::size_t first = c * P + static_cast<std::size_t>(y * W);
            for (long xx = 0; xx < W; ++xx) {
                lane[l].next_uniforms(u1[first + static_cast<std::size_t>(xx)],
                                      u2[first + static_cast<std::size_t>(xx)]);
                l = l + 1 == lanes ? 0 : l + 1;
            }
        }
    }
    const BoxMuller converter;
    converter.normals(u1.data(), u2.data(), t.normal.data(), t.normal.size());
    const std::int16_t* sigma_of = sigma_table(fmt.activation_frac_bits);
    std::vector<std::int16_t> sigma(t.var.size());
    for (std::size_t i = 0; i < sigma.size(); ++i)
        sigma[i] = sigma_of[std::max<std::int16_t>(t.var[i], 0)];
    // gaussian_sample() and the saturating subtraction in 32 bits: |Z1 sigma| < 2^30.
    static_assert(kNormalFracBits == 11);
    for (std::size_t i = 0; i < t.out.size(); ++i) {
        const std::int32_t yv = std::clamp<std::int32_t>(
            ((std::int32_t{t.normal[i]} * sigma[i] + (1 << 10)) >> 11) + t.mean[i], -32768, 32767);
        t.out[i] = static_cast<std::int16_t>(std::clamp<std::int32_t>(x[i] - yv, -32768, 32767));
    }
    return t;
}

FloatResult float_reference(const std::vector<double>& x, const BlockShape& shape,
                            const BlockWeightsF& w, const BlockFormat& fmt,
                            const std::vector<double>& normal) {
    using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Index C = shape.channels, Cr = w.reduced;
    const auto H = static_cast<long>(shape.height), W = static_cast<long>(shape.width);
    const Eigen::Index P = H * W;
    const double lsb = fmt.activation().lsb();
    const double slope = fmt.leaky_slope();
    const auto leaky = [slope](double v) { return v >= 0.0 ? v : v * slope; };

    const Eigen::Map<const Mat> X(x.data(), C, P);
    const Eigen::Map<const Mat> Wr(w.reduce_w.data(), Cr, C);
    const Eigen::Map<const Mat> Wm(w.mean_w.data(), C, Cr);
    const Eigen::Map<const Mat> Wv(w.var_w.data(), C, Cr);
    const Eigen::Map<const Eigen::VectorXd> br(w.reduce_b.data(), Cr);
    const Eigen::Map<const Eigen::VectorXd> bm(w.mean_b.data(), C);
    const Eigen::Map<const Eigen::VectorXd> bv(w.var_b.data(), C);

    Mat h1 = ((Wr * X).colwise() + br).unaryExpr(leaky);
    // Rounding to the activation grid: 0.5 LSB; LeakyReLU's floor shift adds < 1 LSB.
    const double e_h1 = 0.5 * lsb + lsb;
    Mat h2(Cr, P);
    Eigen::VectorXd e_h2(Cr);
    for (Eigen::Index m = 0; m < Cr; ++m) {
        double wsum = 0.0;
        for (int k = 0; k < 9; ++k) {
            wsum += std::abs(w.dw_w[static_cast<std::size_t>(m * 9 + k)]);
        }
        e_h2[m] = wsum * e_h1 + 0.5 * lsb + lsb;
        for (long y = 0; y < H; ++y) {
            for (long xx = 0; xx < W; ++xx) {
                double acc = w.dw_b[static_cast<std::size_t>(m)];
                for (long ky = 0; ky < 3; ++ky) {
                    for (long kx = 0; kx < 3; ++kx) {
                        const long yy = y + ky - 1, xs = xx + kx - 1;
                        if (yy >= 0 && yy < H && xs >= 0 && xs < W) {
                            acc += w.dw_w[static_cast<std::size_t>(m * 9 + ky * 3 + kx)] *
                                   h1(m, yy * W + xs);
                        }
                    }
                }
                h2(m, y * W + xx) = leaky(acc);
            }
        }
    }
    const Mat mean = (Wm * h2).colwise() + bm;
    const Mat var = (Wv * h2).colwise() + bv;
    const Eigen::VectorXd e_mean = Wm.cwiseAbs() * e_h2 + Eigen::VectorXd::Constant(C, 0.5 * lsb);
    const Eigen::VectorXd e_var = Wv.cwiseAbs() * e_h2 + Eigen::VectorXd::Constant(C, 0.5 * lsb);

    FloatResult r;
    r.out.resize(static_cast<std::size_t>(C * P));
    r.bound.resize(r.out.size());
    for (Eigen::Index c = 0; c < C; ++c) {
        // |sqrt(a) - sqrt(b)| <= sqrt(|a - b|); the integer square root floors (< 1 LSB).
        const double e_sigma = std::sqrt(e_var[c]) + lsb;
        for (Eigen::Index p = 0; p < P; ++p) {
            const auto i = static_cast<std::size_t>(c * P + p);
            const double sigma = std::sqrt(std::max(var(c, p), 0.0));
            r.out[i] = X(c, p) - (normal[i] * sigma + mean(c, p));
            r.bound[i] = std::abs(normal[i]) * e_sigma + e_mean[c] + 0.5 * lsb;
        }
    }
    return r;
}

}  // namespace dnsim::denoiser
