// Float kernels of the reference executor. The GEMM-based ones (convolution, Gemm, MatMul) live
// in kernels_gemm.cpp, one copy per vector ISA; the wrappers here pick the copy at run time.
#include "workloads/exec/kernels.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "workloads/exec/kernels_isa.h"

namespace dnsim::workloads::kernels {

void im2col(const float* x, float* col, std::int64_t c, std::int64_t h, std::int64_t w,
            std::int64_t ho, std::int64_t wo, const NodeAttrs& a) {
    DNSIM_ISA_SELECT(im2col)(x, col, c, h, w, ho, wo, a);
}

namespace {

/// An epilogue holds one scale and one shift per output channel of `w`, or none.
void check_epilogue(const char* kernel, const ConvEpilogue& epilogue, const Tensor& w) {
    const std::size_t m = w.dims.empty() ? 0 : static_cast<std::size_t>(w.dims[0]);
    if (epilogue.scale.size() != epilogue.shift.size() ||
        (!epilogue.scale.empty() && epilogue.scale.size() != m))
        throw std::logic_error(std::string("kernels::") + kernel +
                               ": an epilogue needs one scale and shift per channel");
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a) {
    return DNSIM_ISA_SELECT(conv2d)(x, w, bias, a, nullptr);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a,
              const ConvEpilogue& epilogue) {
    check_epilogue("conv2d", epilogue, w);
    return DNSIM_ISA_SELECT(conv2d)(x, w, bias, a, &epilogue);
}

bool conv_channels_last() {
    return DNSIM_ISA_SELECT(conv_channels_last)();
}

bool conv_channels_last_takes(const NodeAttrs& a, const Dims& w_dims) {
    if (!conv_channels_last() || w_dims.size() != 4 || a.group != 1)
        return false;
    if (a.dilations != std::array<std::int64_t, 2>{1, 1} || a.strides[0] < 1 || a.strides[1] < 1)
        return false;
    if (a.kernel[0] != w_dims[2] || a.kernel[1] != w_dims[3])
        return false;
    return std::all_of(a.pads.begin(), a.pads.end(),
                       [](std::int64_t p) { return p >= 0 && p <= kChannelsLastBorder; });
}

Dims conv2d_channels_last_dims(const Dims& x, const Dims& w, const NodeAttrs& a) {
    constexpr std::int64_t b = kChannelsLastBorder;
    const std::int64_t ho = (x[1] - 2 * b + a.pads[0] + a.pads[2] - a.kernel[0]) / a.strides[0] + 1;
    const std::int64_t wo = (x[2] - 2 * b + a.pads[1] + a.pads[3] - a.kernel[1]) / a.strides[1] + 1;
    return {x[0], ho + 2 * b, wo + 2 * b, w[0]};
}

Tensor conv2d_channels_last(const Tensor& x, const Tensor& w, const Tensor* bias,
                            const NodeAttrs& a, const ConvEpilogue* epilogue,
                            const Tensor* residual, Tensor* into) {
    constexpr std::int64_t b = kChannelsLastBorder;
    if (!conv_channels_last_takes(a, w.dims) || x.rank() != 4 || x.dims[3] != w.dims[1] ||
        x.dims[1] < 2 * b + 1 || x.dims[2] < 2 * b + 1 ||
        (bias != nullptr && bias->numel() != w.dims[0]))
        throw std::logic_error("kernels::conv2d_channels_last: a convolution it does not take");
    if (epilogue != nullptr)
        check_epilogue("conv2d_channels_last", *epilogue, w);
    if (into != nullptr && into != residual)
        throw std::logic_error("kernels::conv2d_channels_last: `into` must be the residual");
    if (residual != nullptr && residual->dims != conv2d_channels_last_dims(x.dims, w.dims, a))
        throw std::logic_error(
            "kernels::conv2d_channels_last: the residual has other dimensions than the output");
    return DNSIM_ISA_SELECT(conv2d_channels_last)(x, w, bias, a, epilogue, residual, into);
}

Tensor to_channels_last(const Tensor& x) {
    if (x.rank() != 4)
        throw std::logic_error("kernels::to_channels_last: needs an NCHW tensor");
    constexpr std::int64_t b = kChannelsLastBorder;
    const std::int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
    Tensor out({n, h + 2 * b, w + 2 * b, c});
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t ci = 0; ci < c; ++ci) {
            const float* src = x.ptr() + (i * c + ci) * h * w;
            for (std::int64_t r = 0; r < h; ++r) {
                float* dst = out.ptr() + ((i * (h + 2 * b) + r + b) * (w + 2 * b) + b) * c + ci;
                for (std::int64_t q = 0; q < w; ++q)
                    dst[q * c] = src[r * w + q];
            }
        }
    }
    return out;
}

