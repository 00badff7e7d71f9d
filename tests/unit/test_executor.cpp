// Float executor: kernels against direct loops written here, hand-computed small cases, BN
// folding, determinism across batch size and thread count.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "models/common/rng.h"
#include "workloads/exec/executor.h"
#include "workloads/exec/kernels.h"
#include "workloads/exec/kernels_tensor.h"
#include "workloads/graph/graph_builder.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;

namespace {

Tensor random_tensor(const Dims& d, std::uint64_t seed) {
    Tensor t(d);
    Rng rng(seed, {0});
    for (float& v : t.data)
        v = static_cast<float>(rng.normal());
    return t;
}

/// Direct 7-loop convolution in double precision: the independent reference.
Tensor naive_conv(const Tensor& x, const Tensor& w, const NodeAttrs& a) {
    const auto n = x.dims[0], c = x.dims[1], h = x.dims[2], wd = x.dims[3];
    const auto m = w.dims[0], kh = w.dims[2], kw = w.dims[3];
    const auto cg = c / a.group, mg = m / a.group;
    const auto ho = (h + a.pads[0] + a.pads[2] - a.dilations[0] * (kh - 1) - 1) / a.strides[0] + 1;
    const auto wo = (wd + a.pads[1] + a.pads[3] - a.dilations[1] * (kw - 1) - 1) / a.strides[1] + 1;
    Tensor out({n, m, ho, wo});
    for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t o = 0; o < m; ++o)
            for (std::int64_t y = 0; y < ho; ++y)
                for (std::int64_t z = 0; z < wo; ++z) {
                    double acc = 0;
                    const auto g = o / mg;
                    for (std::int64_t ci = 0; ci < cg; ++ci)
                        for (std::int64_t i = 0; i < kh; ++i)
                            for (std::int64_t j = 0; j < kw; ++j) {
                                const auto iy = y * a.strides[0] - a.pads[0] + i * a.dilations[0];
                                const auto iz = z * a.strides[1] - a.pads[1] + j * a.dilations[1];
                                if (iy < 0 || iy >= h || iz < 0 || iz >= wd)
                                    continue;
                                acc += double(x.data[((b * c + g * cg + ci) * h + iy) * wd + iz]) *
                                       w.data[((o * cg + ci) * kh + i) * kw + j];
                            }
                    out.data[((b * m + o) * ho + y) * wo + z] = float(acc);
                }
    return out;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
    REQUIRE(a.dims == b.dims);
    double m = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i)
        m = std::max(m, double(std::abs(a.data[i] - b.data[i])));
    return m;
}

}  // namespace

TEST_CASE("conv2d equals a direct loop for strides, pads, dilations and groups") {
    struct Case {
        std::int64_t c, m, k, s, p, d, g;
    };
    const Case cases[] = {{3, 4, 3, 1, 1, 1, 1}, {4, 6, 3, 2, 1, 1, 2}, {8, 8, 3, 1, 1, 1, 8},
                          {5, 7, 1, 1, 0, 1, 1}, {4, 4, 5, 2, 2, 1, 4}, {6, 4, 3, 1, 2, 2, 1},
                          {2, 4, 3, 1, 0, 1, 2}};
    for (const auto& cs : cases) {
        NodeAttrs a;
        a.kernel = {cs.k, cs.k};
        a.strides = {cs.s, cs.s};
        a.pads = {cs.p, cs.p, cs.p + 1, cs.p};  // asymmetric bottom pad
        a.dilations = {cs.d, cs.d};
        a.group = cs.g;
        const Tensor x = random_tensor({2, cs.c, 9, 7}, 1);
        const Tensor w = random_tensor({cs.m, cs.c / cs.g, cs.k, cs.k}, 2);
        INFO("c=" << cs.c << " m=" << cs.m << " k=" << cs.k << " g=" << cs.g);
        CHECK(max_abs_diff(kernels::conv2d(x, w, nullptr, a), naive_conv(x, w, a)) < 1e-4);
    }
}

/// One output element as the chain conv2d promises (kernels.h): acc = acc + w x over k =
/// (c, kh, kw) in order from +0, one rounding per step with fma, two without; taps in the
/// padding multiply a zero like any other. Written here from that definition alone.
float chain_element(const Tensor& x, const Tensor& w, const NodeAttrs& a, std::int64_t n,
                    std::int64_t o, std::int64_t y, std::int64_t z, bool fused) {
    const auto c = x.dims[1], h = x.dims[2], wd = x.dims[3];
    const auto m = w.dims[0], kh = w.dims[2], kw = w.dims[3];
    const auto cg = c / a.group, mg = m / a.group, g = o / mg;
    float acc = 0.0f;
    for (std::int64_t ci = 0; ci < cg; ++ci)
        for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
                const auto ih = y * a.strides[0] - a.pads[0] + i * a.dilations[0];
                const auto iw = z * a.strides[1] - a.pads[1] + j * a.dilations[1];
                const bool inside = ih >= 0 && ih < h && iw >= 0 && iw < wd;
                const float xv =
                    inside ? x.ptr()[((n * c + g * cg + ci) * h + ih) * wd + iw] : 0.0f;
                const float wv = w.ptr()[((o * cg + ci) * kh + i) * kw + j];
                if (fused) {
                    acc = std::fma(wv, xv, acc);
                } else {
                    const float prod = wv * xv;
                    acc = acc + prod;
                }
            }
    return acc;
}

