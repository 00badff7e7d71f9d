// Unit tests of the conv kernels: the fast model against the cycle-stepped PE-level reference
// (same outputs, same cycles), timing by hand, and the block references.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "models/common/config_error.h"
#include "models/common/rng.h"
#include "models/denoiser/block.h"
#include "models/denoiser/block_reference.h"
#include "models/denoiser/box_muller.h"
#include "models/denoiser/systolic.h"
#include "models/denoiser/systolic_cycle_model.h"
#include "models/denoiser/tile_plan.h"

using namespace dnsim;
using namespace dnsim::denoiser;

namespace {
std::vector<std::int16_t> random_raw(std::size_t n, std::uint64_t seed, int range) {
    Rng rng(seed, {n});
    std::vector<std::int16_t> v(n);
    for (auto& x : v) {
        x = static_cast<std::int16_t>(static_cast<int>(rng.next_u64() % (2U * range + 1)) - range);
    }
    return v;
}
}  // namespace

TEST_CASE("fold timing formula by hand") {
    const ArrayDims a{3, 3};
    CHECK(cycles_per_fold(a, 16) == 23);  // 2*3 + 3 + 16 - 2
    // Pointwise 64 -> 16 over 10 pixels: ceil(64/3) = 22 row folds x ceil(10/3) = 4 col folds.
    const FoldWork w = fold_work(a, 64, 4, 10, 16);
    CHECK(w.folds == 88);
    CHECK(w.cycles == 88 * 23);
    CHECK(w.macs == 64 * 10 * 16);
    CHECK(w.weight_reads == 64 * 16 * 4);
    CHECK(w.psum_updates == 21 * 10 * 16);
}

TEST_CASE("fold pipelining timing by hand") {
    const ArrayDims a{3, 3, true};
    // Refill: 3 load + (3 + 3 - 2) until the first weight reaches the last PE = 2*3 + 3 - 2 = 7.
    CHECK(pipelined_fold_interval(a, 16) == 16);
    CHECK(pipelined_fold_interval(a, 1) == 7);
    CHECK(pipelined_fold_interval(a, 7) == 7);
    // 88 folds of T = 16: the first 23, then 16 each.
    CHECK(fold_work(a, 64, 4, 10, 16).cycles == 23 + 87 * 16);
    // Depthwise-like T = 1: 8, then 7 each.
    CHECK(fold_sequence_cycles(a, 6, 1) == 8 + 5 * 7);
    CHECK(fold_sequence_cycles(a, 1, 5) == cycles_per_fold(a, 5));
    CHECK(fold_sequence_cycles(a, 0, 5) == 0);
    const ArrayDims seq{3, 3, false};
    CHECK(fold_sequence_cycles(seq, 6, 1) == 6 * 8);
}

TEST_CASE("fold pipelining: a shadow load one cycle earlier than the schedule is caught") {
    // Two folds of a 3x3 array, T = 2: loading fold 1's shadow before fold 0's first weight
    // has reached the last PE overwrites a shadow value that PE still has to swap in.
    const std::vector<std::vector<std::int16_t>> in(2, std::vector<std::int16_t>(9, 1));
    const std::vector<std::vector<std::int16_t>> w(2, std::vector<std::int16_t>(6, 1));
    PipelinedArrayCycleModel safe(ArrayDims{3, 3, true}, in, w, 2);
    while (!safe.tick()) {
    }
    CHECK(safe.cycles() == fold_sequence_cycles(ArrayDims{3, 3, true}, 2, 2));
    PipelinedArrayCycleModel eager(ArrayDims{3, 3, true}, in, w, 2, 1);
    CHECK_THROWS_AS(
        [&] {
            while (!eager.tick()) {
            }
        }(),
        std::logic_error);
}

