// MX-CGRA kernels: crossbar mapping, layer timing and action counts against hand-computed
// cases (docs/cgra.md has the formulas), the ADC's energy and pass time against its resolution
// (docs/energy.md), replication planning, and the analog noise models' statistics and switches.
#include <catch2/catch.hpp>

#include <cmath>
#include <utility>
#include <vector>

#include "models/cgra/adc_energy.h"
#include "models/cgra/analog_noise.h"
#include "models/cgra/bitsliced.h"
#include "models/cgra/layer_cost.h"
#include "models/common/rng.h"

using namespace dnsim;
using namespace dnsim::cgra;

namespace {

AnalogLayer conv(std::int64_t k, std::int64_t cin, std::int64_t cout, std::int64_t ho,
                 std::int64_t groups = 1) {
    AnalogLayer l;
    l.kernel_h = l.kernel_w = k;
    l.in_channels = cin;
    l.out_channels = cout;
    l.groups = groups;
    l.out_h = l.out_w = ho;
    return l;
}

double stddev(const std::vector<float>& v, double mean) {
    double s = 0;
    for (const float x : v)
        s += (x - mean) * (x - mean);
    return std::sqrt(s / double(v.size()));
}

}  // namespace

TEST_CASE("ResNet-18 conv1 on 128x128 crossbars (hand-computed)") {
    CgraConfig cfg;
    cfg.analog.pass_ns = 100.0;  // ISAAC's pass time
    const AnalogLayer c1 = conv(7, 3, 64, 112);
    // rows = 7*7*3 = 147 -> 2 row tiles; cols = 64 outputs x 8 cells (16 bit / 2 bit) = 512 ->
    // 4 column tiles; 8 crossbars.
    const CrossbarMapping m = map_to_crossbars(c1, cfg.analog, false);
    CHECK(m.rows == 147);
    CHECK(m.cols == 512);
    CHECK(m.row_tiles == 2);
    CHECK(m.col_tiles == 4);
    CHECK(m.crossbars == 8);
    // 12 544 MVMs x (16 bit-serial passes + 2 fill) x 100 ns = 22 579 200 ns = 11 289 600
    // cycles at 500 MHz.
    const LayerCost one = analog_layer_cost(c1, cfg, 1);
    CHECK(one.time_ns == Approx(22579200.0));
    CHECK(one.cycles == 11289600u);
    // Per MVM: ADC conversions 16 passes x 2 row tiles x 512 columns = 16 384; DAC row drives
    // 16 x 4 column tiles x 147 rows = 9 408; eDRAM 256-bit accesses ceil(147*16/256) = 10 in +
    // ceil(64*16/256) = 4 out.
    CHECK(one.actions.at("cgra.analog").at("adc_conversion") == 16384.0 * 12544);
    CHECK(one.actions.at("cgra.analog").at("dac_row_drive") == 9408.0 * 12544);
    CHECK(one.actions.at("cgra.memory").at("edram_256b") == 14.0 * 12544);
    // Partial sums of 2 row tiles: one add per output = 12 544 x 64.
    CHECK(one.actions.at("cgra.digital").at("add_16b") == 802816.0);
    CHECK(one.crossbar_active_ns == Approx(8 * 22579200.0));
    // Four copies: ceil(12544 / 4) = 3136 rounds x 1800 ns.
    const LayerCost four = analog_layer_cost(c1, cfg, 4);
    CHECK(four.time_ns == Approx(3136 * 1800.0));
    CHECK(four.crossbars == 32);
}

