// Tensor-shaped float kernels: broadcasting arithmetic, transpose, slice, pad, reductions,
// layer normalisation, GELU.
#include "workloads/exec/kernels_tensor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dnsim::workloads::kernels {

namespace {

/// Row-major strides of `d`.
std::vector<std::int64_t> strides_of(const Dims& d) {
    std::vector<std::int64_t> s(d.size(), 1);
    for (std::size_t i = d.size(); i-- > 1;)
        s[i - 1] = s[i] * d[i];
    return s;
}

/// Strides of `d` read as a tensor of shape `out` under numpy broadcasting (0 where broadcast).
std::vector<std::int64_t> broadcast_strides(const Dims& d, const Dims& out) {
    const std::size_t r = out.size();
    std::vector<std::int64_t> s(r, 0);
    const auto own = strides_of(d);
    for (std::size_t i = 0; i < d.size(); ++i) {
        const std::size_t oi = i + (r - d.size());
        s[oi] = (d[i] == 1 && out[oi] != 1) ? 0 : own[i];
    }
    return s;
}

/// Calls f(out_index, offset_a, offset_b) for every element of `out` in order.
template <typename F>
void for_each_broadcast(const Dims& out, const std::vector<std::int64_t>& sa,
                        const std::vector<std::int64_t>& sb, const F& f) {
    const std::int64_t count = numel(out);
    const std::size_t r = out.size();
    std::vector<std::int64_t> idx(r, 0);
    std::int64_t oa = 0;
    std::int64_t ob = 0;
    for (std::int64_t i = 0; i < count; ++i) {
        f(i, oa, ob);
        for (std::size_t d = r; d-- > 0;) {
            oa += sa[d];
            ob += sb[d];
            if (++idx[d] < out[d])
                break;
            oa -= sa[d] * out[d];
            ob -= sb[d] * out[d];
            idx[d] = 0;
        }
    }
}

float gelu(float x) {
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
}

}  // namespace

Tensor binary_math(Op op, const Tensor& a, const Tensor& b, const Dims& out_dims) {
    Tensor out(out_dims);
    const auto sa = broadcast_strides(a.dims, out_dims);
    const auto sb = broadcast_strides(b.dims, out_dims);
    const float* pa = a.ptr();
    const float* pb = b.ptr();
    float* o = out.ptr();
    switch (op) {
        case Op::Sub:
            for_each_broadcast(
                out_dims, sa, sb,
                [&](std::int64_t i, std::int64_t x, std::int64_t y) { o[i] = pa[x] - pb[y]; });
            break;
        case Op::Div:
            for_each_broadcast(
                out_dims, sa, sb,
                [&](std::int64_t i, std::int64_t x, std::int64_t y) { o[i] = pa[x] / pb[y]; });
            break;
        case Op::Pow:
            for_each_broadcast(out_dims, sa, sb,
                               [&](std::int64_t i, std::int64_t x, std::int64_t y) {
                                   o[i] = pb[y] == 2.0f ? pa[x] * pa[x] : std::pow(pa[x], pb[y]);
                               });
            break;
        default:
            throw std::logic_error("kernels::binary_math: not Sub, Div or Pow");
    }
    return out;
}

Tensor unary_math(Op op, const Tensor& x) {
    Tensor out(x.dims);
    const float* in = x.ptr();
    float* o = out.ptr();
    const std::int64_t count = x.numel();
    switch (op) {
        case Op::Sqrt:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::sqrt(in[i]);
            break;
        case Op::Erf:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::erf(in[i]);
            break;
        case Op::Tanh:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::tanh(in[i]);
            break;
        case Op::Gelu:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = gelu(in[i]);
            break;
        default:
            throw std::logic_error("kernels::unary_math: not Sqrt, Erf, Tanh or Gelu");
    }
    return out;
}

Tensor transpose(const Tensor& x, const std::vector<std::int64_t>& perm) {
    const std::size_t r = perm.size();
    Dims out_dims(r);
    const auto in_strides = strides_of(x.dims);
    std::vector<std::int64_t> s(r);
    for (std::size_t i = 0; i < r; ++i) {
        out_dims[i] = x.dims[static_cast<std::size_t>(perm[i])];
        s[i] = in_strides[static_cast<std::size_t>(perm[i])];
    }
    Tensor out(out_dims);
    const float* px = x.ptr();
    float* o = out.ptr();
    const std::vector<std::int64_t> none(r, 0);
    for_each_broadcast(out_dims, s, none,
                       [&](std::int64_t i, std::int64_t a, std::int64_t) { o[i] = px[a]; });
    return out;
}

