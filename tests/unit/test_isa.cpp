// Unit tests of the vector-ISA copies of the hot kernels (common/isa.h): every copy the CPU can
// run is called directly on the same inputs. Integer kernels (the denoiser's fixed-point block,
// Box-Muller) and the noise kernels must give the same bits in every copy; the GEMM kernels use
// FMA where the ISA has it, so they are compared with a tolerance and against a plain loop.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "models/cgra/analog_noise_isa.h"
#include "models/common/isa.h"
#include "models/common/rng.h"
#include "models/denoiser/block.h"
#include "models/denoiser/block_reference_isa.h"
#include "workloads/exec/kernels_isa.h"

using namespace dnsim;
using workloads::Dims;
using workloads::NodeAttrs;
using workloads::Tensor;

namespace {

/// The copies this CPU runs, lowest first; each has a name for the test log.
std::vector<isa::Level> runnable_levels() {
    std::vector<isa::Level> out{isa::Level::Base};
#if defined(DNSIM_ISA_DISPATCH)
    if (isa::cpu_level() >= isa::Level::V3)
        out.push_back(isa::Level::V3);
    if (isa::cpu_level() >= isa::Level::V4)
        out.push_back(isa::Level::V4);
#endif
    return out;
}

#if defined(DNSIM_ISA_DISPATCH)
#define DNSIM_PICK(ns_prefix, level, fn)                  \
    ((level) == isa::Level::V4   ? &ns_prefix::isa_v4::fn \
     : (level) == isa::Level::V3 ? &ns_prefix::isa_v3::fn \
                                 : &ns_prefix::isa_base::fn)
#else
#define DNSIM_PICK(ns_prefix, level, fn) (&ns_prefix::isa_base::fn)
#endif

Tensor random_tensor(const Dims& d, std::uint64_t seed) {
    Tensor t(d);
    Rng rng(seed, {});
    for (float& v : t.data)
        v = static_cast<float>(rng.normal());
    return t;
}

}  // namespace

TEST_CASE("the active ISA is one this CPU runs, and DNSIM_ISA only lowers it") {
    CHECK(static_cast<int>(isa::active()) <= static_cast<int>(isa::cpu_level()));
    CHECK(std::strlen(isa::name(isa::active())) > 0);
    INFO(isa::describe());
    CHECK(!isa::describe().empty());
}

TEST_CASE("fixed-point denoiser block: every ISA copy gives the same bits") {
    const denoiser::BlockShape shape{24, 9, 13};  // odd sizes: vector tails in every loop
    denoiser::BlockFormat fmt;
    const unsigned cr = denoiser::reduced_channels(shape, fmt.bottleneck_ratio);
    const auto wq = denoiser::quantize_block(denoiser::synthetic_block_weights(24, cr, 5), fmt);
    Rng rng(9, {});
    std::vector<std::int16_t> x(shape.elements());
    for (auto& v : x)
        v = fmt.activation().quantize(2.0 * rng.normal());
    const auto ref = denoiser::isa_base::reference_block(x, shape, wq, fmt, 17, 4);
    for (const isa::Level level : runnable_levels()) {
        INFO(isa::name(level));
        const auto t = DNSIM_PICK(denoiser, level, reference_block)(x, shape, wq, fmt, 17, 4);
        CHECK(t.h1 == ref.h1);
        CHECK(t.h2 == ref.h2);
        CHECK(t.mean == ref.mean);
        CHECK(t.var == ref.var);
        CHECK(t.normal == ref.normal);
        CHECK(t.out == ref.out);
    }
}

TEST_CASE("batch Box-Muller: every ISA copy equals the scalar datapath") {
    const denoiser::BoxMuller bm;
    const std::size_t n = 4099;  // not a multiple of 8
    std::vector<std::uint32_t> s1(n);
    std::vector<std::uint16_t> p(n);
    Rng rng(3, {});
    for (std::size_t i = 0; i < n; ++i) {
        s1[i] = static_cast<std::uint32_t>(rng.next_u64() | 1U);
        p[i] = static_cast<std::uint16_t>(rng.next_u64());
    }
    s1[0] = 1;  // extremes of -2 ln U1
    s1[1] = 0xFFFFFFFFU;
    for (const isa::Level level : runnable_levels()) {
        INFO(isa::name(level));
        std::vector<std::int16_t> out(n);
        DNSIM_PICK(denoiser, level, box_muller_normals)(bm, s1.data(), p.data(), out.data(), n);
        std::size_t mismatches = 0;
        for (std::size_t i = 0; i < n; ++i)
            mismatches += out[i] != bm.normal(s1[i], p[i]) ? 1 : 0;
        CHECK(mismatches == 0);
    }
}

