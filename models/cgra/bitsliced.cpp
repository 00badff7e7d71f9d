// Bit-sliced crossbar model.
#include "models/cgra/bitsliced.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/random_streams.h"
#include "models/common/ziggurat.h"

namespace dnsim::cgra {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

}  // namespace

void check_bitsliced_config(const AnalogConfig& cfg) {
    if (cfg.dac_bits != 1) {
        throw ConfigError("cgra.dac_bits", fmt::format("{} bits: the bit-sliced fidelity level "
                                                       "models 1-bit DACs (two's-complement "
                                                       "inputs, sign pass subtracted)",
                                                       cfg.dac_bits));
    }
}

BitSlicedWeights::BitSlicedWeights(const float* w, std::int64_t out, std::int64_t in,
                                   const AnalogConfig& cfg, const NoiseConfig& noise,
                                   std::uint64_t layer)
    : m_cfg(cfg),
      m_read_sigma(noise.read_sigma),
      m_out(out),
      m_in(in),
      m_slices(ceil_div(cfg.weight_bits, cfg.bits_per_cell)) {
    check_bitsliced_config(cfg);
    float peak = 0.0f;
    for (std::int64_t i = 0; i < out * in; ++i)
        peak = std::max(peak, std::abs(w[i]));
    const double qmax = std::ldexp(1.0, static_cast<int>(cfg.weight_bits) - 1) - 1.0;
    m_w_scale = peak > 0.0f ? peak / qmax : 1.0;
    const auto offset = static_cast<std::int64_t>(qmax) + 1;  // 2^(bits-1)
    const std::int64_t cell_max = (std::int64_t{1} << cfg.bits_per_cell) - 1;
    double drift = 1.0;
    m_out_scale = 1.0;
    const double ratio = (noise.drift_time_s + noise.drift_t0_s) / noise.drift_t0_s;
    const bool spread = noise.drift_time_s > 0.0 && noise.drift_nu_sigma > 0.0;
    if (noise.drift_time_s > 0.0) {
        drift = std::pow(ratio, -noise.drift_nu);
        if (noise.drift_compensation)
            m_out_scale = 1.0 / drift;
    }
    Rng stuck(noise.chip_seed, {layer, streams::kBitSlicedStuckCells});
    Rng prog(noise.chip_seed, {layer, streams::kBitSlicedProgramming});
    Rng exponent(noise.chip_seed, {layer, streams::kBitSlicedDriftExponent});
    double programmed = 0.0;  // with a spread of exponents: the cells' total before and after
    double drifted = 0.0;
    const auto& zig = Ziggurat::tables();
    m_cells.assign(static_cast<std::size_t>(in * m_slices * out), 0.0f);
    for (std::int64_t o = 0; o < out; ++o) {
        for (std::int64_t k = 0; k < in; ++k) {
            const auto q = static_cast<std::int64_t>(std::llround(w[o * in + k] / m_w_scale));
            const std::int64_t off = std::clamp<std::int64_t>(q, -static_cast<std::int64_t>(qmax),
                                                              static_cast<std::int64_t>(qmax)) +
                                     offset;
            for (std::int64_t s = 0; s < m_slices; ++s) {
                double g = static_cast<double>((off >> (s * cfg.bits_per_cell)) & cell_max);
                if (noise.stuck_fraction > 0.0 && stuck.uniform() < noise.stuck_fraction)
                    g = 0.0;
                if (noise.programming_sigma > 0.0)
                    g *= 1.0 + noise.programming_sigma * zig.sample(prog);
                double d = drift;
                if (spread) {
                    // Each cell its own exponent (not below 0).
                    d = std::pow(ratio, -std::max(0.0, noise.drift_nu + noise.drift_nu_sigma *
                                                                            zig.sample(exponent)));
                    programmed += g;
                    drifted += g * d;
                }
                m_cells[static_cast<std::size_t>(k * m_slices * out + s * out + o)] =
                    static_cast<float>(g * d);
            }
        }
    }
    // Global compensation reads the total conductance: the mean drift over the cells.
    if (spread && noise.drift_compensation && drifted > 0.0)
        m_out_scale = programmed / drifted;
}