Tensor slice(const Tensor& x, const std::vector<SliceRange>& ranges) {
    const std::size_t r = ranges.size();
    Dims out_dims(r);
    const auto in_strides = strides_of(x.dims);
    std::vector<std::int64_t> s(r);
    std::int64_t base = 0;
    for (std::size_t i = 0; i < r; ++i) {
        out_dims[i] = ranges[i].count;
        s[i] = in_strides[i] * ranges[i].step;
        base += ranges[i].start * in_strides[i];
    }
    Tensor out(out_dims);
    if (out.numel() == 0)
        return out;
    const float* px = x.ptr() + base;
    float* o = out.ptr();
    const std::vector<std::int64_t> none(r, 0);
    for_each_broadcast(out_dims, s, none,
                       [&](std::int64_t i, std::int64_t a, std::int64_t) { o[i] = px[a]; });
    return out;
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& amounts, float value) {
    const std::size_t r = x.dims.size();
    Dims out_dims(r);
    for (std::size_t i = 0; i < r; ++i)
        out_dims[i] = x.dims[i] + amounts[i] + amounts[i + r];
    Tensor out(out_dims);
    const auto in_strides = strides_of(x.dims);
    const float* px = x.ptr();
    float* o = out.ptr();
    const std::int64_t count = out.numel();
    std::vector<std::int64_t> idx(r, 0);
    for (std::int64_t i = 0; i < count; ++i) {
        std::int64_t off = 0;
        bool inside = true;
        for (std::size_t d = 0; d < r && inside; ++d) {
            const std::int64_t v = idx[d] - amounts[d];
            inside = v >= 0 && v < x.dims[d];
            off += v * in_strides[d];
        }
        o[i] = inside ? px[off] : value;
        for (std::size_t d = r; d-- > 0;) {
            if (++idx[d] < out_dims[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}

Tensor reduce(Op op, const Tensor& x, const std::vector<std::int64_t>& axes, const Dims& out_dims) {
    // Kept axes index the output; reduced axes are walked for every output element.
    const std::size_t r = x.dims.size();
    const auto in_strides = strides_of(x.dims);
    Dims kept_dims;
    std::vector<std::int64_t> kept_strides;
    Dims red_dims;
    std::vector<std::int64_t> red_strides;
    for (std::size_t d = 0; d < r; ++d) {
        const bool reduced =
            std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(d)) != axes.end();
        (reduced ? red_dims : kept_dims).push_back(x.dims[d]);
        (reduced ? red_strides : kept_strides).push_back(in_strides[d]);
    }
    Tensor out(out_dims);
    const std::int64_t red_count = numel(red_dims);
    std::vector<std::int64_t> offsets;
    offsets.reserve(static_cast<std::size_t>(red_count));
    const std::vector<std::int64_t> none(red_dims.size(), 0);
    for_each_broadcast(red_dims, red_strides, none,
                       [&](std::int64_t, std::int64_t a, std::int64_t) { offsets.push_back(a); });
    const float* px = x.ptr();
    float* o = out.ptr();
    const bool mean = op == Op::ReduceMean;
    const std::vector<std::int64_t> none_k(kept_dims.size(), 0);
    for_each_broadcast(kept_dims, kept_strides, none_k,
                       [&](std::int64_t i, std::int64_t base, std::int64_t) {
                           double acc = 0.0;
                           for (const std::int64_t off : offsets)
                               acc += px[base + off];
                           if (mean && red_count > 0)
                               acc /= static_cast<double>(red_count);
                           o[i] = static_cast<float>(acc);
                       });
    return out;
}

Tensor layer_norm(const Tensor& x, const Tensor& scale, const Tensor* bias, std::int64_t axis,
                  float epsilon) {
    const auto ax = static_cast<std::size_t>(axis < 0 ? axis + x.rank() : axis);
    const Dims norm(x.dims.begin() + static_cast<std::ptrdiff_t>(ax), x.dims.end());
    const std::int64_t len = numel(norm);
    const std::int64_t rows = len == 0 ? 0 : x.numel() / len;
    const Tensor s = expand(scale, norm);
    const Tensor b = bias != nullptr ? expand(*bias, norm) : Tensor(norm);
    Tensor out(x.dims);
    for (std::int64_t row = 0; row < rows; ++row) {
        const float* px = x.ptr() + row * len;
        float* o = out.ptr() + row * len;
        double sum = 0.0;
        for (std::int64_t i = 0; i < len; ++i)
            sum += px[i];
        const double mean = sum / static_cast<double>(len);
        double sq = 0.0;
        for (std::int64_t i = 0; i < len; ++i)
            sq += (px[i] - mean) * (px[i] - mean);
        const double inv = 1.0 / std::sqrt(sq / static_cast<double>(len) + epsilon);
        for (std::int64_t i = 0; i < len; ++i) {
            o[i] = static_cast<float>((px[i] - mean) * inv) * s.ptr()[i] + b.ptr()[i];
        }
    }
    return out;
}

Tensor expand(const Tensor& x, const Dims& out_dims) {
    if (x.dims == out_dims)
        return x;
    Tensor out(out_dims);
    const auto sx = broadcast_strides(x.dims, out_dims);
    const std::vector<std::int64_t> none(out_dims.size(), 0);
    const float* px = x.ptr();
    float* o = out.ptr();
    for_each_broadcast(out_dims, sx, none,
                       [&](std::int64_t i, std::int64_t a, std::int64_t) { o[i] = px[a]; });
    return out;
}

}  // namespace dnsim::workloads::kernels
