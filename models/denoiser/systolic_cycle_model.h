// Cycle-stepped reference of one conv core: an R_a x C_a grid of PEs with input-stationary
// dataflow, stepped one clock at a time. Inputs shift down into the PEs during R_a load
// cycles; weights enter each row from the left skewed by the row index and move one PE right
// per cycle; partial sums move one PE down per cycle and leave the bottom row. It checks the
// fast model's per-fold formula (same outputs, same cycle count) and is never used in the fast
// path. ConvCycleRunner drives whole convolutions through it, fold by fold.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "models/denoiser/systolic.h"

namespace dnsim::denoiser {

/// One PE's registers after a clock, for a waveform dump (SystolicVcd).
struct PeRegisters {
    std::int16_t x = 0;       ///< stationary input
    std::int16_t w = 0;       ///< weight register
    bool w_valid = false;     ///< a weight (not a bubble) is in the weight register
    std::int64_t psum = 0;    ///< partial-sum register
    bool psum_valid = false;  ///< the partial sum belongs to a filter (not a bubble)
};

class SystolicArrayCycleModel {
  public:
    explicit SystolicArrayCycleModel(ArrayDims dims);

    /// Starts a fold: `inputs` is R_a x C_a (row-major, im2col rows x pixels, zero-padded),
    /// `weights` is T x R_a (filter-major).
    void begin_fold(std::vector<std::int16_t> inputs, std::vector<std::int16_t> weights,
                    unsigned filters);
    /// Advances one clock; returns true once every partial sum of the fold has left the array.
    bool tick();
    /// Partial sums of the finished fold, T x C_a (filter-major).
    const std::vector<std::int64_t>& outputs() const { return m_out; }
    std::uint64_t fold_cycles() const { return m_cycle; }
    /// PE (r, c)'s registers as of the last tick().
    PeRegisters registers(unsigned r, unsigned c) const {
        const Pe& p = m_pe[r * m_dims.cols + c];
        return {p.x, p.w, p.w_tag >= 0, p.psum, p.p_tag >= 0};
    }
    /// True when the last tick() shifted the fold's inputs in (its first R_a cycles).
    bool loading() const { return m_cycle <= m_dims.rows; }

  private:
    struct Pe {
        std::int16_t x = 0;     ///< stationary input
        std::int16_t w = 0;     ///< weight register (moves right)
        int w_tag = -1;         ///< filter index of the weight in flight, -1 = bubble
        std::int64_t psum = 0;  ///< partial-sum register (moves down)
        int p_tag = -1;         ///< filter index of the partial sum, -1 = bubble
    };
    Pe& pe(unsigned r, unsigned c) { return m_pe[r * m_dims.cols + c]; }

    ArrayDims m_dims;
    std::vector<Pe> m_pe;
    std::vector<Pe> m_next;
    std::vector<std::int16_t> m_inputs;
    std::vector<std::int16_t> m_weights;
    unsigned m_filters = 0;
    std::uint64_t m_cycle = 0;
    std::uint64_t m_collected = 0;
    std::vector<std::int64_t> m_out;
};

/// The same PE grid with fold pipelining (ArrayDims::pipelined): each PE also holds a shadow
/// input register, loaded through a column shift chain, and swaps it in when a weight of the
/// next fold reaches it (the weight carries its fold). A controller issues fold k's shadow load
/// at L_k (L_0 = 0, else the edge the first weight of fold k-1 reaches the last PE) and its
/// weights from S_k = max(L_k + R_a, S_{k-1} + T). Every value carries tags (fold, filter, and
/// the im2col row of a shadow value) that are checked where they meet, so a schedule that is
/// too eager fails with std::logic_error instead of computing wrong sums.
class PipelinedArrayCycleModel {
  public:
    /// All folds up front: inputs[k] is R_a x C_a, weights[k] is T x R_a (as begin_fold).
    /// `early_load` > 0 starts every shadow load after the first that many cycles before the
    /// safe schedule (for the test that such a schedule is caught).
    PipelinedArrayCycleModel(ArrayDims dims, std::vector<std::vector<std::int16_t>> inputs,
                             std::vector<std::vector<std::int16_t>> weights, unsigned filters,
                             unsigned early_load = 0);
    /// Advances one clock; returns true once every partial sum of every fold has left.
    bool tick();
    /// Partial sums of fold k, T x C_a (filter-major).
    const std::vector<std::int64_t>& outputs(std::size_t k) const { return m_out[k]; }
    std::uint64_t cycles() const { return m_cycle; }