TEST_CASE("pointwise conv: fast kernel == cycle-stepped array, outputs and cycles") {
    struct Case {
        unsigned cin, m;
        std::size_t pixels;
        ArrayDims dims;
    };
    const Case cases[] = {
        {5, 4, 7, {3, 3}},          {3, 1, 3, {3, 3}},        {1, 2, 1, {3, 3}},
        {7, 5, 11, {3, 3}},         {9, 3, 8, {4, 2}},        {16, 8, 20, {3, 3}},
        {5, 4, 7, {3, 3, true}},    {3, 1, 3, {3, 3, true}},  {1, 2, 1, {3, 3, true}},
        {7, 5, 11, {3, 3, true}},   {9, 3, 8, {4, 2, true}},  {16, 8, 20, {3, 3, true}},
        {16, 12, 20, {3, 3, true}}, {4, 1, 30, {2, 5, true}}, {20, 2, 9, {5, 2, true}}};
    for (const Case& c : cases) {
        const auto in = random_raw(std::size_t{c.cin} * c.pixels, c.cin * 31 + c.m, 3000);
        const auto w = random_raw(std::size_t{c.m} * c.cin, c.m * 7 + c.cin, 3000);
        const auto b = random_raw(c.m, 99 + c.m, 200);
        std::vector<std::int16_t> fast(std::size_t{c.m} * c.pixels);
        pointwise_conv(in.data(), c.pixels, c.cin, w.data(), b.data(), 0, c.m, 0, c.pixels,
                       fast.data(), c.pixels, 10);
        ConvJob job;
        job.window = c.cin;
        job.p0 = 0;
        job.p1 = c.pixels;
        job.filters = c.m;
        job.weight_frac_bits = 10;
        job.input = [&](std::uint64_t r, std::uint64_t p) { return in[r * c.pixels + p]; };
        job.weight = [&](unsigned m, std::uint64_t r) { return w[m * c.cin + r]; };
        job.bias = [&](unsigned m) { return b[m]; };
        ConvCycleRunner runner(c.dims, job);
        std::uint64_t guard = 0;
        while (!runner.tick() && ++guard < 10'000'000) {
        }
        INFO("cin " << c.cin << " m " << c.m << " pixels " << c.pixels << " pipelined "
                    << c.dims.pipelined);
        CHECK(runner.results() == fast);
        const FoldWork fw =
            fold_work(c.dims, c.cin, ceil_div(c.pixels, c.dims.cols), c.pixels, c.m);
        CHECK(runner.cycles() == fw.cycles);
    }
}

TEST_CASE("cycle-stepped runner: the observer sees every clock, the load and the outputs") {
    // 5 input channels, 7 pixels, 2 filters on 3x3: 2 row folds x 3 column folds of
    // 2 x 3 + 3 + 2 - 2 = 9 cycles, 3 of them loading.
    const auto x = random_raw(5 * 7, 11, 3000);
    const auto w = random_raw(2 * 5, 12, 3000);
    ConvJob job;
    job.window = 5;
    job.p0 = 0;
    job.p1 = 7;
    job.filters = 2;
    job.weight_frac_bits = 12;
    job.input = [&x](std::uint64_t r, std::uint64_t p) { return x[r * 7 + p]; };
    job.weight = [&w](unsigned m, std::uint64_t r) { return w[m * 5 + r]; };
    job.bias = [](unsigned) { return std::int16_t{0}; };
    ConvCycleRunner runner(ArrayDims{3, 3}, job);
    std::uint64_t calls = 0, loading = 0, bottom_valid = 0;
    std::vector<std::uint64_t> folds;
    runner.set_observer([&](const SystolicArrayCycleModel& a, std::uint64_t fold) {
        ++calls;
        loading += a.loading() ? 1 : 0;
        for (unsigned c = 0; c < 3; ++c)
            bottom_valid += a.registers(2, c).psum_valid ? 1 : 0;
        if (folds.empty() || folds.back() != fold)
            folds.push_back(fold);
    });
    while (!runner.tick()) {
    }
    CHECK(calls == 6 * 9);
    CHECK(runner.cycles() == calls);
    CHECK(loading == 6 * 3);
    CHECK(folds == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5});
    // Every partial sum leaves the bottom row once: 2 filters x 3 columns per fold.
    CHECK(bottom_valid == 6 * 2 * 3);
}

