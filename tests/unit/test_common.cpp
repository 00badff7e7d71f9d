// Unit tests of models/common: fixed point, RNG, energy accounting, the worker pool,
// register-free helpers.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "models/common/config_error.h"
#include "models/common/energy.h"
#include "models/common/fixed_point.h"
#include "models/common/rng.h"
#include "models/common/sha256.h"
#include "models/common/worker_pool.h"
#include "models/common/ziggurat.h"

using namespace dnsim;

TEST_CASE("quantize rounds to nearest, ties away from zero, and saturates") {
    const FixedFormat q8(8);
    CHECK(q8.quantize(1.0) == 256);
    CHECK(q8.quantize(0.5 / 256.0) == 1);    // +0.5 LSB -> away from zero
    CHECK(q8.quantize(-0.5 / 256.0) == -1);  // -0.5 LSB -> away from zero
    CHECK(q8.quantize(0.49 / 256.0) == 0);
    CHECK(q8.quantize(1000.0) == 32767);
    CHECK(q8.quantize(-1000.0) == -32768);
    CHECK(q8.quantize(std::nan("")) == 0);
    CHECK(q8.to_double(-384) == -1.5);
    CHECK(FixedFormat(15).max_value() == Approx(32767.0 / 32768.0));
}

TEST_CASE("quantize_all and dequantize_all give quantize() and to_double() element by element") {
    // Ties, saturation, infinities, NaN, signed zero and random floats over many magnitudes, in
    // every format; the arrays are long enough to run the vector loop and its tail.
    std::vector<float> x{0.0f,     -0.0f,     0.5f / 256, -0.5f / 256, 1000.0f, -1000.0f,
                         INFINITY, -INFINITY, NAN,        127.99f,     -128.0f, 3e-39f};
    Rng rng(3, {1});
    for (int i = 0; i < 997; ++i)
        x.push_back(static_cast<float>(rng.normal() * std::ldexp(1.0, i % 24 - 12)));
    for (int f = 0; f <= 15; ++f) {
        const FixedFormat fmt(f);
        std::vector<std::int16_t> q(x.size());
        fmt.quantize_all(x.data(), q.data(), x.size());
        std::vector<float> back(x.size());
        fmt.dequantize_all(q.data(), back.data(), q.size());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            differ += q[i] != fmt.quantize(x[i]);
            differ += back[i] != static_cast<float>(fmt.to_double(q[i]));
        }
        INFO("frac bits " << f);
        CHECK(differ == 0);
    }
}

TEST_CASE("round_half_away agrees with std::round everywhere, ties and edges included") {
    // The values next to each tie (x.5 -/+ one ulp), the ties, huge and signed zero inputs,
    // then a sweep of random doubles over many magnitudes.
    std::vector<double> v{0.0,
                          -0.0,
                          0.5,
                          -0.5,
                          1.5,
                          -2.5,
                          0.49999999999999994,
                          -0.49999999999999994,
                          4503599627370495.5,
                          4503599627370497.0,
                          1e300,
                          -1e300,
                          INFINITY,
                          -INFINITY,
                          5e-324};
    for (double t = 0.5; t < 1e6; t = t * 3 + 1) {
        v.push_back(std::nextafter(t, 0.0));
        v.push_back(std::nextafter(t, 1e9));
        v.push_back(-std::nextafter(t, 0.0));
    }
    Rng rng(7, {1});
    for (int i = 0; i < 100000; ++i)
        v.push_back((rng.uniform() - 0.5) * std::ldexp(1.0, static_cast<int>(i % 60) - 8));
    int bad = 0;
    for (double x : v) {
        const double a = round_half_away(x), b = std::round(x);
        bad += a != b || std::signbit(a) != std::signbit(b);
    }
    CHECK(bad == 0);
}

TEST_CASE("round_shift is round-half-up on both signs") {
    CHECK(round_shift(3, 1) == 2);    // 1.5 -> 2
    CHECK(round_shift(-3, 1) == -1);  // -1.5 -> -1 (half up)
    CHECK(round_shift(-5, 2) == -1);  // -1.25 -> -1
    CHECK(round_shift(-6, 2) == -1);  // -1.5 -> -1
    CHECK(round_shift(-7, 2) == -2);  // -1.75 -> -2
    CHECK(round_shift(7, 0) == 7);
}