TEST_CASE("ADC energy against resolution: the ISAAC table's points over its 8-bit 1.67 pJ") {
    // At 8 bits the table entry itself, to the bit.
    CHECK(adc_energy_scale(8) == 1.0);
    // The table's points (CiMLoop/Accelergy isaac_adc.csv, pJ).
    CHECK(adc_energy_scale(4) == Approx(0.79 / 1.67));
    CHECK(adc_energy_scale(5) == Approx(0.99 / 1.67));
    CHECK(adc_energy_scale(6) == Approx(1.20 / 1.67));
    CHECK(adc_energy_scale(7) == Approx(1.42 / 1.67));
    CHECK(adc_energy_scale(9) == Approx(1.969078145 / 1.67));
    CHECK(adc_energy_scale(10) == Approx(2.379022742 / 1.67));
    // Below 4 bits the 4-5 segment extended (0.20 pJ per bit): 3 b 0.59 pJ, 1 b 0.19 pJ.
    CHECK(adc_energy_scale(3) == Approx(0.59 / 1.67));
    CHECK(adc_energy_scale(1) == Approx(0.19 / 1.67));
    // Above 10 bits the 9-10 segment extended (0.409944597 pJ per bit): 12 b and 16 b.
    CHECK(adc_energy_scale(12) == Approx((2.379022742 + 2 * 0.409944597) / 1.67));
    CHECK(adc_energy_scale(16) == Approx((2.379022742 + 6 * 0.409944597) / 1.67));
    // 0 bits would extrapolate to -0.01 pJ: the floor.
    CHECK(adc_energy_scale(0) == kAdcEnergyScaleFloor);
    // Rising with every bit over the key's range (1 to 16).
    for (unsigned b = 1; b < 16; ++b) {
        INFO(b);
        CHECK(adc_energy_scale(b) > 0.0);
        CHECK(adc_energy_scale(b + 1) > adc_energy_scale(b));
    }
}

TEST_CASE("the table the CGRA charges: adc_conversion at cgra.adc_bits, nothing else moves") {
    EnergyTable t = EnergyTable::defaults_45nm();
    AnalogConfig a;
    // 8 bits: every entry exactly the table's.
    const EnergyTable same = charged_energy_table(t, a);
    for (const auto& [name, entry] : t.entries()) {
        INFO(name);
        CHECK(same.value(name) == entry.value);
    }
    // 4 bits: 1.67 pJ x 0.79 / 1.67 = 0.79 pJ; the other entries unchanged.
    a.adc_bits = 4;
    const EnergyTable four = charged_energy_table(t, a);
    CHECK(four.pj("adc_conversion") == Approx(0.79));
    CHECK(four.pj("dac_row_drive") == t.pj("dac_row_drive"));
    CHECK(four.pj("shift_add_16b") == t.pj("shift_add_16b"));
    // Another 8-bit figure is scaled by the same factor: 2 pJ at 9 bits.
    t.set("adc_conversion", 2.0);
    a.adc_bits = 9;
    CHECK(charged_energy_table(t, a).pj("adc_conversion") == Approx(2.0 * 1.969078145 / 1.67));
    // The table given keeps its 8-bit figure.
    CHECK(t.pj("adc_conversion") == 2.0);
}

TEST_CASE("ResNet-18 conv1's ADC energy at 4 and 10 bits (hand-computed)") {
    CgraConfig cfg;
    const LayerCost c1 = analog_layer_cost(conv(7, 3, 64, 112), cfg, 1);
    // 16 384 conversions per MVM x 12 544 MVMs, at 0.79 pJ (4 b) and 2.379022742 pJ (10 b).
    const double conversions = 16384.0 * 12544;
    for (const auto& [bits, pj] : {std::pair{4U, 0.79}, std::pair{10U, 2.379022742}}) {
        INFO(bits);
        cfg.analog.adc_bits = bits;
        EnergyAccount acc(charged_energy_table(EnergyTable::defaults_45nm(), cfg.analog));
        charge(c1, acc);
        bool found = false;
        for (const EnergyLine& l : acc.lines()) {
            if (l.action != "adc_conversion")
                continue;
            found = true;
            CHECK(l.count == conversions);
            CHECK(l.energy_pJ == Approx(conversions * pj));
        }
        CHECK(found);
    }
}