void BitSlicedWeights::multiply(const float* x, std::int64_t p, float* y, Rng& rng) const {
    const AnalogConfig& c = m_cfg;
    const double qmax = std::ldexp(1.0, static_cast<int>(c.input_bits) - 1) - 1.0;
    float peak = 0.0f;
    for (std::int64_t i = 0; i < m_in * p; ++i)
        peak = std::max(peak, std::abs(x[i]));
    const double x_scale = peak > 0.0f ? peak / qmax : 1.0;
    // Inputs as two's-complement integers, one column per MVM.
    std::vector<std::int64_t> xq(static_cast<std::size_t>(m_in * p));
    for (std::int64_t i = 0; i < m_in * p; ++i) {
        xq[static_cast<std::size_t>(i)] = std::llround(x[i] / x_scale);
    }
    const std::int64_t passes = c.passes_per_mvm();
    const std::int64_t digit_max = (std::int64_t{1} << c.dac_bits) - 1;
    const std::int64_t cell_max = (std::int64_t{1} << c.bits_per_cell) - 1;
    const std::int64_t cols = m_slices * m_out;
    const std::uint64_t mask = (std::uint64_t{1} << c.input_bits) - 1;
    std::vector<double> acc(static_cast<std::size_t>(p * m_out), 0.0);
    RowMat digits;
    RowMat sums;
    const auto& zig = Ziggurat::tables();
    for (std::int64_t r0 = 0; r0 < m_in; r0 += c.crossbar_rows) {
        const std::int64_t rows = std::min<std::int64_t>(c.crossbar_rows, m_in - r0);
        const Eigen::Map<const RowMat> cells(m_cells.data() + r0 * cols, rows, cols);
        // ADC full scale: every row at its largest DAC level and cell conductance.
        const double full_scale = static_cast<double>(rows * digit_max * cell_max);
        const double step = full_scale / (std::ldexp(1.0, static_cast<int>(c.adc_bits)) - 1.0);
        digits.resize(p, rows);
        for (std::int64_t j = 0; j < passes; ++j) {
            const auto shift = static_cast<int>(j * c.dac_bits);
            for (std::int64_t m = 0; m < p; ++m) {
                for (std::int64_t r = 0; r < rows; ++r) {
                    const auto u =
                        static_cast<std::uint64_t>(xq[static_cast<std::size_t>((r0 + r) * p + m)]) &
                        mask;
                    digits(m, r) =
                        static_cast<float>((u >> shift) & static_cast<std::uint64_t>(digit_max));
                }
            }
            sums.noalias() = digits * cells;  // column sums of every crossbar column, per MVM
            // The top digit carries the two's-complement sign bit.
            const double pass_weight = std::ldexp(1.0, shift) * (j == passes - 1 ? -1.0 : 1.0);
            for (std::int64_t m = 0; m < p; ++m) {
                for (std::int64_t s = 0; s < m_slices; ++s) {
                    const double slice_weight =
                        std::ldexp(1.0, static_cast<int>(s * c.bits_per_cell));
                    for (std::int64_t o = 0; o < m_out; ++o) {
                        double v = sums(m, s * m_out + o);
                        if (m_read_sigma > 0.0)
                            v += m_read_sigma * v * zig.sample(rng);
                        const double q =
                            std::clamp(std::round(v / step), 0.0,
                                       std::ldexp(1.0, static_cast<int>(c.adc_bits)) - 1.0) *
                            step;
                        acc[static_cast<std::size_t>(m * m_out + o)] +=
                            pass_weight * slice_weight * q;
                    }
                }
            }
        }
    }
    // Offset encoding of the weights: subtract 2^(w-1) x sum_k x_k, exactly, in digital.
    const double offset = std::ldexp(1.0, static_cast<int>(c.weight_bits) - 1);
    for (std::int64_t m = 0; m < p; ++m) {
        double sx = 0.0;
        for (std::int64_t k = 0; k < m_in; ++k)
            sx += static_cast<double>(xq[static_cast<std::size_t>(k * p + m)]);
        for (std::int64_t o = 0; o < m_out; ++o) {
            const double v = (acc[static_cast<std::size_t>(m * m_out + o)] - offset * sx) *
                             m_w_scale * x_scale * m_out_scale;
            y[o * p + m] = static_cast<float>(v);
        }
    }
}

}  // namespace dnsim::cgra
