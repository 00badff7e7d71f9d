// Module tests of the SystemC denoiser: bit-identity with the plain C++ reference under every
// tiling and DMA path, determinism, the register map, STATUS timing, SRAM windows (DMI, debug
// transport), error codes, a cycle count computed by hand, and blocks timed without computing.
#include <tlm_utils/simple_initiator_socket.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <systemc>
#include <tuple>

#include "initiator.h"
#include "models/common/rng.h"
#include "models/denoiser/block_reference.h"
#include "models/denoiser/registers.h"
#include "platform/denoiser_bench.h"
#include "testbench/denoiser_study.h"

using namespace dnsim;
using namespace dnsim::denoiser;
using dnsim::platform::BenchOptions;
using dnsim::platform::DenoiserBench;
using dnsim::platform::DenoiserJob;

namespace {

struct Setup {
    BenchOptions opt;
    BlockWeights weights;
    std::vector<DenoiserJob> jobs;
};

Setup make_setup(BlockShape shape, unsigned runs, std::uint64_t seed) {
    Setup s;
    s.opt.shape = shape;
    const unsigned cr = reduced_channels(shape, s.opt.format.bottleneck_ratio);
    s.weights = quantize_block(synthetic_block_weights(shape.channels, cr, seed), s.opt.format);
    for (unsigned r = 0; r < runs; ++r) {
        s.jobs.push_back(
            {tb::synthetic_activations(shape, s.opt.format, seed, r), derive_key(seed, {r}), 5});
    }
    return s;
}

void check_against_reference(const Setup& s, const DenoiserBench& bench) {
    REQUIRE(bench.results().size() == s.jobs.size());
    for (std::size_t i = 0; i < s.jobs.size(); ++i) {
        const auto& r = bench.results()[i];
        REQUIRE(reg::status_done.in(r.status));
        const ReferenceTrace ref = reference_block(
            s.jobs[i].x, s.opt.shape, s.weights, s.opt.format, s.jobs[i].seed, s.opt.config.lanes);
        CHECK(r.out == ref.out);
    }
}

}  // namespace

TEST_CASE("denoiser output is bit-identical to the C++ fixed-point reference") {
    Setup s = make_setup(BlockShape{32, 14, 13}, 2, 21);
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    // Weights are resident after the first run: the second block loads none.
    const auto& ctl = bench.denoiser().control();
    CHECK(ctl.stats().value("weight_load_words") == packed_words(32, 8));
    CHECK(bench.results()[1].cycles < bench.results()[0].cycles);
    CHECK(bench.results()[0].end - bench.results()[0].start >=
          bench.denoiser().clock().cycles_to_time(bench.results()[0].cycles));
}

TEST_CASE("tiny SRAMs force row tiles and streamed weights without changing the output") {
    Setup s = make_setup(BlockShape{32, 14, 13}, 1, 22);
    // Two output rows need (32 + 8) x 4 x 13 + (8 + 64) x 2 x 13 = 3952 words: 7 tiles.
    s.opt.config.activation_sram.size_bytes = 2 * 3952;
    s.opt.config.activation_sram.banks = 1;
    s.opt.config.weight_sram.size_bytes = 256;  // 128 words: groups of filters
    s.opt.config.weight_sram.banks = 1;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    const auto& plan = bench.denoiser().control().last_plan();
    CHECK(plan.tiles.size() == 7);
    CHECK_FALSE(plan.weights_resident);
    const auto& st = bench.denoiser().control().stats();
    CHECK(st.value("halo_rows") == 2 * 6);  // every inner tile boundary re-reads 2 rows
    // Input words: all 32 x 14 x 13 elements plus the halo rows' 32 x 13 each.
    CHECK(st.value("interface_read_words") > 32 * 14 * 13 + 12 * 32 * 13);
    CHECK(st.value("weight_load_words") == 7 * packed_words(32, 8));
}

TEST_CASE("host memory without DMI (b_transport DMA path) gives the same output") {
    Setup s = make_setup(BlockShape{16, 9, 9}, 1, 23);
    s.opt.host_dmi = false;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
}

TEST_CASE("a different core and lane count changes timing, not the core outputs' arithmetic") {
    Setup s = make_setup(BlockShape{24, 8, 8}, 1, 24);
    s.opt.config.cores = 3;
    s.opt.config.lanes = 2;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);  // the reference is told lanes = 2 as well
}