TEST_CASE("pass time: cgra.pass_ns at every resolution unless cgra.adc_timing is sar") {
    CgraConfig cfg;
    cfg.analog.pass_ns = 100.0;
    const AnalogLayer c1 = conv(7, 3, 64, 112);
    for (const unsigned bits : {1U, 4U, 8U, 12U, 16U}) {
        cfg.analog.adc_bits = bits;
        CHECK(cfg.analog.pass_time_ns() == 100.0);
        CHECK(analog_layer_cost(c1, cfg, 1).time_ns == Approx(22579200.0));
    }
    // sar: at or below 8 bits the array's read (pass_ns) is the limit; above, one SAR cycle
    // per bit: 10 b 125 ns, 16 b 200 ns.
    cfg.analog.adc_timing = AdcTiming::Sar;
    cfg.analog.adc_bits = 4;
    CHECK(cfg.analog.pass_time_ns() == 100.0);
    cfg.analog.adc_bits = 8;
    CHECK(cfg.analog.pass_time_ns() == 100.0);
    cfg.analog.adc_bits = 16;
    CHECK(cfg.analog.pass_time_ns() == Approx(200.0));
    cfg.analog.adc_bits = 10;
    CHECK(cfg.analog.pass_time_ns() == Approx(125.0));
    // conv1: 12 544 MVMs x 18 passes x 125 ns; the crossbars' activity follows.
    const LayerCost slow = analog_layer_cost(c1, cfg, 1);
    CHECK(slow.time_ns == Approx(12544 * 18 * 125.0));
    CHECK(slow.cycles == 14112000u);
    CHECK(slow.crossbar_active_ns == Approx(8 * 12544 * 18 * 125.0));
}

TEST_CASE("fully connected 512 -> 1000 and a block-diagonal depthwise layer") {
    CgraConfig cfg;
    cfg.analog.pass_ns = 100.0;
    // FC as one MVM: rows 512 -> 4 tiles; cols 8000 -> 63 tiles; 252 crossbars; 1800 ns.
    AnalogLayer fc = conv(1, 512, 1000, 1);
    const CrossbarMapping m = map_to_crossbars(fc, cfg.analog, false);
    CHECK(m.crossbars == 4 * 63);
    const LayerCost c = analog_layer_cost(fc, cfg, 1);
    CHECK(c.time_ns == Approx(1800.0));
    CHECK(c.cycles == 900u);
    // Depthwise 3x3 over 32 channels, block-diagonal: rows 288 -> 3 tiles, cols 256 -> 2 tiles.
    const AnalogLayer dw = conv(3, 32, 32, 14, 32);
    CHECK(dw.depthwise());
    CHECK(map_to_crossbars(dw, cfg.analog, true).crossbars == 6);
    // A grouped (not depthwise) conv maps each group separately: 2 groups of 9*8 rows, 8*8 cols.
    CHECK(map_to_crossbars(conv(3, 16, 16, 14, 2), cfg.analog, false).crossbars == 2);
}