TEST_CASE("requantize saturates the accumulator to 32 then 16 bits") {
    CHECK(requantize(std::int64_t{1} << 40, 12) == 32767);
    CHECK(requantize_saturates(std::int64_t{1} << 40, 12));
    CHECK(requantize(256 << 12, 12) == 256);
    CHECK_FALSE(requantize_saturates(256 << 12, 12));
    CHECK(requantize(-(std::int64_t{32769} << 4), 4) == -32768);
    CHECK(requantize_saturates(-(std::int64_t{32769} << 4), 4));
}

TEST_CASE("Fixed16 arithmetic saturates and keeps the left operand's format") {
    const FixedFormat a(8), w(12);
    const Fixed16 x = Fixed16::from_double(2.0, a);
    const Fixed16 y = Fixed16::from_double(0.25, w);
    CHECK((x * y).to_double() == 0.5);
    CHECK((x + x).raw() == 1024);
    CHECK((Fixed16(32000, a) + Fixed16(32000, a)).raw() == 32767);
    CHECK((Fixed16(-32000, a) - Fixed16(32000, a)).raw() == -32768);
}

TEST_CASE("RNG streams depend only on (seed, ids)") {
    Rng a(42, {1, 2, 3});
    Rng b(42, {1, 2, 3});
    Rng c(42, {1, 2, 4});
    Rng d(43, {1, 2, 3});
    bool all_equal = true, any_c = false, any_d = false;
    for (int i = 0; i < 100; ++i) {
        const auto va = a.next_u64(), vb = b.next_u64(), vc = c.next_u64(), vd = d.next_u64();
        all_equal = all_equal && va == vb;
        any_c = any_c || va != vc;
        any_d = any_d || va != vd;
    }
    CHECK(all_equal);
    CHECK(any_c);
    CHECK(any_d);
    CHECK(derive_key(1, {2, 3}) != derive_key(1, {3, 2}));
}

TEST_CASE("energy account: actions x pJ plus leakage x time, by hand") {
    EnergyTable t = EnergyTable::defaults_45nm();
    t.set("mac_16b", 2.0);
    EnergyAccount acc(t);
    acc.add_dynamic("core", "mac_16b", 1000);                 // 1000 x 2 pJ = 2000 pJ
    acc.add_leakage("sram", "sram_leakage_per_kib", 4, 1e6);  // 4 KiB x 15.5 uW x 1 ms = 62000 pJ
    CHECK(acc.total_pJ() == Approx(2000.0 + 62000.0));
    const auto per = acc.per_component_pJ();
    REQUIRE(per.size() == 2);
    CHECK(per[0].first == "core");
    CHECK(per[1].second == Approx(62000.0));
    CHECK(average_power_mW(62000.0, 1e6) == Approx(0.062));
}

TEST_CASE("energy table rejects unknown and negative entries, naming the key") {
    EnergyTable t = EnergyTable::defaults_45nm();
    CHECK_THROWS_WITH(t.set("mac_8b", 1.0),
                      Catch::Contains("energy.mac_8b") && Catch::Contains("unknown energy entry"));
    CHECK_THROWS_WITH(t.set("mac_16b", -1.0),
                      Catch::Contains("energy.mac_16b") && Catch::Contains(">= 0"));
    // Values far beyond any circuit (where energy x actions would overflow) are refused too.
    CHECK_NOTHROW(t.set("mac_16b", 1e9));
    CHECK_THROWS_WITH(t.set("mac_16b", 1.1e9),
                      "energy.mac_16b: 1100000000 is not a valid energy; "
                      "accepted: a finite value >= 0 and <= 1e9 pJ");
    CHECK_THROWS_WITH(t.set("sram_leakage_per_kib", 1e300), Catch::Contains("<= 1e9 uW"));
    CHECK_THROWS_AS(t.pj("sram_leakage_per_kib"), std::out_of_range);
}