TEST_CASE("cycle count of a small block matches a hand computation") {
    // C = 4, H = W = 3, C_r = 1, 1 core, 1 lane, Bus and SRAMs wide enough not to bind.
    Setup s = make_setup(BlockShape{4, 3, 3}, 1, 25);
    auto& c = s.opt.config;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 0;
    c.interface_words_per_cycle = 64;
    c.leaky_relu_elements_per_cycle = 64;
    c.box_muller_latency_cycles = 16;
    c.lane_post_latency_cycles = 3;
    c.activation_sram.banks = 16;
    c.weight_sram.banks = 16;
    c.power.gating = PowerGating::always_on;  // no wake-up (the next test adds it)
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    // weight load: 3*4*1 + 9 + 2*1 + 2*4 = 31 words -> 1 burst, ceil(31/64) = 1 cycle
    // input: 4 channel bursts of 9 words -> 4 x 1 = 4 cycles
    // PW-reduce: S_R 4 -> 2 row folds, S_C 9 -> 3 col folds, T 1: 6 x (6+3+1-2) = 48
    // LeakyReLU 1: 9 elements -> ceil(9/64) + 1 = 2;   depthwise: 3 x 3 folds x 8 = 72
    // LeakyReLU 2: 2;   PW-mean, PW-var: 1 row fold x 3 col folds x (6+3+4-2) = 33 each
    // noise: 36 elements + 19 latency = 55;   output: 4 bursts -> 4
    const std::uint64_t expect = 1 + 4 + 48 + 2 + 72 + 2 + 33 + 33 + 55 + 4;
    CHECK(bench.results()[0].cycles == expect);
}
TEST_CASE("without the stochastic term: X - mu, no variance head, no draws, cycles by hand") {
    // The block of the hand computation above with FORMAT.MEAN_ONLY (block.stochastic 0).
    Setup s = make_setup(BlockShape{4, 3, 3}, 1, 25);
    auto& c = s.opt.config;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 0;
    c.interface_words_per_cycle = 64;
    c.leaky_relu_elements_per_cycle = 64;
    c.activation_sram.banks = 16;
    c.weight_sram.banks = 16;
    c.power.gating = PowerGating::always_on;
    s.opt.format.stochastic = false;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    // The mean head does not depend on the switch: the stochastic reference's mean, subtracted
    // by hand, is the block's output.
    BlockFormat with_epsilon = s.opt.format;
    with_epsilon.stochastic = true;
    const ReferenceTrace full =
        reference_block(s.jobs[0].x, s.opt.shape, s.weights, with_epsilon, s.jobs[0].seed, 1);
    const auto& out = bench.results()[0].out;
    REQUIRE(out.size() == full.mean.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int want = std::clamp(int{s.jobs[0].x[i]} - int{full.mean[i]}, -32768, 32767);
        CHECK(int{out[i]} == want);
    }
    // As above without PW-var (33) and with a one-stage lane: 36 elements + 1 cycle.
    const std::uint64_t expect = 1 + 4 + 48 + 2 + 72 + 2 + 33 + 37 + 4;
    CHECK(bench.results()[0].cycles == expect);
    const auto& phases = bench.denoiser().control().phase_cycles();
    CHECK(phases[static_cast<std::size_t>(Phase::pw_var)] == 0);
    const auto& lane = bench.denoiser().lanes()[0].stats();
    CHECK(lane.value("samples") == 0);
    CHECK(lane.value("elements") == 36);
    // FORMAT carries the switch in MEAN_ONLY (bit 20), 0 by default.
    CHECK(reg::format_value(s.opt.format) == (reg::format_value(with_epsilon) | (1U << 20)));
    CHECK_FALSE(format_of(reg::format_value(s.opt.format), 0x4000).stochastic);
    CHECK(format_of(reg::format_value(with_epsilon), 0x4000).stochastic);
}

