// Benchmark: wall time and simulated cycles per wall-second of a 64x56x56 denoiser block.
//  fast:  the loosely-timed SystemC model (DenoiserBench), whole block incl. DMA and tiling;
//         and its conv phases alone (the kernels the cores run), for a like-for-like ratio.
//  cycle: a clocked SystemC reference: one SC_METHOD per conv core on an sc_clock stepping the
//         PE-level systolic model (ConvCycleRunner) through the same conv phases, same split.
// Each mode elaborates its own SystemC design, so the binary re-runs itself once per mode.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include <fmt/format.h>

#include "models/common/isa.h"
#include "models/common/rng.h"
#include "models/denoiser/block.h"
#include "models/denoiser/systolic.h"
#include "models/denoiser/systolic_cycle_model.h"
#include "platform/denoiser_bench.h"
#include "platform/simulation.h"
#include "testbench/denoiser_study.h"

using namespace dnsim;
using namespace dnsim::denoiser;
using Clock_ = std::chrono::steady_clock;

namespace {

const BlockShape kShape{64, 56, 56};

/// The untiled conv work of a block: the three pointwise phases and the depthwise phase.
struct ConvWorkload {
    BlockFormat fmt;
    unsigned c = 0, cr = 0;
    std::size_t pixels = 0;
    BlockWeights w;
    std::vector<std::int16_t> x, h1, h2, mean, var;
};

ConvWorkload make_workload() {
    ConvWorkload wl;
    wl.c = kShape.channels;
    wl.cr = reduced_channels(kShape, wl.fmt.bottleneck_ratio);
    wl.pixels = kShape.pixels();
    wl.w = quantize_block(synthetic_block_weights(wl.c, wl.cr, 1), wl.fmt);
    wl.x = tb::synthetic_activations(kShape, wl.fmt, 1, 0);
    wl.h1.resize(wl.cr * wl.pixels);
    wl.h2.resize(wl.cr * wl.pixels);
    wl.mean.resize(wl.c * wl.pixels);
    wl.var.resize(wl.c * wl.pixels);
    return wl;
}

const DenoiserConfig kCfg{};
const ArrayDims kDims{kCfg.array_rows, kCfg.array_cols};

/// Fast kernels on the conv phases; returns simulated cycles (max over cores per phase).
std::uint64_t fast_conv_phases(ConvWorkload& wl) {
    const unsigned n = kCfg.cores;
    const std::uint64_t folds = ceil_div(wl.pixels, kDims.cols);
    std::uint64_t cycles = 0;
    const auto pw = [&](const std::int16_t* in, unsigned cin, const std::int16_t* w,
                        const std::int16_t* b, unsigned m, std::int16_t* out) {
        std::uint64_t longest = 0;
        for (unsigned k = 0; k < n; ++k) {
            const auto [u0, u1] = core_share(folds, k, n);
            const std::size_t p0 = u0 * kDims.cols;
            const std::size_t p1 = std::min<std::size_t>(u1 * kDims.cols, wl.pixels);
            pointwise_conv(in, wl.pixels, cin, w, b, 0, m, p0, p1, out, wl.pixels,
                           wl.fmt.weight_frac_bits);
            longest = std::max(longest, fold_work(kDims, cin, u1 - u0, p1 - p0, m).cycles);
        }
        cycles += longest;
    };
    pw(wl.x.data(), wl.c, wl.w.reduce_w.data(), wl.w.reduce_b.data(), wl.cr, wl.h1.data());
    const PlaneTile plane{kShape.height, kShape.width, 0, kShape.height, 0};
    std::uint64_t longest = 0;
    for (unsigned k = 0; k < n; ++k) {
        const auto [u0, u1] = core_share(std::uint64_t{wl.cr} * folds, k, n);
        std::uint64_t core_cycles = 0;
        for (const DepthwiseSlice& sl : depthwise_slices(u0, u1, folds, kDims.cols, wl.pixels)) {
            depthwise3x3(wl.h1.data() + sl.channel * wl.pixels, plane,
                         wl.w.dw_w.data() + sl.channel * 9, wl.w.dw_b[sl.channel], sl.q0, sl.q1,
                         wl.h2.data() + sl.channel * wl.pixels, wl.fmt.weight_frac_bits);
            core_cycles += fold_work(kDims, 9, sl.folds, sl.q1 - sl.q0, 1).cycles;
        }
        longest = std::max(longest, core_cycles);
    }
    cycles += longest;
    pw(wl.h2.data(), wl.cr, wl.w.mean_w.data(), wl.w.mean_b.data(), wl.c, wl.mean.data());
    pw(wl.h2.data(), wl.cr, wl.w.var_w.data(), wl.w.var_b.data(), wl.c, wl.var.data());
    return cycles;
}

/// Clocked reference: one SC_METHOD per core on the clock, a sequencer method on the clock.
class CycleSteppedConv : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(CycleSteppedConv);
    CycleSteppedConv(const sc_core::sc_module_name& name, ConvWorkload& wl)
        : sc_core::sc_module(name), m_clk("clk", sc_core::sc_time(2, sc_core::SC_NS)), m_wl(wl) {
        m_runners.resize(kCfg.cores);
        m_ranges.resize(kCfg.cores);
        m_queue.resize(kCfg.cores);
        m_done.assign(kCfg.cores, true);
        for (unsigned k = 0; k < kCfg.cores; ++k) {
            sc_core::sc_spawn_options o;
            o.spawn_method();
            o.set_sensitivity(&m_clk.posedge_event());
            o.dont_initialize();
            sc_core::sc_spawn([this, k]() { core_tick(k); }, sc_core::sc_gen_unique_name("core"),
                              &o);
        }
        SC_METHOD(sequence);
        sensitive << m_clk.posedge_event();
        dont_initialize();
    }
    std::uint64_t cycles() const { return m_cycles; }
    std::vector<std::int16_t> h1, h2, mean, var;

