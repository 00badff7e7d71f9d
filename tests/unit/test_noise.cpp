// Unit tests of the LFSRs, the fixed-point Box-Muller converter and the noise lane arithmetic.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "models/denoiser/box_muller.h"
#include "models/denoiser/lfsr.h"
#include "models/denoiser/noise_cancel.h"

using namespace dnsim::denoiser;

TEST_CASE("LFSR tap sets from hardware-defaults.md are maximal length") {
    // Prime factors of 2^n - 1.
    CHECK(is_maximal_length(Lfsr(16, {16, 15, 13, 4}, 1), {3, 5, 17, 257}));
    CHECK(is_maximal_length(Lfsr(24, {24, 23, 22, 17}, 1), {3, 5, 7, 13, 17, 241}));
    CHECK(is_maximal_length(Lfsr::u2_source(1), {2147483647ULL}));
    CHECK(is_maximal_length(Lfsr::u1_source(1), {3, 5, 17, 257, 65537}));
    // A non-primitive polynomial must be rejected: x^16 + x^8 + 1 style taps.
    CHECK_FALSE(is_maximal_length(Lfsr(16, {16, 8}, 1), {3, 5, 17, 257}));
}

TEST_CASE("16-bit LFSR visits all 65535 non-zero states once (enumerated)") {
    Lfsr l(16, {16, 15, 13, 4}, 0xACE1);
    std::vector<bool> seen(65536, false);
    const std::uint32_t first = l.state();
    std::uint32_t steps = 0;
    do {
        REQUIRE(l.state() != 0);
        REQUIRE_FALSE(seen[l.state()]);
        seen[l.state()] = true;
        l.step();
        ++steps;
    } while (l.state() != first);
    CHECK(steps == 65535);
}

TEST_CASE("leap() equals width single steps, and a zero seed never locks") {
    Lfsr a = Lfsr::u1_source(0x12345678);
    Lfsr b = a;
    for (int k = 0; k < 10; ++k) {
        a.leap();
        for (unsigned s = 0; s < b.width(); ++s) {
            b.step();
        }
        REQUIRE(a.state() == b.state());
    }
    Lfsr z = Lfsr::u2_source(0);
    CHECK(z.state() != 0);
}

TEST_CASE("Box-Muller tables: ln and cos within their interpolation error") {
    const BoxMuller bm;
    for (std::uint32_t s : {1U, 2U, 3U, 1000U, 123456789U, 0x80000000U, 0xFFFFFFFFU}) {
        const double expect = -2.0 * std::log(s / 4294967296.0);
        CHECK(bm.minus_two_ln_q28(s) / 268435456.0 == Approx(expect).margin(2e-6));
    }
    for (std::uint32_t p = 0; p < 65536; p += 97) {
        const double expect = std::cos(2.0 * M_PI * p / 65536.0);
        REQUIRE(bm.cos_q30(static_cast<std::uint16_t>(p)) / 1073741824.0 ==
                Approx(expect).margin(3e-6));
    }
    CHECK(isqrt64(0) == 0);
    CHECK(isqrt64(15) == 3);
    CHECK(isqrt64(16) == 4);
    CHECK(isqrt64((1ULL << 62) - 1) == (1ULL << 31) - 1);
    CHECK(isqrt64(~0ULL) == 0xFFFFFFFFULL);
}

