// Eigen float reference of the denoiser block, and the run-time choice of the fixed-point
// reference's copy (reference_block.cpp, one per vector ISA).
#include "models/denoiser/block_reference.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "models/denoiser/block_reference_isa.h"

namespace dnsim::denoiser {

ReferenceTrace reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                               const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                               unsigned lanes) {
    ReferenceTrace t;
    reference_block(x, shape, w, fmt, seed, lanes, t);
    return t;
}

void reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,
                     const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,
                     unsigned lanes, ReferenceTrace& into) {
    DNSIM_ISA_SELECT(reference_block_into)(x, shape, w, fmt, seed, lanes, into);
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