  private:
    void core_tick(unsigned k) {
        if (m_done[k]) {
            return;
        }
        if (!m_runners[k]) {
            // Next job of this core's share starts on this edge, back to back.
            auto& [job, range] = m_queue[k].front();
            m_runners[k] = std::make_unique<ConvCycleRunner>(kDims, job);
            m_ranges[k] = range;
        }
        if (m_runners[k]->tick()) {
            collect_core(k);
            m_queue[k].erase(m_queue[k].begin());
            m_done[k] = m_queue[k].empty();
        }
    }
    struct Range {
        std::size_t first = 0, second = 0, filter0 = 0;
    };
    void collect_core(unsigned k) {
        // Copy the job's results into the phase output (filter-major, its pixel range).
        const auto& r = m_runners[k]->results();
        const std::size_t n = m_ranges[k].second - m_ranges[k].first;
        for (std::size_t i = 0; i < r.size(); ++i) {
            const std::size_t m = m_ranges[k].filter0 + i / n;
            (*m_out)[m * m_wl.pixels + m_ranges[k].first + i % n] = r[i];
        }
        m_runners[k].reset();
    }
    void enqueue(unsigned k, ConvJob job, Range range) {
        m_queue[k].emplace_back(std::move(job), range);
        m_done[k] = false;
    }
    void start_pointwise(const std::vector<std::int16_t>& in, unsigned cin,
                         const std::vector<std::int16_t>& w, const std::vector<std::int16_t>& b,
                         unsigned m, std::vector<std::int16_t>& out) {
        const std::uint64_t folds = ceil_div(m_wl.pixels, kDims.cols);
        out.assign(std::size_t{m} * m_wl.pixels, 0);
        m_out = &out;
        for (unsigned k = 0; k < kCfg.cores; ++k) {
            const auto [u0, u1] = core_share(folds, k, kCfg.cores);
            const std::size_t p0 = u0 * kDims.cols;
            const std::size_t p1 = std::min<std::size_t>(u1 * kDims.cols, m_wl.pixels);
            if (p1 <= p0) {
                continue;
            }
            ConvJob job;
            job.window = cin;
            job.p0 = p0;
            job.p1 = p1;
            job.filters = m;
            job.weight_frac_bits = m_wl.fmt.weight_frac_bits;
            job.input = [&in, this](std::uint64_t r, std::uint64_t p) {
                return in[r * m_wl.pixels + p];
            };
            job.weight = [&w, cin](unsigned f, std::uint64_t r) { return w[f * cin + r]; };
            job.bias = [&b](unsigned f) { return b[f]; };
            enqueue(k, std::move(job), {p0, p1, 0});
        }
    }
    void start_depthwise() {
        // Units (channel, column fold), split over the cores exactly as the control unit does;
        // a core whose share spans channels runs one job per channel, back to back.
        const std::uint64_t folds = ceil_div(m_wl.pixels, kDims.cols);
        const PlaneTile plane{kShape.height, kShape.width, 0, kShape.height, 0};
        h2.assign(std::size_t{m_wl.cr} * m_wl.pixels, 0);
        m_out = &h2;
        for (unsigned k = 0; k < kCfg.cores; ++k) {
            const auto [u0, u1] = core_share(std::uint64_t{m_wl.cr} * folds, k, kCfg.cores);
            for (const DepthwiseSlice& sl :
                 depthwise_slices(u0, u1, folds, kDims.cols, m_wl.pixels)) {
                const std::uint64_t ch = sl.channel;
                const std::size_t p0 = sl.q0;
                const std::size_t p1 = sl.q1;
                ConvJob job;
                job.window = 9;
                job.p0 = p0;
                job.p1 = p1;
                job.filters = 1;
                job.weight_frac_bits = m_wl.fmt.weight_frac_bits;
                const std::int16_t* in = h1.data() + ch * m_wl.pixels;
                job.input = [in, plane](std::uint64_t r, std::uint64_t p) {
                    return depthwise_window_input(in, plane, static_cast<unsigned>(r), p);
                };
                const std::int16_t* w9 = m_wl.w.dw_w.data() + ch * 9;
                job.weight = [w9](unsigned, std::uint64_t r) { return w9[r]; };
                const std::int16_t bias = m_wl.w.dw_b[ch];
                job.bias = [bias](unsigned) { return bias; };
                enqueue(k, std::move(job), {p0, p1, ch});
            }
        }
    }
    void sequence() {
        bool idle = true;
        for (unsigned k = 0; k < kCfg.cores; ++k) {
            idle = idle && m_done[k];
        }
        if (!idle) {
            ++m_cycles;
            return;
        }
        if (m_step == 4) {
            sc_core::sc_stop();
            return;
        }
        if (m_step == 0) {
            start_pointwise(m_wl.x, m_wl.c, m_wl.w.reduce_w, m_wl.w.reduce_b, m_wl.cr, h1);
        } else if (m_step == 1) {
            start_depthwise();
        } else if (m_step == 2) {
            start_pointwise(h2, m_wl.cr, m_wl.w.mean_w, m_wl.w.mean_b, m_wl.c, mean);
        } else {
            start_pointwise(h2, m_wl.cr, m_wl.w.var_w, m_wl.w.var_b, m_wl.c, var);
        }
        ++m_step;
        // The cores' methods run on this same edge: it is the phase's first cycle.
        ++m_cycles;
    }