TEST_CASE("double-buffered DMA: the block's cycles from per-tile figures by hand") {
    // C = 4, H = 6, W = 3, C_r = 1, 1 core, 1 lane; a slow interface so that it binds once.
    Setup s = make_setup(BlockShape{4, 6, 3}, 1, 26);
    auto& c = s.opt.config;
    c.power.gating = PowerGating::always_on;  // no wake-up: the overlap alone
    c.dma_double_buffer = true;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 30;
    c.interface_words_per_cycle = 1;
    c.leaky_relu_elements_per_cycle = 64;
    // 16 banks of 16 bits: 16 words per cycle, never binding here. Two X buffers of a 2-row
    // tile: (2 x 4 + 1) x 4 rows x 3 + (1 + 2 x 4) x 2 x 3 = 162 words; 3 rows need 216.
    c.activation_sram = SramConfig{352, 16, 16, 1};
    c.weight_sram.banks = 16;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    const auto& ctl = bench.denoiser().control();
    const TilePlan& plan = ctl.last_plan();
    REQUIRE(plan.double_buffered);
    REQUIRE(plan.tiles.size() == 3);  // rows [0,2) [2,4) [4,6); with halo 3, 4, 3 rows
    const auto burst = [&](std::uint64_t words) {
        return c.interface_latency_cycles + ceil_div(words, c.interface_words_per_cycle);
    };
    const std::uint64_t weights = burst(3 * 4 * 1 + 9 + 2 * 1 + 2 * 4);  // 31 words: 61
    const std::uint64_t in_rows[3] = {3, 4, 3};
    std::uint64_t load[3], compute[3], store[3];
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t p_in = in_rows[i] * 3;
        load[i] = 4 * burst(p_in);  // one burst per channel: 156, 168, 156
        store[i] = 4 * burst(6);    // 2 output rows x 3: 144
        // PW-reduce: 2 row folds x ceil(p_in / 3) col folds x (6 + 3 + 1 - 2);
        // LeakyReLU twice 2; depthwise 3 x 2 folds x 8; PW-mean, PW-var 2 folds x (6+3+4-2);
        // noise 24 elements + 16 + 3.
        compute[i] = 2 * ceil_div(p_in, 3) * 8 + 2 + 6 * 8 + 2 + 2 * 11 + 2 * 11 + (24 + 19);
    }
    CHECK(compute[0] == 187);
    CHECK(compute[1] == 203);
    // Tile i computes while the port stores tile i-1, then loads tile i+1.
    const std::uint64_t expect = weights + load[0] + std::max(compute[0], load[1]) +
                                 std::max(compute[1], store[0] + load[2]) +
                                 std::max(compute[2], store[1]) + store[2];
    CHECK(expect == 61 + 156 + 187 + 300 + 187 + 144);
    CHECK(bench.results()[0].cycles == expect);
    // The phases add up: input_load and output_store hold what compute did not hide.
    const auto& ph = ctl.phase_cycles();
    const auto at = [&](Phase p) { return ph[static_cast<std::size_t>(p)]; };
    CHECK(at(Phase::input_load) == load[0] + (store[0] + load[2] - compute[1]));
    CHECK(at(Phase::output_store) == store[2]);
    std::uint64_t sum = 0;
    for (const std::uint64_t v : ph) {
        sum += v;
    }
    CHECK(sum == expect);
    const std::uint64_t dma = load[0] + load[1] + load[2] + store[0] + store[1] + store[2];
    CHECK(ctl.stats().value("dma_hidden_cycles") ==
          dma - at(Phase::input_load) - at(Phase::output_store));
    CHECK(ctl.stats().value("single_buffered_blocks") == 0);
}

TEST_CASE("activity listener: the double-buffered transfers where the schedule puts them") {
    // The block of the test above; the interface's intervals from its figures by hand: the
    // weights [0, 61), X tile 0 [61, 217); tile 0 computes from 217 for 187 while tile 1 loads
    // [217, 385); tile 1 from 404 (217 + max(187, 168)) for 203 while tile 0 stores
    // [404, 548) and tile 2 loads [548, 704); tile 2 from 704 (404 + max(203, 300)) while
    // tile 1 stores [704, 848); tile 2 stores [891, 1035) after its compute (704 + 187).
    Setup s = make_setup(BlockShape{4, 6, 3}, 1, 26);
    auto& c = s.opt.config;
    c.power.gating = PowerGating::always_on;
    c.dma_double_buffer = true;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 30;
    c.interface_words_per_cycle = 1;
    c.leaky_relu_elements_per_cycle = 64;
    c.activation_sram = SramConfig{352, 16, 16, 1};
    c.weight_sram.banks = 16;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    std::vector<Activity> acts;
    bench.denoiser().control().set_activity_listener(
        [&acts](const Activity& a) { acts.push_back(a); });
    sc_core::sc_start();
    REQUIRE(bench.results().size() == 1);
    CHECK(bench.results()[0].cycles == 1035);
    using Interval = std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>;  // start, end, tile
    std::vector<Interval> in, out;
    for (const Activity& a : acts) {
        if (a.unit == Activity::Unit::dma_in)
            in.emplace_back(a.start_cycles, a.start_cycles + a.cycles, a.tile);
        if (a.unit == Activity::Unit::dma_out)
            out.emplace_back(a.start_cycles, a.start_cycles + a.cycles, a.tile);
    }
    std::sort(in.begin(), in.end());
    std::sort(out.begin(), out.end());
    CHECK(in == std::vector<Interval>{{0, 61, 0}, {61, 217, 0}, {217, 385, 1}, {548, 704, 2}});
    CHECK(out == std::vector<Interval>{{404, 548, 0}, {704, 848, 1}, {891, 1035, 2}});
    // The phases follow each other from cycle 0 to the block's end.
    std::uint64_t at = 0;
    for (const Activity& a : acts) {
        if (a.unit != Activity::Unit::phase)
            continue;
        CHECK(a.start_cycles == at);
        at += a.cycles;
    }
    CHECK(at == 1035);
    // The first conv phase of each tile starts at the tile's compute start.
    std::vector<std::uint64_t> reduce_starts;
    for (const Activity& a : acts) {
        if (a.unit == Activity::Unit::conv_core && a.phase == Phase::pw_reduce)
            reduce_starts.push_back(a.start_cycles);
    }
    CHECK(reduce_starts == std::vector<std::uint64_t>{217, 404, 704});
}