TEST_CASE("recalibration: reprogramming a layer's cells (hand-computed)") {
    CgraConfig cfg;
    cfg.analog.pass_ns = 100.0;
    cfg.analog.program_pulses_per_cell = 10.0;
    cfg.analog.program_pulse_ns = 80.0;
    cfg.analog.program_column_mux = 4;
    // ResNet-18 conv1: 147 rows x 512 columns = 75 264 cells per copy, 2 copies 150 528.
    const ProgramCost p = program_cost(conv(7, 3, 64, 112), cfg, 2);
    CHECK(p.cells == 150528);
    // Every cell: 10 pulses, each verified by one conversion.
    CHECK(p.actions.at("cgra.program").at("cell_program_pulse") == 1505280.0);
    CHECK(p.actions.at("cgra.program").at("adc_conversion") == 1505280.0);
    // A row of each of the 4 full column tiles is written in 4 rounds (4 drivers' worth of
    // columns each): 16 rounds per row of the matrix, one row drive per round and pulse:
    // 2 copies x 147 rows x 16 x 10 = 47 040.
    CHECK(p.actions.at("cgra.program").at("dac_row_drive") == 47040.0);
    // The fullest crossbar: 128 rows x 4 rounds x 10 pulses x (80 + 100) ns = 921 600 ns.
    CHECK(p.time_ns == Approx(921600.0));
    // A narrow layer: 9 rows x 6 columns (3 outputs x 2 cells at 8 bits per cell), one tile:
    // 6 columns > 4 drivers' worth, so 4 rounds per row; 9 x 4 x 10 x 180 ns.
    cfg.analog.bits_per_cell = 8;
    const ProgramCost q = program_cost(conv(3, 1, 3, 4), cfg, 1);
    CHECK(q.cells == 54);
    CHECK(q.time_ns == Approx(9 * 4 * 10 * 180.0));
    CHECK(q.actions.at("cgra.program").at("dac_row_drive") == 9 * 4 * 10.0);
    // Column tiles 128 + 2 (130 columns): a row takes 4 + 2 rounds.
    const ProgramCost r = program_cost(conv(1, 1, 65, 1), cfg, 1);
    CHECK(r.cells == 130);
    CHECK(r.actions.at("cgra.program").at("dac_row_drive") == 6 * 10.0);
    // Depthwise 3x3 over 32 channels, block-diagonal (288 rows of 256 columns): only each
    // row's own channel, 8 cells (16 bits / 2 per cell), is reprogrammed, not the zeros:
    // 2304 cells; 4 rounds per row (8 cells, 4 drivers' worth); the fullest crossbar has 128 rows.
    cfg.analog.bits_per_cell = 2;
    const ProgramCost d = program_cost(conv(3, 32, 32, 14, 32), cfg, 1);
    CHECK(d.cells == 2304);
    CHECK(d.actions.at("cgra.program").at("cell_program_pulse") == 23040.0);
    CHECK(d.actions.at("cgra.program").at("dac_row_drive") == 288 * 4 * 10.0);
    CHECK(d.time_ns == Approx(128 * 4 * 10 * 180.0));
}

TEST_CASE("digital layer: compute or data-memory bound, whichever is longer") {
    CgraConfig cfg;  // 16 tiles x 16 lanes = 256 ops/cycle; 64 words/cycle
    DigitalWork w{"relu", 1000, 0, 1000, 1000};
    const LayerCost c = digital_layer_cost(w, cfg);
    CHECK(c.cycles == 32u);  // max(ceil(1000/256) = 4, ceil(2000/64) = 32)
    CHECK(c.scratchpad_words == 2000u);
    DigitalWork dw{"dw", 0, 9 * 32 * 196, 32 * 256, 32 * 196};
    // MACs on 16 x 16 MAC units: ceil(56448 / 256) = 221; words (8192 + 6272) / 64 = 226.
    CHECK(digital_layer_cost(dw, cfg).cycles == 226u);
}

TEST_CASE("replication: uniform copies, the crossbar budget, balanced sharing") {
    CgraConfig cfg;
    AnalogLayer a = conv(1, 128, 16, 10);  // 100 MVMs, 1 crossbar per copy
    AnalogLayer b = conv(1, 128, 16, 1);
    b.out_w = 10;  // 10 MVMs, 1 crossbar per copy
    cfg.analog.crossbars = 12;
    cfg.analog.replication = 2;
    CHECK(plan_replication({a, b}, cfg, "m") == std::vector<std::int64_t>{2, 2});
    cfg.analog.replication = 7;
    CHECK_THROWS_WITH(plan_replication({a, b}, cfg, "m"),
                      "cgra.crossbars: model 'm' needs 14 crossbars of 128x128 at replication "
                      "7; 12 available (raise cgra.crossbars or lower cgra.replication)");
    // Balanced from 1 copy each: A grows to 10 copies (10 rounds, like B); then B gets the
    // 12th crossbar; A's 11th copy no longer fits.
    cfg.analog.replication = 1;
    cfg.analog.policy = ReplicationPolicy::Balanced;
    CHECK(plan_replication({a, b}, cfg, "m") == std::vector<std::int64_t>{10, 2});
    // Depthwise layers mapped digitally need no crossbars.
    cfg.analog.policy = ReplicationPolicy::Uniform;
    CHECK(plan_replication({conv(3, 32, 32, 14, 32)}, cfg, "m") == std::vector<std::int64_t>{0});
}