  private:
    struct Pe {
        std::int16_t x = 0;       ///< active stationary input
        long x_fold = -1;         ///< fold of the active input
        std::int16_t shadow = 0;  ///< shadow input (next fold)
        long s_fold = -1;         ///< fold of the shadow value
        long s_row = -1;          ///< im2col row (within the fold) of the shadow value
        std::int16_t w = 0;
        long w_tag = -1;  ///< fold x T + filter of the weight in flight, -1 = bubble
        std::int64_t psum = 0;
        long p_tag = -1;
    };

    ArrayDims m_dims;
    std::vector<std::vector<std::int16_t>> m_inputs;
    std::vector<std::vector<std::int16_t>> m_weights;
    unsigned m_filters;
    std::vector<std::uint64_t> m_load;    ///< L_k
    std::vector<std::uint64_t> m_stream;  ///< S_k
    std::vector<Pe> m_pe, m_next;
    std::uint64_t m_cycle = 0;
    std::uint64_t m_collected = 0;
    std::vector<std::vector<std::int64_t>> m_out;
};

/// A convolution in im2col form for the cycle-stepped runner.
struct ConvJob {
    std::uint64_t window = 0;  ///< S_R
    std::uint64_t p0 = 0;      ///< first output pixel of this core's share
    std::uint64_t p1 = 0;      ///< one past the last
    unsigned filters = 0;      ///< T
    int weight_frac_bits = 0;
    std::function<std::int16_t(std::uint64_t r, std::uint64_t p)> input;  ///< im2col(r, p)
    std::function<std::int16_t(unsigned m, std::uint64_t r)> weight;      ///< W(m, r)
    std::function<std::int16_t(unsigned m)> bias;                         ///< activation format
};

/// Runs a ConvJob fold by fold (column folds outer, row folds inner, as the fast model counts
/// them), accumulating partial sums exactly and requantizing at the end; with dims.pipelined
/// all folds go through one PipelinedArrayCycleModel.
class ConvCycleRunner {
  public:
    ConvCycleRunner(ArrayDims dims, ConvJob job);
    /// One clock; returns true when the whole job is done.
    bool tick();
    std::uint64_t cycles() const { return m_cycles; }
    /// Called after every clock of the sequential array (not with dims.pipelined) with the
    /// array and the fold it ran (column fold x row folds + row fold), before the next fold
    /// is loaded: for a waveform dump.
    using Observer = std::function<void(const SystolicArrayCycleModel&, std::uint64_t fold)>;
    void set_observer(Observer observer) { m_observer = std::move(observer); }
    /// Results, T x (p1 - p0), filter-major, valid once tick() returned true.
    const std::vector<std::int16_t>& results() const { return m_results; }

  private:
    void start_fold();
    /// The operands of fold (m_cf, m_rf): R_a x C_a inputs, T x R_a weights.
    std::pair<std::vector<std::int16_t>, std::vector<std::int16_t>> fold_operands() const;
    void accumulate(const std::vector<std::int64_t>& partial, std::uint64_t col_fold);
    void finish();

    ArrayDims m_dims;
    ConvJob m_job;
    SystolicArrayCycleModel m_array;
    std::uint64_t m_row_folds;
    std::uint64_t m_col_folds;
    std::uint64_t m_cf = 0;
    std::uint64_t m_rf = 0;
    std::uint64_t m_cycles = 0;
    bool m_done = false;
    std::unique_ptr<PipelinedArrayCycleModel> m_pipeline;
    Observer m_observer;
    std::vector<std::int64_t> m_acc;
    std::vector<std::int16_t> m_results;
};

}  // namespace dnsim::denoiser
