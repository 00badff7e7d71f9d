// The executor's GEMM kernels (convolution by im2col + GEMM, Gemm, MatMul) on Eigen. Compiled
// once per vector ISA into the namespace DNSIM_ISA_NS (cmake/DnsimIsa.cmake); kernels.cpp
// picks the copy at run time.
#include <algorithm>
#include <cmath>
#include <vector>

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

void depthwise(const float* x, const float* w, float* out, std::int64_t h, std::int64_t wd,
               std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    const std::int64_t kh = a.kernel[0];
    const std::int64_t kw = a.kernel[1];
    for (std::int64_t oh = 0; oh < ho; ++oh) {
        for (std::int64_t ow = 0; ow < wo; ++ow) {
            float acc = 0.0f;
            for (std::int64_t i = 0; i < kh; ++i) {
                const std::int64_t ih = oh * a.strides[0] - a.pads[0] + i * a.dilations[0];
                if (ih < 0 || ih >= h)
                    continue;
                for (std::int64_t j = 0; j < kw; ++j) {
                    const std::int64_t iw = ow * a.strides[1] - a.pads[1] + j * a.dilations[1];
                    if (iw < 0 || iw >= wd)
                        continue;
                    acc += x[ih * wd + iw] * w[i * kw + j];
                }
            }
            out[oh * wo + ow] = acc;
        }
    }
}

/// The zero-bordered input of one group: plane (r, q) of channel ci holds input
/// (r - pad_top, q - pad_left), or 0 outside the image; the plane covers every tap's reach.
struct Plane {
    std::int64_t hp = 0, wp = 0;
    const float* data = nullptr;  ///< the calling thread's buffer, valid until its next plane
};

Plane make_plane(const float* x, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t ho,
                 std::int64_t wo, const NodeAttrs& a) {
    thread_local std::vector<float> pad;
    Plane pl;
    pl.hp = (ho - 1) * a.strides[0] + (a.kernel[0] - 1) * a.dilations[0] + 1;
    pl.wp = (wo - 1) * a.strides[1] + (a.kernel[1] - 1) * a.dilations[1] + 1;
    const std::int64_t plane = pl.hp * pl.wp;
    pad.resize(static_cast<std::size_t>(c * plane));
    pl.data = pad.data();
    // Plane columns [q0, q1) hold input columns q - pads[1]; the rest are zero.
    const std::int64_t q0 = std::clamp<std::int64_t>(a.pads[1], 0, pl.wp);
    const std::int64_t q1 = std::clamp<std::int64_t>(a.pads[1] + w, q0, pl.wp);
    for (std::int64_t ci = 0; ci < c; ++ci) {
        for (std::int64_t r = 0; r < pl.hp; ++r) {
            float* dst = pad.data() + ci * plane + r * pl.wp;
            const std::int64_t ih = r - a.pads[0];
            if (ih < 0 || ih >= h) {
                for (std::int64_t q = 0; q < pl.wp; ++q)
                    dst[q] = 0.0f;
                continue;
            }
            const float* src = x + (ci * h + ih) * w;
            const std::int64_t shift = a.pads[1];
            for (std::int64_t q = 0; q < q0; ++q)
                dst[q] = 0.0f;
            for (std::int64_t q = q0; q < q1; ++q)
                dst[q] = src[q - shift];
            for (std::int64_t q = q1; q < pl.wp; ++q)
                dst[q] = 0.0f;
        }
    }
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

/// Output rows per GEMM in conv2d. Eigen evaluates the row-major product as the transposed one,
/// so the pixels are its rows, taken in micro-panels of 24 (AVX2; 48 with AVX-512) with a
/// different kernel for the last few. A block of a multiple of 48 pixels, and a last block of
/// at least 2 (one would be a matrix-vector product), sends every pixel through the same kernel
/// and summation order as one GEMM over the whole map: same bits, and the patch block stays in
/// L2. Maps of up to kBlockPixels pixels are not split.
constexpr std::int64_t kBlockPixels = 256;
constexpr std::int64_t kPanelPixels = 48;

std::int64_t rows_per_block(std::int64_t ho, std::int64_t wo) {
    if (ho * wo <= kBlockPixels)
        return ho;
    for (std::int64_t r = 1; r < ho && r * wo <= 4 * kBlockPixels; ++r) {
        if ((r * wo) % kPanelPixels == 0 && (ho % r) * wo != 1)
            return r;
    }
    return ho;
}

}  // namespace

/// Unfolds the input patches of one group into a (C kH kW) x (Ho Wo) matrix.
void im2col(const float* x, float* col, std::int64_t c, std::int64_t h, std::int64_t w,
            std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    unfold(make_plane(x, c, h, w, ho, wo, a), col, c, wo, 0, ho, a);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a) {
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
    const bool pointwise = kh == 1 && kw == 1 && a.strides == std::array<std::int64_t, 2>{1, 1} &&
                           a.pads == std::array<std::int64_t, 4>{0, 0, 0, 0};
    const std::int64_t block_rows = rows_per_block(ho, wo);
    std::vector<float> col;
    if (!pointwise && !(cg == 1 && mg == 1)) {
        col.resize(static_cast<std::size_t>(k * block_rows * wo));
    }
    for (std::int64_t n = 0; n < n_img; ++n) {
        for (std::int64_t gi = 0; gi < g; ++gi) {
            const float* xg = x.ptr() + (n * c + gi * cg) * h * wd;
            const float* wg = w.ptr() + gi * mg * k;
            float* og = out.ptr() + (n * m + gi * mg) * p;
            if (cg == 1 && mg == 1) {
                depthwise(xg, wg, og, h, wd, ho, wo, a);
                continue;
            }
            if (pointwise) {
                Map(og, mg, p).noalias() = MapC(wg, mg, k) * MapC(xg, k, p);
                continue;
            }
            // The GEMM in blocks of output rows (same bits as one GEMM, see rows_per_block).
            const Plane plane = make_plane(xg, cg, h, wd, ho, wo, a);
            for (std::int64_t oh0 = 0; oh0 < ho; oh0 += block_rows) {
                const std::int64_t oh1 = std::min(ho, oh0 + block_rows);
                const std::int64_t pb = (oh1 - oh0) * wo;
                unfold(plane, col.data(), cg, wo, oh0, oh1, a);
                Eigen::Map<RowMat, 0, Eigen::OuterStride<>>(og + oh0 * wo, mg, pb,
                                                            Eigen::OuterStride<>(p))
                    .noalias() = MapC(wg, mg, k) * MapC(col.data(), k, pb);
            }
        }
        if (bias != nullptr) {
            for (std::int64_t mi = 0; mi < m; ++mi) {
                float* o = out.ptr() + (n * m + mi) * p;
                const float b = bias->ptr()[mi];
                for (std::int64_t i = 0; i < p; ++i)
                    o[i] += b;
            }
        }
    }
    return out;
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
