// The executor's GEMM kernels. Compiled once per vector ISA into the namespace DNSIM_ISA_NS
// (cmake/DnsimIsa.cmake); kernels.cpp picks the copy at run time.
//
// Convolution is a GEMM of the weights (M x K) and the patches of a batch of images (K x N, N =
// images x output pixels) through a packed micro-kernel of our own (ChainGemm below). Every
// output element is one sequential chain over k = 0, 1, ..., K - 1 started from 0 — a fused
// multiply-add per k where the copy has FMA, a multiply then an add otherwise — whatever the
// blocking, the number of images in the call or the thread: an image gets the same bits in a
// batch of 256 as alone, and many images share one GEMM, which keeps the vector units busy on
// the small maps of late layers. Gemm and MatMul stay on Eigen (row by row where rows are
// images).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <Eigen/Core>

#include "workloads/exec/kernels_isa.h"

#if !defined(DNSIM_ISA_NS)
#error "kernels_gemm.cpp is compiled through dnsim_add_isa_sources (cmake/DnsimIsa.cmake)"
#endif

namespace dnsim::workloads::kernels::DNSIM_ISA_NS {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapC = Eigen::Map<const RowMat>;
using Map = Eigen::Map<RowMat>;

/// The zero-bordered input of one group: plane (r, q) of channel ci holds input
/// (r - pad_top, q - pad_left), or 0 outside the image; the plane covers every tap's reach.
struct Plane {
    std::int64_t hp = 0, wp = 0;
    const float* data = nullptr;  ///< the calling thread's buffer, valid until its next plane
};

/// The plane's size (data unset).
Plane plane_shape(std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    Plane pl;
    pl.hp = (ho - 1) * a.strides[0] + (a.kernel[0] - 1) * a.dilations[0] + 1;
    pl.wp = (wo - 1) * a.strides[1] + (a.kernel[1] - 1) * a.dilations[1] + 1;
    return pl;
}

/// Writes the c planes of input `x` to `dst` (c hp wp floats).
void fill_plane(const float* x, float* dst, const Plane& pl, std::int64_t c, std::int64_t h,
                std::int64_t w, const NodeAttrs& a);

Plane make_plane(const float* x, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t ho,
                 std::int64_t wo, const NodeAttrs& a) {
    thread_local std::vector<float> pad;
    Plane pl = plane_shape(ho, wo, a);
    pad.resize(static_cast<std::size_t>(c * pl.hp * pl.wp));
    pl.data = pad.data();
    fill_plane(x, pad.data(), pl, c, h, w, a);
    return pl;
}

/// Columns of the patch matrix for output rows [oh0, oh1): a (c kH kW) x ((oh1 - oh0) wo)
/// matrix at `col`. Each row is the plane read at a fixed offset plus a per-pixel index (row
/// copies where output rows are wide and stride 1, a flat indexed loop otherwise).
void unfold(const Plane& pl, float* col, std::int64_t c, std::int64_t wo, std::int64_t oh0,
            std::int64_t oh1, const NodeAttrs& a) {
    const std::int64_t kh = a.kernel[0], kw = a.kernel[1];
    const std::int64_t sh = a.strides[0], sw = a.strides[1];
    const std::int64_t dh = a.dilations[0], dw = a.dilations[1];
    const std::int64_t wp = pl.wp;
    const std::int64_t plane = pl.hp * wp;
    const std::int64_t rows = oh1 - oh0;
    const std::int64_t p = rows * wo;
    const bool row_copies = sw == 1 && wo >= 8;
    thread_local std::vector<std::int64_t> index;
    if (!row_copies) {
        index.resize(static_cast<std::size_t>(p));
        for (std::int64_t r = 0; r < rows; ++r) {
            for (std::int64_t ow = 0; ow < wo; ++ow)
                index[static_cast<std::size_t>(r * wo + ow)] = r * sh * wp + ow * sw;
        }
    }
    for (std::int64_t ci = 0; ci < c; ++ci) {
        for (std::int64_t i = 0; i < kh; ++i) {
            for (std::int64_t j = 0; j < kw; ++j) {
                float* out = col + ((ci * kh + i) * kw + j) * p;
                const float* src = pl.data + ci * plane + (oh0 * sh + i * dh) * wp + j * dw;
                if (row_copies) {
                    for (std::int64_t r = 0; r < rows; ++r) {
                        const float* s = src + r * sh * wp;
                        float* o = out + r * wo;
                        for (std::int64_t ow = 0; ow < wo; ++ow)
                            o[ow] = s[ow];
                    }
                } else {
                    const std::int64_t* idx = index.data();
                    for (std::int64_t q = 0; q < p; ++q)
                        out[q] = src[idx[q]];
                }
            }
        }
    }
}

// ---- The chain GEMM --------------------------------------------------------------------
//
// Packed operands: A (weights) in panels of kMr rows, k-major ([panel][k][kMr]); B (patches) in
// panels of kNr columns ([panel][k][kNr]); both zero-padded to whole panels. The micro-kernel
// multiplies one A panel by one B panel over a slice of k into a kMr x kNr tile of float
// accumulators; slices after the first start from the tile the previous slice stored, which
// holds exactly the floats the registers held, so the chain of each element is unbroken.

#if defined(__AVX512F__)
using Vec = __m512;
constexpr std::int64_t kLanes = 16;
constexpr std::int64_t kMr = 8;
constexpr std::int64_t kVecsPerRow = 2;
inline Vec vload(const float* p) {
    return _mm512_loadu_ps(p);
}
inline void vstore(float* p, Vec v) {
    _mm512_storeu_ps(p, v);
}
inline Vec vzero() {
    return _mm512_setzero_ps();
}
inline Vec vbroadcast(const float* p) {
    return _mm512_set1_ps(*p);
}
inline Vec vmadd(Vec a, Vec b, Vec c) {
    return _mm512_fmadd_ps(a, b, c);
}
inline Vec vadd(Vec a, Vec b) {
    return _mm512_add_ps(a, b);
}
inline Vec vmul(Vec a, Vec b) {
    return _mm512_mul_ps(a, b);
}
/// std::max(v, 0.0f) lane by lane (max(0, v) returns its second operand for a NaN and for -0).
inline Vec vrelu(Vec v) {
    return _mm512_max_ps(_mm512_setzero_ps(), v);
}
constexpr bool kFused = true;
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr std::int64_t kLanes = 8;
constexpr std::int64_t kMr = 4;
constexpr std::int64_t kVecsPerRow = 3;
inline Vec vload(const float* p) {
    return _mm256_loadu_ps(p);
}
inline void vstore(float* p, Vec v) {
    _mm256_storeu_ps(p, v);
}
inline Vec vzero() {
    return _mm256_setzero_ps();
}
inline Vec vbroadcast(const float* p) {
    return _mm256_broadcast_ss(p);
}
inline Vec vmadd(Vec a, Vec b, Vec c) {
    return _mm256_fmadd_ps(a, b, c);
}
inline Vec vadd(Vec a, Vec b) {
    return _mm256_add_ps(a, b);
}
inline Vec vmul(Vec a, Vec b) {
    return _mm256_mul_ps(a, b);
}
/// std::max(v, 0.0f) lane by lane (max(0, v) returns its second operand for a NaN and for -0).
inline Vec vrelu(Vec v) {
    return _mm256_max_ps(_mm256_setzero_ps(), v);
}
constexpr bool kFused = true;
#elif defined(__SSE2__)
using Vec = __m128;
constexpr std::int64_t kLanes = 4;
constexpr std::int64_t kMr = 4;
constexpr std::int64_t kVecsPerRow = 2;
inline Vec vload(const float* p) {
    return _mm_loadu_ps(p);
}
inline void vstore(float* p, Vec v) {
    _mm_storeu_ps(p, v);
}
inline Vec vzero() {
    return _mm_setzero_ps();
}
inline Vec vbroadcast(const float* p) {
    return _mm_set1_ps(*p);
}
#if defined(__FMA__)
inline Vec vmadd(Vec a, Vec b, Vec c) {
    return _mm_fmadd_ps(a, b, c);
}
constexpr bool kFused = true;
#else
inline Vec vmadd(Vec a, Vec b, Vec c) {
    return _mm_add_ps(_mm_mul_ps(a, b), c);
}
constexpr bool kFused = false;
#endif
#else
#error "kernels_gemm.cpp needs SSE2 (x86-64)"
#endif

constexpr std::int64_t kNr = kLanes * kVecsPerRow;

/// A depthwise convolution (one input and one output channel per group) of one image, each
/// output the same chain as the GEMM's: over every tap (i, j) in order, taps in the padding
/// multiplying a zero, fused where the copy has FMA.
void depthwise(const float* x, const float* w, float* out, std::int64_t h, std::int64_t wd,
               std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    const std::int64_t kh = a.kernel[0];
    const std::int64_t kw = a.kernel[1];
    for (std::int64_t oh = 0; oh < ho; ++oh) {
        for (std::int64_t ow = 0; ow < wo; ++ow) {
            float acc = 0.0f;
            for (std::int64_t i = 0; i < kh; ++i) {
                const std::int64_t ih = oh * a.strides[0] - a.pads[0] + i * a.dilations[0];
                for (std::int64_t j = 0; j < kw; ++j) {
                    const std::int64_t iw = ow * a.strides[1] - a.pads[1] + j * a.dilations[1];
                    const bool inside = ih >= 0 && ih < h && iw >= 0 && iw < wd;
                    const float xv = inside ? x[ih * wd + iw] : 0.0f;
                    const float wv = w[i * kw + j];
                    if constexpr (kFused) {
                        acc = std::fma(wv, xv, acc);
                    } else {
                        const float prod = wv * xv;
                        acc = acc + prod;
                    }
                }
            }
            out[oh * wo + ow] = acc;
        }
    }
}

/// dst[0, n) = src[0, n) for the short runs of packing and the epilogue (a library memcpy, or
/// the `rep movs` it is inlined as, costs more than the copy at these lengths).
inline void copy_floats(float* dst, const float* src, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        vstore(dst + i, vload(src + i));
#if defined(__AVX512F__)
    if (i < n) {
        const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(dst + i, mask, _mm512_maskz_loadu_ps(mask, src + i));
    }
#else
    for (; i < n; ++i)
        dst[i] = src[i];
#endif
}
void fill_plane(const float* x, float* pad, const Plane& pl, std::int64_t c, std::int64_t h,
                std::int64_t w, const NodeAttrs& a) {
    const std::int64_t plane = pl.hp * pl.wp;
    // Plane rows [r0, r1) and columns [q0, q1) hold input (r - pads[0], q - pads[1]); the
    // rest are zero.
    const std::int64_t r0 = std::clamp<std::int64_t>(a.pads[0], 0, pl.hp);
    const std::int64_t r1 = std::clamp<std::int64_t>(a.pads[0] + h, r0, pl.hp);
    const std::int64_t q0 = std::clamp<std::int64_t>(a.pads[1], 0, pl.wp);
    const std::int64_t q1 = std::clamp<std::int64_t>(a.pads[1] + w, q0, pl.wp);
    for (std::int64_t ci = 0; ci < c; ++ci) {
        float* dst = pad + ci * plane;
        std::fill_n(dst, r0 * pl.wp, 0.0f);
        for (std::int64_t r = r0; r < r1; ++r) {
            float* row = dst + r * pl.wp;
            const float* src = x + (ci * h + r - a.pads[0]) * w;
            for (std::int64_t q = 0; q < q0; ++q)
                row[q] = 0.0f;
            if (q1 > q0)  // then q0 == pads[1], and src is inside the input row
                copy_floats(row + q0, src, q1 - q0);
            for (std::int64_t q = q1; q < pl.wp; ++q)
                row[q] = 0.0f;
        }
        std::fill_n(dst + r1 * pl.wp, (pl.hp - r1) * pl.wp, 0.0f);
    }
}

/// k per slice: a B panel slice (kKc x kNr floats) stays in L1 while the A panels stream by.
constexpr std::int64_t kKc = 256;
/// Packed patch matrix per GEMM call: as many images as fit (at least one).
constexpr std::int64_t kPatchBytes = kConvPatchBytes;
/// The channels-last path's images per pass over the weight panels: as many as keep their
/// input within this many bytes. Measured (docs/benchmarks.md): 1 MiB 6 % faster than 256 KiB,
/// 2 % faster than 512 KiB and than all the call's images at once (fewer, fuller pixel groups
/// against an input that stays in L2 between panels).
constexpr std::int64_t kChannelsLastChunkBytes = std::int64_t{1} << 20;
/// Narrowest output row the direct path takes (narrower rows would leave most lanes idle).
constexpr std::int64_t kDirectMinWidth = kLanes * 3 / 4;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
constexpr bool kDirectConv = true;
#else
constexpr bool kDirectConv = false;
#endif

/// tile (kMr x kNr) = (first ? 0 : tile) + A slice x B slice, k in order.
__attribute__((noinline)) void micro_kernel(std::int64_t kc, const float* a, const float* b,
                                            float* tile, bool first) {
    Vec acc[kMr][kVecsPerRow];
    for (std::int64_t r = 0; r < kMr; ++r) {
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            acc[r][v] = first ? vzero() : vload(tile + r * kNr + v * kLanes);
    }
    for (std::int64_t k = 0; k < kc; ++k) {
        Vec bv[kVecsPerRow];
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            bv[v] = vload(b + k * kNr + v * kLanes);
        for (std::int64_t r = 0; r < kMr; ++r) {
            const Vec av = vbroadcast(a + k * kMr + r);
            for (std::int64_t v = 0; v < kVecsPerRow; ++v)
                acc[r][v] = vmadd(av, bv[v], acc[r][v]);
        }
    }
    for (std::int64_t r = 0; r < kMr; ++r) {
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            vstore(tile + r * kNr + v * kLanes, acc[r][v]);
    }
}

std::int64_t panels(std::int64_t n, std::int64_t width) {
    return (n + width - 1) / width;
}

/// Packs rows [0, m) of the row-major m x k matrix `w` into `width`-row panels at `out`.
__attribute__((noinline)) void pack_a(const float* w, std::int64_t m, std::int64_t k,
                                      std::int64_t width, std::vector<float>& out) {
    const std::int64_t np = panels(m, width);
    out.assign(static_cast<std::size_t>(np * k * width), 0.0f);
    for (std::int64_t i = 0; i < m; ++i) {
        float* dst = out.data() + (i / width) * k * width + i % width;
        const float* src = w + i * k;
        for (std::int64_t kk = 0; kk < k; ++kk)
            dst[kk * width] = src[kk];
    }
}

/// The packed weights of `w` (m x k) in `width`-row panels, from a per-thread cache: weights
/// are constants that every call of a layer would repack otherwise. An entry is found by
/// address, size and panel width and used only while the weights equal, bit for bit, the copy
/// it was packed from (one contiguous comparison), so a freed and reused address cannot serve
/// stale panels. The cache holds at most kWeightCacheBytes per thread, copies included;
/// weights beyond that are packed into a scratch buffer on every call.
const std::vector<float>& packed_weights(const float* w, std::int64_t m, std::int64_t k,
                                         std::int64_t width = kMr) {
    struct Entry {
        std::vector<float> source;  ///< the weights the panels were packed from
        std::vector<float> panels;
    };
    using Key = std::tuple<const float*, std::int64_t, std::int64_t, std::int64_t>;
    thread_local std::map<Key, Entry> cache;
    thread_local std::int64_t cached_bytes = 0;
    thread_local std::vector<float> scratch;
    const Key key{w, m, k, width};
    const auto it = cache.find(key);
    const auto count = static_cast<std::size_t>(m * k);
    if (it != cache.end()) {
        Entry& e = it->second;
        // Bitwise: -0 and +0 pack differently, NaN equals itself.
        if (std::memcmp(e.source.data(), w, count * sizeof(float)) != 0) {
            std::copy_n(w, count, e.source.data());
            pack_a(w, m, k, width, e.panels);
        }
        return e.panels;
    }
    const std::int64_t bytes = (panels(m, width) * width + m) * k * 4;
    if (cached_bytes + bytes > kWeightCacheBytes) {
        pack_a(w, m, k, width, scratch);
        return scratch;
    }
    cached_bytes += bytes;
    Entry& e = cache[key];
    e.source.assign(w, w + count);
    pack_a(w, m, k, width, e.panels);
    return e.panels;
}

/// The packed B of one call: K rows, N columns in kNr-wide panels.
struct PackedB {
    std::vector<float>* buf = nullptr;
    std::int64_t k = 0, n = 0;