TEST_CASE("activity listener: changes no figure, and its intervals add up to the counters") {
    // Row tiles, streamed weights and a wake-up (power gating between blocks), two blocks.
    Setup s = make_setup(BlockShape{32, 14, 13}, 2, 28);
    s.opt.config.activation_sram.size_bytes = 2 * 3952;
    s.opt.config.weight_sram.size_bytes = 256;
    s.opt.config.power.gating = PowerGating::between_blocks;
    DenoiserBench plain("plain", s.opt, s.weights, s.jobs);
    DenoiserBench heard("heard", s.opt, s.weights, s.jobs);
    std::vector<Activity> acts;
    heard.denoiser().control().set_activity_listener(
        [&acts](const Activity& a) { acts.push_back(a); });
    sc_core::sc_start();
    check_against_reference(s, heard);
    REQUIRE(heard.results().size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(heard.results()[i].cycles == plain.results()[i].cycles);
        CHECK(heard.results()[i].end == plain.results()[i].end);
    }
    const ControlUnit& ctl = heard.denoiser().control();
    CHECK(ctl.phase_cycles() == plain.denoiser().control().phase_cycles());
    std::array<std::uint64_t, kPhaseCount> phases{};
    std::uint64_t in_words = 0, out_words = 0, macs = 0, samples = 0, relu = 0;
    for (const Activity& a : acts) {
        switch (a.unit) {
            case Activity::Unit::phase:
                phases[static_cast<std::size_t>(a.phase)] += a.cycles;
                break;
            case Activity::Unit::dma_in:
                in_words += a.amount;
                break;
            case Activity::Unit::dma_out:
                out_words += a.amount;
                break;
            case Activity::Unit::conv_core:
                macs += a.amount;
                break;
            case Activity::Unit::noise_lane:
                samples += a.amount;
                break;
            case Activity::Unit::leaky_relu:
                relu += a.amount;
                break;
            default:
                break;
        }
    }
    CHECK(phases == ctl.phase_cycles());
    CHECK(phases[static_cast<std::size_t>(Phase::wake_up)] > 0);
    CHECK(in_words == ctl.stats().value("interface_read_words"));
    CHECK(out_words == ctl.stats().value("interface_write_words"));
    std::uint64_t core_macs = 0, lane_samples = 0;
    for (const auto& core : heard.denoiser().cores())
        core_macs += core.stats().value("macs");
    for (const auto& lane : heard.denoiser().lanes())
        lane_samples += lane.stats().value("samples");
    CHECK(macs == core_macs);
    CHECK(samples == lane_samples);
    CHECK(samples == 2 * s.opt.shape.elements());
    CHECK(relu > 0);
}

TEST_CASE("double buffering falls back to one X buffer when two do not fit") {
    Setup s = make_setup(BlockShape{4, 6, 3}, 1, 27);
    auto& c = s.opt.config;
    c.power.gating = PowerGating::always_on;  // no wake-up: the overlap alone
    c.dma_double_buffer = true;
    // 96 words: one row single-buffered needs (4 + 1) x 3 x 3 + 9 x 3 = 72, double 108.
    c.activation_sram = SramConfig{192, 16, 16, 1};
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    const auto& ctl = bench.denoiser().control();
    CHECK_FALSE(ctl.last_plan().double_buffered);
    CHECK(ctl.last_plan().double_buffer_fallback);
    CHECK(ctl.stats().value("single_buffered_blocks") == 1);
    CHECK(ctl.stats().value("dma_hidden_cycles") == 0);
}

TEST_CASE("fold pipelining shortens the conv phases by the hand-computed folds") {
    // The hand-computed block above (C = 4, H = W = 3, 1 core), folds pipelined:
    // PW-reduce 6 folds of T = 1: 8 + 5 x 7 = 43; depthwise 9 folds: 8 + 8 x 7 = 64;
    // PW-mean, PW-var 3 folds of T = 4: 11 + 2 x 7 = 25 each.
    Setup s = make_setup(BlockShape{4, 3, 3}, 1, 25);
    auto& c = s.opt.config;
    c.power.gating = PowerGating::always_on;  // no wake-up: the overlap alone
    c.fold_pipelining = true;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 0;
    c.interface_words_per_cycle = 64;
    c.leaky_relu_elements_per_cycle = 64;
    c.activation_sram.banks = 16;
    c.weight_sram.banks = 16;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    check_against_reference(s, bench);
    const std::uint64_t expect = 1 + 4 + 43 + 2 + 64 + 2 + 25 + 25 + 55 + 4;
    CHECK(bench.results()[0].cycles == expect);
}