TEST_CASE("analog noise kernels: every ISA copy gives the same bits") {
    for (const auto magnitude :
         {cgra::Magnitude::Element, cgra::Magnitude::Channel, cgra::Magnitude::Tensor}) {
        cgra::NoiseConfig cfg;
        cfg.activation_k = 0.07;
        cfg.magnitude = magnitude;
        cfg.read_sigma = 0.03;
        cfg.adc_bits = 6;
        const Tensor y0 = random_tensor({1, 7, 5, 11}, 21);
        const Tensor rms = random_tensor({1, 7, 5, 11}, 22);
        auto run = [&](isa::Level level) {
            Tensor y = y0;
            DNSIM_PICK(cgra, level, add_activation_noise)(y.ptr(), 7, 55, 5, 2, 99, cfg);
            DNSIM_PICK(cgra, level, add_read_noise)(y.ptr(), rms.ptr(), 385, 5, 2, 99, cfg);
            DNSIM_PICK(cgra, level, quantise_output)(y.ptr(), 385, cfg);
            return y.data;
        };
        const auto ref = run(isa::Level::Base);
        for (const isa::Level level : runnable_levels()) {
            INFO(isa::name(level) << ", magnitude " << cgra::to_string(magnitude));
            CHECK(run(level) == ref);
        }
    }
}

TEST_CASE("GEMM kernels: every ISA copy agrees with a plain double-precision loop") {
    NodeAttrs a;
    a.kernel = {3, 3};
    a.pads = {1, 1, 1, 1};
    a.strides = {2, 1};
    const Tensor x = random_tensor({2, 13, 17, 19}, 31);
    const Tensor w = random_tensor({11, 13, 3, 3}, 32);
    const std::int64_t ho = 9, wo = 19;
    for (const isa::Level level : runnable_levels()) {
        INFO(isa::name(level));
        const Tensor y = DNSIM_PICK(workloads::kernels, level, conv2d)(x, w, nullptr, a, nullptr);
        REQUIRE(y.dims == Dims{2, 11, ho, wo});
        double max_rel = 0.0;
        for (std::int64_t n = 0; n < 2; ++n)
            for (std::int64_t m = 0; m < 11; ++m)
                for (std::int64_t oh = 0; oh < ho; ++oh)
                    for (std::int64_t ow = 0; ow < wo; ++ow) {
                        double acc = 0.0, mag = 0.0;
                        for (std::int64_t c = 0; c < 13; ++c)
                            for (std::int64_t i = 0; i < 3; ++i)
                                for (std::int64_t j = 0; j < 3; ++j) {
                                    const std::int64_t ih = oh * 2 - 1 + i, iw = ow - 1 + j;
                                    if (ih < 0 || ih >= 17 || iw < 0 || iw >= 19)
                                        continue;
                                    const double p =
                                        double{x.ptr()[((n * 13 + c) * 17 + ih) * 19 + iw]} *
                                        w.ptr()[((m * 13 + c) * 3 + i) * 3 + j];
                                    acc += p;
                                    mag += std::abs(p);
                                }
                        const double got = y.ptr()[((n * 11 + m) * ho + oh) * wo + ow];
                        max_rel = std::max(max_rel, std::abs(got - acc) / std::max(mag, 1e-30));
                    }
        // float accumulation over 117 products: a few ulps of the sum of magnitudes.
        CHECK(max_rel < 1e-5);
        // Batch invariance within a copy: image 1 alone gives the same bits.
        Tensor x1({1, 13, 17, 19});
        std::copy_n(x.ptr() + 13 * 17 * 19, 13 * 17 * 19, x1.ptr());
        const Tensor y1 = DNSIM_PICK(workloads::kernels, level, conv2d)(x1, w, nullptr, a, nullptr);
        CHECK(std::equal(y1.data.begin(), y1.data.end(), y.data.begin() + 11 * ho * wo));
    }
}