TEST_CASE("activation noise: sigma = k x magnitude for each reading of magnitude") {
    NoiseConfig n;
    n.activation_k = 0.05;
    // Two channels at 1 and 3: tensor magnitude 2 -> sigma 0.1 everywhere; channel magnitude
    // -> 0.05 and 0.15; element magnitude equals the channel's here.
    const std::int64_t px = 20000;
    std::vector<float> y(2 * px);
    std::fill(y.begin(), y.begin() + px, 1.0f);
    std::fill(y.begin() + px, y.end(), 3.0f);
    for (const auto mode : {Magnitude::Tensor, Magnitude::Channel, Magnitude::Element}) {
        n.magnitude = mode;
        std::vector<float> z = y;
        add_activation_noise(z.data(), 2, px, 7, 0, 3, n);
        const std::vector<float> c0(z.begin(), z.begin() + px), c1(z.begin() + px, z.end());
        const double want0 = mode == Magnitude::Tensor ? 0.1 : 0.05;
        const double want1 = mode == Magnitude::Tensor ? 0.1 : 0.15;
        INFO(to_string(mode));
        CHECK(stddev(c0, 1.0) == Approx(want0).epsilon(0.03));
        CHECK(stddev(c1, 3.0) == Approx(want1).epsilon(0.03));
    }
}

TEST_CASE("activation noise distributions, determinism and the ideal switch") {
    NoiseConfig n;
    n.activation_k = 0.1;
    const std::int64_t px = 40000;
    std::vector<float> base(px, 1.0f);
    const auto draw = [&](Distribution d, std::uint64_t image) {
        n.distribution = d;
        std::vector<float> z = base;
        add_activation_noise(z.data(), 1, px, 5, image, 2, n);
        for (float& v : z)
            v -= 1.0f;
        return z;
    };
    for (const auto d : {Distribution::Gaussian, Distribution::Uniform, Distribution::Laplace}) {
        const auto z = draw(d, 0);
        INFO(to_string(d));
        CHECK(stddev(z, 0.0) == Approx(0.1).epsilon(0.03));
        double m4 = 0;
        for (const float v : z)
            m4 += std::pow(v / 0.1, 4);
        m4 /= double(z.size());
        // Kurtosis: Gaussian 3, uniform 1.8, Laplace 6.
        const double want = d == Distribution::Gaussian  ? 3.0
                            : d == Distribution::Uniform ? 1.8
                                                         : 6.0;
        CHECK(m4 == Approx(want).epsilon(0.1));
    }
    CHECK(draw(Distribution::Gaussian, 4) == draw(Distribution::Gaussian, 4));
    CHECK(draw(Distribution::Gaussian, 4) != draw(Distribution::Gaussian, 5));
    n.activation_k = 0.0;
    CHECK(draw(Distribution::Gaussian, 4) == std::vector<float>(px, 0.0f));
}

TEST_CASE("weights: drift, stuck cells and programming variation per chip") {
    NoiseConfig n;
    n.drift_time_s = 1000.0;  // (1020 / 20)^-0.06 = 0.78986
    std::vector<float> w(50000, 1.0f);
    CHECK(perturb_weights(w.data(), 1, 0, n) == 1.0);
    CHECK(w[0] == Approx(0.78986).epsilon(1e-4));
    n.drift_compensation = true;
    CHECK(perturb_weights(w.data() + 1, 1, 0, n) == Approx(1.0 / 0.78986).epsilon(1e-4));
    n = NoiseConfig{};
    n.programming_sigma = 0.03;
    std::vector<float> a(50000, 1.0f), b(50000, 1.0f), c(50000, 1.0f);
    perturb_weights(a.data(), 50000, 9, n);
    perturb_weights(b.data(), 50000, 9, n);
    CHECK(a == b);
    CHECK(stddev(a, 1.0) == Approx(0.03).epsilon(0.03));
    n.chip_seed = 2;
    perturb_weights(c.data(), 50000, 9, n);
    CHECK(a != c);
    n = NoiseConfig{};
    n.stuck_fraction = 0.1;
    std::vector<float> s(50000, 1.0f);
    perturb_weights(s.data(), 50000, 1, n);
    CHECK(std::count(s.begin(), s.end(), 0.0f) == Approx(5000).epsilon(0.05));
}

