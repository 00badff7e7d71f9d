// The ops of the graph IR and one table of what every consumer needs to know about each: its
// name, how many inputs it takes, the family that decides its shape rule and kernel, whether it
// works along `attrs.axis`, and the digital work of the simple ones. An op is added here once
// instead of in a case list per consumer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsim::workloads {

enum class Op {
    Conv,
    BatchNorm,
    Relu,
    Clip,
    LeakyRelu,
    Sigmoid,
    HardSigmoid,
    HardSwish,
    Silu,
    Add,
    Mul,
    Concat,
    MaxPool,
    AveragePool,
    GlobalAveragePool,
    Flatten,
    Reshape,
    Gemm,
    MatMul,
    Softmax,
    Denoiser,
    Sub,         ///< a - b, numpy broadcasting
    Div,         ///< a / b, numpy broadcasting
    Pow,         ///< a ^ b, numpy broadcasting
    Sqrt,        ///< elementwise
    Erf,         ///< elementwise
    Tanh,        ///< elementwise
    Gelu,        ///< x * (1 + erf(x / sqrt 2)) / 2 (exact GELU; ONNX has none before opset 20)
    Transpose,   ///< permutation `perm`
    Slice,       ///< `starts`, `ends`, `axes`, `steps` as ONNX Slice (constants)
    Pad,         ///< constant padding `pad_amounts` (begins then ends) with `pad_value`
    ReduceMean,  ///< over `axes` (empty: all), `keepdims`
    ReduceSum,   ///< over `axes` (empty: all), `keepdims`
    LayerNorm,   ///< LayerNormalization over dimensions `axis`.. with `epsilon`; scale, bias
    Expand,      ///< broadcast to `shape`; an entry -1 is the batch size of the run
};

/// Number of ops. An op added after Expand replaces Expand here too, or kOpTable's
/// static_assert cannot see that it lacks an entry.
inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::Expand) + 1;

/// Ops that share a shape rule and a kernel; an op of `Own` has rules of its own everywhere.
enum class OpFamily {
    Activation,  ///< elementwise, output shape of the input (kernels::unary)
    UnaryMath,   ///< elementwise, output shape of the input (kernels::unary_math)
    Arithmetic,  ///< two inputs, numpy broadcasting (kernels::binary)
    BinaryMath,  ///< two inputs, numpy broadcasting (kernels::binary_math)
    Pool,        ///< 2-D window over (N, C, H, W) keeping the channels (kernels::pool2d)
    Reduce,      ///< over `axes`, `keepdims` (kernels::reduce)
    View,        ///< the input's data under another shape: costs nothing, copies nothing
    Own,
};

/// Digital work per output element of an op whose work is proportional to its output size.
struct ElementCost {
    bool applies = false;  ///< false: the op's work has a rule of its own (replay_plan.cpp)
    std::int64_t ops = 0;
    std::int64_t macs = 0;
};

struct OpInfo {
    Op op;
    const char* name;  ///< in tables and in ONNX (op_type); "Silu", "Denoiser" are dnsim's own
    std::size_t min_inputs;
    std::size_t max_inputs;
    OpFamily family;
    bool axis_op;  ///< works along the one axis `attrs.axis` (Concat, Softmax, Flatten)
    ElementCost cost;
};

namespace op_table_detail {
constexpr ElementCost per_element(std::int64_t ops, std::int64_t macs) {
    return {true, ops, macs};
}
constexpr ElementCost kOwnCost{};
/// Concat takes any number of inputs.
constexpr std::size_t kMany = std::size_t{1} << 20;
}  // namespace op_table_detail

