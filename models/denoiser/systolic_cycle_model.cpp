// Cycle-stepped PE-level model of the input-stationary systolic array.
#include "models/denoiser/systolic_cycle_model.h"

#include <algorithm>
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

PipelinedArrayCycleModel::PipelinedArrayCycleModel(ArrayDims dims,
                                                   std::vector<std::vector<std::int16_t>> inputs,
                                                   std::vector<std::vector<std::int16_t>> weights,
                                                   unsigned filters, unsigned early_load)
    : m_dims(dims),
      m_inputs(std::move(inputs)),
      m_weights(std::move(weights)),
      m_filters(filters),
      m_pe(std::size_t{dims.rows} * dims.cols),
      m_next(m_pe) {
    const std::size_t folds = m_inputs.size();
    if (m_weights.size() != folds || filters == 0) {
        throw std::invalid_argument("pipelined folds: operand counts do not match");
    }
    for (std::size_t k = 0; k < folds; ++k) {
        if (m_inputs[k].size() != std::size_t{dims.rows} * dims.cols ||
            m_weights[k].size() != std::size_t{filters} * dims.rows) {
            throw std::invalid_argument("fold operand sizes do not match the array");
        }
        // The controller's schedule (systolic.h): the load of fold k starts the edge the first
        // weight of fold k-1 reaches PE (R_a-1, C_a-1); streaming starts once it is loaded and
        // the previous fold's filters have all entered.
        const std::uint64_t load =
            k == 0 ? 0 : m_stream[k - 1] + dims.rows + dims.cols - 2 - early_load;
        const std::uint64_t stream =
            k == 0 ? load + dims.rows : std::max(load + dims.rows, m_stream[k - 1] + filters);
        m_load.push_back(load);
        m_stream.push_back(stream);
    }
    m_out.assign(folds, std::vector<std::int64_t>(std::size_t{filters} * dims.cols, 0));
}

bool PipelinedArrayCycleModel::tick() {
    const unsigned rows = m_dims.rows;
    const unsigned cols = m_dims.cols;
    const std::uint64_t e = m_cycle;
    const auto at = [cols](std::vector<Pe>& g, unsigned r, unsigned c) -> Pe& {
        return g[r * cols + c];
    };
    // The fold whose shadow load runs at this edge, if any.
    long loading = -1;
    for (std::size_t k = 0; k < m_load.size(); ++k) {
        if (e >= m_load[k] && e < m_load[k] + rows) {
            loading = static_cast<long>(k);
        }
    }
    for (unsigned r = 0; r < rows; ++r) {
        for (unsigned c = 0; c < cols; ++c) {
            const Pe& cur = at(m_pe, r, c);
            Pe& next = at(m_next, r, c);
            next = cur;
            // Shadow chain: shifts down one row per load edge; the fold's im2col row
            // rows-1-j enters row 0 at load edge j.
            if (loading >= 0) {
                if (r == 0) {
                    const std::uint64_t j = e - m_load[static_cast<std::size_t>(loading)];
                    const std::uint64_t src = rows - 1 - j;
                    next.shadow = m_inputs[static_cast<std::size_t>(loading)][src * cols + c];
                    next.s_fold = loading;
                    next.s_row = static_cast<long>(src);
                } else {
                    next.shadow = at(m_pe, r - 1, c).shadow;
                    next.s_fold = at(m_pe, r - 1, c).s_fold;
                    next.s_row = at(m_pe, r - 1, c).s_row;
                }
            }
            // Weights: injected at column 0 skewed by the row, moving right.
            if (c == 0) {
                next.w = 0;
                next.w_tag = -1;
                for (std::size_t k = 0; k < m_stream.size(); ++k) {
                    const long m = static_cast<long>(e) - static_cast<long>(m_stream[k]) -
                                   static_cast<long>(r);
                    if (m >= 0 && m < static_cast<long>(m_filters)) {
                        next.w = m_weights[k][static_cast<std::size_t>(m) * rows + r];
                        next.w_tag = static_cast<long>(k) * m_filters + m;
                    }
                }
            } else {
                next.w = at(m_pe, r, c - 1).w;
                next.w_tag = at(m_pe, r, c - 1).w_tag;
            }
            // A weight of a new fold swaps the shadow in (read before this edge's shift).
            if (next.w_tag >= 0) {
                const long fold = next.w_tag / static_cast<long>(m_filters);
                if (cur.x_fold != fold) {
                    if (cur.s_fold != fold || cur.s_row != static_cast<long>(r)) {
                        throw std::logic_error(
                            "fold pipelining: the shadow register does not hold the next fold");
                    }
                    next.x = cur.shadow;
                    next.x_fold = fold;
                }
            }
            const std::int64_t psum_in = r == 0 ? 0 : at(m_pe, r - 1, c).psum;
            const long p_tag_in = r == 0 ? next.w_tag : at(m_pe, r - 1, c).p_tag;
            if (next.w_tag >= 0 && next.w_tag != p_tag_in) {
                throw std::logic_error("systolic skew broken: weight and partial sum misaligned");
            }
            next.psum = next.w_tag >= 0 ? psum_in + std::int64_t{next.w} * next.x : 0;
            next.p_tag = next.w_tag;
        }
    }
    m_pe.swap(m_next);
    ++m_cycle;
    for (unsigned c = 0; c < cols; ++c) {
        const Pe& bottom = at(m_pe, rows - 1, c);
        if (bottom.p_tag >= 0) {
            const auto fold = static_cast<std::size_t>(bottom.p_tag / static_cast<long>(m_filters));
            const auto m = static_cast<std::size_t>(bottom.p_tag % static_cast<long>(m_filters));
            m_out[fold][m * cols + c] = bottom.psum;
            ++m_collected;
        }
    }
    return m_collected == std::uint64_t{m_filters} * cols * m_inputs.size();
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
    if (dims.pipelined) {
        std::vector<std::vector<std::int16_t>> inputs, weights;
        for (m_cf = 0; m_cf < m_col_folds; ++m_cf) {
            for (m_rf = 0; m_rf < m_row_folds; ++m_rf) {
                auto [in, w] = fold_operands();
                inputs.push_back(std::move(in));
                weights.push_back(std::move(w));
            }
        }
        m_pipeline = std::make_unique<PipelinedArrayCycleModel>(dims, std::move(inputs),
                                                                std::move(weights), m_job.filters);
        return;
    }
    m_cf = 0;
    m_rf = 0;
    start_fold();
}