TEST_CASE("depthwise 3x3 on a tile: fast kernel == cycle-stepped array") {
    const unsigned H = 5, W = 4;
    const auto plane = random_raw(H * W, 5, 4000);
    const auto w9 = random_raw(9, 6, 4000);
    const std::int16_t bias = 37;
    // Output rows 1..3 of the image from a buffer holding rows 0..4 (halo included).
    const PlaneTile tile{H, W, 0, H, 1};
    const std::size_t q = 3 * W;
    std::vector<std::int16_t> fast(q);
    depthwise3x3(plane.data(), tile, w9.data(), bias, 0, q, fast.data(), 12);
    ConvJob job;
    job.window = 9;
    job.p0 = 0;
    job.p1 = q;
    job.filters = 1;
    job.weight_frac_bits = 12;
    job.input = [&](std::uint64_t r, std::uint64_t p) {
        return depthwise_window_input(plane.data(), tile, static_cast<unsigned>(r), p);
    };
    job.weight = [&](unsigned, std::uint64_t r) { return w9[r]; };
    job.bias = [&](unsigned) { return bias; };
    ConvCycleRunner runner(ArrayDims{3, 3}, job);
    while (!runner.tick()) {
    }
    CHECK(runner.results() == fast);
    CHECK(runner.cycles() == fold_work(ArrayDims{3, 3}, 9, ceil_div(q, 3), q, 1).cycles);
    // Fold pipelining: 3 row folds x 4 column folds of T = 1, 8 + 11 x 7 cycles.
    ConvCycleRunner piped(ArrayDims{3, 3, true}, job);
    while (!piped.tick()) {
    }
    CHECK(piped.results() == fast);
    CHECK(piped.cycles() == 8 + 11 * 7);
    CHECK(piped.cycles() == fold_work(ArrayDims{3, 3, true}, 9, ceil_div(q, 3), q, 1).cycles);
    // Hand check of one output: pixel (row 1, col 0) has a zero-padded left column.
    std::int64_t acc = std::int64_t{bias} << 12;
    for (int ky = 0; ky < 3; ++ky) {
        for (int kx = 1; kx < 3; ++kx) {
            acc += std::int64_t{w9[static_cast<std::size_t>(ky * 3 + kx)]} *
                   plane[static_cast<std::size_t>(ky * W + (kx - 1))];
        }
    }
    CHECK(fast[0] == requantize(acc, 12));
}

TEST_CASE("fixed-point block stays within the documented bound of the float block") {
    const BlockShape shape{16, 7, 6};
    BlockFormat fmt;
    const unsigned cr = reduced_channels(shape, fmt.bottleneck_ratio);
    const BlockWeights wq = quantize_block(synthetic_block_weights(16, cr, 3), fmt);
    Rng rng(4, {});
    std::vector<std::int16_t> x(shape.elements());
    for (auto& v : x) {
        v = fmt.activation().quantize(std::abs(rng.normal()));
    }
    const ReferenceTrace t = reference_block(x, shape, wq, fmt, 11, 4);
    std::vector<double> xd(x.size()), zd(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        xd[i] = fmt.activation().to_double(x[i]);
        zd[i] = std::ldexp(static_cast<double>(t.normal[i]), -kNormalFracBits);
    }
    const FloatResult f = float_reference(xd, shape, dequantize_block(wq, fmt), fmt, zd);
    double max_err = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double err = std::abs(fmt.activation().to_double(t.out[i]) - f.out[i]);
        max_err = std::max(max_err, err);
        REQUIRE(err <= f.bound[i]);
    }
    CHECK(max_err > 0.0);  // the comparison is not vacuous
}