namespace {

/// The hand-computed block of the test above (C = 4, 3x3, one core, one lane) run `runs` times
/// under `gating`: 200 cycles per block always on, 31 weight words loaded in 1 cycle.
Setup small_block(unsigned runs, PowerGating gating) {
    Setup s = make_setup(BlockShape{4, 3, 3}, runs, 25);
    auto& c = s.opt.config;
    c.cores = 1;
    c.lanes = 1;
    c.interface_latency_cycles = 0;
    c.interface_words_per_cycle = 64;
    c.leaky_relu_elements_per_cycle = 64;
    c.activation_sram.banks = 16;
    c.weight_sram.banks = 16;
    c.power.gating = gating;
    c.power.logic_wake_cycles = 7;
    c.power.sram_retention_wake_cycles = 3;
    c.power.sram_gated_wake_cycles = 40;
    return s;
}

}  // namespace

TEST_CASE("between_blocks: each block waits for the wake-up, a gated weight SRAM reloads") {
    constexpr std::uint64_t block = 1 + 4 + 48 + 2 + 72 + 2 + 33 + 33 + 55 + 4;  // test above
    constexpr std::uint64_t weight_load = 1;
    // Retained weights, gated activations: max(7, 3, 40) = 40 cycles before each block.
    Setup retained = small_block(2, PowerGating::between_blocks);
    retained.opt.config.weight_sram.idle_state = SramIdleState::retention;
    retained.opt.config.activation_sram.idle_state = SramIdleState::gated;
    // Both retained: max(7, 3, 3) = 7; a gated weight SRAM: max(7, 40, 3) = 40, weights reloaded.
    Setup both = small_block(2, PowerGating::between_blocks);
    both.opt.config.weight_sram.idle_state = SramIdleState::retention;
    both.opt.config.activation_sram.idle_state = SramIdleState::retention;
    Setup lost = small_block(2, PowerGating::between_blocks);
    lost.opt.config.weight_sram.idle_state = SramIdleState::gated;
    lost.opt.config.activation_sram.idle_state = SramIdleState::retention;
    Setup on = small_block(2, PowerGating::always_on);
    DenoiserBench b_retained("retained", retained.opt, retained.weights, retained.jobs);
    DenoiserBench b_both("both", both.opt, both.weights, both.jobs);
    DenoiserBench b_lost("lost", lost.opt, lost.weights, lost.jobs);
    DenoiserBench b_on("on", on.opt, on.weights, on.jobs);
    sc_core::sc_start();
    check_against_reference(lost, b_lost);
    // Always on: the second block finds its weights resident.
    CHECK(b_on.results()[0].cycles == block);
    CHECK(b_on.results()[1].cycles == block - weight_load);
    CHECK(b_retained.results()[0].cycles == 40 + block);
    CHECK(b_retained.results()[1].cycles == 40 + block - weight_load);
    CHECK(b_both.results()[1].cycles == 7 + block - weight_load);
    CHECK(b_lost.results()[1].cycles == 40 + block);  // the weights are loaded again
    const auto phase = [](const DenoiserBench& b, Phase p) {
        return b.denoiser().control().phase_cycles()[static_cast<std::size_t>(p)];
    };
    CHECK(phase(b_retained, Phase::wake_up) == 2 * 40);
    CHECK(phase(b_on, Phase::wake_up) == 0);
    CHECK(phase(b_lost, Phase::weight_load) == 2 * weight_load);
    // Per-phase cycles still add up to the total.
    std::uint64_t sum = 0;
    for (std::uint64_t c : b_lost.denoiser().control().phase_cycles())
        sum += c;
    CHECK(sum == b_lost.denoiser().control().total_cycles());
    // The weight SRAM counts accesses in 128-bit rows: 31 words written = ceil(31 / 8) = 4 rows
    // per load.
    CHECK(b_on.denoiser().weight_sram().stats().value("writes") == 31);
    CHECK(b_on.denoiser().weight_sram().stats().value("write_rows") == 4);
    CHECK(b_lost.denoiser().weight_sram().stats().value("write_rows") == 8);
}

