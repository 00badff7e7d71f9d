// The cycle-stepped array of `dnsim denoiser --vcd`, traced per clock.
#include "testbench/systolic_vcd.h"

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim::tb {

using denoiser::ArrayDims;
using denoiser::ceil_div;
using denoiser::ConvJob;

namespace {

/// Cycles of one convolution (window S_R, `pixels` outputs, `filters` T) by the fold formula.
std::uint64_t conv_cycles(ArrayDims dims, std::uint64_t window, std::uint64_t pixels,
                          std::uint64_t filters) {
    return denoiser::fold_sequence_cycles(
        dims, ceil_div(window, dims.rows) * ceil_div(pixels, dims.cols), filters);
}

}  // namespace

std::uint64_t vcd_block_cycles(const denoiser::BlockShape& shape, unsigned reduced,
                               ArrayDims dims) {
    const std::uint64_t hw = shape.pixels();
    const std::uint64_t c = shape.channels;
    return conv_cycles(dims, c, hw, reduced) + reduced * conv_cycles(dims, 9, hw, 1) +
           2 * conv_cycles(dims, reduced, hw, c);
}

void check_vcd_block(const denoiser::BlockShape& shape, unsigned reduced,
                     const denoiser::DenoiserConfig& config) {
    if (config.fold_pipelining) {
        throw ConfigError("denoiser.fold_pipelining",
                          "--vcd dumps the sequential array only; set it to 0");
    }
    const ArrayDims dims{config.array_rows, config.array_cols, false};
    const std::uint64_t cycles = vcd_block_cycles(shape, reduced, dims);
    const std::uint64_t pe_cycles = cycles * dims.rows * dims.cols;
    if (pe_cycles > kMaxVcdPeCycles) {
        throw ConfigError(
            "block.channels x block.height x block.width x denoiser.array_rows x "
            "denoiser.array_cols",
            fmt::format("--vcd of a {}x{}x{} block (C_r {}) on the {}x{} array would hold {} "
                        "cycles, {} PE-cycles; accepted: at most {} PE-cycles, about 33 MB (a "
                        "smaller block or array, e.g. --channels 16 --height 8 --width 8)",
                        shape.channels, shape.height, shape.width, reduced, dims.rows, dims.cols,
                        cycles, pe_cycles, kMaxVcdPeCycles));
    }
}

std::string vcd_without_date(std::string vcd) {
    const std::size_t date = vcd.find("$date");
    if (date == std::string::npos)
        return vcd;
    const std::size_t body = date + 5;
    const std::size_t end = vcd.find("$end", body);
    if (end == std::string::npos)
        return vcd;
    vcd.replace(body, end - body,
                "\n    (left out: dnsim writes the same bytes for the same block)\n");
    return vcd;
}

SystolicVcd::SystolicVcd(const sc_core::sc_module_name& name,
                         const denoiser::DenoiserConfig& config, const denoiser::BlockShape& shape,
                         const denoiser::BlockWeights& weights, const denoiser::BlockFormat& format,
                         std::vector<std::int16_t> x, sc_core::sc_trace_file* tf)
    : sc_core::sc_module(name),
      m_dims{config.array_rows, config.array_cols, false},
      m_period(1e3 / config.clock_mhz, sc_core::SC_NS),
      m_shape(shape),
      m_weights(weights),
      m_format(format),
      m_x(std::move(x)),
      m_clk("clk"),
      m_cycle("cycle"),
      m_conv("conv"),
      m_channel("channel"),
      m_fold("fold"),
      m_loading("loading"),
      m_x_reg("x", std::size_t{m_dims.rows} * m_dims.cols),
      m_w_reg("w", std::size_t{m_dims.rows} * m_dims.cols),
      m_w_valid("w_valid", std::size_t{m_dims.rows} * m_dims.cols),
      m_psum("psum", std::size_t{m_dims.rows} * m_dims.cols),
      m_psum_valid("psum_valid", std::size_t{m_dims.rows} * m_dims.cols) {
    sc_core::sc_trace(tf, m_clk, "array.clk");
    sc_core::sc_trace(tf, m_cycle, "array.cycle");
    sc_core::sc_trace(tf, m_conv, "array.conv");
    sc_core::sc_trace(tf, m_channel, "array.channel");
    sc_core::sc_trace(tf, m_fold, "array.fold");
    sc_core::sc_trace(tf, m_loading, "array.loading");
    for (unsigned r = 0; r < m_dims.rows; ++r) {
        for (unsigned c = 0; c < m_dims.cols; ++c) {
            const std::size_t i = std::size_t{r} * m_dims.cols + c;
            const std::string pe = fmt::format("array.pe_{}_{}.", r, c);
            sc_core::sc_trace(tf, m_x_reg[i], pe + "x");
            sc_core::sc_trace(tf, m_w_reg[i], pe + "w");
            sc_core::sc_trace(tf, m_w_valid[i], pe + "w_valid");
            sc_core::sc_trace(tf, m_psum[i], pe + "psum");
            sc_core::sc_trace(tf, m_psum_valid[i], pe + "psum_valid");
        }
    }
    SC_THREAD(run);
}

std::vector<std::int16_t> SystolicVcd::convolve(unsigned conv, unsigned channel,
                                                const ConvJob& job) {
    denoiser::ConvCycleRunner runner(m_dims, job);
    // The array's registers as the observer sees them, right after the clock (the runner
    // loads the next fold before tick() returns).
    const std::size_t pes = std::size_t{m_dims.rows} * m_dims.cols;
    std::vector<denoiser::PeRegisters> regs(pes);
    std::uint64_t fold = 0;
    bool loading = false;
    bool clocked = false;
    runner.set_observer([&](const denoiser::SystolicArrayCycleModel& a, std::uint64_t f) {
        for (unsigned r = 0; r < m_dims.rows; ++r) {
            for (unsigned c = 0; c < m_dims.cols; ++c)
                regs[std::size_t{r} * m_dims.cols + c] = a.registers(r, c);
        }
        fold = f;
        loading = a.loading();
        clocked = true;
    });
    const sc_core::sc_time half = m_period / 2;
    bool done = false;
    while (!done) {
        clocked = false;
        done = runner.tick();
        if (!clocked)
            continue;  // an empty convolution: no clock
        ++m_cycles;
        m_cycle.write(m_cycles);
        m_conv.write(conv);
        m_channel.write(channel);
        m_fold.write(fold);
        m_loading.write(loading);
        for (std::size_t i = 0; i < pes; ++i) {
            m_x_reg[i].write(regs[i].x);
            m_w_reg[i].write(regs[i].w);
            m_w_valid[i].write(regs[i].w_valid);
            m_psum[i].write(regs[i].psum);
            m_psum_valid[i].write(regs[i].psum_valid);
        }
        m_clk.write(true);
        wait(half);
        m_clk.write(false);
        wait(m_period - half);
    }
    return runner.results();
}

void SystolicVcd::run() {
    const unsigned c = m_shape.channels;
    const unsigned cr = m_weights.reduced;
    const std::uint64_t hw = m_shape.pixels();
    const unsigned height = m_shape.height;
    const unsigned width = m_shape.width;
    const int wf = m_format.weight_frac_bits;
    const int shift = m_format.leaky_shift;
    const auto pointwise = [&](const std::vector<std::int16_t>& in, unsigned in_channels,
                               const std::vector<std::int16_t>& w,
                               const std::vector<std::int16_t>& b, unsigned filters) {
        ConvJob job;
        job.window = in_channels;
        job.p0 = 0;
        job.p1 = hw;
        job.filters = filters;
        job.weight_frac_bits = wf;
        job.input = [&in, hw](std::uint64_t r, std::uint64_t p) { return in[r * hw + p]; };
        job.weight = [&w, in_channels](unsigned m, std::uint64_t r) {
            return w[std::size_t{m} * in_channels + r];
        };
        job.bias = [&b](unsigned m) { return b[m]; };
        return job;
    };

    // PW-reduce on X, LeakyReLU.
    std::vector<std::int16_t> h1 =
        convolve(0, 0, pointwise(m_x, c, m_weights.reduce_w, m_weights.reduce_b, cr));
    for (auto& v : h1)
        v = denoiser::leaky_relu(v, shift);
    // Depthwise 3x3 (zero padding), channel by channel, LeakyReLU.
    std::vector<std::int16_t> h2(std::size_t{cr} * hw);
    for (unsigned ch = 0; ch < cr; ++ch) {
        ConvJob job;
        job.window = 9;
        job.p0 = 0;
        job.p1 = hw;
        job.filters = 1;
        job.weight_frac_bits = wf;
        const std::int16_t* plane = h1.data() + std::size_t{ch} * hw;
        job.input = [plane, height, width](std::uint64_t r, std::uint64_t p) -> std::int16_t {
            const long y = static_cast<long>(p / width) + static_cast<long>(r / 3) - 1;
            const long x = static_cast<long>(p % width) + static_cast<long>(r % 3) - 1;
            if (y < 0 || x < 0 || y >= static_cast<long>(height) || x >= static_cast<long>(width))
                return 0;
            return plane[static_cast<std::size_t>(y) * width + static_cast<std::size_t>(x)];
        };
        const std::int16_t* w = m_weights.dw_w.data() + std::size_t{ch} * 9;
        job.weight = [w](unsigned, std::uint64_t r) { return w[r]; };
        const std::int16_t bias = m_weights.dw_b[ch];
        job.bias = [bias](unsigned) { return bias; };
        const std::vector<std::int16_t> out = convolve(1, ch, job);
        for (std::uint64_t p = 0; p < hw; ++p)
            h2[ch * hw + p] = denoiser::leaky_relu(out[p], shift);
    }
    // The two heads on h2 (the mean alone without the stochastic term, as the control unit).
    convolve(2, 0, pointwise(h2, cr, m_weights.mean_w, m_weights.mean_b, c));
    if (m_format.stochastic)
        convolve(3, 0, pointwise(h2, cr, m_weights.var_w, m_weights.var_b, c));
}

}  // namespace dnsim::tb