TEST_CASE("reference block pointwise stages equal a 64-bit loop, in 32-bit range or not") {
    // reference_block accumulates in 32 bits where its bound proves the sum exact there, and in
    // 64 bits with 32-bit saturation otherwise: both must give requantize() of the exact sum.
    const BlockShape shape{24, 5, 7};
    const BlockFormat fmt;
    const unsigned cr = reduced_channels(shape, fmt.bottleneck_ratio);
    const int wf = fmt.weight_frac_bits;
    const std::int64_t one = std::int64_t{1} << wf;
    const std::size_t P = shape.pixels();
    Rng rng(9, {});
    std::vector<std::int16_t> x(shape.elements());
    for (auto& v : x)
        v = static_cast<std::int16_t>(static_cast<std::int64_t>(rng.next_u64() % 65536) - 32768);
    for (const bool wide : {false, true}) {
        BlockWeights wq = quantize_block(synthetic_block_weights(24, cr, 3), fmt);
        if (wide) {
            // Full-range weights: sums far past 2^31, which saturate.
            for (auto* v : {&wq.reduce_w, &wq.dw_w, &wq.mean_w, &wq.var_w}) {
                for (auto& e : *v)
                    e = static_cast<std::int16_t>(
                        static_cast<std::int64_t>(rng.next_u64() % 65536) - 32768);
            }
        }
        const ReferenceTrace t = reference_block(x, shape, wq, fmt, 5, 4);
        std::size_t saturated = 0, differ = 0;
        for (unsigned m = 0; m < cr; ++m) {
            for (std::size_t p = 0; p < P; ++p) {
                std::int64_t acc = wq.reduce_b[m] * one;
                for (unsigned c = 0; c < shape.channels; ++c)
                    acc += std::int64_t{wq.reduce_w[m * shape.channels + c]} * x[c * P + p];
                saturated += acc != saturate32(acc);
                differ += t.h1[m * P + p] != leaky_relu(requantize(acc, wf), fmt.leaky_shift);
            }
        }
        // The depthwise 3x3 over h1 (zero padding), its taps in any order: the exact sum.
        const auto H = static_cast<long>(shape.height), W = static_cast<long>(shape.width);
        for (unsigned m = 0; m < cr; ++m) {
            for (long y = 0; y < H; ++y) {
                for (long xx = 0; xx < W; ++xx) {
                    std::int64_t acc = wq.dw_b[m] * one;
                    for (long ky = -1; ky <= 1; ++ky) {
                        for (long kx = -1; kx <= 1; ++kx) {
                            if (y + ky < 0 || y + ky >= H || xx + kx < 0 || xx + kx >= W)
                                continue;
                            acc += std::int64_t{wq.dw_w[m * 9 + static_cast<std::size_t>(
                                                                    (ky + 1) * 3 + kx + 1)]} *
                                   t.h1[m * P + static_cast<std::size_t>((y + ky) * W + xx + kx)];
                        }
                    }
                    saturated += acc != saturate32(acc);
                    differ += t.h2[m * P + static_cast<std::size_t>(y * W + xx)] !=
                              leaky_relu(requantize(acc, wf), fmt.leaky_shift);
                }
            }
        }
        for (unsigned m = 0; m < shape.channels; ++m) {
            for (std::size_t p = 0; p < P; ++p) {
                std::int64_t mean = wq.mean_b[m] * one;
                std::int64_t var = wq.var_b[m] * one;
                for (unsigned c = 0; c < cr; ++c) {
                    mean += std::int64_t{wq.mean_w[m * cr + c]} * t.h2[c * P + p];
                    var += std::int64_t{wq.var_w[m * cr + c]} * t.h2[c * P + p];
                }
                saturated += (mean != saturate32(mean)) + (var != saturate32(var));
                differ += t.mean[m * P + p] != requantize(mean, wf);
                differ += t.var[m * P + p] != requantize(var, wf);
            }
        }
        INFO((wide ? "full-range weights" : "trained-size weights"));
        CHECK(differ == 0);
        CHECK((saturated > 0) == wide);
    }
}

TEST_CASE("a reference trace reused from block to block gives a fresh trace's values") {
    // The replay keeps one trace per thread (reference_block into a trace): after a larger
    // block, after one with the stochastic term and one without, every tensor must be what a
    // fresh call gives, none left over from the block before.
    Rng rng(12, {});
    ReferenceTrace reused;
    struct Case {
        BlockShape shape;
        bool stochastic;
    };
    const std::vector<Case> cases{{{32, 9, 8}, true}, {{16, 5, 6}, true}, {{16, 5, 6}, false},
                                  {{24, 7, 3}, true}, {{8, 4, 4}, false}, {{32, 9, 8}, true}};
    std::uint64_t seed = 3;
    for (const Case& c : cases) {
        BlockFormat fmt;
        fmt.stochastic = c.stochastic;
        const unsigned cr = reduced_channels(c.shape, fmt.bottleneck_ratio);
        const BlockWeights wq =
            quantize_block(synthetic_block_weights(c.shape.channels, cr, seed), fmt);
        std::vector<std::int16_t> x(c.shape.elements());
        for (auto& v : x)
            v = fmt.activation().quantize(rng.normal());
        reference_block(x, c.shape, wq, fmt, seed, 4, reused);
        const ReferenceTrace fresh = reference_block(x, c.shape, wq, fmt, seed, 4);
        INFO(c.shape.channels << "x" << c.shape.height << "x" << c.shape.width
                              << (c.stochastic ? " with" : " without") << " the stochastic term");
        CHECK(reused.h1 == fresh.h1);
        CHECK(reused.h2 == fresh.h2);
        CHECK(reused.mean == fresh.mean);
        CHECK(reused.var == fresh.var);
        CHECK(reused.normal == fresh.normal);
        CHECK(reused.out == fresh.out);
        // Without the stochastic term the variance head and the lanes stay idle (zero);
        // with it, the lanes drew.
        const auto zero = [](const std::vector<std::int16_t>& v) {
            return std::all_of(v.begin(), v.end(), [](std::int16_t e) { return e == 0; });
        };
        CHECK(zero(reused.normal) == !c.stochastic);
        CHECK(zero(reused.var) == !c.stochastic);
        ++seed;
    }
}

