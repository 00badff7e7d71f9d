// Fold accounting and the fast exact-integer convolution kernels.
#include "models/denoiser/systolic.h"

#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include "models/common/fixed_point.h"

namespace dnsim::denoiser {

FoldWork& FoldWork::operator+=(const FoldWork& o) {
    add_work(*this, o);
    return *this;
}

FoldWork fold_work(ArrayDims a, std::uint64_t window, std::uint64_t col_folds, std::uint64_t pixels,
                   std::uint64_t filters) {
    FoldWork w;
    if (col_folds == 0 || pixels == 0 || filters == 0) {
        return w;
    }
    const std::uint64_t row_folds = ceil_div(window, a.rows);
    w.folds = row_folds * col_folds;
    w.cycles = fold_sequence_cycles(a, w.folds, filters);
    w.macs = window * pixels * filters;
    w.input_reads = window * pixels;
    w.weight_reads = window * filters * col_folds;
    w.psum_updates = (row_folds - 1) * pixels * filters;
    w.outputs = pixels * filters;
    return w;
}

std::vector<DepthwiseSlice> depthwise_slices(std::uint64_t u0, std::uint64_t u1,
                                             std::uint64_t col_folds, unsigned cols,
                                             std::size_t pixels) {
    std::vector<DepthwiseSlice> out;
    for (std::uint64_t u = u0; u < u1;) {
        const std::uint64_t ch = u / col_folds;
        const std::uint64_t f_end = std::min(u1, (ch + 1) * col_folds);
        const std::size_t q0 = (u - ch * col_folds) * cols;
        const std::size_t q1 = std::min<std::size_t>((f_end - ch * col_folds) * cols, pixels);
        out.push_back({ch, f_end - u, q0, q1});
        u = f_end;
    }
    return out;
}

namespace {

// The hot loop of every pointwise phase. Built twice (AVX2 and baseline x86-64) and picked at
// run time, so the binary stays portable; both clones compute the same exact integer sums.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void axpy_i32(std::int32_t* acc, const std::int16_t* src, std::int32_t w, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        acc[i] += w * static_cast<std::int32_t>(src[i]);
    }
}

template <typename Acc>
std::uint64_t pointwise_rows(const std::int16_t* in, std::size_t in_stride, unsigned cin,
                             const std::int16_t* wrow, std::int64_t bias_acc, std::size_t p0,
                             std::size_t p1, std::int16_t* out, int shift, std::vector<Acc>& acc) {
    const std::size_t n = p1 - p0;
    acc.assign(n, static_cast<Acc>(bias_acc));
    for (unsigned c = 0; c < cin; ++c) {
        const Acc w = wrow[c];
        if (w == 0) {
            continue;
        }
        const std::int16_t* src = in + std::size_t{c} * in_stride + p0;
        Acc* a = acc.data();
        if constexpr (std::is_same_v<Acc, std::int32_t>) {
            axpy_i32(a, src, w, n);
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                a[i] += w * static_cast<Acc>(src[i]);
            }
        }
    }
    std::uint64_t saturated = 0;
    for (std::size_t i = 0; i < n; ++i) {
        saturated += requantize_saturates(acc[i], shift) ? 1U : 0U;
        out[p0 + i] = requantize(acc[i], shift);
    }
    return saturated;
}

}  // namespace