TEST_CASE("leakage and wake-up energy under each gating policy for a known window") {
    // One block, then the energy of a 5000 ns window of which 1000 ns are the block's.
    Setup on = small_block(1, PowerGating::always_on);
    Setup blocks = small_block(1, PowerGating::between_blocks);
    Setup inferences = small_block(1, PowerGating::between_inferences);
    Setup legacy = small_block(1, PowerGating::logic_only);
    DenoiserBench b_on("on", on.opt, on.weights, on.jobs);
    DenoiserBench b_blocks("blocks", blocks.opt, blocks.weights, blocks.jobs);
    DenoiserBench b_inferences("inferences", inferences.opt, inferences.weights, inferences.jobs);
    DenoiserBench b_legacy("legacy", legacy.opt, legacy.weights, legacy.jobs);
    sc_core::sc_start();
    const EnergyTable table = EnergyTable::defaults_45nm();
    const auto parts = [&](const DenoiserBench& b) {
        double leak = 0.0, wake = 0.0;
        const EnergyAccount account = b.denoiser().energy(table, 1000.0, 5000.0);
        for (const EnergyLine& l : account.lines()) {
            if (l.kind == EnergyEntry::Kind::leakage_uW)
                leak += l.energy_pJ;
            else if (l.action.find("wake") != std::string::npos)
                wake += l.energy_pJ;
        }
        return std::pair{leak, wake};
    };
    // 1 core 200 uW + 1 lane 170 uW + control 20 uW = 390 uW of logic; SRAMs 64 + 256 KiB x
    // 15.5 uW = 4960 uW. uW x ns x 1e-3 = pJ.
    const double logic = 390.0, wsram = 64 * 15.5, asram = 256 * 15.5;
    const auto [on_leak, on_wake] = parts(b_on);
    CHECK(on_leak == Approx((logic + wsram + asram) * 5000.0 * 1e-3));  // 26750 pJ
    CHECK(on_wake == 0.0);
    // between_blocks: on for 1000 ns; then logic gated (x 0.03), weight SRAM in retention
    // (x 0.25), activation SRAM gated (x 0.03) for 4000 ns; one wake-up: 22 + 18 + 2.2 pJ of
    // logic, 64 KiB x 7.2 pJ (retention), 256 KiB x 9.9 pJ (gated).
    const auto [b_leak, b_wake] = parts(b_blocks);
    CHECK(b_leak == Approx((logic + wsram + asram) * 1.0 +
                           (logic * 0.03 + wsram * 0.25 + asram * 0.03) * 4.0));  // 6864.96 pJ
    CHECK(b_wake == Approx(22.0 + 18.0 + 2.2 + 64 * 7.2 + 256 * 9.9));            // 3037.4 pJ
    // between_inferences: on for the whole window, one wake-up of gated SRAMs.
    const auto [i_leak, i_wake] = parts(b_inferences);
    CHECK(i_leak == Approx((logic + wsram + asram) * 5.0));
    CHECK(i_wake == Approx(22.0 + 18.0 + 2.2 + (64 + 256) * 9.9));
    // logic_only (before issue 16): logic for the block's 1000 ns, SRAMs the whole window.
    const auto [l_leak, l_wake] = parts(b_legacy);
    CHECK(l_leak == Approx(logic * 1.0 + (wsram + asram) * 5.0));
    CHECK(l_wake == 0.0);
    CHECK(b_on.denoiser().on_leakage_mW(table) == Approx((logic + wsram + asram) * 1e-3));
}

TEST_CASE("a block run without computing its data has the computed block's timing and counts") {
    // Two denoisers side by side on the same blocks (row tiles, streamed weights, several cores
    // and lanes); the second times and counts its blocks without computing them, as in a
    // replay's timing job.
    Setup s = make_setup(BlockShape{32, 14, 13}, 2, 27);
    s.opt.config.activation_sram.size_bytes = 2 * 3952;
    s.opt.config.weight_sram.size_bytes = 256;
    DenoiserBench computed("computed", s.opt, s.weights, s.jobs);
    DenoiserBench timed("timed", s.opt, s.weights, s.jobs);
    timed.denoiser().control().set_compute(false);
    sc_core::sc_start();
    check_against_reference(s, computed);
    REQUIRE(timed.results().size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(reg::status_done.in(timed.results()[i].status));
        CHECK(timed.results()[i].cycles == computed.results()[i].cycles);
        CHECK(timed.results()[i].end == computed.results()[i].end);
        CHECK(timed.results()[i].out != computed.results()[i].out);  // X_hat not produced
    }
    const Denoiser& a = computed.denoiser();
    const Denoiser& b = timed.denoiser();
    CHECK(a.control().phase_cycles() == b.control().phase_cycles());
    const auto same_counts = [](const StatGroup& x, const StatGroup& y) {
        REQUIRE(x.counters().size() == y.counters().size());
        for (std::size_t k = 0; k < x.counters().size(); ++k) {
            const Counter& cx = x.counters()[k];
            INFO(x.name() << "." << cx.name);
            if (cx.name != "saturated")  // data-dependent: outputs that saturated
                CHECK(cx.value == y.counters()[k].value);
        }
    };
    same_counts(a.control().stats(), b.control().stats());
    for (std::size_t k = 0; k < a.cores().size(); ++k)
        same_counts(a.cores()[k].stats(), b.cores()[k].stats());
    for (std::size_t k = 0; k < a.lanes().size(); ++k)
        same_counts(a.lanes()[k].stats(), b.lanes()[k].stats());
    same_counts(a.leaky_relu().stats(), b.leaky_relu().stats());
    same_counts(a.weight_sram().stats(), b.weight_sram().stats());
    same_counts(a.activation_sram().stats(), b.activation_sram().stats());
    const EnergyTable table = EnergyTable::defaults_45nm();
    CHECK(a.energy(table, 1000.0, 2000.0).total_pJ() == b.energy(table, 1000.0, 2000.0).total_pJ());
}

