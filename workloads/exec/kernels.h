// Float kernels of the reference executor, one per IR op, on NCHW tensors. Each computes one
// call's worth with a fixed loop and GEMM order, so an image gives the same bits whether it is
// evaluated alone or inside a batch.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "workloads/graph/graph.h"
#include "workloads/graph/tensor.h"

namespace dnsim::workloads::kernels {

/// Convolution of a batch of images. Each output element is the sequential chain
/// acc = acc + w_k x_k over k = (c, kh, kw) in order from acc = 0, one rounding per step with a
/// fused multiply-add where the active copy has one (conv_chain_fused()), two otherwise; the
/// bias is added to the finished chain. So the bits do not depend on the batch.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a);
/// What a convolution may apply to each finished output (after its bias), in this order, so
/// that a Conv -> BatchNormalization -> Relu chain writes each activation once: v = v x
/// scale[c] + shift[c] (batch_norm()'s arithmetic, with batch_norm_factors()), then
/// v = max(v, 0) (unary()'s Relu). The bits are those of the separate kernels.
struct ConvEpilogue {
    std::vector<float> scale, shift;  ///< per output channel; both empty: no BatchNorm step
    bool relu = false;
};
/// conv2d() followed by `epilogue` on every output element.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a,
              const ConvEpilogue& epilogue);
/// The channels-last layout the executor keeps activations in between convolutions: image n
/// of a [N, H + 2B, W + 2B, C] tensor holds pixel (h, w) of channel c at [n][h + B][w + B][c],
/// and zeros in its border of B pixels, which stand for a convolution's zero padding.
constexpr std::int64_t kChannelsLastBorder = 1;
/// True when the active kernel copy has conv2d_channels_last() (AVX2 with FMA, or AVX-512).
bool conv_channels_last();
/// True when conv2d_channels_last() takes a convolution of these attributes and weights
/// ([M, C, kH, kW]): the active copy has it, one group, unit dilation, every pad 0 or 1 (the
/// border holds the padding) and strides of 1 or more.
bool conv_channels_last_takes(const NodeAttrs& a, const Dims& w_dims);
/// conv2d(), optionally with `epilogue`, of a channels-last input into a channels-last output
/// (its border zero): each output element is the same chain, so the same bits, as conv2d()'s
/// at the same place. Only for convolutions conv_channels_last_takes().
///
/// `residual`, when not null, is a channels-last tensor of the output's dimensions added to
/// each output after the epilogue's BatchNorm step and before its Relu: a residual block's
/// Conv -> BatchNormalization -> Add -> Relu in one call, the bits of binary()'s Add and
/// unary()'s Relu. `into`, when not null, is `residual` itself, read by nothing later: the
/// output then takes over its storage.
Tensor conv2d_channels_last(const Tensor& x, const Tensor& w, const Tensor* bias,
                            const NodeAttrs& a, const ConvEpilogue* epilogue = nullptr,
                            const Tensor* residual = nullptr, Tensor* into = nullptr);
/// The dimensions of conv2d_channels_last()'s output for a channels-last input of dimensions
/// `x` and weights of dimensions `w`.
Dims conv2d_channels_last_dims(const Dims& x, const Dims& w, const NodeAttrs& a);
/// An NCHW tensor in the channels-last layout, and back.
Tensor to_channels_last(const Tensor& x);
Tensor from_channels_last(const Tensor& x);
/// The per-channel factors batch_norm() applies, y = x scale + shift.
void batch_norm_factors(const Tensor& scale, const Tensor& bias, const Tensor& mean,
                        const Tensor& var, float epsilon, std::vector<float>& scale_out,
                        std::vector<float>& shift_out);
/// True when the active conv2d copy chains with fused multiply-adds.
bool conv_chain_fused();
/// conv2d multiplies as many images at once as keep each of its working sets (packed patches,
/// output tiles, zero-bordered inputs) within this many bytes (at least one image): small
/// enough to stay in a core's L2 cache between being written and being read (measured in
/// docs/benchmarks.md: 2 MiB was slower).
constexpr std::int64_t kConvPatchBytes = std::int64_t{256} << 10;
/// conv2d keeps the packed weights of the layers it sees, up to this many bytes per thread.
constexpr std::int64_t kWeightCacheBytes = std::int64_t{32} << 20;
/// Scratch one thread's conv2d calls of up to `images` images may hold for a model whose
/// largest one-image working set is `work_elements` floats
/// (GraphFootprint::max_conv_work_elements), about: three buffers of the images one GEMM
/// takes (as many as fit kConvPatchBytes, at least one), and half again for their rounding to
/// whole panels and vectors.
std::int64_t conv_scratch_bytes(std::int64_t work_elements, std::int64_t images);
/// The packed-weight cache of one thread when its convolutions see `weight_sets` sets of
/// weights of `weight_elements` floats (a replay: the graph's and the crossbars' copy):
/// at most kWeightCacheBytes; per layer a copy of its weights (to see that they are unchanged)
/// and its panels, a quarter more than the weights for whole panels.
std::int64_t conv_weight_cache_bytes(std::int64_t weight_elements, std::int64_t weight_sets);
/// Unfolds one image's group of `c` channels (c x h x w at `x`) into the (c kH kW) x (ho wo)
/// patch matrix `col` of a convolution with attributes `a`.
void im2col(const float* x, float* col, std::int64_t c, std::int64_t h, std::int64_t w,
            std::int64_t ho, std::int64_t wo, const NodeAttrs& a);
/// The elementwise kernels below take `into`: null, or a tensor of the output's shape whose
/// storage the output takes over (its values are overwritten; it may be the first input
/// itself, which the caller then no longer reads). Each element is computed from the inputs at
/// its own index alone, so writing over the input gives the same bits as a fresh tensor.
Tensor batch_norm(const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                  const Tensor& var, float epsilon, Tensor* into = nullptr);
/// Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Silu.
Tensor unary(Op op, const Tensor& x, const NodeAttrs& a, Tensor* into = nullptr);
/// Add or Mul with numpy broadcasting. `into` may be `a` only when a has the output's shape.
Tensor binary(Op op, const Tensor& a, const Tensor& b, const Dims& out_dims,
              Tensor* into = nullptr);
Tensor concat(const std::vector<const Tensor*>& in, std::int64_t axis);
Tensor pool2d(Op op, const Tensor& x, const NodeAttrs& a, const Dims& out_dims);
Tensor global_average_pool(const Tensor& x);
Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, const NodeAttrs& at,
            const Dims& out_dims);
Tensor matmul(const Tensor& a, const Tensor& b, const Dims& out_dims);
Tensor softmax(const Tensor& x, std::int64_t axis);

/// epsilon(n, count, out): fills `out` with the `count` noise samples of image n.
using EpsilonSource = std::function<void(std::int64_t n, std::int64_t count, float* out)>;
/// The denoiser block in float: X - (eps * sqrt(max(v, 0)) + mu) (docs/workloads.md).
Tensor denoiser(const Tensor& x, const std::vector<const Tensor*>& weights, float slope,
                const EpsilonSource& epsilon);

}  // namespace dnsim::workloads::kernels