    sc_core::sc_clock m_clk;
    ConvWorkload& m_wl;
    std::vector<std::unique_ptr<ConvCycleRunner>> m_runners;
    std::vector<bool> m_done;
    std::vector<Range> m_ranges;
    std::vector<std::vector<std::pair<ConvJob, Range>>> m_queue;
    std::vector<std::int16_t>* m_out = nullptr;
    unsigned m_step = 0;
    std::uint64_t m_cycles = 0;
};

int run_fast() {
    // (1) whole block through the SystemC model, elaboration included, 5 blocks.
    const auto t0 = Clock_::now();
    platform::BenchOptions opt;
    opt.shape = kShape;
    const unsigned cr = reduced_channels(kShape, opt.format.bottleneck_ratio);
    const BlockWeights w = quantize_block(synthetic_block_weights(64, cr, 1), opt.format);
    std::vector<platform::DenoiserJob> jobs;
    constexpr unsigned runs = 5;
    for (unsigned r = 0; r < runs; ++r) {
        jobs.push_back({tb::synthetic_activations(kShape, opt.format, 1, r), r, 1});
    }
    const auto t1 = Clock_::now();
    platform::DenoiserBench bench("bench", opt, w, jobs);
    sc_core::sc_start();
    const auto t2 = Clock_::now();
    const double ms_sim = std::chrono::duration<double, std::milli>(t2 - t1).count();
    const std::uint64_t cyc = bench.denoiser().control().total_cycles();
    fmt::print("fast model, whole 64x56x56 block (DMA, tiling, all phases), {} blocks:\n", runs);
    fmt::print(
        "  wall per block            {:10.2f} ms (elaboration + simulation, inputs "
        "prepared beforehand: {:.1f} ms)\n",
        ms_sim / runs, std::chrono::duration<double, std::milli>(t1 - t0).count());
    fmt::print("  simulated cycles          {:10} cycles per block (first: {})\n", cyc / runs,
               bench.results()[0].cycles);
    fmt::print("  throughput                {:10.1f} M simulated cycles per wall-second\n",
               static_cast<double>(cyc) / (ms_sim * 1e3));
    // (2) conv phases alone with the fast kernels, best of 5.
    ConvWorkload wl = make_workload();
    double best = 1e30;
    std::uint64_t conv_cycles = 0;
    for (int i = 0; i < 5; ++i) {
        const auto a = Clock_::now();
        conv_cycles = fast_conv_phases(wl);
        best = std::min(best, std::chrono::duration<double, std::milli>(Clock_::now() - a).count());
    }
    fmt::print("fast model, conv phases only (untiled, 10 cores):\n");
    fmt::print("  simulated cycles          {:10} cycles\n", conv_cycles);
    fmt::print("  wall                      {:10.2f} ms\n", best);
    fmt::print("  throughput                {:10.1f} M simulated cycles per wall-second\n",
               static_cast<double>(conv_cycles) / (best * 1e3));
    std::uint64_t checksum = 0;
    for (const auto v : wl.var) {
        checksum = checksum * 31 + static_cast<std::uint16_t>(v);
    }
    fmt::print("  checksum                  {:016x}\n", checksum);
    return 0;
}