TEST_CASE("same seed gives identical outputs, another seed other noise") {
    Setup s = make_setup(BlockShape{16, 6, 6}, 3, 26);
    s.jobs[1].seed = s.jobs[0].seed;
    s.jobs[1].x = s.jobs[0].x;
    s.jobs[2].x = s.jobs[0].x;
    DenoiserBench bench("bench", s.opt, s.weights, s.jobs);
    sc_core::sc_start();
    CHECK(bench.results()[0].out == bench.results()[1].out);
    CHECK(bench.results()[0].out != bench.results()[2].out);
}

namespace {

struct RegBench {
    Denoiser dn;
    platform::HostMemory mem;
    test::Initiator poker;
    explicit RegBench(const DenoiserConfig& cfg)
        : dn("denoiser", cfg),
          mem("mem", 1 << 20, sc_core::sc_time(10, sc_core::SC_NS), true),
          poker("poker") {
        poker.socket.bind(dn.ext_socket);
        dn.dma_socket.bind(mem.socket);
    }
};

}  // namespace

TEST_CASE("register map: ID, read-only, unknown offsets, bad widths") {
    RegBench b{DenoiserConfig{}};
    std::vector<tlm::tlm_response_status> st;
    std::uint32_t id = 0, v = 1;
    b.poker.body = [&](test::Initiator& p) {
        sc_core::sc_time d;
        st.push_back(p.access(tlm::TLM_READ_COMMAND, reg::id.offset, &id, 4, d));
        st.push_back(p.access(tlm::TLM_WRITE_COMMAND, reg::id.offset, &v, 4, d));
        st.push_back(p.access(tlm::TLM_READ_COMMAND, 0xF0, &v, 4, d));
        st.push_back(p.access(tlm::TLM_READ_COMMAND, reg::channels.offset, &v, 2, d));
        st.push_back(p.access(tlm::TLM_READ_COMMAND, 0x0FFFFFFF, &v, 4, d));
        st.push_back(p.access(tlm::TLM_READ_COMMAND, reg::ctrl.offset, &v, 4, d));
    };
    sc_core::sc_start();
    CHECK(id == reg::id.reset);
    CHECK(st == std::vector<tlm::tlm_response_status>{
                    tlm::TLM_OK_RESPONSE, tlm::TLM_COMMAND_ERROR_RESPONSE,
                    tlm::TLM_ADDRESS_ERROR_RESPONSE, tlm::TLM_BURST_ERROR_RESPONSE,
                    tlm::TLM_ADDRESS_ERROR_RESPONSE, tlm::TLM_COMMAND_ERROR_RESPONSE});
}

TEST_CASE("START without WAIT: STATUS is BUSY until the computed completion time, then DONE") {
    RegBench b{DenoiserConfig{}};
    std::uint32_t busy = 0, done = 0, cycles = 0;
    sc_core::sc_time start_done, poll_time;
    b.poker.body = [&](test::Initiator& p) {
        sc_core::sc_time d;
        std::uint32_t v = 8;
        p.access(tlm::TLM_WRITE_COMMAND, reg::channels.offset, &v, 4, d);
        v = 4;
        p.access(tlm::TLM_WRITE_COMMAND, reg::height.offset, &v, 4, d);
        p.access(tlm::TLM_WRITE_COMMAND, reg::width.offset, &v, 4, d);
        v = 0x8000;  // 1 MiB host memory: X at 0x8000, X_hat at 0x10000, weights at 0
        p.access(tlm::TLM_WRITE_COMMAND, reg::src_lo.offset, &v, 4, d);
        v = 0x10000;
        p.access(tlm::TLM_WRITE_COMMAND, reg::dst_lo.offset, &v, 4, d);
        v = reg::ctrl_start(1);
        p.access(tlm::TLM_WRITE_COMMAND, reg::ctrl.offset, &v, 4, d);
        p.access(tlm::TLM_READ_COMMAND, reg::status.offset, &busy, 4, d);
        p.access(tlm::TLM_READ_COMMAND, reg::cycles_lo.offset, &cycles, 4, d);
        d += b.dn.clock().cycles_to_time(cycles);
        p.access(tlm::TLM_READ_COMMAND, reg::status.offset, &done, 4, d);
    };
    sc_core::sc_start();
    CHECK(cycles > 0);
    CHECK(busy == reg::status_busy(1));
    CHECK(done == reg::status_done(1));
}

