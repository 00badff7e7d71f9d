// The network graph IR every part of dnsim consumes: named tensors, nodes in topological order,
// weights as named initializers (ONNX-like), shape inference and parameter/MAC counts. The
// denoiser block is a node of its own (Op::Denoiser) placed after the layer whose output it
// cleans.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/common/config_error.h"
#include "workloads/datasets/input_normalisation.h"
#include "workloads/graph/op_info.h"
#include "workloads/graph/tensor.h"

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::workloads {

/// A construct dnsim does not support (op, attribute value, data type). Bad input, exit 1.
class UnsupportedError : public ConfigError {
  public:
    using ConfigError::ConfigError;
};

/// Every attribute any op uses; each op reads only its own (see docs/workloads.md).
struct NodeAttrs {
    // Conv, MaxPool, AveragePool (2-D spatial only).
    std::array<std::int64_t, 2> kernel{0, 0};      ///< kH, kW
    std::array<std::int64_t, 2> strides{1, 1};     ///< sH, sW
    std::array<std::int64_t, 2> dilations{1, 1};   ///< dH, dW
    std::array<std::int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right
    std::int64_t group = 1;                        ///< Conv groups (C_in for depthwise)
    bool ceil_mode = false;                        ///< pools: output size rounded up
    bool count_include_pad = false;                ///< AveragePool: padding counts in divisor
    // BatchNorm.
    float epsilon = 1e-5f;
    // LeakyRelu (slope), HardSigmoid (alpha, beta), Gemm (alpha, beta), Denoiser (alpha: slope).
    float alpha = 0.0f;
    float beta = 0.0f;
    bool trans_a = false;  ///< Gemm
    bool trans_b = false;  ///< Gemm
    // Clip (Relu6 is Clip 0..6).
    float clip_min = std::numeric_limits<float>::lowest();
    float clip_max = std::numeric_limits<float>::max();
    // Concat, Flatten, Softmax (Softmax: along one axis, ONNX opset >= 13 semantics).
    std::int64_t axis = 1;
    // Reshape target (0 copies the input dimension, -1 is inferred); Expand target (-1: the
    // batch size of the run).
    std::vector<std::int64_t> shape;
    // Transpose.
    std::vector<std::int64_t> perm;
    // Slice (axes, starts, ends, steps, one entry per sliced axis, ONNX clamping rules);
    // ReduceMean / ReduceSum (axes; empty reduces every axis) and keepdims.
    std::vector<std::int64_t> axes;
    std::vector<std::int64_t> starts;
    std::vector<std::int64_t> ends;
    std::vector<std::int64_t> steps;
    bool keepdims = true;
    // Pad: amounts before each axis, then after each axis (ONNX order); constant value.
    std::vector<std::int64_t> pad_amounts;
    float pad_value = 0.0f;

    bool operator==(const NodeAttrs& o) const;
    bool operator!=(const NodeAttrs& o) const { return !(*this == o); }
};

/// Default attributes of an op as ONNX defines them (LeakyRelu alpha 0.01, Gemm alpha 1 ...).
NodeAttrs default_attrs(Op op);

struct Node {
    std::string name;
    Op op = Op::Relu;
    std::vector<std::string> inputs;   ///< tensor names: activations or initializers
    std::vector<std::string> outputs;  ///< one output each (dnsim's ops are single-output)
    NodeAttrs attrs;

    bool operator==(const Node& o) const {
        return name == o.name && op == o.op && inputs == o.inputs && outputs == o.outputs &&
               attrs == o.attrs;
    }
};

/// A graph input or output: name and shape; dims[0] == -1 marks the batch dimension.
struct ValueInfo {
    std::string name;
    Dims dims;
    bool operator==(const ValueInfo& o) const { return name == o.name && dims == o.dims; }
};

/// Inputs of a Denoiser node after X, in order (ONNX input order, docs/workloads.md).
inline constexpr std::array<const char*, 8> kDenoiserWeightRoles = {
    "reduce.weight", "reduce.bias", "depthwise.weight", "depthwise.bias",
    "mean.weight",   "mean.bias",   "var.weight",       "var.bias"};
/// LeakyReLU slope of the denoiser hardware (2^-7, docs/denoiser.md).
inline constexpr float kDenoiserDefaultSlope = 0.0078125f;

/// Per-node figures from shape inference (batch 1).
struct NodeStats {
    Dims output_dims;
    std::int64_t params = 0;   ///< trainable parameters (BN running mean/var excluded)
    std::int64_t buffers = 0;  ///< non-trainable constants (BN running mean/var)
    std::int64_t macs = 0;     ///< multiply-accumulates per image
};

/// Whether a graph built in code (GraphBuilder, builtin_model) draws the values of its weights
/// or holds their shapes only, which is all a timing study needs (Graph::weight_values).
enum class Weights { Drawn, ShapesOnly };

class Graph {
  public:
    std::string name;
    std::vector<ValueInfo> inputs;
    std::vector<ValueInfo> outputs;
    std::vector<Node> nodes;  ///< topological order
    std::map<std::string, Tensor> initializers;
    /// How the inputs were normalised in training (ONNX metadata dnsim.input.*); may be empty.
    InputNormalisation input_normalisation;
    /// False in a graph built for a timing study (Weights::ShapesOnly): its drawn weights (conv
    /// and fully connected) hold their shapes but no values. Shapes, statistics, the CGRA
    /// mapping, timing and energy need no more; the executor, the ONNX export and an accuracy
    /// replay refuse such a graph (require_weight_values).
    bool weight_values = true;

    bool operator==(const Graph& o) const {
        return name == o.name && inputs == o.inputs && outputs == o.outputs && nodes == o.nodes &&
               initializers == o.initializers && input_normalisation == o.input_normalisation &&
               weight_values == o.weight_values;
    }

    bool is_initializer(const std::string& tensor) const { return initializers.count(tensor) != 0; }
    const Tensor& initializer(const std::string& tensor) const;
    const Node* find_node(const std::string& node_name) const;
    /// Index of the node producing `tensor`, or nullopt for graph inputs and initializers.
    std::optional<std::size_t> producer(const std::string& tensor) const;
    /// Indices of the nodes reading `tensor`.
    std::vector<std::size_t> consumers(const std::string& tensor) const;

    /// Checks names are unique, every input is defined before use, input counts per op and
    /// weight shapes; throws ConfigError naming `source` (a file or built-in name) and the node.
    void validate(const std::string& source) const;
    /// Throws std::logic_error naming `user` unless the weights hold values (weight_values).
    void require_weight_values(const std::string& user) const;

    /// Shapes of every tensor (activations and initializers) with the batch set to `batch`.
    std::map<std::string, Dims> infer_shapes(std::int64_t batch = 1) const;
    /// Output shape, parameters and MACs of every node (batch 1), in node order.
    std::vector<NodeStats> node_stats() const;
    /// Trainable parameters of the whole graph (each initializer counted once).
    std::int64_t parameter_count() const;
};

/// What a model may declare, checked when it is loaded (Graph::validate) so that a huge or
/// overflowing shape is one error naming the node, not an allocation failure or wrapped MAC and
/// cycle counts later. The command line raises them (model.max_tensor_elements,
/// model.max_macs_per_image).
struct GraphLimits {
    /// Elements of any one tensor for one image (activations and weights): 2^28 is 1 GiB of
    /// float32, 50x the largest activation of the built-in networks at 224x224.
    std::int64_t max_tensor_elements = std::int64_t{1} << 28;
    /// Multiply-accumulates per image over the whole graph: 10^12 is 500x ResNet-18 at 224x224.
    std::int64_t max_macs_per_image = 1'000'000'000'000;

    /// The model.* keys (graph_limits.cpp; docs/keys.md).
    static const config::KeySet<GraphLimits>& keys();
};
const GraphLimits& graph_limits();
void set_graph_limits(const GraphLimits& limits);
/// Whether a shape (batch 1; -1 counts as 1) is beyond max_tensor_elements: its element count,
/// multiplied with overflow checks, or any one dimension (a shape with a 0 holds no elements,
/// yet a huge dimension beside it would overflow window arithmetic; finding onnx-4).
bool exceeds_tensor_limit(const Dims& dims);

/// True when every activation of `g` holds the images along dimension 0 (shapes at batch 2
/// are those at batch 1 with dimension 0 doubled). An input fixed at one image counts as a
/// batch dimension when the graph passes that test with it.
bool images_along_dim0(const Graph& g);

/// Output shape of one node from its input shapes; throws ConfigError naming the node.
/// `batch` resolves the batch entries (-1) of an Expand target.
Dims infer_node_shape(const Graph& g, const Node& n, const std::vector<Dims>& in,
                      std::int64_t batch = 1);

/// One sliced axis of a Slice node after ONNX's clamping: first index, step, element count.
struct SliceRange {
    std::int64_t start = 0;
    std::int64_t step = 1;
    std::int64_t count = 0;
};
/// The range Slice takes along every axis of an input of shape `x` (whole axes where the
/// node does not slice). Throws ConfigError naming the node on bad attributes.
std::vector<SliceRange> slice_ranges(const std::string& source, const Node& n, const Dims& x);

/// Axes a ReduceMean / ReduceSum / LayerNorm node reduces, non-negative and sorted.
std::vector<std::int64_t> reduced_axes(const Node& n, std::int64_t rank);

}  // namespace dnsim::workloads