Tensor from_channels_last(const Tensor& x) {
    constexpr std::int64_t b = kChannelsLastBorder;
    if (x.rank() != 4 || x.dims[1] < 2 * b || x.dims[2] < 2 * b)
        throw std::logic_error("kernels::from_channels_last: needs a channels-last tensor");
    const std::int64_t n = x.dims[0], c = x.dims[3];
    const std::int64_t h = x.dims[1] - 2 * b, w = x.dims[2] - 2 * b;
    Tensor out({n, c, h, w});
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t ci = 0; ci < c; ++ci) {
            float* dst = out.ptr() + (i * c + ci) * h * w;
            for (std::int64_t r = 0; r < h; ++r) {
                const float* src = x.ptr() + ((i * (h + 2 * b) + r + b) * (w + 2 * b) + b) * c + ci;
                for (std::int64_t q = 0; q < w; ++q)
                    dst[r * w + q] = src[q * c];
            }
        }
    }
    return out;
}

void batch_norm_factors(const Tensor& scale, const Tensor& bias, const Tensor& mean,
                        const Tensor& var, float epsilon, std::vector<float>& scale_out,
                        std::vector<float>& shift_out) {
    const auto c = static_cast<std::size_t>(scale.numel());
    scale_out.resize(c);
    shift_out.resize(c);
    for (std::size_t ci = 0; ci < c; ++ci) {
        const float s = scale.ptr()[ci] / std::sqrt(var.ptr()[ci] + epsilon);
        scale_out[ci] = s;
        shift_out[ci] = bias.ptr()[ci] - mean.ptr()[ci] * s;
    }
}

std::int64_t conv_scratch_bytes(std::int64_t work_elements, std::int64_t images) {
    const double one = static_cast<double>(std::max<std::int64_t>(work_elements, 0)) * 4.0;
    const double chunk =
        std::max(one, std::min(static_cast<double>(kConvPatchBytes),
                               one * static_cast<double>(std::max<std::int64_t>(images, 1))));
    // Whole panels and idle vector lanes (rows narrower than a vector on the direct path) add
    // to a buffer; half again is the allowance for them (an estimate, as the whole check is).
    const double total = 3.0 * chunk * 1.5;
    return total >= 9.2e18 ? std::numeric_limits<std::int64_t>::max()
                           : static_cast<std::int64_t>(total);
}

std::int64_t conv_weight_cache_bytes(std::int64_t weight_elements, std::int64_t weight_sets) {
    const double bytes = static_cast<double>(std::max<std::int64_t>(weight_elements, 0)) * 4.0 *
                         static_cast<double>(std::max<std::int64_t>(weight_sets, 1)) * 2.25;
    return static_cast<std::int64_t>(std::min(bytes, static_cast<double>(kWeightCacheBytes)));
}

bool conv_chain_fused() {
    return DNSIM_ISA_SELECT(gemm_fused)();
}

Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, const NodeAttrs& at,
            const Dims& out_dims) {
    return DNSIM_ISA_SELECT(gemm)(a, b, c, at, out_dims);
}

