// Float kernels of the reference executor for tensor-shaped ops (transpose, slice, pad,
// reductions, layer normalisation, broadcasting arithmetic, GELU ...). Each image of a batch
// gets the same bits as alone: loops run per output element in a fixed order.
#pragma once

#include <vector>

#include "workloads/graph/graph.h"
#include "workloads/graph/tensor.h"

namespace dnsim::workloads::kernels {

/// Sub, Div or Pow with numpy broadcasting.
Tensor binary_math(Op op, const Tensor& a, const Tensor& b, const Dims& out_dims);
/// Sqrt, Erf, Tanh, Gelu.
Tensor unary_math(Op op, const Tensor& x);
Tensor transpose(const Tensor& x, const std::vector<std::int64_t>& perm);
Tensor slice(const Tensor& x, const std::vector<SliceRange>& ranges);
/// Constant padding; `amounts` holds the begins then the ends of every axis.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& amounts, float value);
/// ReduceMean or ReduceSum over sorted `axes` (sums in double, one output at a time).
Tensor reduce(Op op, const Tensor& x, const std::vector<std::int64_t>& axes, const Dims& out_dims);
/// LayerNormalization over the dimensions from `axis` on; scale and bias broadcast to them.
Tensor layer_norm(const Tensor& x, const Tensor& scale, const Tensor* bias, std::int64_t axis,
                  float epsilon);
/// Broadcasts x to `out_dims` (numpy rules).
Tensor expand(const Tensor& x, const Dims& out_dims);

}  // namespace dnsim::workloads::kernels