TEST_CASE("weights: a spread of drift exponents, and global compensation of its mean") {
    // nu ~ N(0.06, 0.02^2) per weight, t = 1 day: ln r = ln(86420 / 20) = 8.3712. For a
    // Gaussian exponent E[r^-nu] = exp(-mu ln r + sigma^2 (ln r)^2 / 2)
    //   = exp(-0.50227 + 0.014014) = 0.61369 (the clamp at 0 cuts 0.13 % of the draws, which
    //   changes the mean by far less than the tolerance), against 0.60515 without a spread;
    // the log of the drift factor has standard deviation sigma ln r = 0.16742.
    NoiseConfig n;
    n.drift_time_s = 86400.0;
    n.drift_nu_sigma = 0.02;
    std::vector<float> w(200000, 1.0f);
    CHECK(perturb_weights(w.data(), 200000, 7, n) == 1.0);
    double mean = 0.0, log_mean = 0.0, log_sq = 0.0;
    for (float v : w) {
        mean += v;
        log_mean += std::log(v);
        log_sq += std::log(v) * std::log(v);
    }
    mean /= 200000.0;
    log_mean /= 200000.0;
    CHECK(mean == Approx(0.61369).epsilon(0.005));
    CHECK(log_mean == Approx(-0.50227).epsilon(0.005));
    CHECK(std::sqrt(log_sq / 200000.0 - log_mean * log_mean) == Approx(0.16742).epsilon(0.01));
    // The same chip draws the same exponents; another chip others.
    std::vector<float> again(200000, 1.0f), other(200000, 1.0f);
    perturb_weights(again.data(), 200000, 7, n);
    CHECK(again == w);
    n.chip_seed = 2;
    perturb_weights(other.data(), 200000, 7, n);
    CHECK(other != w);
    // Compensation: the layer's total |w| before over after (here 1 / the mean drift), which
    // leaves each weight's deviation from the mean.
    n.chip_seed = 1;
    n.drift_compensation = true;
    std::vector<float> c(200000, 1.0f);
    const double scale = perturb_weights(c.data(), 200000, 7, n);
    CHECK(scale == Approx(1.0 / mean).epsilon(1e-6));
    // Without a spread the old single factor, exactly.
    n.drift_nu_sigma = 0.0;
    std::vector<float> one(1, 1.0f);
    CHECK(perturb_weights(one.data(), 1, 7, n) == 1.0 / std::pow(86420.0 / 20.0, -0.06));
}

TEST_CASE("output quantisation and read noise (hand-computed)") {
    NoiseConfig n;
    n.adc_bits = 3;  // levels -3..3 of peak/3
    std::vector<float> y{1.0f, 0.5f, -0.2f, 0.1f};
    quantise_output(y.data(), 4, n);
    CHECK(y[0] == Approx(1.0));
    CHECK(y[1] == Approx(2.0 / 3.0));   // 1.5 steps rounds away from zero
    CHECK(y[2] == Approx(-1.0 / 3.0));  // -0.6 steps
    CHECK(y[3] == 0.0f);                // 0.3 steps
    n.adc_clip = 0.5;                   // full scale 0.5: 1.0 clips to 0.5
    std::vector<float> z{1.0f, 0.1f};
    quantise_output(z.data(), 2, n);
    CHECK(z[0] == Approx(0.5));
    NoiseConfig r;
    r.read_sigma = 0.02;
    std::vector<float> v(40000, 0.0f), rms(40000, 5.0f);
    add_read_noise(v.data(), rms.data(), 40000, 1, 0, 0, r);
    CHECK(stddev(v, 0.0) == Approx(0.1).epsilon(0.03));
}

TEST_CASE("configuration errors name the key") {
    NoiseConfig n;
    n.activation_k = -0.1;
    CHECK_THROWS_WITH(n.validate(), "noise.activation_k: -0.1 is out of range; accepted: 0 to 10");
    CHECK_THROWS_WITH(parse_magnitude("noise.magnitude", "mean"),
                      "noise.magnitude: 'mean' is not one of element, channel, tensor");
    CgraConfig c;
    c.analog.dac_bits = 17;
    CHECK_THROWS_WITH(c.validate(), "cgra.dac_bits: 17 is out of range; accepted: 1 to 16");
}