TEST_CASE("block parameters: count, pack/unpack round trip") {
    CHECK(BlockWeights::parameter_count(64, 16) == 3 * 64 * 16 + 9 * 16 + 2 * 16 + 2 * 64);
    const BlockWeights wq = quantize_block(synthetic_block_weights(8, 2, 1), BlockFormat{});
    const auto packed = pack_block(wq);
    CHECK(packed.size() == packed_words(8, 2));
    const BlockWeights back = unpack_block(8, 2, packed.data(), packed.size());
    CHECK(back.var_b == wq.var_b);
    CHECK(back.dw_w == wq.dw_w);
    CHECK(packed_layout(8, 2).mean_w == 8 * 2 + 2 + 18 + 2);
}

TEST_CASE("tile planning: rows per tile from the activation SRAM, errors name the key") {
    DenoiserConfig cfg;
    const BlockShape shape{64, 56, 56};
    // One output row: (64 + 16) x 3 rows x 56 (X, h1 with halo) + (16 + 128) x 56 = 21504 words.
    CHECK(tile_footprint_words(shape, 16, 1) == 80 * 3 * 56 + 144 * 56);
    cfg.activation_sram.size_bytes = 2 * 21504;
    const TilePlan p = plan_block(cfg, shape, 16, 0, 0);
    CHECK(p.tile_rows == 1);
    CHECK(p.tiles.size() == 56);
    CHECK(p.tiles[3].in_r0 == 2);
    CHECK(p.tiles[3].in_r1 == 5);
    cfg.activation_sram.size_bytes = 2 * 21504 - 2;
    CHECK_THROWS_WITH(plan_block(cfg, shape, 16, 0, 0),
                      Catch::Contains("activation_sram.size_bytes") &&
                          Catch::Contains("smaller than one tile row"));
    cfg.activation_sram.size_bytes = 1 << 20;
    cfg.weight_sram.size_bytes = 128;  // 64 words < one PW-reduce filter of 65 words
    CHECK_THROWS_WITH(plan_block(cfg, shape, 16, 0, 0),
                      Catch::Contains("weight_sram.size_bytes") && Catch::Contains("one filter"));
    cfg.weight_sram.size_bytes = 1024;  // 512 words: groups of 7 / 16 / 30 filters
    const TilePlan g = plan_block(cfg, shape, 16, 0, 0);
    CHECK_FALSE(g.weights_resident);
    CHECK(g.reduce_group == 512 / 65);
    CHECK(g.head_group == 512 / 17);
}

TEST_CASE("config validation names the key and the accepted range") {
    DenoiserConfig cfg;
    cfg.cores = 0;
    CHECK_THROWS_WITH(cfg.validate(),
                      Catch::Contains("denoiser.cores") && Catch::Contains("1 to 256"));
    cfg = DenoiserConfig{};
    cfg.lanes = 0;
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("denoiser.lanes"));
    cfg = DenoiserConfig{};
    cfg.weight_sram.width_bits = 24;
    CHECK_THROWS_WITH(cfg.validate(), Catch::Contains("weight_sram.width_bits"));
    BlockFormat f;
    f.activation_frac_bits = 16;
    CHECK_THROWS_WITH(f.validate(),
                      Catch::Contains("block.activation_frac_bits") && Catch::Contains("0 to 15"));
    f = BlockFormat{};
    f.bottleneck_ratio = 0.0;
    CHECK_THROWS_WITH(f.validate(), Catch::Contains("block.bottleneck_ratio"));
    CHECK_THROWS_WITH(reduced_channels(BlockShape{3, 4, 4}, 0.1),
                      Catch::Contains("block.bottleneck_ratio") &&
                          Catch::Contains("leaves no bottleneck channel"));
    CHECK(reduced_channels(BlockShape{64, 4, 4}, 0.25) == 16);
    CHECK(reduced_channels(BlockShape{3, 4, 4}, 1.0 / 3.0) == 1);
}
