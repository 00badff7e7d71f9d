// Cycle-stepped PE-level model of the input-stationary systolic array.
#include "models/denoiser/systolic_cycle_model.h"

#include <stdexcept>

#include "models/common/fixed_point.h"

namespace dnsim::denoiser {

SystolicArrayCycleModel::SystolicArrayCycleModel(ArrayDims dims)
    : m_dims(dims), m_pe(std::size_t{dims.rows} * dims.cols), m_next(m_pe) {}

void SystolicArrayCycleModel::begin_fold(std::vector<std::int16_t> inputs,
                                         std::vector<std::int16_t> weights, unsigned filters) {
    if (inputs.size() != std::size_t{m_dims.rows} * m_dims.cols ||
        weights.size() != std::size_t{filters} * m_dims.rows) {
        throw std::invalid_argument("fold operand sizes do not match the array");
    }
    m_inputs = std::move(inputs);
    m_weights = std::move(weights);
    m_filters = filters;
    m_cycle = 0;
    m_collected = 0;
    m_out.assign(std::size_t{filters} * m_dims.cols, 0);
    for (auto& p : m_pe) {
        p = Pe{};
    }
}

bool SystolicArrayCycleModel::tick() {
    const unsigned rows = m_dims.rows;
    const unsigned cols = m_dims.cols;
    if (m_cycle < rows) {
        // Load: each column shifts down by one; row rows-1-k of the block enters at the top.
        const std::uint64_t k = m_cycle;
        for (unsigned r = rows; r-- > 1;) {
            for (unsigned c = 0; c < cols; ++c) {
                pe(r, c).x = pe(r - 1, c).x;
            }
        }
        for (unsigned c = 0; c < cols; ++c) {
            pe(0, c).x = m_inputs[(rows - 1 - k) * cols + c];
        }
        ++m_cycle;
        return false;
    }
    // Compute: every PE updates from its neighbours' registers of the previous clock.
    const std::uint64_t tau = m_cycle - rows;
    for (unsigned r = 0; r < rows; ++r) {
        for (unsigned c = 0; c < cols; ++c) {
            Pe& next = m_next[r * cols + c];
            next.x = pe(r, c).x;
            if (c == 0) {
                const auto m = static_cast<long>(tau) - static_cast<long>(r);  // skew by row
                if (m >= 0 && m < static_cast<long>(m_filters)) {
                    next.w = m_weights[static_cast<std::size_t>(m) * rows + r];
                    next.w_tag = static_cast<int>(m);
                } else {
                    next.w = 0;
                    next.w_tag = -1;
                }
            } else {
                next.w = pe(r, c - 1).w;
                next.w_tag = pe(r, c - 1).w_tag;
            }
            const std::int64_t psum_in = r == 0 ? 0 : pe(r - 1, c).psum;
            const int p_tag_in = r == 0 ? next.w_tag : pe(r - 1, c).p_tag;
            if (next.w_tag >= 0 && next.w_tag != p_tag_in) {
                throw std::logic_error("systolic skew broken: weight and partial sum misaligned");
            }
            next.psum = psum_in + std::int64_t{next.w} * next.x;
            next.p_tag = next.w_tag;
        }
    }
    m_pe.swap(m_next);
    ++m_cycle;
    for (unsigned c = 0; c < cols; ++c) {
        const Pe& bottom = pe(rows - 1, c);
        if (bottom.p_tag >= 0) {
            m_out[static_cast<std::size_t>(bottom.p_tag) * cols + c] = bottom.psum;
            ++m_collected;
        }
    }
    return m_collected == std::uint64_t{m_filters} * cols;
}

ConvCycleRunner::ConvCycleRunner(ArrayDims dims, ConvJob job)
    : m_dims(dims),
      m_job(std::move(job)),
      m_array(dims),
      m_row_folds(ceil_div(m_job.window, dims.rows)),
      m_col_folds(ceil_div(m_job.p1 - m_job.p0, dims.cols)) {
    const std::uint64_t pixels = m_job.p1 - m_job.p0;
    m_acc.assign(std::size_t{m_job.filters} * pixels, 0);
    for (unsigned m = 0; m < m_job.filters; ++m) {
        for (std::uint64_t p = 0; p < pixels; ++p) {
            m_acc[m * pixels + p] =
                std::int64_t{m_job.bias(m)} * (std::int64_t{1} << m_job.weight_frac_bits);
        }
    }
    if (m_col_folds == 0 || m_job.filters == 0) {
        m_done = true;
        return;
    }
    start_fold();
}

void ConvCycleRunner::start_fold() {
    const unsigned rows = m_dims.rows;
    const unsigned cols = m_dims.cols;
    std::vector<std::int16_t> in(std::size_t{rows} * cols, 0);
    std::vector<std::int16_t> w(std::size_t{m_job.filters} * rows, 0);
    for (unsigned r = 0; r < rows; ++r) {
        const std::uint64_t wr = m_rf * rows + r;
        if (wr >= m_job.window) {
            continue;
        }
        for (unsigned c = 0; c < cols; ++c) {
            const std::uint64_t p = m_job.p0 + m_cf * cols + c;
            if (p < m_job.p1) {
                in[r * cols + c] = m_job.input(wr, p);
            }
        }
        for (unsigned m = 0; m < m_job.filters; ++m) {
            w[m * rows + r] = m_job.weight(m, wr);
        }
    }
    m_array.begin_fold(std::move(in), std::move(w), m_job.filters);
}

bool ConvCycleRunner::tick() {
    if (m_done) {
        return true;
    }
    ++m_cycles;
    if (!m_array.tick()) {
        return false;
    }
    const unsigned cols = m_dims.cols;
    const std::uint64_t pixels = m_job.p1 - m_job.p0;
    for (unsigned m = 0; m < m_job.filters; ++m) {
        for (unsigned c = 0; c < cols; ++c) {
            const std::uint64_t p = m_cf * cols + c;
            if (p < pixels) {
                m_acc[m * pixels + p] += m_array.outputs()[std::size_t{m} * cols + c];
            }
        }
    }
    if (++m_rf == m_row_folds) {
        m_rf = 0;
        ++m_cf;
    }
    if (m_cf == m_col_folds) {
        m_results.resize(m_acc.size());
        for (std::size_t i = 0; i < m_acc.size(); ++i) {
            m_results[i] = requantize(m_acc[i], m_job.weight_frac_bits);
        }
        m_done = true;
        return true;
    }
    start_fold();
    return false;
}

}  // namespace dnsim::denoiser