std::uint64_t pointwise_conv(const std::int16_t* in, std::size_t in_stride, unsigned cin,
                             const std::int16_t* w, const std::int16_t* bias, unsigned m0,
                             unsigned m1, std::size_t p0, std::size_t p1, std::int16_t* out,
                             std::size_t out_stride, int weight_frac_bits) {
    thread_local std::vector<std::int32_t> acc32;
    thread_local std::vector<std::int64_t> acc64;
    std::uint64_t saturated = 0;
    for (unsigned m = m0; m < m1; ++m) {
        const std::int16_t* wrow = w + std::size_t{m} * cin;
        const std::int64_t bias_acc = std::int64_t{bias[m]} * (std::int64_t{1} << weight_frac_bits);
        // |sum| <= sum|w| * 2^15 + |bias|: 32-bit accumulation is exact when that is < 2^31.
        std::int64_t bound = std::llabs(bias_acc);
        for (unsigned c = 0; c < cin; ++c) {
            bound += std::int64_t{std::abs(wrow[c])} * 32768;
        }
        std::int16_t* orow = out + std::size_t{m} * out_stride;
        if (bound < (std::int64_t{1} << 31)) {
            saturated += pointwise_rows<std::int32_t>(in, in_stride, cin, wrow, bias_acc, p0, p1,
                                                      orow, weight_frac_bits, acc32);
        } else {
            saturated += pointwise_rows<std::int64_t>(in, in_stride, cin, wrow, bias_acc, p0, p1,
                                                      orow, weight_frac_bits, acc64);
        }
    }
    return saturated;
}

std::int16_t depthwise_window_input(const std::int16_t* in_plane, const PlaneTile& tile, unsigned r,
                                    std::size_t q) {
    const auto y = static_cast<long>(tile.out_row0 + q / tile.width) + static_cast<long>(r / 3) - 1;
    const auto x = static_cast<long>(q % tile.width) + static_cast<long>(r % 3) - 1;
    if (y < 0 || y >= static_cast<long>(tile.image_height) || x < 0 ||
        x >= static_cast<long>(tile.width)) {
        return 0;
    }
    const auto row = static_cast<std::size_t>(y - static_cast<long>(tile.in_row0));
    return in_plane[row * tile.width + static_cast<std::size_t>(x)];
}

std::uint64_t depthwise3x3(const std::int16_t* in_plane, const PlaneTile& tile,
                           const std::int16_t* w9, std::int16_t bias, std::size_t q0,
                           std::size_t q1, std::int16_t* out_plane, int weight_frac_bits) {
    const std::int64_t bias_acc = std::int64_t{bias} * (std::int64_t{1} << weight_frac_bits);
    const std::size_t width = tile.width;
    const auto height = static_cast<long>(tile.image_height);
    std::uint64_t saturated = 0;
    std::size_t q = q0;
    while (q < q1) {
        const std::size_t row = q / width;
        const std::size_t x_begin = q % width;
        const std::size_t x_end = std::min(width, x_begin + (q1 - q));
        const long y = static_cast<long>(tile.out_row0 + row);
        // Rows of the 3x3 window that lie inside the image, as pointers into the buffer.
        const std::int16_t* rows[3] = {nullptr, nullptr, nullptr};
        for (int k = 0; k < 3; ++k) {
            const long yy = y + k - 1;
            if (yy >= 0 && yy < height) {
                rows[k] = in_plane +
                          static_cast<std::size_t>(yy - static_cast<long>(tile.in_row0)) * width;
            }
        }
        for (std::size_t x = x_begin; x < x_end; ++x) {
            // 9 products of 16x16 bits plus a shifted 16-bit bias always fit in 64 bits.
            std::int64_t acc = bias_acc;
            for (int k = 0; k < 3; ++k) {
                if (rows[k] == nullptr) {
                    continue;
                }
                const std::int16_t* wk = w9 + 3 * k;
                if (x > 0) {
                    acc += std::int64_t{wk[0]} * rows[k][x - 1];
                }
                acc += std::int64_t{wk[1]} * rows[k][x];
                if (x + 1 < width) {
                    acc += std::int64_t{wk[2]} * rows[k][x + 1];
                }
            }
            saturated += requantize_saturates(acc, weight_frac_bits) ? 1U : 0U;
            out_plane[row * width + x] = requantize(acc, weight_frac_bits);
        }
        q += x_end - x_begin;
    }
    return saturated;
}

}  // namespace dnsim::denoiser
