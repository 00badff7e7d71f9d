// Which nodes are analog layers, and the channel layout of their activation noise.
#include "models/cgra/layer_mapping.h"

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim::cgra {

using workloads::Dims;
using workloads::Node;
using workloads::Op;

namespace {

bool constant_weight(const workloads::Graph& g, const Node& n) {
    return n.inputs.size() > 1 && g.is_initializer(n.inputs[1]);
}

AnalogLayer conv_layer(const Node& n, const Dims& w, const Dims& y) {
    AnalogLayer l;
    l.name = n.name;
    l.kernel_h = w[2];
    l.kernel_w = w[3];
    l.in_channels = w[1] * n.attrs.group;
    l.out_channels = w[0];
    l.groups = n.attrs.group;
    l.out_h = y[2];
    l.out_w = y[3];
    return l;
}

/// Gemm: 2-D A. MatMul: A of any rank (a batch of rows: tokens x features) times a constant
/// 2-D weight; every row of A is one MVM.
AnalogLayer matrix_layer(const workloads::Graph& g, const Node& n, const Dims& a, const Dims& b) {
    if ((n.op == Op::Gemm && a.size() != 2) || b.size() != 2 || a.empty()) {
        throw ConfigError(g.name, fmt::format("node '{}' ({}): only a matrix product with a "
                                              "constant 2-D weight maps onto crossbars",
                                              n.name, workloads::op_name(n.op)));
    }
    const bool ta = n.op == Op::Gemm && n.attrs.trans_a;
    const bool tb = n.op == Op::Gemm && n.attrs.trans_b;
    AnalogLayer l;
    l.name = n.name;
    l.in_channels = ta ? a[0] : a.back();
    l.out_channels = tb ? b[0] : b[1];
    l.out_h = ta ? a[1] : workloads::numel(a) / a.back();  // rows of A: one MVM each
    return l;
}

}  // namespace

NodeMapping map_node(const workloads::Graph& g, const Node& n,
                     const std::map<std::string, Dims>& shapes, const CgraConfig& cfg) {
    NodeMapping m;
    if (!constant_weight(g, n))
        return m;
    if (n.op == Op::Conv) {
        m.layer = conv_layer(n, shapes.at(n.inputs[1]), shapes.at(n.outputs[0]));
        m.analog = !(m.layer->depthwise() && cfg.depthwise == DepthwiseMapping::Digital);
    } else if (n.op == Op::Gemm || (n.op == Op::MatMul && shapes.at(n.inputs[1]).size() == 2)) {
        // (A MatMul with a constant weight of another rank runs on the digital tiles.)
        m.layer = matrix_layer(g, n, shapes.at(n.inputs[0]), shapes.at(n.inputs[1]));
        m.analog = true;
    }
    return m;
}

std::vector<NodeMapping> map_graph(const workloads::Graph& g, const CgraConfig& cfg) {
    const auto shapes = g.infer_shapes(1);
    std::vector<NodeMapping> out;
    out.reserve(g.nodes.size());
    for (const Node& n : g.nodes)
        out.push_back(map_node(g, n, shapes, cfg));
    return out;
}

std::vector<bool> analog_nodes(const workloads::Graph& g, const CgraConfig& cfg) {
    std::vector<bool> out;
    for (const NodeMapping& m : map_graph(g, cfg))
        out.push_back(m.analog);
    return out;
}

NoiseLayout activation_noise_layout(const Node& n, const Dims& y_dims, std::int64_t images) {
    NoiseLayout l;
    const std::int64_t per = images == 0 ? 0 : workloads::numel(y_dims) / images;
    l.channels_last = n.op == Op::MatMul && y_dims.size() >= 3;
    l.channels = l.channels_last ? y_dims.back() : y_dims.size() >= 2 ? y_dims[1] : 1;
    l.pixels = l.channels == 0 ? 0 : per / l.channels;
    return l;
}

}  // namespace dnsim::cgra