TEST_CASE("ziggurat normal samples follow N(0, 1)") {
    dnsim::Rng rng(42, {7});
    const auto& z = dnsim::Ziggurat::tables();
    const int n = 2000000;
    double sum = 0, sum2 = 0, sum4 = 0;
    int below1 = 0, below_m2 = 0, above3 = 0;
    for (int i = 0; i < n; ++i) {
        const double x = z.sample(rng);
        sum += x;
        sum2 += x * x;
        sum4 += x * x * x * x;
        below1 += x < 1.0;
        below_m2 += x < -2.0;
        above3 += x > 3.0;
    }
    CHECK(sum / n == Approx(0.0).margin(0.003));
    CHECK(sum2 / n == Approx(1.0).epsilon(0.005));
    CHECK(sum4 / n == Approx(3.0).epsilon(0.02));
    // Phi(1) = 0.841345, Phi(-2) = 0.022750, 1 - Phi(3) = 0.001350.
    CHECK(double(below1) / n == Approx(0.841345).margin(0.001));
    CHECK(double(below_m2) / n == Approx(0.022750).margin(0.0004));
    CHECK(double(above3) / n == Approx(0.001350).margin(0.0001));
}

TEST_CASE("ziggurat fill gives the samples and stream position of one sample() call each") {
    const auto& z = dnsim::Ziggurat::tables();
    for (const std::uint64_t seed : {1u, 2u, 99u}) {
        dnsim::Rng a(seed, {3});
        dnsim::Rng b(seed, {3});
        // 300 000 samples reach the wedge and the tail (about 1.2 % and 0.1 % of draws).
        std::vector<double> filled(300000);
        z.fill(a, filled.data(), static_cast<std::int64_t>(filled.size()));
        std::size_t differ = 0;
        int tail = 0;
        for (const double v : filled) {
            const double w = z.sample(b);
            differ += std::memcmp(&v, &w, sizeof v) != 0;
            tail += std::abs(w) > 3.442619855899;
        }
        CHECK(differ == 0);
        CHECK(tail > 0);
        CHECK(a.next_u64() == b.next_u64());
    }
}

TEST_CASE("ConfigError messages are one line: control characters written as \\xNN") {
    const ConfigError e("key\n", "name 'a\nb\tc\x7f' and UTF-8 caf\xc3\xa9 kept");
    CHECK(std::string(e.what()) ==
          "key\\x0a: name 'a\\x0ab\\x09c\\x7f' and UTF-8 caf\xc3\xa9 kept");
    CHECK(e.key() == "key\\x0a");
    CHECK(e.message() == "name 'a\\x0ab\\x09c\\x7f' and UTF-8 caf\xc3\xa9 kept");
}

TEST_CASE("worker pool: every index runs once per call, errors come back to the caller") {
    WorkerPool pool(3);
    REQUIRE(pool.threads() == 3);
    std::vector<std::atomic<int>> hits(3);
    std::vector<std::thread::id> who(3);
    // Many back-to-back calls (as the replay makes them), some with fewer tasks than threads.
    for (int call = 0; call < 2000; ++call) {
        const std::size_t n = 1 + static_cast<std::size_t>(call % 3);
        pool.run(n, [&](std::size_t i) {
            hits[i].fetch_add(1);
            who[i] = std::this_thread::get_id();
        });
    }
    // Index i runs in calls with n > i: 2000 calls, n cycling 1, 2, 3.
    CHECK(hits[0].load() == 2000);
    CHECK(hits[1].load() == 1333);
    CHECK(hits[2].load() == 666);
    CHECK(who[0] == std::this_thread::get_id());
    CHECK(who[1] != who[0]);
    CHECK(who[2] != who[1]);

    const auto fail = [](std::size_t i) {
        if (i >= 1)
            throw std::runtime_error("task " + std::to_string(i));
    };
    CHECK_THROWS_WITH(pool.run(3, fail), "task 1");
    CHECK_THROWS_AS(pool.run(4, fail), std::logic_error);
    // Still usable after an error.
    int sum = 0;
    std::mutex m;
    pool.run(3, [&](std::size_t i) {
        std::lock_guard<std::mutex> lock(m);
        sum += static_cast<int>(i) + 1;
    });
    CHECK(sum == 6);
}