    void reset(std::vector<float>& b, std::int64_t rows, std::int64_t cols) {
        buf = &b;
        k = rows;
        n = cols;
        const std::int64_t np = panels(cols, kNr);
        b.resize(static_cast<std::size_t>(np * rows * kNr));
        // Zero the last panel: its columns past N feed only tile columns nobody stores.
        if (np > 0)
            std::fill_n(b.data() + (np - 1) * rows * kNr, rows * kNr, 0.0f);
    }
};

/// Where the GEMM's output goes: column j is pixel j % pixels of image j / pixels (relative to
/// the call's first image); row i of image n lands at out + n * image_stride + i * pixels.
struct ConvOut {
    float* out = nullptr;
    std::int64_t pixels = 0, image_stride = 0;
    const float* bias = nullptr;  ///< per row, added once the chain is complete; may be null
    /// The epilogue (ConvEpilogue) of the call's rows: v x scale + shift unless null, then
    /// max(v, 0) if relu.
    const float* scale = nullptr;
    const float* shift = nullptr;
    bool relu = false;

    /// o[q] = the output of row i from its finished chain src[q], for q < n: the bias, then
    /// the epilogue.
    void finish_row(float* o, const float* src, std::int64_t n, std::int64_t i) const {
        if (bias == nullptr && scale == nullptr && !relu) {
            copy_floats(o, src, n);
            return;
        }
        const float b = bias != nullptr ? bias[i] : 0.0f;
        const float s = scale != nullptr ? scale[i] : 0.0f;
        const float t = scale != nullptr ? shift[i] : 0.0f;
        for (std::int64_t q = 0; q < n; ++q) {
            float v = src[q];
            if (bias != nullptr)
                v = v + b;
            if (scale != nullptr)
                v = v * s + t;
            if (relu)
                v = std::max(v, 0.0f);
            o[q] = v;
        }
    }
};

/// The finishing steps (ConvOut's bias and epilogue; no output yet) of a convolution's
/// channels from its bias and epilogue, either of them null.
ConvOut finishing(const Tensor* bias, const ConvEpilogue* epilogue) {
    ConvOut f;
    f.bias = bias != nullptr ? bias->ptr() : nullptr;
    if (epilogue != nullptr) {
        f.scale = epilogue->scale.empty() ? nullptr : epilogue->scale.data();
        f.shift = epilogue->scale.empty() ? nullptr : epilogue->shift.data();
        f.relu = epilogue->relu;
    }
    return f;
}

/// C = A x B for packed A (m rows) and B, written through `dst`.
__attribute__((noinline)) void chain_gemm(const std::vector<float>& pa, std::int64_t m,
                                          const PackedB& pb, const ConvOut& dst) {
    thread_local std::vector<float> tiles;
    const std::int64_t mp = panels(m, kMr);
    const std::int64_t np = panels(pb.n, kNr);
    const std::int64_t k = pb.k;
    tiles.resize(static_cast<std::size_t>(mp * np * kMr * kNr));
    for (std::int64_t k0 = 0; k0 < k; k0 += kKc) {
        const std::int64_t kc = std::min(kKc, k - k0);
        for (std::int64_t jp = 0; jp < np; ++jp) {
            const float* b = pb.buf->data() + jp * k * kNr + k0 * kNr;
            for (std::int64_t ip = 0; ip < mp; ++ip) {
                float* tile = tiles.data() + (jp * mp + ip) * kMr * kNr;
                micro_kernel(kc, pa.data() + ip * k * kMr + k0 * kMr, b, tile, k0 == 0);
            }
        }
    }
    // Epilogue: the tiles to their images and channels, plus the bias.
    for (std::int64_t jp = 0; jp < np; ++jp) {
        const std::int64_t c0 = jp * kNr;
        const std::int64_t c1 = std::min(pb.n, c0 + kNr);
        for (std::int64_t i = 0; i < m; ++i) {
            const float* t = tiles.data() + (jp * mp + i / kMr) * kMr * kNr + (i % kMr) * kNr;
            for (std::int64_t c = c0; c < c1;) {
                const std::int64_t img = c / dst.pixels;
                const std::int64_t pix = c % dst.pixels;
                const std::int64_t run = std::min(dst.pixels - pix, c1 - c);
                float* o = dst.out + img * dst.image_stride + i * dst.pixels + pix;
                dst.finish_row(o, t + (c - c0), run, i);
                c += run;
            }
        }
    }
}

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define DNSIM_DIRECT_CONV 1
// The direct path: for convolutions with unit horizontal stride the micro-kernel reads B
// straight from the zero-bordered planes — vector v of a tile is up to kLanes consecutive
// output pixels of one output row, and row k of B for it is the plane at a fixed offset from
// that row — so there is no patch matrix to pack. Same chains as the packed path: the same
// products in the same k order, from the same floats.
#if defined(__AVX512F__)
using Mask = __mmask16;
inline Mask lane_mask(std::int64_t len) {
    return static_cast<Mask>(len >= 16 ? 0xffffu : (1u << len) - 1u);
}
inline Vec vload_masked(const float* p, Mask m) {
    return _mm512_maskz_loadu_ps(m, p);
}
#else
using Mask = __m256i;
inline Mask lane_mask(std::int64_t len) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(len)), lanes);
}
inline Vec vload_masked(const float* p, Mask m) {
    return _mm256_maskload_ps(p, m);
}
#endif