int run_cycle() {
    ConvWorkload wl = make_workload();
    CycleSteppedConv ref("ref", wl);
    const auto a = Clock_::now();
    sc_core::sc_start();
    const double ms = std::chrono::duration<double, std::milli>(Clock_::now() - a).count();
    const std::uint64_t cycles = ref.cycles();
    fmt::print("cycle-stepped reference (clocked SystemC, PE-level), conv phases only:\n");
    fmt::print("  simulated cycles          {:10} cycles\n", cycles);
    fmt::print("  wall                      {:10.2f} ms\n", ms);
    fmt::print("  throughput                {:10.3f} M simulated cycles per wall-second\n",
               static_cast<double>(cycles) / (ms * 1e3));
    // Same outputs as the fast kernels?
    fast_conv_phases(wl);
    const bool same =
        ref.h1 == wl.h1 && ref.h2 == wl.h2 && ref.mean == wl.mean && ref.var == wl.var;
    fmt::print("  outputs identical to the fast kernels: {}\n", same ? "yes" : "NO");
    return same ? 0 : 3;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    dnsim::isa::check_environment();
    fmt::print("kernels: {}\n", dnsim::isa::describe());
    platform::configure_systemc_reporting();
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "fast") {
        return run_fast();
    }
    if (mode == "cycle") {
        return run_cycle();
    }
    // Each mode elaborates its own design: run them as two processes.
    const std::string self = argv[0];
    const int a = std::system((self + " fast").c_str());
    const int b = std::system((self + " cycle").c_str());
    return a == 0 && b == 0 ? 0 : 1;
}