/// One entry per op, in the order of `Op`. Digital work (docs/cgra.md): compare / select, add
/// and shift are one op each, a table lookup with interpolation two (Sigmoid, Sqrt, Erf, Tanh);
/// a multiply or multiply-add is one MAC. BatchNorm is x s + t; HardSigmoid a x + b and a
/// clamp; HardSwish x clamp(x/6 + 1/2); Silu a sigmoid, then x s; Softmax max, exp and sum,
/// then a scale; Div a reciprocal and a multiply; Gelu erf and + 1, then x 0.5 (...). Concat,
/// Transpose, Slice, Pad and Expand only move data.
inline constexpr std::array<OpInfo, kOpCount> kOpTable = [] {
    using F = OpFamily;
    using op_table_detail::kMany;
    using op_table_detail::kOwnCost;
    using op_table_detail::per_element;
    return std::array<OpInfo, kOpCount>{{
        {Op::Conv, "Conv", 2, 3, F::Own, false, kOwnCost},
        {Op::BatchNorm, "BatchNormalization", 5, 5, F::Own, false, per_element(0, 1)},
        {Op::Relu, "Relu", 1, 1, F::Activation, false, per_element(1, 0)},
        {Op::Clip, "Clip", 1, 1, F::Activation, false, per_element(1, 0)},
        {Op::LeakyRelu, "LeakyRelu", 1, 1, F::Activation, false, per_element(1, 0)},
        {Op::Sigmoid, "Sigmoid", 1, 1, F::Activation, false, per_element(2, 0)},
        {Op::HardSigmoid, "HardSigmoid", 1, 1, F::Activation, false, per_element(1, 1)},
        {Op::HardSwish, "HardSwish", 1, 1, F::Activation, false, per_element(1, 2)},
        {Op::Silu, "Silu", 1, 1, F::Activation, false, per_element(2, 1)},
        {Op::Add, "Add", 2, 2, F::Arithmetic, false, per_element(1, 0)},
        {Op::Mul, "Mul", 2, 2, F::Arithmetic, false, per_element(0, 1)},
        {Op::Concat, "Concat", 1, kMany, F::Own, true, per_element(0, 0)},
        {Op::MaxPool, "MaxPool", 1, 1, F::Pool, false, kOwnCost},
        {Op::AveragePool, "AveragePool", 1, 1, F::Pool, false, kOwnCost},
        {Op::GlobalAveragePool, "GlobalAveragePool", 1, 1, F::Own, false, kOwnCost},
        {Op::Flatten, "Flatten", 1, 1, F::View, true, kOwnCost},
        {Op::Reshape, "Reshape", 1, 1, F::View, false, kOwnCost},
        {Op::Gemm, "Gemm", 2, 3, F::Own, false, kOwnCost},
        {Op::MatMul, "MatMul", 2, 2, F::Own, false, kOwnCost},
        {Op::Softmax, "Softmax", 1, 1, F::Own, true, per_element(3, 1)},
        {Op::Denoiser, "Denoiser", 9, 9, F::Own, false, kOwnCost},
        {Op::Sub, "Sub", 2, 2, F::BinaryMath, false, per_element(1, 0)},
        {Op::Div, "Div", 2, 2, F::BinaryMath, false, per_element(1, 1)},
        {Op::Pow, "Pow", 2, 2, F::BinaryMath, false, kOwnCost},
        {Op::Sqrt, "Sqrt", 1, 1, F::UnaryMath, false, per_element(2, 0)},
        {Op::Erf, "Erf", 1, 1, F::UnaryMath, false, per_element(2, 0)},
        {Op::Tanh, "Tanh", 1, 1, F::UnaryMath, false, per_element(2, 0)},
        {Op::Gelu, "Gelu", 1, 1, F::UnaryMath, false, per_element(3, 2)},
        {Op::Transpose, "Transpose", 1, 1, F::Own, false, per_element(0, 0)},
        {Op::Slice, "Slice", 1, 1, F::Own, false, per_element(0, 0)},
        {Op::Pad, "Pad", 1, 1, F::Own, false, per_element(0, 0)},
        {Op::ReduceMean, "ReduceMean", 1, 1, F::Reduce, false, kOwnCost},
        {Op::ReduceSum, "ReduceSum", 1, 1, F::Reduce, false, kOwnCost},
        {Op::LayerNorm, "LayerNormalization", 2, 3, F::Own, true, kOwnCost},
        {Op::Expand, "Expand", 1, 1, F::Own, false, per_element(0, 0)},
    }};
}();

namespace op_table_detail {
constexpr bool in_op_order() {
    for (std::size_t i = 0; i < kOpCount; ++i) {
        if (kOpTable[i].op != static_cast<Op>(i))
            return false;
    }
    return true;
}
}  // namespace op_table_detail
static_assert(op_table_detail::in_op_order(), "kOpTable must list every Op once, in enum order");

constexpr const OpInfo& op_info(Op op) {
    return kOpTable[static_cast<std::size_t>(op)];
}

/// One input, elementwise: the output has the input's shape.
constexpr bool is_elementwise_unary(Op op) {
    const OpFamily f = op_info(op).family;
    return f == OpFamily::Activation || f == OpFamily::UnaryMath;
}

/// Two inputs combined elementwise with numpy broadcasting.
constexpr bool is_broadcast_binary(Op op) {
    const OpFamily f = op_info(op).family;
    return f == OpFamily::Arithmetic || f == OpFamily::BinaryMath;
}

/// Name used in tables and in ONNX (op_type); "Silu" and "Denoiser" are dnsim's own.
const char* op_name(Op op);

/// The op named `name` (op_name's inverse), or nullopt.
std::optional<Op> op_from_name(std::string_view name);

}  // namespace dnsim::workloads