Tensor matmul(const Tensor& a, const Tensor& b, const Dims& out_dims) {
    return DNSIM_ISA_SELECT(matmul)(a, b, out_dims);
}

namespace {

/// The output tensor of an elementwise kernel: `into`'s storage when given (it holds
/// numel(dims) values, overwritten by the caller), else a new tensor.
Tensor output_for(Dims dims, Tensor* into) {
    if (into == nullptr)
        return Tensor(dims);
    if (into->numel() != numel(dims))
        throw std::logic_error("kernels: the tensor given for the output has another size");
    Tensor out = std::move(*into);
    out.dims = std::move(dims);
    return out;
}

}  // namespace

Tensor batch_norm(const Tensor& x_in, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                  const Tensor& var, float epsilon, Tensor* into) {
    // Read through pointers taken before the output may take over x's storage.
    const Dims dims = x_in.dims;
    const float* const x = x_in.ptr();
    Tensor out = output_for(dims, into);
    const std::int64_t n_img = dims[0];
    const std::int64_t c = dims[1];
    const std::int64_t inner = numel(dims) / (n_img * c);
    thread_local std::vector<float> factor, offset;
    batch_norm_factors(scale, bias, mean, var, epsilon, factor, offset);
    for (std::int64_t ci = 0; ci < c; ++ci) {
        const float s = factor[static_cast<std::size_t>(ci)];
        const float b = offset[static_cast<std::size_t>(ci)];
        for (std::int64_t n = 0; n < n_img; ++n) {
            const float* xi = x + (n * c + ci) * inner;
            float* o = out.ptr() + (n * c + ci) * inner;
            for (std::int64_t i = 0; i < inner; ++i)
                o[i] = xi[i] * s + b;
        }
    }
    return out;
}

Tensor unary(Op op, const Tensor& x, const NodeAttrs& a, Tensor* into) {
    const float* in = x.ptr();
    const std::int64_t count = x.numel();
    Tensor out = output_for(x.dims, into);
    float* o = out.ptr();
    switch (op) {
        case Op::Relu:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::max(in[i], 0.0f);
            break;
        case Op::Clip:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::min(std::max(in[i], a.clip_min), a.clip_max);
            break;
        case Op::LeakyRelu:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = in[i] >= 0.0f ? in[i] : in[i] * a.alpha;
            break;
        case Op::Sigmoid:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = 1.0f / (1.0f + std::exp(-in[i]));
            break;
        case Op::HardSigmoid:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = std::clamp(a.alpha * in[i] + a.beta, 0.0f, 1.0f);
            break;
        case Op::HardSwish:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = in[i] * std::clamp(in[i] / 6.0f + 0.5f, 0.0f, 1.0f);
            break;
        case Op::Silu:
            for (std::int64_t i = 0; i < count; ++i)
                o[i] = in[i] / (1.0f + std::exp(-in[i]));
            break;
        default:
            throw std::logic_error("kernels::unary: not an elementwise op");
    }
    return out;
}