TEST_CASE("conv2d computes every output as the fixed chain, bit for bit, in any batch") {
    // Both paths of the GEMM (direct on wide rows with unit stride, packed patches otherwise),
    // K above one 256-deep slice on either path, groups (a channel multiplier too), depthwise,
    // a bias, 1x1, dilation, asymmetric pads; three images at once.
    struct Case {
        std::int64_t c, m, h, w, k, s, p, d, g;
        bool asymmetric = false;
    };
    const Case cases[] = {{16, 16, 28, 28, 3, 1, 1, 1, 1},
                          {1, 16, 28, 28, 3, 1, 1, 1, 1},
                          {8, 12, 30, 17, 3, 1, 1, 1, 1},
                          {6, 8, 33, 25, 5, 1, 2, 1, 1},
                          {4, 8, 49, 20, 3, 2, 1, 1, 1},
                          {3, 5, 40, 1, 1, 1, 0, 1, 1},
                          {40, 9, 7, 7, 3, 1, 1, 1, 1},
                          {64, 24, 4, 4, 3, 1, 1, 1, 1},
                          {12, 10, 19, 21, 3, 1, 2, 2, 1},
                          {8, 6, 14, 14, 3, 1, 1, 1, 2},
                          {33, 7, 13, 16, 1, 1, 0, 1, 1},
                          {5, 70, 9, 31, 3, 2, 1, 1, 1},
                          {40, 12, 28, 28, 3, 1, 1, 1, 1},
                          {4, 8, 10, 10, 3, 1, 1, 1, 4},
                          {16, 16, 28, 28, 3, 1, 1, 1, 16},
                          {6, 6, 12, 13, 3, 2, 1, 1, 6},
                          {7, 10, 15, 29, 3, 1, 1, 1, 1, true},
                          {5, 9, 15, 20, 3, 2, 1, 2, 1, true},
                          // 32 output channels or more per group (the channel-lane path where the
                          // CPU has it): narrow and wide tiles, maps of 7x7 and 4x4, stride 2, 1x1,
                          // unpadded, dilation, groups, a channel count that is not a whole number
                          // of vectors, pixels that do not fill the last tile.
                          {32, 32, 14, 14, 3, 1, 1, 1, 1},
                          {16, 64, 7, 7, 3, 1, 1, 1, 1},
                          {24, 128, 4, 4, 3, 1, 1, 1, 1},
                          {16, 32, 15, 15, 3, 2, 1, 1, 1},
                          {16, 64, 7, 7, 1, 2, 0, 1, 1},
                          {12, 80, 9, 11, 3, 1, 0, 1, 1},
                          {8, 96, 11, 10, 3, 1, 2, 2, 1},
                          {16, 64, 6, 5, 3, 1, 1, 1, 2},
                          {9, 40, 28, 28, 3, 1, 1, 1, 1},
                          {6, 48, 13, 9, 5, 2, 1, 1, 1, true},
                          {16, 64, 6, 5, 3, 1, 0, 1, 2}};
    const bool fused = kernels::conv_chain_fused();
    for (const auto& cs : cases) {
        NodeAttrs a;
        a.kernel = {cs.k, cs.k};
        a.strides = {cs.s, cs.s};
        a.pads = {cs.p, cs.p, cs.p, cs.p};
        if (cs.asymmetric)
            a.pads = {cs.p, 0, cs.p + 1, 2};
        a.dilations = {cs.d, cs.d};
        a.group = cs.g;
        const Tensor x = random_tensor({3, cs.c, cs.h, cs.w}, 3);
        const Tensor w = random_tensor({cs.m, cs.c / cs.g, cs.k, cs.k}, 4);
        const Tensor bias = random_tensor({cs.m}, 5);
        const Tensor y = kernels::conv2d(x, w, &bias, a);
        INFO("c=" << cs.c << " m=" << cs.m << " map " << cs.h << "x" << cs.w << " k=" << cs.k
                  << " stride " << cs.s << " dilation " << cs.d << " groups " << cs.g);
        const std::int64_t ho = y.dims[2], wo = y.dims[3];
        std::int64_t differ = 0;
        for (std::int64_t n = 0; n < 3; ++n)
            for (std::int64_t o = 0; o < cs.m; ++o)
                for (std::int64_t r = 0; r < ho; ++r)
                    for (std::int64_t q = 0; q < wo; ++q) {
                        const float want =
                            chain_element(x, w, a, n, o, r, q, fused) + bias.ptr()[o];
                        differ += y.ptr()[((n * cs.m + o) * ho + r) * wo + q] != want;
                    }
        CHECK(differ == 0);
        // And the direct double-precision loop agrees to rounding.
        Tensor no_bias = kernels::conv2d(x, w, nullptr, a);
        CHECK(max_abs_diff(no_bias, naive_conv(x, w, a)) < 1e-3);
        // Image 2 alone: the same bits as inside the batch of three.
        Tensor x2({1, cs.c, cs.h, cs.w});
        std::copy_n(x.ptr() + 2 * x2.numel(), x2.numel(), x2.ptr());
        const Tensor y2 = kernels::conv2d(x2, w, &bias, a);
        CHECK(std::equal(y2.data.begin(), y2.data.end(), y.data.begin() + 2 * y2.numel()));
    }
}