TEST_CASE("bit-sliced crossbars: exact with ideal devices and a lossless ADC") {
    // One row per crossbar and 2-bit cells: a column sum is 0..3 and a 2-bit ADC (step 1)
    // converts it exactly, so the result is the 16-bit quantised product, exactly.
    AnalogConfig a;
    a.crossbar_rows = 1;
    a.adc_bits = 2;
    const NoiseConfig ideal;
    const std::int64_t out = 3, in = 5, p = 4;
    std::vector<float> w(out * in), x(in * p);
    dnsim::Rng rng(3, {1});
    for (float& v : w)
        v = float(rng.normal());
    for (float& v : x)
        v = float(rng.normal());
    const BitSlicedWeights bw(w.data(), out, in, a, ideal, 0);
    std::vector<float> y(out * p);
    bw.multiply(x.data(), p, y.data(), rng);
    // Independent computation: quantise with scale max|.| / 32767, multiply in integers.
    const auto scale = [](const std::vector<float>& v) {
        float m = 0;
        for (const float e : v)
            m = std::max(m, std::abs(e));
        return double(m) / 32767.0;
    };
    const double sw = scale(w), sx = scale(x);
    for (std::int64_t o = 0; o < out; ++o) {
        for (std::int64_t m = 0; m < p; ++m) {
            long long acc = 0;
            double exact = 0;
            for (std::int64_t k = 0; k < in; ++k) {
                acc += std::llround(w[o * in + k] / sw) * std::llround(x[k * p + m] / sx);
                exact += double(w[o * in + k]) * x[k * p + m];
            }
            CHECK(y[o * p + m] == Approx(double(acc) * sw * sx).epsilon(1e-6));
            CHECK(y[o * p + m] == Approx(exact).margin(1e-3));
        }
    }
}

TEST_CASE("bit-sliced crossbars: ADC resolution, read noise and programming variation") {
    AnalogConfig a;  // 128 rows, 2-bit cells, 8-bit ADC: full scale 384, step 1.51
    const std::int64_t out = 16, in = 300, p = 8;
    std::vector<float> w(out * in), x(in * p);
    dnsim::Rng rng(5, {2});
    for (float& v : w)
        v = float(rng.normal());
    for (float& v : x)
        v = float(std::abs(rng.normal()));  // post-ReLU inputs
    std::vector<double> exact(out * p, 0.0);
    for (std::int64_t o = 0; o < out; ++o)
        for (std::int64_t m = 0; m < p; ++m)
            for (std::int64_t k = 0; k < in; ++k)
                exact[o * p + m] += double(w[o * in + k]) * x[k * p + m];
    const auto rms_error = [&](const AnalogConfig& cfg, const NoiseConfig& n) {
        const BitSlicedWeights bw(w.data(), out, in, cfg, n, 4);
        std::vector<float> y(out * p);
        dnsim::Rng r(9, {0});
        bw.multiply(x.data(), p, y.data(), r);
        double e = 0, s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            e += (y[i] - exact[i]) * (y[i] - exact[i]);
            s += exact[i] * exact[i];
        }
        return std::sqrt(e / s);
    };
    const NoiseConfig ideal;
    const double e8 = rms_error(a, ideal);
    a.adc_bits = 12;
    const double e12 = rms_error(a, ideal);
    CHECK(e8 > 1e-3);     // an 8-bit ADC on 128-row sums loses precision
    CHECK(e12 < e8 / 8);  // four more bits: much closer
    NoiseConfig noisy;
    noisy.read_sigma = 0.02;
    CHECK(rms_error(a, noisy) > 2 * e12);
    NoiseConfig prog;
    prog.programming_sigma = 0.05;
    CHECK(rms_error(a, prog) > 2 * e12);
    a.dac_bits = 2;
    CHECK_THROWS_WITH(BitSlicedWeights(w.data(), out, in, a, ideal, 0),
                      Catch::StartsWith("cgra.dac_bits: 2 bits: the bit-sliced fidelity"));
}