Tensor binary(Op op, const Tensor& a, const Tensor& b, const Dims& out_dims, Tensor* into) {
    const float* pa = a.ptr();
    const float* pb = b.ptr();
    const bool same_shapes = a.dims == out_dims && b.dims == out_dims;
    const Dims a_dims = a.dims;
    const Dims b_dims = b.dims;
    Tensor out = output_for(out_dims, into);
    const std::int64_t count = out.numel();
    float* o = out.ptr();
    const bool add = op == Op::Add;
    if (same_shapes) {
        for (std::int64_t i = 0; i < count; ++i)
            o[i] = add ? pa[i] + pb[i] : pa[i] * pb[i];
        return out;
    }
    // General numpy broadcasting with an odometer over the output index.
    const std::size_t r = out_dims.size();
    std::vector<std::int64_t> sa(r, 0);
    std::vector<std::int64_t> sb(r, 0);
    const auto strides = [r, &out_dims](const Dims& d, std::vector<std::int64_t>& s) {
        std::int64_t stride = 1;
        for (std::size_t i = d.size(); i-- > 0;) {
            const std::size_t oi = i + (r - d.size());
            s[oi] = (d[i] == 1 && out_dims[oi] != 1) ? 0 : stride;
            stride *= d[i];
        }
    };
    strides(a_dims, sa);
    strides(b_dims, sb);
    // Innermost dimension handled as a contiguous run.
    const std::int64_t inner = r == 0 ? 1 : out_dims[r - 1];
    const std::int64_t ia = r == 0 ? 0 : sa[r - 1];
    const std::int64_t ib = r == 0 ? 0 : sb[r - 1];
    std::vector<std::int64_t> idx(r, 0);
    for (std::int64_t base = 0; base < count; base += inner) {
        std::int64_t oa = 0;
        std::int64_t ob = 0;
        for (std::size_t d = 0; d + 1 < r; ++d) {
            oa += idx[d] * sa[d];
            ob += idx[d] * sb[d];
        }
        for (std::int64_t i = 0; i < inner; ++i) {
            const float va = pa[oa + i * ia];
            const float vb = pb[ob + i * ib];
            o[base + i] = add ? va + vb : va * vb;
        }
        for (std::size_t d = r - 1; d-- > 0;) {
            if (++idx[d] < out_dims[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}

Tensor concat(const std::vector<const Tensor*>& in, std::int64_t axis) {
    Dims dims = in[0]->dims;
    const auto ax = static_cast<std::size_t>(axis < 0 ? axis + in[0]->rank() : axis);
    dims[ax] = 0;
    for (const Tensor* t : in)
        dims[ax] += t->dims[ax];
    Tensor out(dims);
    std::int64_t outer = 1;
    for (std::size_t i = 0; i < ax; ++i)
        outer *= dims[i];
    std::int64_t inner = 1;
    for (std::size_t i = ax + 1; i < dims.size(); ++i)
        inner *= dims[i];
    float* o = out.ptr();
    for (std::int64_t n = 0; n < outer; ++n) {
        for (const Tensor* t : in) {
            const std::int64_t run = t->dims[ax] * inner;
            std::copy_n(t->ptr() + n * run, run, o);
            o += run;
        }
    }
    return out;
}

Tensor pool2d(Op op, const Tensor& x, const NodeAttrs& a, const Dims& out_dims) {
    Tensor out(out_dims);
    const std::int64_t planes = x.dims[0] * x.dims[1];
    const std::int64_t h = x.dims[2];
    const std::int64_t w = x.dims[3];
    const std::int64_t ho = out_dims[2];
    const std::int64_t wo = out_dims[3];
    const bool is_max = op == Op::MaxPool;
    // Bounds of the padded input: windows of ceil_mode may reach past them.
    const std::int64_t h_pad_end = h + a.pads[2];
    const std::int64_t w_pad_end = w + a.pads[3];
    for (std::int64_t pl = 0; pl < planes; ++pl) {
        const float* xp = x.ptr() + pl * h * w;
        float* op_ = out.ptr() + pl * ho * wo;
        for (std::int64_t oh = 0; oh < ho; ++oh) {
            for (std::int64_t ow = 0; ow < wo; ++ow) {
                float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
                std::int64_t valid = 0;
                std::int64_t in_pad = 0;
                for (std::int64_t i = 0; i < a.kernel[0]; ++i) {
                    const std::int64_t ih = oh * a.strides[0] - a.pads[0] + i * a.dilations[0];
                    for (std::int64_t j = 0; j < a.kernel[1]; ++j) {
                        const std::int64_t iw = ow * a.strides[1] - a.pads[1] + j * a.dilations[1];
                        if (ih < h_pad_end && iw < w_pad_end)
                            ++in_pad;
                        if (ih < 0 || ih >= h || iw < 0 || iw >= w)
                            continue;
                        const float v = xp[ih * w + iw];
                        acc = is_max ? std::max(acc, v) : acc + v;
                        ++valid;
                    }
                }
                if (!is_max) {
                    const std::int64_t div = a.count_include_pad ? in_pad : valid;
                    acc = div > 0 ? acc / static_cast<float>(div) : 0.0f;
                }
                op_[oh * wo + ow] = acc;
            }
        }
    }
    return out;
}

Tensor global_average_pool(const Tensor& x) {
    Tensor out({x.dims[0], x.dims[1], 1, 1});
    const std::int64_t inner = x.dims[2] * x.dims[3];
    for (std::int64_t pl = 0; pl < x.dims[0] * x.dims[1]; ++pl) {
        const float* xp = x.ptr() + pl * inner;
        float acc = 0.0f;
        for (std::int64_t i = 0; i < inner; ++i)
            acc += xp[i];
        out.ptr()[pl] = acc / static_cast<float>(inner);
    }
    return out;
}

Tensor softmax(const Tensor& x, std::int64_t axis) {
    Tensor out(x.dims);
    const auto ax = static_cast<std::size_t>(axis < 0 ? axis + x.rank() : axis);
    std::int64_t outer = 1;
    for (std::size_t i = 0; i < ax; ++i)
        outer *= x.dims[i];
    const std::int64_t len = x.dims[ax];
    std::int64_t inner = 1;
    for (std::size_t i = ax + 1; i < x.dims.size(); ++i)
        inner *= x.dims[i];
    for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
            const float* xp = x.ptr() + o * len * inner + in;
            float* op_ = out.ptr() + o * len * inner + in;
            float mx = -std::numeric_limits<float>::infinity();
            for (std::int64_t i = 0; i < len; ++i)
                mx = std::max(mx, xp[i * inner]);
            double sum = 0.0;
            for (std::int64_t i = 0; i < len; ++i) {
                op_[i * inner] = std::exp(xp[i * inner] - mx);
                sum += op_[i * inner];
            }
            const auto inv = static_cast<float>(1.0 / sum);
            for (std::int64_t i = 0; i < len; ++i)
                op_[i * inner] *= inv;
        }
    }
    return out;
}

Tensor denoiser(const Tensor& x, const std::vector<const Tensor*>& wts, float slope,
                const EpsilonSource& epsilon) {
    NodeAttrs pw;
    pw.kernel = {1, 1};
    NodeAttrs dw;
    dw.kernel = {3, 3};
    dw.pads = {1, 1, 1, 1};
    dw.group = wts[0]->dims[0];
    NodeAttrs leaky;
    leaky.alpha = slope;
    const Tensor h1 = unary(Op::LeakyRelu, conv2d(x, *wts[0], wts[1], pw), leaky);
    const Tensor h2 = unary(Op::LeakyRelu, conv2d(h1, *wts[2], wts[3], dw), leaky);
    const Tensor mu = conv2d(h2, *wts[4], wts[5], pw);
    const Tensor var = conv2d(h2, *wts[6], wts[7], pw);
    Tensor out(x.dims);
    const std::int64_t per_image = x.numel() / x.dims[0];
    std::vector<float> eps(static_cast<std::size_t>(per_image));
    for (std::int64_t n = 0; n < x.dims[0]; ++n) {
        epsilon(n, per_image, eps.data());
        const std::int64_t base = n * per_image;
        for (std::int64_t i = 0; i < per_image; ++i) {
            const float sigma = std::sqrt(std::max(var.ptr()[base + i], 0.0f));
            out.ptr()[base + i] =
                x.ptr()[base + i] - (eps[static_cast<std::size_t>(i)] * sigma + mu.ptr()[base + i]);
        }
    }
    return out;
}

}  // namespace dnsim::workloads::kernels