namespace {

/// Bitwise equality of two float tensors (NaN payloads included).
bool same_bits(const Tensor& a, const Tensor& b) {
    return a.dims == b.dims && std::memcmp(a.ptr(), b.ptr(), a.data.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE(
    "channels-last convolutions give conv2d's bits, skipping padded taps only for finite "
    "weights") {
    if (!kernels::conv_channels_last()) {
        NodeAttrs a;
        a.kernel = {3, 3};
        CHECK(!kernels::conv_channels_last_takes(a, {8, 8, 3, 3}));
        WARN("this kernel copy has no channels-last path");
        return;
    }
    // What the executor keeps channels-last: one group, unit dilation, pads of 0 or 1. One,
    // two and four vectors of channels, channel counts that are not whole vectors, maps of 28
    // down to 1 pixel, strides 1 and 2, 1x1, 2x2 and 5x5 kernels, asymmetric pads, pixels
    // that do not fill the last tile.
    struct Case {
        std::int64_t c, m, h, w, k, s;
        std::array<std::int64_t, 4> pads;
    };
    const Case cases[] = {
        {16, 16, 28, 28, 3, 1, {1, 1, 1, 1}}, {1, 16, 28, 28, 3, 1, {1, 1, 1, 1}},
        {8, 12, 30, 17, 3, 1, {1, 1, 1, 1}},  {4, 8, 49, 20, 3, 2, {1, 1, 1, 1}},
        {3, 5, 40, 1, 1, 1, {0, 0, 0, 0}},    {40, 9, 7, 7, 3, 1, {1, 1, 1, 1}},
        {64, 24, 4, 4, 3, 1, {1, 1, 1, 1}},   {33, 7, 13, 16, 1, 1, {0, 0, 0, 0}},
        {5, 70, 9, 31, 3, 2, {1, 1, 1, 1}},   {32, 32, 14, 14, 3, 1, {1, 1, 1, 1}},
        {16, 64, 7, 7, 3, 1, {1, 1, 1, 1}},   {24, 128, 4, 4, 3, 1, {1, 1, 1, 1}},
        {16, 32, 15, 15, 3, 2, {1, 1, 1, 1}}, {16, 64, 7, 7, 1, 2, {0, 0, 0, 0}},
        {12, 80, 9, 11, 3, 1, {0, 0, 0, 0}},  {9, 40, 28, 28, 3, 1, {1, 1, 1, 1}},
        {7, 10, 15, 29, 3, 1, {1, 0, 0, 1}},  {6, 8, 12, 12, 5, 1, {1, 1, 1, 1}},
        {8, 16, 10, 9, 2, 2, {0, 0, 1, 1}},   {128, 48, 1, 1, 3, 1, {1, 1, 1, 1}}};
    for (const auto& cs : cases) {
        NodeAttrs a;
        a.kernel = {cs.k, cs.k};
        a.strides = {cs.s, cs.s};
        a.pads = cs.pads;
        const Tensor x = random_tensor({3, cs.c, cs.h, cs.w}, 13);
        Tensor w = random_tensor({cs.m, cs.c, cs.k, cs.k}, 14);
        const Tensor bias = random_tensor({cs.m}, 15);
        kernels::ConvEpilogue epilogue;
        epilogue.scale = random_tensor({cs.m}, 16).data;
        epilogue.shift = random_tensor({cs.m}, 17).data;
        epilogue.relu = cs.m % 2 == 0;
        INFO("c=" << cs.c << " m=" << cs.m << " map " << cs.h << "x" << cs.w << " k=" << cs.k
                  << " stride " << cs.s);
        REQUIRE(kernels::conv_channels_last_takes(a, w.dims));
        const Tensor xl = kernels::to_channels_last(x);
        // The layout: pixel (r, q) of channel ch at [n][r + 1][q + 1][ch], zeros around.
        CHECK(xl.dims == Dims{3, cs.h + 2, cs.w + 2, cs.c});
        CHECK(xl.ptr()[((2 * (cs.h + 2) + 1) * (cs.w + 2) + 1) * cs.c + cs.c - 1] ==
              x.ptr()[(2 * cs.c + cs.c - 1) * cs.h * cs.w]);
        CHECK(same_bits(kernels::from_channels_last(xl), x));
        for (const bool finish : {false, true}) {
            const Tensor want = finish ? kernels::conv2d(x, w, &bias, a, epilogue)
                                       : kernels::conv2d(x, w, nullptr, a);
            const Tensor got = finish ? kernels::conv2d_channels_last(xl, w, &bias, a, &epilogue)
                                      : kernels::conv2d_channels_last(xl, w, nullptr, a);
            CHECK(same_bits(kernels::from_channels_last(got), want));
            // The border holds zeros (+0), so the next convolution reads its padding there.
            const std::int64_t hq = got.dims[1], wq = got.dims[2];
            std::int64_t border_nonzero = 0;
            for (std::int64_t n = 0; n < 3; ++n)
                for (std::int64_t r = 0; r < hq; ++r)
                    for (std::int64_t q = 0; q < wq; ++q) {
                        if (r > 0 && r < hq - 1 && q > 0 && q < wq - 1)
                            continue;
                        for (std::int64_t ch = 0; ch < cs.m; ++ch) {
                            const float v = got.ptr()[((n * hq + r) * wq + q) * cs.m + ch];
                            border_nonzero += v != 0.0f || std::signbit(v);
                        }
                    }
            CHECK(border_nonzero == 0);
            // Image 2 alone: the same bits as inside the batch of three.
            Tensor x2({1, cs.c, cs.h, cs.w});
            std::copy_n(x.ptr() + 2 * x2.numel(), x2.numel(), x2.ptr());
            const Tensor x2l = kernels::to_channels_last(x2);
            const Tensor alone = finish ? kernels::conv2d_channels_last(x2l, w, &bias, a, &epilogue)
                                        : kernels::conv2d_channels_last(x2l, w, nullptr, a);
            CHECK(std::equal(alone.data.begin(), alone.data.end(),
                             got.data.begin() + 2 * alone.numel()));
        }
        // A residual added after the BatchNorm step and before the Relu: the bits of conv2d,
        // then binary()'s Add, then unary()'s Relu; written over the residual too.
        {
            kernels::ConvEpilogue before_add = epilogue;
            before_add.relu = false;
            Tensor want = kernels::conv2d(x, w, &bias, a, before_add);
            const Tensor r = random_tensor(want.dims, 18);
            want = kernels::binary(Op::Add, want, r, want.dims);
            if (epilogue.relu)
                want = kernels::unary(Op::Relu, want, NodeAttrs{});
            Tensor rl = kernels::to_channels_last(r);
            const Tensor got = kernels::conv2d_channels_last(xl, w, &bias, a, &epilogue, &rl);
            CHECK(same_bits(kernels::from_channels_last(got), want));
            const Tensor in_place =
                kernels::conv2d_channels_last(xl, w, &bias, a, &epilogue, &rl, &rl);
            CHECK(same_bits(in_place, got));
            CHECK(rl.data.empty());  // its storage went to the output
        }
        // An infinite and a NaN weight: a padded tap then adds NaN (inf x 0), so the taps in
        // the padding must still be taken — the same NaNs as conv2d's, where it has any.
        if (cs.pads[0] == 1 && cs.k == 3) {
            w.ptr()[0] = std::numeric_limits<float>::infinity();
            w.ptr()[w.numel() - 1] = std::numeric_limits<float>::quiet_NaN();
            const Tensor want = kernels::conv2d(x, w, &bias, a);
            const Tensor got =
                kernels::from_channels_last(kernels::conv2d_channels_last(xl, w, &bias, a));
            CHECK(same_bits(got, want));
            CHECK(std::isnan(want.ptr()[0]));  // image 0, channel 0, the top left pixel
        }
    }
}

TEST_CASE("pools, activations and softmax on hand-computed values") {
    // 1x1x3x3 input 1..9.
    Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    NodeAttrs a;
    a.kernel = {2, 2};
    a.strides = {1, 1};
    CHECK(kernels::pool2d(Op::MaxPool, x, a, {1, 1, 2, 2}).data == std::vector<float>{5, 6, 8, 9});
    CHECK(kernels::pool2d(Op::AveragePool, x, a, {1, 1, 2, 2}).data ==
          std::vector<float>{3, 4, 6, 7});
    // Padding 1 on every side, kernel 2, stride 2: corner window holds only x[0][0] = 1.
    a.pads = {1, 1, 1, 1};
    a.strides = {2, 2};
    CHECK(kernels::pool2d(Op::AveragePool, x, a, {1, 1, 2, 2}).data[0] == 1.0f);
    a.count_include_pad = true;
    CHECK(kernels::pool2d(Op::AveragePool, x, a, {1, 1, 2, 2}).data[0] == 0.25f);
    CHECK(kernels::global_average_pool(x).data[0] == 5.0f);

    Tensor v({1, 4}, {-3.0f, -0.5f, 0.0f, 2.0f});
    NodeAttrs k;
    k.alpha = 0.5f;
    CHECK(kernels::unary(Op::LeakyRelu, v, k).data == std::vector<float>{-1.5f, -0.25f, 0, 2});
    k.clip_min = 0;
    k.clip_max = 1;
    CHECK(kernels::unary(Op::Clip, v, k).data == std::vector<float>{0, 0, 0, 1});
    // HardSwish: x * clamp(x/6 + 1/2, 0, 1): -3 -> 0, -0.5 -> -0.5 * 5/12, 2 -> 2 * 5/6.
    const auto hs = kernels::unary(Op::HardSwish, v, {}).data;
    CHECK(hs[0] == 0.0f);
    CHECK(hs[1] == Approx(-0.5 * 5.0 / 12.0));
    CHECK(hs[3] == Approx(2.0 * 5.0 / 6.0));
    CHECK(kernels::unary(Op::Silu, v, {}).data[3] == Approx(2.0 / (1.0 + std::exp(-2.0))));
    // Softmax of (0, ln 3) along the last axis is (1/4, 3/4).
    Tensor s({1, 2}, {0.0f, std::log(3.0f)});
    const auto sm = kernels::softmax(s, -1).data;
    CHECK(sm[0] == Approx(0.25));
    CHECK(sm[1] == Approx(0.75));
}

TEST_CASE("broadcast multiply of N x C x H x W by N x C x 1 x 1 (squeeze-excitation)") {
    Tensor x({1, 2, 1, 2}, {1, 2, 3, 4});
    Tensor s({1, 2, 1, 1}, {10, 100});
    CHECK(kernels::binary(Op::Mul, x, s, {1, 2, 1, 2}).data ==
          std::vector<float>{10, 20, 300, 400});
    Tensor r({2}, {1, -1});
    CHECK(kernels::binary(Op::Add, x, r, {1, 2, 1, 2}).data == std::vector<float>{2, 1, 4, 3});
}

TEST_CASE("float denoiser with epsilon 0 is X minus its mean head") {
    // C = 1, Cr = 1: h1 = leaky(2x + 0), h2 = leaky(centre tap 1 x h1), mu = 0.5 h2 + 0.25.
    Tensor x({1, 1, 1, 2}, {1.0f, -2.0f});
    Tensor wr({1, 1, 1, 1}, {2.0f}), br({1}, {0.0f});
    Tensor wd({1, 1, 3, 3}, {0, 0, 0, 0, 1, 0, 0, 0, 0}), bd({1}, {0.0f});
    Tensor wm({1, 1, 1, 1}, {0.5f}), bm({1}, {0.25f});
    Tensor wv({1, 1, 1, 1}, {1.0f}), bv({1}, {0.0f});
    const auto zero = [](std::int64_t, std::int64_t n, float* e) { std::fill_n(e, n, 0.0f); };
    const Tensor y = kernels::denoiser(x, {&wr, &br, &wd, &bd, &wm, &bm, &wv, &bv}, 0.125f, zero);
    // x = 1: h1 = 2, h2 = 2, mu = 1.25 -> 1 - 1.25 = -0.25.
    // x = -2: h1 = -4 * 0.125 = -0.5, h2 = -0.5 * 0.125 = -0.0625, mu = 0.21875 -> -2.21875.
    CHECK(y.data[0] == Approx(-0.25));
    CHECK(y.data[1] == Approx(-2.21875));
    // With epsilon 1 the variance head adds sqrt(max(v, 0)): v = h2 -> sqrt(2) and 0.
    const auto one = [](std::int64_t, std::int64_t n, float* e) { std::fill_n(e, n, 1.0f); };
    const Tensor y1 = kernels::denoiser(x, {&wr, &br, &wd, &bd, &wm, &bm, &wv, &bv}, 0.125f, one);
    CHECK(y1.data[0] == Approx(-0.25 - std::sqrt(2.0)));
    CHECK(y1.data[1] == Approx(-2.21875));
}

TEST_CASE("folding BatchNorm into convolutions keeps the outputs") {
    Graph g = builtin_model("resnet18_28", 5);
    // Non-trivial statistics so the fold has work to do.
    Rng rng(9, {1});
    for (auto& [name, t] : g.initializers) {
        if (name.find("running_var") != std::string::npos || name.find("bn") != std::string::npos) {
            for (float& v : t.data)
                v = float(0.5 + rng.uniform());
        }
    }
    const Tensor x = random_tensor({2, 1, 28, 28}, 4);
    const auto before = Executor(g).run({x})[0];
    const int folded = fold_batch_norms(g);
    CHECK(folded == 20);  // every conv of ResNet-18 is followed by a BN it alone feeds
    for (const Node& n : g.nodes)
        CHECK(n.op != Op::BatchNorm);
    const auto after = Executor(g).run({x})[0];
    CHECK(max_abs_diff(before, after) < 1e-3 * (1.0 + std::abs(before.data[0])));
}

TEST_CASE("convolutions run with their BatchNorm and Relu give the bits of the nodes one by one") {
    // ResNet-18's Conv -> BatchNormalization -> Relu chains (and Conv -> BatchNormalization
    // before each residual Add) are evaluated by the executor as one call; here every node is
    // evaluated alone, in graph order, as the reference.
    for (const char* model : {"resnet18_28", "mobilenetv2_28"}) {
        INFO(model);
        Graph g = builtin_model(model, 5);
        Rng rng(11, {2});
        for (auto& [name, t] : g.initializers) {
            if (name.find("running_var") != std::string::npos) {
                for (float& v : t.data)
                    v = float(0.5 + rng.uniform());
            } else if (name.find("running_mean") != std::string::npos) {
                for (float& v : t.data)
                    v = float(rng.normal() * 0.1);
            }
        }
        const Tensor x = random_tensor({3, 1, 28, 28}, 8);
        std::map<std::string, Tensor> env{{g.inputs[0].name, x}};
        ExecOptions options;
        options.batch = 3;
        for (std::size_t ni = 0; ni < g.nodes.size(); ++ni) {
            std::vector<const Tensor*> in;
            for (const std::string& t : g.nodes[ni].inputs)
                in.push_back(g.is_initializer(t) ? &g.initializer(t) : &env.at(t));
            env[g.nodes[ni].outputs[0]] = evaluate_node(g, ni, in, 0, options);
        }
        const Tensor& want = env.at(g.outputs[0].name);
        const Executor exec(g);
        const Tensor got = exec.run({x})[0];
        CHECK(got.dims == want.dims);
        CHECK(got.data == want.data);
        CHECK(Executor(g, {1}).run_batch(x)[0].data == want.data);
        if (std::string(model) == "resnet18_28") {
            // By hand from the network: conv1 -> bn1 -> relu (2 nodes), in each of the 8
            // blocks conv1 -> bn1 -> relu1 (2) and conv2 -> bn2 before the Add (1), and the 3
            // downsampling conv -> bn (1): 2 + 8 x 3 + 3 = 29.
            // With channels-last convolutions, each block's Add and the Relu after it are
            // taken too: the Add into the convolution that runs after the Add's other input
            // (the second one, or the downsampling one): 8 x 2 more.
            CHECK(exec.fused_nodes() == (kernels::conv_channels_last() ? 45U : 29U));
            // And every convolution channels-last where the kernel copy has that path: the
            // stem, two in each of the 8 blocks, the 3 downsampling ones.
            CHECK(exec.channels_last_convs() == (kernels::conv_channels_last() ? 20U : 0U));
        }
        // The same bits with every activation kept NCHW.
        ExecOptions nchw;
        nchw.channels_last = false;
        const Executor plain(g, nchw);
        CHECK(plain.channels_last_convs() == 0);
        CHECK(plain.run({x})[0].data == want.data);
    }
}

namespace {

/// Every node of `g` evaluated alone, in order (the reference for the fused executor).
std::vector<Tensor> node_by_node(const Graph& g, const Tensor& x) {
    std::map<std::string, Tensor> env{{g.inputs[0].name, x}};
    ExecOptions options;
    options.batch = x.dims[0];
    for (std::size_t ni = 0; ni < g.nodes.size(); ++ni) {
        std::vector<const Tensor*> in;
        for (const std::string& t : g.nodes[ni].inputs)
            in.push_back(g.is_initializer(t) ? &g.initializer(t) : &env.at(t));
        env[g.nodes[ni].outputs[0]] = evaluate_node(g, ni, in, 0, options);
    }
    std::vector<Tensor> out;
    for (const ValueInfo& v : g.outputs)
        out.push_back(env.at(v.name));
    return out;
}

/// BatchNorm statistics away from the identity, so a BN step left out or done twice shows.
void random_statistics(Graph& g) {
    Rng rng(21, {3});
    for (auto& [name, t] : g.initializers) {
        const bool var = name.find("running_var") != std::string::npos;
        const bool bn = var || name.find("running_mean") != std::string::npos ||
                        name.find(".weight") != std::string::npos ||
                        name.find(".bias") != std::string::npos;
        if (!bn || t.rank() != 1)
            continue;
        for (float& v : t.data)
            v = var ? float(0.5 + rng.uniform()) : float(rng.normal() * 0.5);
    }
}

}  // namespace

TEST_CASE(
    "the executor fuses a convolution's BatchNorm and Relu only where nothing else reads "
    "the links") {
    struct Case {
        const char* what;
        std::size_t fused;  ///< nodes the executor must take into the convolution's call
        std::function<void(GraphBuilder&, const std::string&)> build;
    };
    const Case cases[] = {
        {"conv -> bn -> relu", 2,
         [](GraphBuilder& b, const std::string& x) {
             b.output(b.relu("r", b.batch_norm("bn", b.conv("c", x, 32, 3, 1, 1))));
         }},
        {"grouped conv with a bias -> bn -> relu", 2,
         [](GraphBuilder& b, const std::string& x) {
             b.output(b.relu("r", b.batch_norm("bn", b.conv("c", x, 64, 3, 2, 1, 2, true))));
         }},
        {"conv -> relu", 1,
         [](GraphBuilder& b, const std::string& x) {
             b.output(b.relu("r", b.conv("c", x, 32, 3, 1, 1)));
         }},
        {"the bn output is also a graph output: the relu stays apart", 1,
         [](GraphBuilder& b, const std::string& x) {
             const std::string y = b.batch_norm("bn", b.conv("c", x, 32, 3, 1, 1));
             b.output(b.relu("r", y));
             b.output(y);
         }},
        {"the conv output is a graph output: nothing fused", 0,
         [](GraphBuilder& b, const std::string& x) {
             const std::string y = b.conv("c", x, 32, 3, 1, 1);
             b.output(b.relu("r", b.batch_norm("bn", y)));
             b.output(y);
         }},
        {"the conv output is read twice: nothing fused", 0,
         [](GraphBuilder& b, const std::string& x) {
             const std::string y = b.conv("c", x, 32, 3, 1, 1);
             b.output(b.add("a", b.relu("r", b.batch_norm("bn", y)), y));
         }},
        {"the bn output is read twice: the relu stays apart", 1,
         [](GraphBuilder& b, const std::string& x) {
             const std::string y = b.batch_norm("bn", b.conv("c", x, 32, 3, 1, 1));
             b.output(b.add("a", b.relu("r", y), y));
         }},
        // Taken where the copy has channels-last convolutions; the input here (16 channels,
        // NCHW) keeps this one NCHW, so the Add and the Relu run after it one by one.
        {"conv -> bn -> add of an earlier activation -> relu",
         kernels::conv_channels_last() ? 3U : 1U,
         [](GraphBuilder& b, const std::string& x) {
             const std::string r = b.relu("r0", x);
             const std::string y = b.batch_norm("bn", b.conv("c", x, 16, 3, 1, 1));
             b.output(b.relu("r", b.add("a", y, r)));
         }},
        {"a relu reading something else after the conv's bn: not taken", 1,
         [](GraphBuilder& b, const std::string& x) {
             const std::string y = b.batch_norm("bn", b.conv("c", x, 16, 3, 1, 1));
             b.output(b.add("a", y, b.relu("r", x)));
         }},
    };
    for (const Case& cs : cases) {
        INFO(cs.what);
        GraphBuilder b("fusion", 3);
        const std::string x = b.input("x", {-1, 16, 9, 7});
        cs.build(b, x);
        Graph g = b.finish();
        random_statistics(g);
        const Tensor images = random_tensor({3, 16, 9, 7}, 12);
        const Executor exec(g);
        CHECK(exec.fused_nodes() == cs.fused);
        const std::vector<Tensor> want = node_by_node(g, images);
        const std::vector<Tensor> got = exec.run({images});
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i)
            CHECK(got[i].data == want[i].data);
    }
}

TEST_CASE("batched evaluation is bit-identical whatever the batch size and thread count") {
    Graph g = builtin_model("efficientnet_b0_28", 2);
    insert_denoiser(g, "features.2.0.project.bn");
    const Tensor images = random_tensor({5, 1, 28, 28}, 7);
    const auto one_thread = Executor(g, {1, 11, DenoiserEpsilon::Gaussian}).run_batch(images)[0];
    const auto two_threads = Executor(g, {2, 11, DenoiserEpsilon::Gaussian}).run_batch(images)[0];
    CHECK(one_thread == two_threads);
    // Image 3 alone, with its dataset index, gives the same row.
    Tensor third({1, 1, 28, 28});
    std::copy_n(images.ptr() + 3 * 784, 784, third.ptr());
    const auto alone = Executor(g, {1, 11, DenoiserEpsilon::Gaussian}).run_batch(third, 3)[0];
    CHECK(std::equal(alone.data.begin(), alone.data.end(), one_thread.data.begin() + 30));
    // A different seed changes the denoiser's epsilon and so the logits.
    const auto other_seed = Executor(g, {2, 12, DenoiserEpsilon::Gaussian}).run_batch(images)[0];
    CHECK(!(other_seed == one_thread));
}

TEST_CASE("the channels-last executor gives each image the bits it gets alone, in any batch") {
    // ResNet-18-28 runs every convolution channels-last (where the copy has the path): calls of
    // 37 images (groups of up to 32 per thread, pixel groups and L2 chunks of many images)
    // against each image alone, on one and two threads.
    Graph g = builtin_model("resnet18_28", 4);
    random_statistics(g);
    const Tensor images = random_tensor({37, 1, 28, 28}, 19);
    const Tensor one_thread = Executor(g, {1}).run_batch(images)[0];
    CHECK(Executor(g, {2}).run_batch(images)[0] == one_thread);
    const Executor single(g, {1});
    std::int64_t differ = 0;
    for (std::int64_t i = 0; i < 37; ++i) {
        Tensor x({1, 1, 28, 28});
        std::copy_n(images.ptr() + i * 784, 784, x.ptr());
        const Tensor alone = single.run_batch(x, static_cast<std::uint64_t>(i))[0];
        differ +=
            !std::equal(alone.data.begin(), alone.data.end(), one_thread.data.begin() + i * 10);
    }
    CHECK(differ == 0);
}

TEST_CASE(
    "an executor's kept worker threads give the same bits call after call and to callers "
    "on several threads at once") {
    Graph g = builtin_model("resnet18_28", 2);
    insert_denoiser(g, "layer1.0.conv1");
    const Tensor images = random_tensor({7, 1, 28, 28}, 5);
    const auto want = Executor(g, {1, 3, DenoiserEpsilon::Gaussian}).run_batch(images)[0];
    const Executor shared(g, {2, 3, DenoiserEpsilon::Gaussian});
    // The second call runs on the threads (and their buffers) the first one started.
    CHECK(shared.run_batch(images)[0] == want);
    CHECK(shared.run_batch(images)[0] == want);
    // Calls at the same time: one gets the executor's threads, the others start their own.
    std::vector<Tensor> got(3);
    std::vector<std::thread> callers;
    for (std::size_t i = 0; i < got.size(); ++i)
        callers.emplace_back([&, i] { got[i] = shared.run_batch(images)[0]; });
    for (std::thread& t : callers)
        t.join();
    for (const Tensor& t : got)
        CHECK(t == want);
}

TEST_CASE("elementwise kernels written over their input give the bits of a new tensor") {
    const Tensor x = random_tensor({3, 4, 5, 6}, 21);
    const Tensor scale = random_tensor({4}, 22);
    const Tensor shift = random_tensor({4}, 23);
    const Tensor mean = random_tensor({4}, 24);
    Tensor var = random_tensor({4}, 25);
    for (float& v : var.data)
        v = std::abs(v) + 0.1f;
    const auto over_itself = [](const Tensor& t, auto kernel) {
        Tensor copy = t;
        const float* storage = copy.ptr();
        Tensor out = kernel(copy, &copy);
        CHECK(out.ptr() == storage);  // the output took the input's storage
        return out;
    };
    const Tensor bn = kernels::batch_norm(x, scale, shift, mean, var, 1e-5f);
    CHECK(bn == over_itself(x, [&](const Tensor& in, Tensor* into) {
              return kernels::batch_norm(in, scale, shift, mean, var, 1e-5f, into);
          }));
    NodeAttrs attrs;
    attrs.alpha = 0.1f;
    for (const Op op : {Op::Relu, Op::LeakyRelu, Op::Silu, Op::Sigmoid}) {
        const Tensor fresh = kernels::unary(op, x, attrs);
        CHECK(fresh == over_itself(x, [&](const Tensor& in, Tensor* into) {
                  return kernels::unary(op, in, attrs, into);
              }));
    }
    const Tensor y = random_tensor({3, 4, 5, 6}, 26);
    const Tensor row = random_tensor({1, 4, 1, 6}, 27);  // broadcast along images and rows
    for (const Op op : {Op::Add, Op::Mul}) {
        for (const Tensor* b : {&y, &row}) {
            const Tensor fresh = kernels::binary(op, x, *b, x.dims);
            CHECK(fresh == over_itself(x, [&](const Tensor& in, Tensor* into) {
                      return kernels::binary(op, in, *b, x.dims, into);
                  }));
        }
    }
    // Only a node's own first input of an elementwise op may take its output.
    const Graph g = builtin_model("resnet18_28");
    Tensor other = x;
    const std::vector<const Tensor*> in{&x};
    std::size_t relu = 0;
    while (g.nodes[relu].op != Op::Relu)
        ++relu;
    CHECK_THROWS_AS(evaluate_node(g, relu, in, 0, ExecOptions{}, &other), std::logic_error);
}

TEST_CASE("executor rejects inputs of the wrong shape, naming the input") {
    const Graph g = builtin_model("resnet18_28");
    const Executor e(g);
    CHECK_THROWS_WITH(e.run({Tensor({1, 3, 28, 28})}),
                      Catch::Contains("input 'input' must have shape -1x1x28x28, got 1x3x28x28"));
    CHECK_THROWS_WITH(e.run_batch(Tensor({4, 1, 32, 32})), Catch::Contains("got 4x1x32x32"));
}

TEST_CASE("tensor kernels on hand-computed values") {
    const Tensor m({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(kernels::transpose(m, {1, 0}).data == std::vector<float>{1, 4, 2, 5, 3, 6});
    CHECK(kernels::transpose(m, {1, 0}).dims == Dims{3, 2});

    // Slice 0..9 from 8 down past the start with step -3: 8, 5, 2.
    Tensor r({10});
    for (int i = 0; i < 10; ++i)
        r.data[static_cast<std::size_t>(i)] = float(i);
    Node s;
    s.name = "s";
    s.op = Op::Slice;
    s.attrs.axes = {0};
    s.attrs.starts = {-2};
    s.attrs.ends = {-20};
    s.attrs.steps = {-3};
    CHECK(kernels::slice(r, slice_ranges("t", s, r.dims)).data == std::vector<float>{8, 5, 2});
    s.attrs.starts = {3};
    s.attrs.ends = {std::numeric_limits<std::int64_t>::max()};
    s.attrs.steps = {4};
    CHECK(kernels::slice(r, slice_ranges("t", s, r.dims)).data == std::vector<float>{3, 7});
    s.attrs.steps = {0};
    CHECK_THROWS_WITH(slice_ranges("t", s, r.dims), "t: node 's' (Slice): a step is 0");

    // Pad [[1, 2]]: one column before, one row after, value 9.
    const Tensor p = kernels::pad(Tensor({1, 2}, {1, 2}), {0, 1, 1, 0}, 9.0f);
    CHECK(p.dims == Dims{2, 3});
    CHECK(p.data == std::vector<float>{9, 1, 2, 9, 9, 9});

    CHECK(kernels::reduce(Op::ReduceSum, m, {0}, {3}).data == std::vector<float>{5, 7, 9});
    CHECK(kernels::reduce(Op::ReduceMean, m, {1}, {2, 1}).data == std::vector<float>{2, 5});
    CHECK(kernels::reduce(Op::ReduceSum, m, {0, 1}, {}).data == std::vector<float>{21});

    // LayerNorm of (1, 2, 3, 4): mean 2.5, variance 1.25; scale 2, bias 1.
    const Tensor ln =
        kernels::layer_norm(Tensor({1, 4}, {1, 2, 3, 4}), Tensor({1}, {2}), nullptr, -1, 0.0f);
    const double sd = std::sqrt(1.25);
    CHECK(ln.data[0] == Approx(2 * -1.5 / sd));
    CHECK(ln.data[3] == Approx(2 * 1.5 / sd));
    Tensor bias({4}, {1, 1, 1, 1});
    const Tensor lnb = kernels::layer_norm(Tensor({1, 4}, {1, 2, 3, 4}), Tensor({4}, {2, 2, 2, 2}),
                                           &bias, 1, 0.0f);
    CHECK(lnb.data[1] == Approx(2 * -0.5 / sd + 1));

    // GELU(1) = Phi(1) = 0.8413447, GELU(-1) = -(1 - Phi(1)).
    const Tensor g = kernels::unary_math(Op::Gelu, Tensor({2}, {1, -1}));
    CHECK(g.data[0] == Approx(0.8413447).epsilon(1e-6));
    CHECK(g.data[1] == Approx(-0.1586553).epsilon(1e-5));
    CHECK(kernels::unary_math(Op::Sqrt, Tensor({1}, {9})).data[0] == 3.0f);
    CHECK(kernels::unary_math(Op::Tanh, Tensor({1}, {0.5f})).data[0] ==
          Approx(0.46211716).epsilon(1e-6));
    CHECK(kernels::unary_math(Op::Erf, Tensor({1}, {0.5f})).data[0] ==
          Approx(0.52049988).epsilon(1e-6));

    const Tensor q({2, 2}, {1, 2, 3, 4});
    CHECK(kernels::binary_math(Op::Pow, q, Tensor({1}, {2}), {2, 2}).data ==
          std::vector<float>{1, 4, 9, 16});
    CHECK(kernels::binary_math(Op::Div, q, Tensor({2, 1}, {2, 4}), {2, 2}).data ==
          std::vector<float>{0.5f, 1, 0.75f, 1});
    CHECK(kernels::binary_math(Op::Sub, Tensor({}, {10}), q, {2, 2}).data ==
          std::vector<float>{9, 8, 7, 6});

    const Tensor e = kernels::expand(Tensor({1, 1, 2}, {1, 2}), {2, 3, 2});
    CHECK(e.data == std::vector<float>{1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2});
}

TEST_CASE("Expand's batch entry follows the batch of the run") {
    Graph g;
    g.name = "expand";
    g.inputs = {{"x", {-1, 2}}};
    g.initializers["tok"] = Tensor({1, 1, 2}, {7, 8});
    Node e;
    e.name = "e";
    e.op = Op::Expand;
    e.inputs = {"tok"};
    e.outputs = {"t"};
    e.attrs.shape = {-1, 1, 1};
    Node r;
    r.name = "r";
    r.op = Op::Reshape;
    r.inputs = {"x"};
    r.outputs = {"x3"};
    r.attrs.shape = {0, 1, 2};
    Node c;
    c.name = "c";
    c.op = Op::Concat;
    c.attrs.axis = 1;
    c.inputs = {"t", "x3"};
    c.outputs = {"y"};
    g.nodes = {e, r, c};
    g.outputs = {{"y", {-1, 2, 2}}};
    const auto y = Executor(g).run({Tensor({3, 2}, {1, 2, 3, 4, 5, 6})})[0];
    CHECK(y.dims == Dims{3, 2, 2});
    CHECK(y.data == std::vector<float>{7, 8, 1, 2, 7, 8, 3, 4, 7, 8, 5, 6});
}

TEST_CASE("a LayerNormalization over the batch axis is refused (it would mix the images)") {
    Graph g;
    g.name = "ln";
    g.inputs = {{"x", {-1, 4}}};
    g.outputs = {{"y", {-1, 4}}};
    g.initializers["s"] = Tensor({4}, {1, 1, 1, 1});
    Node n;
    n.name = "norm";
    n.op = Op::LayerNorm;
    n.inputs = {"x", "s"};
    n.outputs = {"y"};
    n.attrs.axis = -1;
    g.nodes.push_back(n);
    const Tensor x({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    CHECK_NOTHROW(Executor(g).run_batch(x));
    for (const std::int64_t axis : {0, -2}) {
        g.nodes[0].attrs.axis = axis;
        CHECK_THROWS_WITH(Executor(g).run_batch(x),
                          "ln: node 'norm' (LayerNormalization) works across the batch "
                          "dimension; images cannot be evaluated separately");
    }
}