TEST_CASE("bad register values give an error code, not a crash") {
    DenoiserConfig cfg;
    cfg.activation_sram.size_bytes = 4096;
    RegBench b{cfg};
    std::vector<std::uint32_t> codes, status;
    b.poker.body = [&](test::Initiator& p) {
        sc_core::sc_time d;
        const auto start_and_read = [&]() {
            std::uint32_t v = reg::ctrl_start(1) | reg::ctrl_wait(1), s = 0, e = 0;
            p.access(tlm::TLM_WRITE_COMMAND, reg::ctrl.offset, &v, 4, d);
            p.access(tlm::TLM_READ_COMMAND, reg::status.offset, &s, 4, d);
            p.access(tlm::TLM_READ_COMMAND, reg::error_code.offset, &e, 4, d);
            status.push_back(s);
            codes.push_back(e);
        };
        std::uint32_t v = 0;
        p.access(tlm::TLM_WRITE_COMMAND, reg::channels.offset, &v, 4, d);
        start_and_read();  // C = 0
        v = 3;
        p.access(tlm::TLM_WRITE_COMMAND, reg::channels.offset, &v, 4, d);
        v = 0x1000;  // ratio 1/16 of 3 channels -> no channel
        p.access(tlm::TLM_WRITE_COMMAND, reg::ratio.offset, &v, 4, d);
        start_and_read();
        v = 0x4000;
        p.access(tlm::TLM_WRITE_COMMAND, reg::ratio.offset, &v, 4, d);
        v = 64;  // 64 x 56 x 56 does not fit a 4 KiB activation SRAM
        p.access(tlm::TLM_WRITE_COMMAND, reg::channels.offset, &v, 4, d);
        start_and_read();
        v = 0x7FFFFFF0;  // X outside host memory -> DMA error
        p.access(tlm::TLM_WRITE_COMMAND, reg::src_lo.offset, &v, 4, d);
        v = 2;
        p.access(tlm::TLM_WRITE_COMMAND, reg::channels.offset, &v, 4, d);
        v = 0x8000;
        p.access(tlm::TLM_WRITE_COMMAND, reg::ratio.offset, &v, 4, d);
        start_and_read();
    };
    sc_core::sc_start();
    CHECK(codes == std::vector<std::uint32_t>{1, 2, 4, 6});
    for (const auto s : status) {
        CHECK(s == reg::status_error(1));
    }
    CHECK_THAT(b.dn.control().last_error(), Catch::Contains("DMA read"));
}

TEST_CASE("SRAM windows: timed access, DMI and debug transport") {
    RegBench b{DenoiserConfig{}};
    std::vector<std::int16_t> back(8);
    bool dmi_ok = false;
    std::uint64_t dmi_start = 0;
    unsigned dbg = 0;
    sc_core::sc_time delay;
    b.poker.body = [&](test::Initiator& p) {
        std::vector<std::int16_t> data = {1, -2, 3, -4, 5, -6, 7, -8};
        p.access(tlm::TLM_WRITE_COMMAND, addr::weight_sram + 64, data.data(), 16, delay);
        tlm::tlm_generic_payload t;
        t.set_address(addr::activation_sram);
        tlm::tlm_dmi dmi;
        dmi_ok = p.socket->get_direct_mem_ptr(t, dmi);
        dmi_start = dmi.get_start_address();
        std::memcpy(dmi.get_dmi_ptr() + 100, data.data(), 16);
        tlm::tlm_generic_payload r;
        r.set_command(tlm::TLM_READ_COMMAND);
        r.set_address(addr::activation_sram + 100);
        r.set_data_ptr(reinterpret_cast<unsigned char*>(back.data()));
        r.set_data_length(16);
        dbg = p.socket->transport_dbg(r);
    };
    sc_core::sc_start();
    CHECK(dmi_ok);
    CHECK(dmi_start == addr::activation_sram);
    CHECK(dbg == 16);
    CHECK(back == std::vector<std::int16_t>{1, -2, 3, -4, 5, -6, 7, -8});
    CHECK(b.dn.weight_sram().stats().value("writes") == 8);
    CHECK(delay > sc_core::SC_ZERO_TIME);
}