TEST_CASE("Box-Muller in blocks (vector path) equals the sample-by-sample converter") {
    const BoxMuller bm;
    std::vector<std::uint32_t> s1;
    std::vector<std::uint16_t> p;
    // Edges of the leading-one and table logic, every quadrant boundary, then a dense sweep.
    for (std::uint32_t v : {1U, 2U, 3U, 255U, 256U, 0xFFFFFFU, 0x1000000U, 0x1000001U, 0x7FFFFFFFU,
                            0x80000000U, 0xFFFFFFFEU, 0xFFFFFFFFU}) {
        for (std::uint32_t q :
             {0U, 1U, 15U, 16U, 16383U, 16384U, 32767U, 32768U, 49151U, 49152U, 65535U}) {
            s1.push_back(v);
            p.push_back(static_cast<std::uint16_t>(q));
        }
    }
    std::uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200003; ++i) {  // not a multiple of 8: the scalar tail runs too
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const auto v = static_cast<std::uint32_t>(x >> 32) >> (i % 32);
        s1.push_back(v == 0 ? 1 : v);
        p.push_back(static_cast<std::uint16_t>(x));
    }
    std::vector<std::int16_t> out(s1.size());
    bm.normals(s1.data(), p.data(), out.data(), s1.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s1.size(); ++i)
        bad += out[i] != bm.normal(s1[i], p[i]);
    CHECK(bad == 0);
}

TEST_CASE("isqrt64 is exact around every square, on both sides of its 2^40 estimate switch") {
    // floor(sqrt(n)) is r exactly when r^2 <= n < (r + 1)^2: check r^2 - 1, r^2, r^2 + 2r
    // (the last value before (r + 1)^2) for r spread over [1, 2^24], which covers the
    // single-precision estimate (n < 2^40) and the double one.
    int bad = 0;
    for (std::uint64_t r = 1; r <= (1ULL << 24); r = r + 1 + r / 997) {
        const std::uint64_t sq = r * r;
        bad += isqrt64(sq) != r;
        bad += isqrt64(sq - 1) != r - 1;
        bad += isqrt64(sq + 2 * r) != r;
    }
    CHECK(bad == 0);
}

namespace {
double normal_cdf(double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}
}  // namespace

TEST_CASE("noise lane samples are standard normal over 2^21 samples") {
    NoiseLaneKernel lane;
    lane.reseed(2024, 0);
    constexpr std::size_t n = std::size_t{1} << 21;
    std::vector<double> z(n);
    double sum = 0.0, sum2 = 0.0;
    for (auto& v : z) {
        v = std::ldexp(static_cast<double>(lane.next_normal()), -kNormalFracBits);
        sum += v;
        sum2 += v * v;
    }
    const double mean = sum / n;
    const double var = sum2 / n - mean * mean;
    // Standard errors: 1/sqrt(n) = 6.9e-4 for the mean, sqrt(2/n) = 9.8e-4 for the variance.
    CHECK(std::abs(mean) < 5 * 6.9e-4);
    CHECK(std::abs(var - 1.0) < 5 * 9.8e-4);

    // Kolmogorov-Smirnov against N(0,1); the 1 % critical value is 1.628 / sqrt(n) = 1.12e-3.
    std::sort(z.begin(), z.end());
    double d = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double f = normal_cdf(z[i]);
        d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
    }
    // Ties from the Q4.11 grid widen the empirical steps by at most pdf(0) * 2^-11 = 1.9e-4.
    CHECK(d < 1.628 / std::sqrt(static_cast<double>(n)) + 1.9e-4);

    // Tails: counts beyond +-k sigma against the normal expectation, 5-sigma Poisson bands.
    for (const double k : {2.0, 3.0, 4.0}) {
        const auto beyond_hi =
            static_cast<double>(z.end() - std::upper_bound(z.begin(), z.end(), k));
        const auto beyond_lo =
            static_cast<double>(std::lower_bound(z.begin(), z.end(), -k) - z.begin());
        const double expect = n * (1.0 - normal_cdf(k));
        INFO("k = " << k << " expect " << expect << " got " << beyond_hi << " / " << beyond_lo);
        CHECK(std::abs(beyond_hi - expect) < 5 * std::sqrt(expect) + 1);
        CHECK(std::abs(beyond_lo - expect) < 5 * std::sqrt(expect) + 1);
    }
    CHECK(z.back() > 4.5);  // U1 reaches 2^-32: tails go past 6 sigma
    CHECK(z.front() < -4.5);
}