TEST_CASE("SHA-256 gives the FIPS 180-2 example digests, in one piece or many") {
    // The digests published with the standard's examples (FIPS 180-2, appendix B).
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // "abcd" "bcde" ... "nopq": 56 bytes, so the padding takes a second block.
    std::string two_blocks;
    for (char c = 'a'; c <= 'n'; ++c)
        two_blocks += {c, char(c + 1), char(c + 2), char(c + 3)};
    CHECK(sha256_hex(two_blocks) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    CHECK(sha256_hex(million) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Pieces of every size across the 64-byte blocks give the same digest.
    for (const std::size_t piece : {1u, 7u, 63u, 64u, 65u, 1000u}) {
        Sha256 s;
        for (std::size_t at = 0; at < million.size(); at += piece)
            s.update(million.data() + at, std::min(piece, million.size() - at));
        CHECK(s.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    CHECK_THROWS_WITH(sha256_file("/nonexistent/m.onnx"),
                      "/nonexistent/m.onnx: cannot open file: No such file or directory");
}

TEST_CASE("SHA-256 with the CPU's SHA extensions gives the portable code's digests") {
    // Every length up to five blocks, and a long message in uneven pieces (whole blocks go
    // straight from the input, the rest through the buffer).
    INFO("SHA extensions on this CPU: " << Sha256::cpu_extensions());
    std::string data(300000, '\0');
    std::uint64_t x = 1;
    for (char& c : data) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        c = static_cast<char>(x >> 56);
    }
    const auto digest = [&data](Sha256::Code code, std::size_t n, std::size_t piece) {
        Sha256 s(code);
        for (std::size_t at = 0; at < n; at += piece)
            s.update(data.data() + at, std::min(piece, n - at));
        return s.hex_digest();
    };
    for (std::size_t n = 0; n <= 320; ++n) {
        INFO(n << " bytes");
        CHECK(digest(Sha256::Code::Fastest, n, 1000) == digest(Sha256::Code::Portable, n, 1000));
    }
    const std::string want = digest(Sha256::Code::Portable, data.size(), data.size());
    for (const std::size_t piece : {1u, 63u, 64u, 100u, 4096u, 300000u}) {
        INFO(piece << "-byte pieces");
        CHECK(digest(Sha256::Code::Fastest, data.size(), piece) == want);
    }
}

TEST_CASE("energy totals per component and action give the energy under another table") {
    EnergyTable t = EnergyTable::defaults_45nm();
    EnergyAccount a(t);
    a.add_dynamic("cgra.analog", "adc_conversion", 1000);
    a.add_dynamic("cgra.digital", "mac_16b", 10);
    a.add_dynamic("cgra.analog", "adc_conversion", 500);
    a.add_leakage("sram", "sram_leakage_per_kib", 4, 2000);  // 4 KiB for 2 us
    const auto totals = a.totals();
    REQUIRE(totals.size() == 3);
    CHECK(totals[0].component == "cgra.analog");
    CHECK(totals[0].count == 1500);
    CHECK(totals[1].action == "mac_16b");
    CHECK(totals[2].kind == EnergyEntry::Kind::leakage_uW);
    CHECK(totals[2].count == 8000);  // KiB x ns
    // Under the defaults: 1500 x 1.67 pJ, 10 x 1 pJ, 8000 KiB ns x 15.5 uW x 1e-3 = 124 pJ
    // (docs/energy.md's figures).
    CHECK(totals[0].energy_pJ == Approx(2505.0));
    CHECK(totals[2].energy_pJ == Approx(124.0));
    EnergyTable other = t;
    other.set("adc_conversion", 2.0);
    other.set("sram_leakage_per_kib", 10.0);
    CHECK(energy_of(other, totals[0].kind, totals[0].action, totals[0].count) == Approx(3000.0));
    CHECK(energy_of(other, totals[2].kind, totals[2].action, totals[2].count) == Approx(80.0));
    double sum = 0;
    for (const auto& l : totals)
        sum += l.energy_pJ;
    CHECK(sum == Approx(a.total_pJ()));
}
