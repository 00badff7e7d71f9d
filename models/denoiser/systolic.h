// Input-stationary systolic array: the per-fold timing formula (SCALE-Sim v2's formulation) and
// the fast functional convolution kernels that a ConvCore runs on its share of a phase.
//
// A convolution is viewed through im2col: S_R = window size (R*S*C_in, or 9 for depthwise),
// S_C = output pixels, T = filters. On an R_a x C_a array one fold holds an R_a x C_a block of
// the im2col matrix stationary; the T filters stream through it. Every fold takes
//   cycles_per_fold = 2 R_a + C_a + T - 2
// (R_a cycles to load the inputs, then skewed streaming: the last partial sum leaves the bottom
// row R_a + C_a + T - 2 cycles later). Edge folds take the same time (unused PEs hold zeros).
//
// Fold pipelining (ArrayDims::pipelined, denoiser.fold_pipelining): every PE has a shadow input
// register, loaded through its own column shift chain in R_a cycles, and swaps it in when the
// first weight of the next fold reaches it (a fold bit travels with the weights). The load of
// fold k+1 may begin once the first weight of fold k has reached the last PE
// (R_a + C_a - 2 cycles after fold k starts streaming: its swap has read the shadow), and fold
// k+1 streams once that load is done and fold k's T filters have entered, so consecutive folds
// of one core start
//   pipelined_fold_interval = max(T, 2 R_a + C_a - 2)
// cycles apart, and F folds take 2 R_a + C_a + T - 2 + (F - 1) max(T, 2 R_a + C_a - 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dnsim::denoiser {

struct ArrayDims {
    unsigned rows = 3;       ///< R_a
    unsigned cols = 3;       ///< C_a
    bool pipelined = false;  ///< shadow input registers: consecutive folds overlap
};

inline constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

inline constexpr std::uint64_t cycles_per_fold(ArrayDims a, std::uint64_t filters) {
    return 2ULL * a.rows + a.cols + filters - 2;
}

/// With fold pipelining: cycles from one fold's first weight entering the array to the next's.
inline constexpr std::uint64_t pipelined_fold_interval(ArrayDims a, std::uint64_t filters) {
    const std::uint64_t refill = 2ULL * a.rows + a.cols - 2;
    return filters > refill ? filters : refill;
}

/// Cycles of `folds` consecutive folds of `filters` filters on one array (in sequence, or
/// overlapped when a.pipelined).
inline constexpr std::uint64_t fold_sequence_cycles(ArrayDims a, std::uint64_t folds,
                                                    std::uint64_t filters) {
    if (folds == 0) {
        return 0;
    }
    return a.pipelined
               ? cycles_per_fold(a, filters) + (folds - 1) * pipelined_fold_interval(a, filters)
               : folds * cycles_per_fold(a, filters);
}

/// Work, timing and access counts of one core's share of a convolution.
struct FoldWork {
    std::uint64_t folds = 0;
    std::uint64_t cycles = 0;
    std::uint64_t macs = 0;          ///< useful multiply-accumulates
    std::uint64_t input_reads = 0;   ///< activation words loaded into PEs
    std::uint64_t weight_reads = 0;  ///< weight words streamed into the array
    std::uint64_t psum_updates = 0;  ///< 32-bit partial-sum accumulations across row folds
    std::uint64_t outputs = 0;       ///< 16-bit results written back

    FoldWork& operator+=(const FoldWork& o);
};

/// Adds each count of `w` to the member of the same name of `total`: a FoldWork, or the
/// counters that total a core's work.
template <class Total>
void add_work(Total& total, const FoldWork& w) {
    total.folds += w.folds;
    total.cycles += w.cycles;
    total.macs += w.macs;
    total.input_reads += w.input_reads;
    total.weight_reads += w.weight_reads;
    total.psum_updates += w.psum_updates;
    total.outputs += w.outputs;
}

/// Closed-form cost of `col_folds` column folds covering `pixels` output pixels, with a window
/// of `window` im2col rows and `filters` filters streamed per fold.
FoldWork fold_work(ArrayDims a, std::uint64_t window, std::uint64_t col_folds, std::uint64_t pixels,
                   std::uint64_t filters);

/// The contiguous work units [first, second) of core k out of n when `units` are split evenly,
/// as the control unit dispatches a phase.
struct UnitRange {
    std::uint64_t first = 0, second = 0;
};
inline constexpr UnitRange core_share(std::uint64_t units, std::uint64_t k, std::uint64_t n) {
    return {units * k / n, units * (k + 1) / n};
}

/// One channel's part of a depthwise share: `folds` column folds of `channel`, i.e. the output
/// pixels [q0, q1).
struct DepthwiseSlice {
    std::uint64_t channel = 0;
    std::uint64_t folds = 0;
    std::size_t q0 = 0, q1 = 0;
};

/// Splits the depthwise work units [u0, u1) (unit = channel x col_folds + fold) into per-channel
/// slices, as a core walks its share.
std::vector<DepthwiseSlice> depthwise_slices(std::uint64_t u0, std::uint64_t u1,
                                             std::uint64_t col_folds, unsigned cols,
                                             std::size_t pixels);

/// Pointwise (1x1) conv on pixels [p0, p1) and filters [m0, m1):
/// out[m * out_stride + p] = requantize(sum_c w[m * cin + c] * in[c * in_stride + p]
///                                      + (bias[m] << weight_frac_bits)).
/// Exact accumulation (32-bit where provably safe, else 64-bit), then 32-bit saturation and
/// round-half-up to the activation format. Returns the number of saturated outputs.
std::uint64_t pointwise_conv(const std::int16_t* in, std::size_t in_stride, unsigned cin,
                             const std::int16_t* w, const std::int16_t* bias, unsigned m0,
                             unsigned m1, std::size_t p0, std::size_t p1, std::int16_t* out,
                             std::size_t out_stride, int weight_frac_bits);

/// Geometry of one channel plane for the depthwise 3x3 conv (stride 1, zero padding 1).
struct PlaneTile {
    unsigned image_height = 0;  ///< H of the whole image (for padding at the borders)
    unsigned width = 0;         ///< W
    unsigned in_row0 = 0;       ///< first image row held in the input buffer
    unsigned in_rows = 0;       ///< rows held in the input buffer
    unsigned out_row0 = 0;      ///< first image row of the output buffer
};

/// Depthwise 3x3 on output pixels [q0, q1) of the output tile (row-major from out_row0).
/// Returns the number of saturated outputs.
std::uint64_t depthwise3x3(const std::int16_t* in_plane, const PlaneTile& tile,
                           const std::int16_t* w9, std::int16_t bias, std::size_t q0,
                           std::size_t q1, std::int16_t* out_plane, int weight_frac_bits);

/// The im2col input of the depthwise conv for window element r (0..8) and output pixel q of
/// the tile; 0 for padding. Shared by the cycle-stepped reference.
std::int16_t depthwise_window_input(const std::int16_t* in_plane, const PlaneTile& tile, unsigned r,
                                    std::size_t q);

/// LeakyReLU with slope 2^-shift: x >= 0 ? x : x >> shift (arithmetic shift, floor).
inline std::int16_t leaky_relu(std::int16_t x, int shift) {
    return x >= 0 ? x : static_cast<std::int16_t>(x >> shift);
}

}  // namespace dnsim::denoiser