TEST_CASE("lanes get distinct non-zero seeds and independent streams") {
    std::set<std::uint32_t> seeds;
    for (unsigned l = 0; l < 16; ++l) {
        const LaneSeeds s = lane_seeds(7, l);
        CHECK(s.u1 != 0);
        CHECK(s.u2 != 0);
        seeds.insert(s.u1);
        seeds.insert(s.u2);
    }
    CHECK(seeds.size() == 32);
    NoiseLaneKernel a, b;
    a.reseed(7, 0);
    b.reseed(7, 1);
    double cross = 0.0;
    constexpr int n = 200000;
    for (int i = 0; i < n; ++i) {
        cross += std::ldexp(a.next_normal(), -11) * std::ldexp(b.next_normal(), -11);
    }
    CHECK(std::abs(cross / n) < 5.0 / std::sqrt(n));  // uncorrelated lanes
}

TEST_CASE("noise cancellation arithmetic: sigma = sqrt(max(v,0)), Y = z sigma + mu, X - Y") {
    // v = 0.25 in Q7.8 (64) -> sigma = 0.5 (128); negative variance -> sigma 0.
    CHECK(sigma_from_variance(64, 8) == 128);
    CHECK(sigma_from_variance(-5, 8) == 0);
    CHECK(sigma_from_variance(32767, 15) == 32767);
    // z = 1.5 (3072 in Q4.11), sigma = 0.5, mu = 0.25: Y = 1.0 -> 256 in Q7.8.
    CHECK(gaussian_sample(3072, 128, 64) == 256);
    CHECK(gaussian_sample(-2048, 32767, -32768) == -32768);  // saturates
}

TEST_CASE("the lane's square-root table equals floor(sqrt(v 2^f)) for every variance") {
    for (int f : {0, 8, 11, 15}) {
        const std::int16_t* table = sigma_table(f);
        int bad = 0;
        for (std::int64_t v = 0; v < 32768; ++v) {
            // Independent of isqrt64: the largest s with s^2 <= v 2^f, by bisection.
            const std::int64_t n = v << f;
            std::int64_t lo = 0, hi = 1LL << 23;
            while (hi - lo > 1) {
                const std::int64_t mid = (lo + hi) / 2;
                (mid * mid <= n ? lo : hi) = mid;
            }
            bad += table[v] != std::min<std::int64_t>(lo, 32767);
        }
        CHECK(bad == 0);
    }
    CHECK_THROWS_WITH(sigma_table(16), Catch::Contains("expected 0 .. 15"));
}

TEST_CASE("lanes drawn round-robin give the samples of next_uniforms() lane by lane in turn") {
    // Lane counts with and without a compiled-in loop (1, 2, 4, 8 and the generic 3, 5), and
    // sample counts that end in the middle of a round.
    for (const unsigned count : {1U, 2U, 3U, 4U, 5U, 8U}) {
        for (const std::size_t n :
             {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1001}}) {
            std::vector<NoiseLaneKernel> fast(count), slow(count);
            for (unsigned l = 0; l < count; ++l) {
                fast[l].reseed(99, l);
                slow[l].reseed(99, l);
            }
            std::vector<std::uint32_t> u1(n);
            std::vector<std::uint16_t> u2(n);
            NoiseLaneKernel::draw_round_robin(fast.data(), count, n, u1.data(), u2.data());
            bool same = true;
            for (std::size_t g = 0; g < n; ++g) {
                std::uint32_t a = 0;
                std::uint16_t b = 0;
                slow[g % count].next_uniforms(a, b);
                same = same && a == u1[g] && b == u2[g];
            }
            INFO(count << " lanes, " << n << " samples");
            CHECK(same);
            // Every lane is left where drawing one by one leaves it.
            for (unsigned l = 0; l < count; ++l) {
                CHECK(fast[l].u1_state() == slow[l].u1_state());
                CHECK(fast[l].u2_state() == slow[l].u2_state());
            }
        }
    }
}