/// tile = (first ? 0 : tile) + A slice x B, B's vector v at row k being base[v] + off[k].
__attribute__((noinline)) void direct_kernel(std::int64_t kc, const float* a,
                                             const std::int64_t* off, const float* const* base,
                                             const Mask* mask, float* tile, bool first) {
    Vec acc[kMr][kVecsPerRow];
    const float* bp[kVecsPerRow];
    Mask mk[kVecsPerRow];
#pragma GCC unroll 4
    for (std::int64_t v = 0; v < kVecsPerRow; ++v) {
        bp[v] = base[v];
        mk[v] = mask[v];
    }
#pragma GCC unroll 16
    for (std::int64_t r = 0; r < kMr; ++r) {
#pragma GCC unroll 4
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            acc[r][v] = first ? vzero() : vload(tile + r * kNr + v * kLanes);
    }
    for (std::int64_t k = 0; k < kc; ++k) {
        Vec bv[kVecsPerRow];
        const std::int64_t o = off[k];
#pragma GCC unroll 4
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            bv[v] = vload_masked(bp[v] + o, mk[v]);
#pragma GCC unroll 16
        for (std::int64_t r = 0; r < kMr; ++r) {
            const Vec av = vbroadcast(a + k * kMr + r);
#pragma GCC unroll 4
            for (std::int64_t v = 0; v < kVecsPerRow; ++v)
                acc[r][v] = vmadd(av, bv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 16
    for (std::int64_t r = 0; r < kMr; ++r) {
#pragma GCC unroll 4
        for (std::int64_t v = 0; v < kVecsPerRow; ++v)
            vstore(tile + r * kNr + v * kLanes, acc[r][v]);
    }
}
#endif

/// The (zero-bordered) inputs of a call's images: channel ci of image n is the hp x wp plane
/// at data + n image_stride + ci hp wp.
struct Planes {
    const float* data = nullptr;
    std::int64_t hp = 0, wp = 0, image_stride = 0;
};

/// The patch matrix of `images` images (K = c kH kW rows; column n ho wo + oh wo + ow) packed
/// panel by panel. Each panel's columns are cut once into runs along output rows; every row
/// of the panel is then a few contiguous (stride 1) or strided copies from the planes.
__attribute__((noinline)) void pack_b(const Planes& pl, std::int64_t images, std::int64_t c,
                                      std::int64_t ho, std::int64_t wo, const NodeAttrs& a,
                                      PackedB& pb) {
    const std::int64_t kh = a.kernel[0], kw = a.kernel[1];
    const std::int64_t sh = a.strides[0], sw = a.strides[1];
    const std::int64_t dh = a.dilations[0], dw = a.dilations[1];
    const std::int64_t plane = pl.hp * pl.wp;
    const std::int64_t p = ho * wo;
    const std::int64_t n = images * p;
    const std::int64_t k = pb.k;
    struct Run {
        std::int64_t src = 0, dst = 0, len = 0;
    };
    std::vector<Run> runs;
    runs.reserve(static_cast<std::size_t>(kNr));
    for (std::int64_t c0 = 0; c0 < n; c0 += kNr) {
        const std::int64_t c1 = std::min(n, c0 + kNr);
        runs.clear();
        for (std::int64_t col = c0; col < c1;) {
            const std::int64_t img = col / p;
            const std::int64_t oh = (col % p) / wo;
            const std::int64_t ow = col % wo;
            const std::int64_t len = std::min(wo - ow, c1 - col);
            runs.push_back({img * pl.image_stride + oh * sh * pl.wp + ow * sw, col - c0, len});
            col += len;
        }
        float* panel = pb.buf->data() + (c0 / kNr) * k * kNr;
        for (std::int64_t ci = 0; ci < c; ++ci) {
            for (std::int64_t i = 0; i < kh; ++i) {
                for (std::int64_t j = 0; j < kw; ++j) {
                    const std::int64_t row = (ci * kh + i) * kw + j;
                    const float* src = pl.data + ci * plane + i * dh * pl.wp + j * dw;
                    float* dst = panel + row * kNr;
                    for (const Run& r : runs) {
                        if (sw == 1) {
                            copy_floats(dst + r.dst, src + r.src, r.len);
                        } else {
                            for (std::int64_t q = 0; q < r.len; ++q)
                                dst[r.dst + q] = src[r.src + q * sw];
                        }
                    }
                }
            }
        }
    }
}

#if defined(DNSIM_DIRECT_CONV)
/// Where row k = (ci, i, j) of the patch matrix starts in the planes, relative to an output
/// pixel's first tap: one entry per k (the calling thread's buffer, valid until its next call).
const std::vector<std::int64_t>& tap_offsets(const Planes& pl, std::int64_t c, const NodeAttrs& a) {
    const std::int64_t kh = a.kernel[0], kw = a.kernel[1];
    const std::int64_t dh = a.dilations[0], dw = a.dilations[1];
    const std::int64_t plane = pl.hp * pl.wp;
    thread_local std::vector<std::int64_t> off;
    off.resize(static_cast<std::size_t>(c * kh * kw));
    for (std::int64_t ci = 0; ci < c; ++ci) {
        for (std::int64_t i = 0; i < kh; ++i) {
            for (std::int64_t j = 0; j < kw; ++j)
                off[static_cast<std::size_t>((ci * kh + i) * kw + j)] =
                    ci * plane + i * dh * pl.wp + j * dw;
        }
    }
    return off;
}

/// The convolution of `images` images by the direct path (a.strides[1] == 1).
void direct_conv(const std::vector<float>& pa, std::int64_t m, const Planes& pl,
                 std::int64_t images, std::int64_t c, std::int64_t ho, std::int64_t wo,
                 const NodeAttrs& a, const ConvOut& dst) {
    const std::int64_t sh = a.strides[0];
    const std::int64_t k = c * a.kernel[0] * a.kernel[1];
    const std::vector<std::int64_t>& off = tap_offsets(pl, c, a);
    // Vectors: runs of at most kLanes pixels along each output row of each image.
    struct Run {
        const float* src = nullptr;
        float* out = nullptr;  ///< output row 0 of the run
        std::int64_t len = 0;
    };
    thread_local std::vector<Run> runs;
    runs.clear();
    for (std::int64_t n = 0; n < images; ++n) {
        for (std::int64_t oh = 0; oh < ho; ++oh) {
            for (std::int64_t ow = 0; ow < wo; ow += kLanes) {
                runs.push_back({pl.data + n * pl.image_stride + oh * sh * pl.wp + ow,
                                dst.out + n * dst.image_stride + oh * wo + ow,
                                std::min(kLanes, wo - ow)});
            }
        }
    }
    const auto nruns = static_cast<std::int64_t>(runs.size());
    const std::int64_t nt = panels(nruns, kVecsPerRow);
    const std::int64_t mp = panels(m, kMr);
    thread_local std::vector<float> tiles;
    tiles.resize(static_cast<std::size_t>(nt * mp * kMr * kNr));
    for (std::int64_t k0 = 0; k0 < k; k0 += kKc) {
        const std::int64_t kc = std::min(kKc, k - k0);
        for (std::int64_t t = 0; t < nt; ++t) {
            const float* base[kVecsPerRow];
            Mask mask[kVecsPerRow];
            for (std::int64_t v = 0; v < kVecsPerRow; ++v) {
                const std::int64_t r = t * kVecsPerRow + v;
                base[v] = r < nruns ? runs[static_cast<std::size_t>(r)].src : pl.data;
                mask[v] = lane_mask(r < nruns ? runs[static_cast<std::size_t>(r)].len : 0);
            }
            for (std::int64_t ip = 0; ip < mp; ++ip) {
                float* tile = tiles.data() + (t * mp + ip) * kMr * kNr;
                direct_kernel(kc, pa.data() + ip * k * kMr + k0 * kMr, off.data() + k0, base, mask,
                              tile, k0 == 0);
            }
        }
    }
    for (std::int64_t r = 0; r < nruns; ++r) {
        const Run& run = runs[static_cast<std::size_t>(r)];
        const std::int64_t t = r / kVecsPerRow;
        const std::int64_t v = r % kVecsPerRow;
        for (std::int64_t i = 0; i < m; ++i) {
            const float* src =
                tiles.data() + (t * mp + i / kMr) * kMr * kNr + (i % kMr) * kNr + v * kLanes;
            dst.finish_row(run.out + i * dst.pixels, src, run.len, i);
        }
    }
}

// The channel-lane path: the vector lanes hold output channels and each pixel's input value is
// broadcast to them, so a tile is kPixels pixels at any places (any stride, any map width, any
// image) by kVecs vectors of channels, read straight from the planes — no patch matrix, no idle
// lanes on narrow maps. Each output element is still the one chain over k in order from 0 with
// a fused multiply-add per k, of the same floats (a w x is x w): the bits of the other paths.

/// A tile shape of the channel-lane path: kVecs vectors of channels by kPixels pixels.
template <int kVecs, int kPixels>
struct LaneTile {
    static constexpr std::int64_t vecs = kVecs;
    static constexpr std::int64_t pixels = kPixels;
    static constexpr std::int64_t width = kVecs * kLanes;  ///< channels (weights panel rows)
};
#if defined(__AVX512F__)
// 32 registers: 24 accumulators, the weight vectors and a broadcast.
using WideLane = LaneTile<4, 6>;
using NarrowLane = LaneTile<2, 12>;
using SingleLane = LaneTile<1, 12>;  ///< the channels-last path's groups of 16 or fewer channels
#else
// 16 registers: 12 accumulators, two weight vectors and a broadcast.
using WideLane = LaneTile<2, 6>;
using NarrowLane = LaneTile<2, 6>;
using SingleLane = LaneTile<1, 12>;
#endif

/// The finishing steps of one panel's channels (ConvOut::finish), a value per lane: bias,
/// scale and shift null when absent.
struct LaneFinish {
    const float* bias = nullptr;
    const float* scale = nullptr;
    const float* shift = nullptr;
    /// With a residual: each output adds the value `residual_bytes` past its own place (after
    /// the BatchNorm step, before the Relu). Only where the kernel stores in place (`outs`).
    bool residual = false;
    std::intptr_t residual_bytes = 0;
    bool relu = false;
};

/// The float `bytes` past `p` (another tensor of the same layout, or `p` itself).
inline const float* shifted(const float* p, std::intptr_t bytes) {
    return reinterpret_cast<const float*>(reinterpret_cast<std::intptr_t>(p) + bytes);
}

/// One step k of a chain: the weights' row (T::width channels) and where the input of pixel
/// p is, taps[k].x + pix[p]. Absolute addresses, so that the kernel's loop needs one pointer
/// besides the pixels' offsets: with the rows and offsets looked up relative to the panel and
/// the planes, the twelve-pixel tile kept four of its offsets outside the general registers
/// and moved them in at every step (docs/benchmarks.md, 2026-11-30).
struct Tap {
    const float* w;
    const float* x;
};

/// tile[p][c] = the finished chain of channel c at pixel p over the k steps `taps`, in that
/// order. With `outs`, pixel p's channels go to outs[p] + out_offset instead (consecutive
/// floats, a whole panel's width).
template <class T>
__attribute__((noinline)) void lane_kernel(std::int64_t k, const Tap* taps, const std::int64_t* pix,
                                           const LaneFinish& fin, float* tile,
                                           float* const* outs = nullptr,
                                           std::int64_t out_offset = 0) {
    Vec acc[T::pixels][T::vecs];
#pragma GCC unroll 24
    for (std::int64_t p = 0; p < T::pixels; ++p) {
#pragma GCC unroll 4
        for (std::int64_t v = 0; v < T::vecs; ++v)
            acc[p][v] = vzero();
    }
    for (const Tap* tap = taps; tap != taps + k; ++tap) {
        const float* xb = tap->x;
        Vec wv[T::vecs];
#pragma GCC unroll 4
        for (std::int64_t v = 0; v < T::vecs; ++v)
            wv[v] = vload(tap->w + v * kLanes);
#pragma GCC unroll 24
        for (std::int64_t p = 0; p < T::pixels; ++p) {
            const Vec xv = vbroadcast(xb + pix[p]);
#pragma GCC unroll 4
            for (std::int64_t v = 0; v < T::vecs; ++v)
                acc[p][v] = vmadd(wv[v], xv, acc[p][v]);
        }
    }
    // The same steps as ConvOut::finish, lane by lane.
#pragma GCC unroll 4
    for (std::int64_t v = 0; v < T::vecs; ++v) {
        const Vec b = fin.bias != nullptr ? vload(fin.bias + v * kLanes) : vzero();
        const Vec sc = fin.scale != nullptr ? vload(fin.scale + v * kLanes) : vzero();
        const Vec sh = fin.scale != nullptr ? vload(fin.shift + v * kLanes) : vzero();
#pragma GCC unroll 24
        for (std::int64_t p = 0; p < T::pixels; ++p) {
            Vec r = acc[p][v];
            if (fin.bias != nullptr)
                r = vadd(r, b);
            if (fin.scale != nullptr)
                r = vadd(vmul(r, sc), sh);
            float* to = (outs != nullptr ? outs[p] + out_offset : tile + p * T::width) + v * kLanes;
            if (fin.residual)
                r = vadd(r, vload(shifted(to, fin.residual_bytes)));
            if (fin.relu)
                r = vrelu(r);
            vstore(to, r);
        }
    }
}

/// The panel width (channels) of the channel-lane path for a group of m output channels, or 0
/// where it would use fewer than two vectors of lanes or pad the weights by more than a quarter
/// (conv_weight_cache_bytes allows that much).
std::int64_t lane_width(std::int64_t m) {
    const auto fits = [m](std::int64_t width) {
        return m >= 2 * kLanes && panels(m, width) * width * 4 <= m * 5;
    };
    if (m > NarrowLane::width && fits(WideLane::width))
        return WideLane::width;
    return fits(NarrowLane::width) ? NarrowLane::width : 0;
}

// The channels-last path (the executor's layout between convolutions, kernels.h): image n is
// an (h + 2B) x (w + 2B) x c array whose border of B = kChannelsLastBorder pixels holds zeros,
// so a tap in the padding reads a zero in place, as the zero-bordered planes hold one. The
// channel-lane kernel serves it unchanged: only the offsets of the taps and pixels differ, and
// a pixel's channels are consecutive in the output, so the finished tile is copied out row by
// row. Each output element is the same chain over k = (c, kh, kw) as on the other paths.

/// The panel width of the channels-last path for m output channels: the widest tile whose
/// panels pad the weights by at most a quarter, one vector of channels at least.
std::int64_t channels_last_width(std::int64_t m) {
    const auto fits = [m](std::int64_t width) {
        return m >= width && panels(m, width) * width * 4 <= m * 5;
    };
    if (fits(WideLane::width))
        return WideLane::width;
    if (fits(NarrowLane::width))
        return NarrowLane::width;
    return SingleLane::width;
}

/// Where a call's values are: element (image n, frame row r, frame column q, channel ch) at
/// n image + r row + q col + ch chan. An input's frame holds the map from frame row
/// `origin_row` and column `origin_col` on, with its padding (zeros) around it; an output's
/// holds the map from there too.
struct Frame {
    std::int64_t image = 0, row = 0, col = 0, chan = 0;
    std::int64_t origin_row = 0, origin_col = 0;
};

/// The convolution of `images` images of c channels (h x w) at `x`, laid out as `in`, into the
/// m channels at `out` laid out as `dst`, by the channel-lane path with tile shape T (`pa`: the
/// weights in panels of T::width channels).
///
/// With `skip_padding`, each pixel's chain leaves out the taps that fall in the padding. That
/// gives the same bits: a tap there adds w x 0, a zero, to the chain, and a chain never holds
/// -0 (it starts from +0, and x + (-0) = x, +0 + -0 = +0, an exact cancellation gives +0), so
/// adding a zero leaves it as it is — unless w is infinite or NaN, where w x 0 is NaN; the
/// caller passes false for such weights. Pixels are grouped by the taps they keep (a corner,
/// an edge or the inside of the map), each group with its own list of rows.
///
/// `residual` (channels-last outputs only, dst.chan 1): every output adds the value
/// `residual_bytes` past its own place, after the BatchNorm step and before the Relu.
template <class T>
void lane_conv(const std::vector<float>& pa, std::int64_t m, const float* x, const Frame& in,
               std::int64_t images, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t ho,
               std::int64_t wo, const NodeAttrs& a, float* out, const Frame& dst,
               const ConvOut& fin_rows, bool skip_padding, bool residual = false,
               std::intptr_t residual_bytes = 0) {
    const std::int64_t kh = a.kernel[0], kw = a.kernel[1];
    const std::int64_t sh = a.strides[0], sw = a.strides[1];
    const std::int64_t dh = a.dilations[0], dw = a.dilations[1];
    // The taps each output row and column keeps: [first, last) of i (rows) or j (columns),
    // those whose input o s - pad + i d lies within [0, size).
    const auto reach = [&](std::int64_t o, std::int64_t s, std::int64_t pad, std::int64_t d,
                           std::int64_t size,
                           std::int64_t taps) -> std::pair<std::int64_t, std::int64_t> {
        if (!skip_padding)
            return {0, taps};
        const std::int64_t first = o * s - pad;
        const auto ceil_div = [d](std::int64_t v) -> std::int64_t {
            return v <= 0 ? 0 : (v + d - 1) / d;
        };
        return {std::min(ceil_div(-first), taps), std::min(ceil_div(size - first), taps)};
    };
    // Classes of pixels: distinct row reaches x distinct column reaches.
    std::vector<std::pair<std::int64_t, std::int64_t>> row_kinds, col_kinds;
    std::vector<std::int64_t> row_kind(static_cast<std::size_t>(ho));
    std::vector<std::int64_t> col_kind(static_cast<std::size_t>(wo));
    const auto kind_of = [](std::vector<std::pair<std::int64_t, std::int64_t>>& kinds,
                            std::pair<std::int64_t, std::int64_t> r) {
        const auto it = std::find(kinds.begin(), kinds.end(), r);
        if (it != kinds.end())
            return static_cast<std::int64_t>(it - kinds.begin());
        kinds.push_back(r);
        return static_cast<std::int64_t>(kinds.size() - 1);
    };
    for (std::int64_t oh = 0; oh < ho; ++oh)
        row_kind[static_cast<std::size_t>(oh)] =
            kind_of(row_kinds, reach(oh, sh, a.pads[0], dh, h, kh));
    for (std::int64_t ow = 0; ow < wo; ++ow)
        col_kind[static_cast<std::size_t>(ow)] =
            kind_of(col_kinds, reach(ow, sw, a.pads[1], dw, w, kw));
    const auto n_cols = static_cast<std::int64_t>(col_kinds.size());
    const auto n_classes = static_cast<std::int64_t>(row_kinds.size()) * n_cols;
    // Per class: its rows of the panel and their offsets in the input, and its pixels (where
    // the first tap is and where channel 0 goes), padded to whole tiles by repeating its first
    // pixel, whose extra results nobody stores.
    struct Class {
        std::vector<std::int64_t> rows, off, src;
        std::vector<float*> dst;
        std::vector<Tap> taps;  ///< rows and off for the panel at hand
    };
    // Kept from call to call with their storage (never shrunk: a layer with fewer classes
    // would free what the next one allocates again).
    thread_local std::vector<Class> all_classes;
    if (all_classes.size() < static_cast<std::size_t>(n_classes))
        all_classes.resize(static_cast<std::size_t>(n_classes));
    const auto classes = [&](std::int64_t i) -> Class& {
        return all_classes[static_cast<std::size_t>(i)];
    };
    for (std::int64_t ci = 0; ci < n_classes; ++ci) {
        Class& cl = classes(ci);
        const auto [i0, i1] = row_kinds[static_cast<std::size_t>(ci / n_cols)];
        const auto [j0, j1] = col_kinds[static_cast<std::size_t>(ci % n_cols)];
        cl.rows.clear();
        cl.off.clear();
        cl.src.clear();
        cl.dst.clear();
        for (std::int64_t ch = 0; ch < c; ++ch) {
            for (std::int64_t i = i0; i < i1; ++i) {
                for (std::int64_t j = j0; j < j1; ++j) {
                    cl.rows.push_back(((ch * kh + i) * kw + j) * T::width);
                    cl.off.push_back(i * dh * in.row + j * dw * in.col + ch * in.chan);
                }
            }
        }
    }
    for (std::int64_t img = 0; img < images; ++img) {
        for (std::int64_t oh = 0; oh < ho; ++oh) {
            for (std::int64_t ow = 0; ow < wo; ++ow) {
                Class& cl = classes(row_kind[static_cast<std::size_t>(oh)] * n_cols +
                                    col_kind[static_cast<std::size_t>(ow)]);
                cl.src.push_back(img * in.image + (oh * sh - a.pads[0] + in.origin_row) * in.row +
                                 (ow * sw - a.pads[1] + in.origin_col) * in.col);
                cl.dst.push_back(out + img * dst.image + (oh + dst.origin_row) * dst.row +
                                 (ow + dst.origin_col) * dst.col);
            }
        }
    }
    alignas(64) float tile[T::pixels * T::width];
    // The panel's finishing values, zero past channel m (whose results nobody stores).
    alignas(64) float finish[3][T::width];
    for (std::int64_t m0 = 0; m0 < m; m0 += T::width) {
        const std::int64_t k = c * kh * kw;
        const float* panel = pa.data() + (m0 / T::width) * k * T::width;
        const std::int64_t rows = std::min(T::width, m - m0);
        LaneFinish fin;
        fin.relu = fin_rows.relu;
        fin.residual = residual;
        fin.residual_bytes = residual_bytes;
        const float* from_rows[3] = {fin_rows.bias, fin_rows.scale, fin_rows.shift};
        const float** to[3] = {&fin.bias, &fin.scale, &fin.shift};
        for (int f = 0; f < 3; ++f) {
            if (from_rows[f] == nullptr)
                continue;
            std::fill_n(finish[f], T::width, 0.0f);
            std::copy_n(from_rows[f] + m0, rows, finish[f]);
            *to[f] = finish[f];
        }
        for (std::int64_t ci = 0; ci < n_classes; ++ci) {
            Class& cl = classes(ci);
            const auto n = static_cast<std::int64_t>(cl.dst.size());
            if (n == 0)
                continue;
            const std::int64_t first = cl.src[0];  // a copy: resize may move the storage
            cl.src.resize(static_cast<std::size_t>(panels(n, T::pixels) * T::pixels), first);
            const auto kc = static_cast<std::int64_t>(cl.rows.size());
            cl.taps.resize(static_cast<std::size_t>(kc));
            for (std::size_t i = 0; i < cl.taps.size(); ++i)
                cl.taps[i] = {panel + cl.rows[i], x + cl.off[i]};
            for (std::int64_t t = 0; t * T::pixels < n; ++t) {
                const std::int64_t cols = std::min(T::pixels, n - t * T::pixels);
                const std::int64_t* pix = cl.src.data() + t * T::pixels;
                float* const* outs = cl.dst.data() + t * T::pixels;
                if (dst.chan == 1 && cols == T::pixels && rows == T::width) {
                    // A whole tile whose pixels hold their channels side by side (channels-last):
                    // the kernel stores each pixel's channels in place.
                    lane_kernel<T>(kc, cl.taps.data(), pix, fin, tile, outs, m0);
                    continue;
                }
                // Into the tile, then out: the residual and the Relu after it are applied
                // here, one value at a time, as the kernel would (v + r, then max(v, 0)).
                LaneFinish partial = fin;
                partial.residual = false;
                partial.relu = fin.relu && !residual;
                lane_kernel<T>(kc, cl.taps.data(), pix, partial, tile);
                for (std::int64_t q = 0; q < cols; ++q) {
                    float* o = outs[q] + m0 * dst.chan;
                    const float* from = tile + q * T::width;
                    if (residual) {
                        const float* res = shifted(o, residual_bytes);
                        for (std::int64_t r = 0; r < rows; ++r) {
                            float v = from[r] + res[r];
                            if (fin.relu)
                                v = std::max(v, 0.0f);
                            o[r] = v;
                        }
                    } else if (dst.chan == 1) {
                        copy_floats(o, from, rows);
                    } else {
                        for (std::int64_t r = 0; r < rows; ++r)
                            o[r * dst.chan] = from[r];
                    }
                }
            }
        }
    }
}

/// True when every weight is finite: the lane path may then leave out padded taps (lane_conv).
bool all_finite(const float* w, std::int64_t count) {
    return std::all_of(w, w + count, [](float v) { return std::isfinite(v); });
}
#endif

}  // namespace

/// Unfolds the input patches of one group into a (C kH kW) x (Ho Wo) matrix.
void im2col(const float* x, float* col, std::int64_t c, std::int64_t h, std::int64_t w,
            std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    unfold(make_plane(x, c, h, w, ho, wo, a), col, c, wo, 0, ho, a);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a,
              const ConvEpilogue* epilogue) {
    const std::int64_t n_img = x.dims[0];
    const std::int64_t c = x.dims[1];
    const std::int64_t h = x.dims[2];
    const std::int64_t wd = x.dims[3];
    const std::int64_t m = w.dims[0];
    const std::int64_t g = a.group;
    const std::int64_t cg = c / g;
    const std::int64_t mg = m / g;
    const std::int64_t kh = a.kernel[0];
    const std::int64_t kw = a.kernel[1];
    const std::int64_t ho =
        (h + a.pads[0] + a.pads[2] - a.dilations[0] * (kh - 1) - 1) / a.strides[0] + 1;
    const std::int64_t wo =
        (wd + a.pads[1] + a.pads[3] - a.dilations[1] * (kw - 1) - 1) / a.strides[1] + 1;
    const std::int64_t p = ho * wo;
    const std::int64_t k = cg * kh * kw;
    Tensor out({n_img, m, ho, wo});
    if (n_img == 0)
        return out;
    // The finishing steps of output channel 0 (ConvOut's rows are relative to a group's first).
    const ConvOut finish = finishing(bias, epilogue);
    const auto finish_group = [&finish](std::int64_t first) {
        ConvOut d = finish;
        if (d.bias != nullptr)
            d.bias += first;
        if (d.scale != nullptr) {
            d.scale += first;
            d.shift += first;
        }
        return d;
    };
    if (cg == 1 && mg == 1) {
        for (std::int64_t n = 0; n < n_img; ++n) {
            for (std::int64_t gi = 0; gi < g; ++gi) {
                float* og = out.ptr() + (n * m + gi) * p;
                depthwise(x.ptr() + (n * c + gi) * h * wd, w.ptr() + gi * k, og, h, wd, ho, wo, a);
                finish.finish_row(og, og, p, gi);
            }
        }
        return out;
    }
    const bool pointwise = kh == 1 && kw == 1 && a.strides == std::array<std::int64_t, 2>{1, 1} &&
                           a.pads == std::array<std::int64_t, 4>{0, 0, 0, 0};
    // Images per GEMM: as many as keep each working set — packed patches, output tiles,
    // bordered inputs — within kPatchBytes (at least one).
    const Plane reach = plane_shape(ho, wo, a);
    const std::int64_t per_image =
        std::max<std::int64_t>(1, std::max({k * p, mg * p, cg * reach.hp * reach.wp}) * 4);
    const std::int64_t chunk = std::clamp<std::int64_t>(kPatchBytes / per_image, 1, n_img);
    thread_local std::vector<float> packed_b;
    thread_local std::vector<float> padded;
    const bool unpadded = a.pads == std::array<std::int64_t, 4>{0, 0, 0, 0};
    // Paths: direct rows where output rows are wide and the stride unit; else channel lanes
    // where a group has enough output channels; else packed patches.
    const bool direct = a.strides[1] == 1 && wo >= kDirectMinWidth && kDirectConv;
#if defined(DNSIM_DIRECT_CONV)
    const std::int64_t lane = direct ? 0 : lane_width(mg);
#else
    const std::int64_t lane = 0;
#endif
#if defined(DNSIM_DIRECT_CONV)
    // Padded taps are taken here: leaving them out (as the channels-last path does) made the
    // replay's noisy pass 6 % slower in alternating runs (docs/benchmarks.md). Its calls hold a
    // few images each (the working set of the patch matrix decides), so the pixel groups'
    // part-filled tiles cost more than the taps saved.
    constexpr bool skip = false;
#endif
    for (std::int64_t gi = 0; gi < g; ++gi) {
        const std::vector<float>& packed_a =
            packed_weights(w.ptr() + gi * mg * k, mg, k, lane != 0 ? lane : kMr);
        for (std::int64_t n0 = 0; n0 < n_img; n0 += chunk) {
            const std::int64_t nq = std::min(chunk, n_img - n0);
            // The direct path's masked loads may reach up to a vector past a plane's last row:
            // AVX-512 masks never fault there, AVX2's are not promised not to on every CPU, so
            // with AVX2 the direct path reads a copy with a vector of slack. The channel-lane
            // path reads single floats, none past a plane: an unpadded input serves as it is.
            Planes planes;
            if ((pointwise && (!direct || kLanes == 16)) || (lane != 0 && unpadded)) {
                planes = {x.ptr() + (n0 * c + gi * cg) * h * wd, h, wd, c * h * wd};
            } else {
                // The zero-bordered input of each image, one after another.
                const Plane one = plane_shape(ho, wo, a);
                const std::int64_t size = cg * one.hp * one.wp;
                padded.resize(static_cast<std::size_t>(nq * size + kLanes));
                for (std::int64_t q = 0; q < nq; ++q) {
                    fill_plane(x.ptr() + ((n0 + q) * c + gi * cg) * h * wd,
                               padded.data() + q * size, one, cg, h, wd, a);
                }
                planes = {padded.data(), one.hp, one.wp, size};
            }
            ConvOut dst = finish_group(gi * mg);
            dst.out = out.ptr() + (n0 * m + gi * mg) * p;
            dst.pixels = p;
            dst.image_stride = m * p;
#if defined(DNSIM_DIRECT_CONV)
            if (lane != 0) {
                // The planes: the zero-bordered copy, whose frame starts at the pads, or the
                // unpadded input itself; outputs NCHW.
                const bool copy = planes.data != x.ptr() + (n0 * c + gi * cg) * h * wd;
                const std::int64_t top = copy ? a.pads[0] : 0, left = copy ? a.pads[1] : 0;
                const Frame in{planes.image_stride, planes.wp, 1, planes.hp * planes.wp, top, left};
                const Frame to{dst.image_stride, wo, 1, dst.pixels, 0, 0};
                if (lane == WideLane::width) {
                    lane_conv<WideLane>(packed_a, mg, planes.data, in, nq, cg, h, wd, ho, wo, a,
                                        dst.out, to, dst, skip);
                } else {
                    lane_conv<NarrowLane>(packed_a, mg, planes.data, in, nq, cg, h, wd, ho, wo, a,
                                          dst.out, to, dst, skip);
                }
                continue;
            }
            if (direct) {
                direct_conv(packed_a, mg, planes, nq, cg, ho, wo, a, dst);
                continue;
            }
#endif
            PackedB pb;
            pb.reset(packed_b, k, nq * p);
            pack_b(planes, nq, cg, ho, wo, a, pb);
            chain_gemm(packed_a, mg, pb, dst);
        }
    }
    return out;
}

bool gemm_fused() {
    return kFused;
}

bool conv_channels_last() {
#if defined(DNSIM_DIRECT_CONV)
    return true;
#else
    return false;
#endif
}

Tensor conv2d_channels_last(const Tensor& x, const Tensor& w, const Tensor* bias,
                            const NodeAttrs& a, const ConvEpilogue* epilogue,
                            const Tensor* residual, Tensor* into) {
#if !defined(DNSIM_DIRECT_CONV)
    (void)x, (void)w, (void)bias, (void)a, (void)epilogue, (void)residual, (void)into;
    throw std::logic_error("conv2d_channels_last: this kernel copy has no channel-lane path");
#else
    constexpr std::int64_t b = kChannelsLastBorder;
    const std::int64_t n_img = x.dims[0];
    const std::int64_t h = x.dims[1] - 2 * b;
    const std::int64_t wd = x.dims[2] - 2 * b;
    const std::int64_t c = x.dims[3];
    const std::int64_t m = w.dims[0];
    const std::int64_t kh = a.kernel[0];
    const std::int64_t kw = a.kernel[1];
    const Dims out_dims = kernels::conv2d_channels_last_dims(x.dims, w.dims, a);
    const std::int64_t ho = out_dims[1] - 2 * b;
    const std::int64_t wo = out_dims[2] - 2 * b;
    // In place: the residual's own storage takes the outputs, each written where its residual
    // value was read.
    Tensor out = into != nullptr ? std::move(*into) : Tensor(out_dims);
    const std::intptr_t residual_bytes = into != nullptr || residual == nullptr
                                             ? 0
                                             : reinterpret_cast<std::intptr_t>(residual->ptr()) -
                                                   reinterpret_cast<std::intptr_t>(out.ptr());
    if (n_img == 0)
        return out;
    const ConvOut fin = finishing(bias, epilogue);
    const std::int64_t k = c * kh * kw;
    const std::int64_t width = channels_last_width(m);
    const std::vector<float>& packed = packed_weights(w.ptr(), m, k, width);
    // Taps in the padding are left out where that gives the same bits: finite weights.
    const bool skip = all_finite(w.ptr(), w.numel());
    // Images per pass over the panels: as many as keep their input within
    // kChannelsLastChunkBytes, so it is still in L2 when the next panel reads it (at least one).
    const std::int64_t in_image = x.dims[1] * x.dims[2] * c;
    const std::int64_t out_image = (ho + 2 * b) * (wo + 2 * b) * m;
    const std::int64_t chunk = std::clamp<std::int64_t>(
        kChannelsLastChunkBytes / std::max<std::int64_t>(in_image * 4, 1), 1, n_img);
    for (std::int64_t n0 = 0; n0 < n_img; n0 += chunk) {
        const std::int64_t nq = std::min(chunk, n_img - n0);
        const float* xi = x.ptr() + n0 * in_image;
        float* oi = out.ptr() + n0 * out_image;
        // Channels-last frames: the map from (b, b) on, pixels c or m floats apart.
        const Frame in{in_image, x.dims[2] * c, c, 1, b, b};
        const Frame to{out_image, (wo + 2 * b) * m, m, 1, b, b};
        const bool add = residual != nullptr;
        if (width == WideLane::width) {
            lane_conv<WideLane>(packed, m, xi, in, nq, c, h, wd, ho, wo, a, oi, to, fin, skip, add,
                                residual_bytes);
        } else if (width == NarrowLane::width) {
            lane_conv<NarrowLane>(packed, m, xi, in, nq, c, h, wd, ho, wo, a, oi, to, fin, skip,
                                  add, residual_bytes);
        } else {
            lane_conv<SingleLane>(packed, m, xi, in, nq, c, h, wd, ho, wo, a, oi, to, fin, skip,
                                  add, residual_bytes);
        }
    }
    return out;
#endif
}

Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, const NodeAttrs& at,
            const Dims& out_dims) {
    Tensor out(out_dims);
    const MapC ma(a.ptr(), a.dims[0], a.dims[1]);
    const MapC mb(b.ptr(), b.dims[0], b.dims[1]);
    Map mo(out.ptr(), out_dims[0], out_dims[1]);
    if (!at.trans_a) {
        // Row by row: each row of A (one image in a batch) gets the same bits whatever the
        // number of rows.
        for (std::int64_t r = 0; r < out_dims[0]; ++r) {
            if (at.trans_b) {
                mo.row(r).noalias() = ma.row(r) * mb.transpose();
            } else {
                mo.row(r).noalias() = ma.row(r) * mb;
            }
        }
    } else if (at.trans_a && at.trans_b) {
        mo.noalias() = ma.transpose() * mb.transpose();
    } else if (at.trans_a) {
        mo.noalias() = ma.transpose() * mb;
    } else if (at.trans_b) {
        mo.noalias() = ma * mb.transpose();
    } else {
        mo.noalias() = ma * mb;
    }
    if (at.alpha != 1.0f)
        mo *= at.alpha;
    if (c != nullptr) {
        Tensor scaled = *c;
        for (float& v : scaled.data)
            v *= at.beta;
        return kernels::binary(Op::Add, out, scaled, out_dims);
    }
    return out;
}

Tensor matmul(const Tensor& a, const Tensor& b, const Dims& out_dims) {
    Dims da = a.dims;
    Dims db = b.dims;
    if (da.size() == 1)
        da.insert(da.begin(), 1);
    if (db.size() == 1)
        db.push_back(1);
    const std::int64_t m = da[da.size() - 2];
    const std::int64_t k = da.back();
    const std::int64_t n = db.back();
    const Dims ba(da.begin(), da.end() - 2);
    const Dims bb(db.begin(), db.end() - 2);
    const std::size_t r = std::max(ba.size(), bb.size());
    Dims bo(r);
    for (std::size_t i = 0; i < r; ++i) {
        const std::int64_t x = i < r - ba.size() ? 1 : ba[i - (r - ba.size())];
        const std::int64_t y = i < r - bb.size() ? 1 : bb[i - (r - bb.size())];
        bo[i] = std::max(x, y);
    }
    Tensor out(out_dims);
    const std::int64_t batches = numel(bo);
    std::vector<std::int64_t> idx(r, 0);
    for (std::int64_t bi = 0; bi < batches; ++bi) {
        std::int64_t off_a = 0;
        std::int64_t off_b = 0;
        std::int64_t sa = 1;
        std::int64_t sb = 1;
        for (std::size_t d = r; d-- > 0;) {
            const std::int64_t xa = d < r - ba.size() ? 1 : ba[d - (r - ba.size())];
            const std::int64_t xb = d < r - bb.size() ? 1 : bb[d - (r - bb.size())];
            off_a += (xa == 1 ? 0 : idx[d]) * sa;
            off_b += (xb == 1 ? 0 : idx[d]) * sb;
            sa *= xa;
            sb *= xb;
        }
        Map(out.ptr() + bi * m * n, m, n).noalias() =
            MapC(a.ptr() + off_a * m * k, m, k) * MapC(b.ptr() + off_b * k * n, k, n);
        for (std::size_t d = r; d-- > 0;) {
            if (++idx[d] < bo[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}

}  // namespace dnsim::workloads::kernels::DNSIM_ISA_NS