TEST_CASE("conv2d's epilogue: every copy gives the bits of its conv, then BatchNorm, then Relu") {
    // Shapes for each path: packed patches (stride 2, narrow maps), direct rows (wide maps),
    // channel lanes (32 or more channels), depthwise, groups.
    struct Case {
        std::int64_t c, m, h, w, s, g;
    };
    const Case cases[] = {{16, 16, 28, 28, 1, 1}, {16, 64, 7, 7, 1, 1}, {32, 128, 4, 4, 1, 1},
                          {16, 32, 14, 14, 2, 1}, {8, 8, 10, 10, 1, 8}, {8, 64, 9, 9, 1, 2},
                          {5, 11, 13, 12, 1, 1}};
    for (const Case& cs : cases) {
        NodeAttrs a;
        a.kernel = {3, 3};
        a.pads = {1, 1, 1, 1};
        a.strides = {cs.s, cs.s};
        a.group = cs.g;
        Tensor x = random_tensor({3, cs.c, cs.h, cs.w}, 51);
        // A NaN and an infinity in image 1 (Relu keeps a NaN; the products of an infinity
        // and a zero weight padding make NaNs too): compared bit for bit.
        x.ptr()[x.numel() / 3 + 5] = std::numeric_limits<float>::quiet_NaN();
        x.ptr()[x.numel() / 3 + 40] = -std::numeric_limits<float>::infinity();
        const Tensor w = random_tensor({cs.m, cs.c / cs.g, 3, 3}, 52);
        const Tensor bias = random_tensor({cs.m}, 53);
        // BatchNorm statistics with a positive variance, some negative scales.
        Tensor gamma = random_tensor({cs.m}, 54), beta = random_tensor({cs.m}, 55);
        Tensor mean = random_tensor({cs.m}, 56), var = random_tensor({cs.m}, 57);
        for (float& v : var.data)
            v = std::abs(v) + 0.1f;
        const float eps = 1e-5f;
        workloads::kernels::ConvEpilogue bn_only, bn_relu, relu_only;
        workloads::kernels::batch_norm_factors(gamma, beta, mean, var, eps, bn_only.scale,
                                               bn_only.shift);
        bn_relu = bn_only;
        bn_relu.relu = true;
        relu_only.relu = true;
        NodeAttrs relu_attrs;
        const auto same_bits = [](const Tensor& p, const Tensor& q) {
            return p.dims == q.dims &&
                   std::memcmp(p.ptr(), q.ptr(), p.data.size() * sizeof(float)) == 0;
        };
        for (const isa::Level level : runnable_levels()) {
            INFO(isa::name(level) << ", c=" << cs.c << " m=" << cs.m << " map " << cs.h
                                  << " stride " << cs.s << " groups " << cs.g);
            const auto conv = DNSIM_PICK(workloads::kernels, level, conv2d);
            const Tensor plain = conv(x, w, &bias, a, nullptr);
            const Tensor bn =
                workloads::kernels::batch_norm(plain, gamma, beta, mean, var, eps, nullptr);
            const Tensor bn_r =
                workloads::kernels::unary(workloads::Op::Relu, bn, relu_attrs, nullptr);
            const Tensor r =
                workloads::kernels::unary(workloads::Op::Relu, plain, relu_attrs, nullptr);
            CHECK(same_bits(conv(x, w, &bias, a, &bn_only), bn));
            CHECK(same_bits(conv(x, w, &bias, a, &bn_relu), bn_r));
            CHECK(same_bits(conv(x, w, &bias, a, &relu_only), r));
            CHECK(same_bits(conv(x, w, nullptr, a, &bn_relu),
                            workloads::kernels::unary(workloads::Op::Relu,
                                                      workloads::kernels::batch_norm(
                                                          conv(x, w, nullptr, a, nullptr), gamma,
                                                          beta, mean, var, eps, nullptr),
                                                      relu_attrs, nullptr)));
            // The NaNs reached the outputs (the comparison above saw them).
            CHECK(std::any_of(bn_r.data.begin(), bn_r.data.end(),
                              [](float v) { return std::isnan(v); }));
        }
    }
}

TEST_CASE("Gemm and MatMul copies agree with a plain loop") {
    const Tensor a = random_tensor({5, 37}, 41);
    const Tensor b = random_tensor({37, 23}, 42);
    NodeAttrs at;
    at.alpha = 1.0f;
    for (const isa::Level level : runnable_levels()) {
        INFO(isa::name(level));
        const Tensor g = DNSIM_PICK(workloads::kernels, level, gemm)(a, b, nullptr, at, {5, 23});
        const Tensor m = DNSIM_PICK(workloads::kernels, level, matmul)(a, b, {5, 23});
        for (std::int64_t i = 0; i < 5; ++i)
            for (std::int64_t j = 0; j < 23; ++j) {
                double acc = 0.0, mag = 0.0;
                for (std::int64_t k = 0; k < 37; ++k) {
                    const double p = double{a.ptr()[i * 37 + k]} * b.ptr()[k * 23 + j];
                    acc += p;
                    mag += std::abs(p);
                }
                CHECK(std::abs(g.ptr()[i * 23 + j] - acc) <= 1e-5 * mag);
                CHECK(std::abs(m.ptr()[i * 23 + j] - acc) <= 1e-5 * mag);
            }
    }
}