std::pair<std::vector<std::int16_t>, std::vector<std::int16_t>> ConvCycleRunner::fold_operands()
    const {
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
    return {std::move(in), std::move(w)};
}

void ConvCycleRunner::start_fold() {
    auto [in, w] = fold_operands();
    m_array.begin_fold(std::move(in), std::move(w), m_job.filters);
}

void ConvCycleRunner::accumulate(const std::vector<std::int64_t>& partial, std::uint64_t col_fold) {
    const unsigned cols = m_dims.cols;
    const std::uint64_t pixels = m_job.p1 - m_job.p0;
    for (unsigned m = 0; m < m_job.filters; ++m) {
        for (unsigned c = 0; c < cols; ++c) {
            const std::uint64_t p = col_fold * cols + c;
            if (p < pixels) {
                m_acc[m * pixels + p] += partial[std::size_t{m} * cols + c];
            }
        }
    }
}

void ConvCycleRunner::finish() {
    m_results.resize(m_acc.size());
    for (std::size_t i = 0; i < m_acc.size(); ++i) {
        m_results[i] = requantize(m_acc[i], m_job.weight_frac_bits);
    }
    m_done = true;
}

bool ConvCycleRunner::tick() {
    if (m_done) {
        return true;
    }
    ++m_cycles;
    if (m_pipeline) {
        if (!m_pipeline->tick()) {
            return false;
        }
        for (std::uint64_t k = 0; k < m_col_folds * m_row_folds; ++k) {
            accumulate(m_pipeline->outputs(k), k / m_row_folds);
        }
        finish();
        return true;
    }
    const bool fold_done = m_array.tick();
    if (m_observer) {
        m_observer(m_array, m_cf * m_row_folds + m_rf);
    }
    if (!fold_done) {
        return false;
    }
    accumulate(m_array.outputs(), m_cf);
    if (++m_rf == m_row_folds) {
        m_rf = 0;
        ++m_cf;
    }
    if (m_cf == m_col_folds) {
        finish();
        return true;
    }
    start_fold();
    return false;
}

}  // namespace dnsim::denoiser
