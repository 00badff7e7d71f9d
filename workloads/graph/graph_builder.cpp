// Graph construction with deterministic weights.
#include "workloads/graph/graph_builder.h"

#include <cmath>

#include "models/common/random_streams.h"
#include "models/common/rng.h"

namespace dnsim::workloads {

GraphBuilder::GraphBuilder(std::string graph_name, std::uint64_t seed, Weights weights)
    : m_seed(seed) {
    m_g.name = std::move(graph_name);
    m_g.weight_values = weights == Weights::Drawn;
}

std::string GraphBuilder::input(const std::string& name, const Dims& dims) {
    m_g.inputs.push_back({name, dims});
    Dims one = dims;
    if (!one.empty() && one[0] == -1)
        one[0] = 1;
    m_dims[name] = one;
    return name;
}

const Dims& GraphBuilder::dims(const std::string& tensor) const {
    return m_dims.at(tensor);
}

void GraphBuilder::add_initializer(const std::string& name, Tensor t) {
    m_dims[name] = t.dims;
    m_g.initializers[name] = std::move(t);
}

Tensor GraphBuilder::random_uniform(const Dims& d, double bound, std::uint64_t role) const {
    if (!m_g.weight_values)
        return Tensor::shape_only(d);
    Tensor t(d);
    Rng rng(m_seed, {m_g.nodes.size(), role});
    for (float& v : t.data)
        v = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    return t;
}

std::string GraphBuilder::node(const std::string& name, Op op, std::vector<std::string> inputs,
                               NodeAttrs attrs) {
    Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.outputs = {name};
    n.attrs = std::move(attrs);
    std::vector<Dims> in;
    for (const auto& t : n.inputs)
        in.push_back(m_dims.at(t));
    m_dims[name] = infer_node_shape(m_g, n, in);
    m_g.nodes.push_back(std::move(n));
    return name;
}

std::string GraphBuilder::conv(const std::string& name, const std::string& x,
                               std::int64_t out_channels, std::int64_t kernel, std::int64_t stride,
                               std::int64_t pad, std::int64_t groups, bool bias) {
    const std::int64_t cin = channels(x);
    const Dims wd{out_channels, cin / groups, kernel, kernel};
    // He initialisation (fan-out, as torchvision) with a uniform draw of the same variance
    // 2 / fan_out: bound sqrt(6 / fan_out). Uniform draws keep ImageNet-size builds fast.
    const double fan_out = static_cast<double>(out_channels / groups * kernel * kernel);
    add_initializer(name + ".weight",
                    random_uniform(wd, std::sqrt(6.0 / fan_out), streams::kBuilderWeight));
    std::vector<std::string> in{x, name + ".weight"};
    if (bias) {
        add_initializer(name + ".bias", Tensor({out_channels}));
        in.push_back(name + ".bias");
    }
    NodeAttrs a;
    a.kernel = {kernel, kernel};
    a.strides = {stride, stride};
    a.pads = {pad, pad, pad, pad};
    a.group = groups;
    return node(name, Op::Conv, in, a);
}

std::string GraphBuilder::batch_norm(const std::string& name, const std::string& x, float epsilon) {
    const std::int64_t c = channels(x);
    Tensor ones({c});
    std::fill(ones.data.begin(), ones.data.end(), 1.0f);
    add_initializer(name + ".weight", ones);
    add_initializer(name + ".bias", Tensor({c}));
    add_initializer(name + ".running_mean", Tensor({c}));
    add_initializer(name + ".running_var", ones);
    NodeAttrs a;
    a.epsilon = epsilon;
    return node(
        name, Op::BatchNorm,
        {x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"}, a);
}

std::string GraphBuilder::relu(const std::string& name, const std::string& x) {
    return node(name, Op::Relu, {x}, {});
}

std::string GraphBuilder::relu6(const std::string& name, const std::string& x) {
    NodeAttrs a;
    a.clip_min = 0.0f;
    a.clip_max = 6.0f;
    return node(name, Op::Clip, {x}, a);
}

std::string GraphBuilder::silu(const std::string& name, const std::string& x) {
    return node(name, Op::Silu, {x}, {});
}

std::string GraphBuilder::sigmoid(const std::string& name, const std::string& x) {
    return node(name, Op::Sigmoid, {x}, {});
}

std::string GraphBuilder::add(const std::string& name, const std::string& a, const std::string& b) {
    return node(name, Op::Add, {a, b}, {});
}

std::string GraphBuilder::mul(const std::string& name, const std::string& a, const std::string& b) {
    return node(name, Op::Mul, {a, b}, {});
}

std::string GraphBuilder::concat(const std::string& name, const std::vector<std::string>& xs) {
    NodeAttrs a;
    a.axis = 1;
    return node(name, Op::Concat, xs, a);
}

std::string GraphBuilder::pool(const std::string& name, Op op, const std::string& x,
                               std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
    NodeAttrs a;
    a.kernel = {kernel, kernel};
    a.strides = {stride, stride};
    a.pads = {pad, pad, pad, pad};
    return node(name, op, {x}, a);
}

std::string GraphBuilder::max_pool(const std::string& name, const std::string& x,
                                   std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
    return pool(name, Op::MaxPool, x, kernel, stride, pad);
}

std::string GraphBuilder::avg_pool(const std::string& name, const std::string& x,
                                   std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
    return pool(name, Op::AveragePool, x, kernel, stride, pad);
}

std::string GraphBuilder::global_avg_pool(const std::string& name, const std::string& x) {
    return node(name, Op::GlobalAveragePool, {x}, {});
}

std::string GraphBuilder::flatten(const std::string& name, const std::string& x) {
    return node(name, Op::Flatten, {x}, {});
}

std::string GraphBuilder::linear(const std::string& name, const std::string& x,
                                 std::int64_t out_features) {
    const std::int64_t in = dims(x)[1];
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    add_initializer(name + ".weight",
                    random_uniform({out_features, in}, bound, streams::kBuilderWeight));
    add_initializer(name + ".bias", random_uniform({out_features}, bound, streams::kBuilderBias));
    NodeAttrs a = default_attrs(Op::Gemm);
    a.trans_b = true;
    return node(name, Op::Gemm, {x, name + ".weight", name + ".bias"}, a);
}

void GraphBuilder::output(const std::string& x) {
    Dims d = m_dims.at(x);
    if (!m_g.inputs.empty() && !m_g.inputs[0].dims.empty() && m_g.inputs[0].dims[0] == -1) {
        d[0] = -1;
    }
    m_g.outputs.push_back({x, d});
}

Graph GraphBuilder::finish() {
    m_g.validate(m_g.name);
    return std::move(m_g);
}

}  // namespace dnsim::workloads
