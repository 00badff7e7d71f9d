// Graph IR forward pass on LibTorch.
#include "workloads/training/torch_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "models/cgra/analog_noise.h"
#include "models/cgra/layer_mapping.h"
#include "models/common/rng.h"
#include "models/common/ziggurat.h"
#include "workloads/graph/transforms.h"

namespace dnsim::training {

using workloads::Node;
using workloads::Op;

namespace {

torch::Tensor to_torch(const workloads::Tensor& t) {
    std::vector<std::int64_t> dims(t.dims.begin(), t.dims.end());
    return torch::from_blob(const_cast<float*>(t.ptr()), dims, torch::kFloat32).clone();
}

/// The nodes whose weight (input 1, an initializer) an analog layer holds in its crossbars:
/// Conv, Gemm and MatMul among `analog`. QAT's grid and a chip's factors apply to these.
std::vector<std::size_t> analog_weighted_nodes(const workloads::Graph& g,
                                               const std::vector<bool>& analog) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        const bool weighted = n.op == Op::Conv || n.op == Op::Gemm || n.op == Op::MatMul;
        if (analog[i] && weighted && n.inputs.size() >= 2 && g.is_initializer(n.inputs[1]))
            out.push_back(i);
    }
    return out;
}

std::vector<std::int64_t> v2(const std::array<std::int64_t, 2>& a) {
    return {a[0], a[1]};
}

/// ONNX pads (top, left, bottom, right) as one symmetric pair, or an explicit F.pad first.
torch::Tensor pad_input(const torch::Tensor& x, const workloads::NodeAttrs& a, double value,
                        std::vector<std::int64_t>& sym) {
    if (a.pads[0] == a.pads[2] && a.pads[1] == a.pads[3]) {
        sym = {a.pads[0], a.pads[1]};
        return x;
    }
    sym = {0, 0};
    return torch::constant_pad_nd(x, {a.pads[1], a.pads[3], a.pads[0], a.pads[2]}, value);
}

/// The magnitude the activation noise of node `n` scales with, per element of its output `y`
/// (cgra/analog_noise.h: k x this is the standard deviation). Channels as the replay reads them
/// (cgra::activation_noise_layout).
torch::Tensor noise_magnitude(const Node& n, const torch::Tensor& y, const TorchNoise& noise) {
    const torch::Tensor ay = y.detach().abs();
    if (noise.magnitude == cgra::Magnitude::Element)
        return ay;
    if (noise.magnitude == cgra::Magnitude::Tensor) {
        std::vector<std::int64_t> dims;
        for (std::int64_t d = 1; d < y.dim(); ++d)
            dims.push_back(d);
        return ay.mean(dims, true);
    }
    const workloads::Dims dims(y.sizes().begin(), y.sizes().end());
    const cgra::NoiseLayout l = cgra::activation_noise_layout(n, dims, y.size(0));
    if (l.channels_last) {
        return ay.reshape({y.size(0), l.pixels, l.channels})
            .mean(1, true)
            .expand({y.size(0), l.pixels, l.channels})
            .reshape(y.sizes());
    }
    return ay.reshape({y.size(0), l.channels, l.pixels})
        .mean(2, true)
        .expand({y.size(0), l.channels, l.pixels})
        .reshape(y.sizes());
}

/// Samples with mean 0 and standard deviation 1 of the replay's distributions
/// (cgra/analog_noise_kernels.cpp draws the same from its own streams).
torch::Tensor unit_noise(const torch::Tensor& like, cgra::Distribution d) {
    switch (d) {
        case cgra::Distribution::Uniform:
            return (torch::rand_like(like) * 2.0 - 1.0) * std::sqrt(3.0);
        case cgra::Distribution::Laplace: {
            // Inverse CDF with scale 1/sqrt(2) (variance 1); u = -0.5 would give -inf.
            const torch::Tensor u = torch::rand_like(like) - 0.5;
            const torch::Tensor tail = torch::clamp_min(1.0 - 2.0 * u.abs(), 1e-12);
            return -torch::sign(u) * torch::log(tail) / std::sqrt(2.0);
        }
        case cgra::Distribution::Gaussian:
            break;
    }
    return standard_normal_like(like);
}

}  // namespace

torch::Tensor denoiser_sigma(const torch::Tensor& v) {
    return torch::sqrt(torch::relu(v) + 1e-12);
}

// torch::randn_like's generator runs on one thread behind a lock while the others wait: a
// third of a noisy training epoch on 2 cores (docs/training.md).
torch::Tensor standard_normal_like(const torch::Tensor& like) {
    constexpr std::int64_t kNormalBlock = 4096;
    const auto key = static_cast<std::uint64_t>(
        torch::randint(std::numeric_limits<std::int64_t>::max(), {1}, torch::kInt64)
            .item<std::int64_t>());
    torch::Tensor out = torch::empty(like.sizes(), like.options().dtype(torch::kFloat32));
    float* p = out.data_ptr<float>();
    const std::int64_t n = out.numel();
    const std::int64_t blocks = (n + kNormalBlock - 1) / kNormalBlock;
    at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
        thread_local std::vector<double> z(static_cast<std::size_t>(kNormalBlock));
        for (std::int64_t b = b0; b < b1; ++b) {
            Rng rng(key, {static_cast<std::uint64_t>(b)});
            const std::int64_t len = std::min(kNormalBlock, n - b * kNormalBlock);
            Ziggurat::tables().fill(rng, z.data(), len);
            float* dst = p + b * kNormalBlock;
            for (std::int64_t i = 0; i < len; ++i)
                dst[i] = static_cast<float>(z[static_cast<std::size_t>(i)]);
        }
    });
    return like.scalar_type() == torch::kFloat32 ? out : out.to(like.scalar_type());
}

TorchGraph::TorchGraph(const workloads::Graph& g, const cgra::CgraConfig& cgra)
    : m_graph(g), m_analog(cgra::analog_nodes(g, cgra)) {
    for (const auto& [name, t] : g.initializers)
        m_tensors[name] = to_torch(t);
}

torch::Tensor TorchGraph::forward(const torch::Tensor& x, bool train, const TorchNoise& noise,
                                  bool zero_epsilon) {
    const workloads::Graph& g = m_graph;
    std::map<std::string, torch::Tensor> env;
    env[g.inputs[0].name] = x;
    m_captured.clear();
    const std::set<std::string> capture(m_capture.begin(), m_capture.end());
    const auto get = [&](const std::string& name) -> torch::Tensor {
        const auto it = env.find(name);
        return it != env.end() ? it->second : m_tensors.at(name);
    };
    for (const Node& n : g.nodes) {
        const auto& a = n.attrs;
        const auto in = [&](std::size_t i) { return get(n.inputs[i]); };
        // An analog layer's weight, on its grid under quantization-aware training.
        const auto weight = [&](const Node& node, std::size_t i) {
            const auto f = m_chip_factor.find(node.inputs[i]);
            const bool on_chip = noise.chip && f != m_chip_factor.end();
            const auto q = m_weight_step.find(node.inputs[i]);
            if (q == m_weight_step.end())
                return on_chip ? get(node.inputs[i]) * f->second : get(node.inputs[i]);
            const torch::Tensor w = m_tensors.at(node.inputs[i]);
            const torch::Tensor on_grid =
                torch::clamp(torch::round(w / q->second), -m_weight_levels, m_weight_levels) *
                q->second;
            // The value is exactly on the grid (the second term is 0); the gradient passes
            // straight through to w where it lies within the grid's range, and is 0 where
            // clamping cuts it off.
            const torch::Tensor inside = (w.abs() <= m_weight_levels * q->second).to(w.dtype());
            const torch::Tensor quantized = on_grid.detach() + (w - w.detach()) * inside;
            return on_chip ? quantized * f->second : quantized;
        };
        torch::Tensor y;
        switch (n.op) {
            case Op::Conv: {
                std::vector<std::int64_t> pad;
                const torch::Tensor xi = pad_input(in(0), a, 0.0, pad);
                y = torch::conv2d(xi, weight(n, 1), n.inputs.size() > 2 ? in(2) : torch::Tensor(),
                                  v2(a.strides), pad, v2(a.dilations), a.group);
                break;
            }
            case Op::BatchNorm:
                y = torch::batch_norm(in(0), in(1), in(2), m_tensors.at(n.inputs[3]),
                                      m_tensors.at(n.inputs[4]), train, 0.1, a.epsilon, false);
                break;
            case Op::Relu:
                y = torch::relu(in(0));
                break;
            case Op::Clip:
                y = torch::clamp(in(0), a.clip_min, a.clip_max);
                break;
            case Op::LeakyRelu:
                y = torch::leaky_relu(in(0), a.alpha);
                break;
            case Op::Sigmoid:
                y = torch::sigmoid(in(0));
                break;
            case Op::HardSigmoid:
                y = torch::clamp(in(0) * a.alpha + a.beta, 0.0, 1.0);
                break;
            case Op::HardSwish:
                y = in(0) * torch::clamp(in(0) / 6.0 + 0.5, 0.0, 1.0);
                break;
            case Op::Silu:
                y = in(0) * torch::sigmoid(in(0));
                break;
            case Op::Add:
                y = in(0) + in(1);
                break;
            case Op::Mul:
                y = in(0) * in(1);
                break;
            case Op::Concat: {
                std::vector<torch::Tensor> xs;
                for (std::size_t i = 0; i < n.inputs.size(); ++i)
                    xs.push_back(in(i));
                y = torch::cat(xs, a.axis);
                break;
            }
            case Op::MaxPool: {
                std::vector<std::int64_t> pad;
                const torch::Tensor xi =
                    pad_input(in(0), a, -std::numeric_limits<double>::infinity(), pad);
                y = torch::max_pool2d(xi, v2(a.kernel), v2(a.strides), pad, v2(a.dilations),
                                      a.ceil_mode);
                break;
            }
            case Op::AveragePool: {
                std::vector<std::int64_t> pad;
                if (a.pads[0] != a.pads[2] || a.pads[1] != a.pads[3]) {
                    throw ConfigError(g.name, fmt::format("node '{}': asymmetric AveragePool "
                                                          "padding is not supported in training",
                                                          n.name));
                }
                pad = {a.pads[0], a.pads[1]};
                y = torch::avg_pool2d(in(0), v2(a.kernel), v2(a.strides), pad, a.ceil_mode,
                                      a.count_include_pad);
                break;
            }
            case Op::GlobalAveragePool:
                y = torch::mean(in(0), {2, 3}, true);
                break;
            case Op::Flatten:
                y = torch::flatten(in(0), a.axis < 0 ? a.axis + in(0).dim() : a.axis);
                break;
            case Op::Reshape: {
                std::vector<std::int64_t> shape(a.shape.begin(), a.shape.end());
                for (std::size_t i = 0; i < shape.size(); ++i) {
                    if (shape[i] == 0)
                        shape[i] = in(0).size(static_cast<std::int64_t>(i));
                }
                y = in(0).reshape(shape);
                break;
            }
            case Op::Gemm: {
                torch::Tensor A = a.trans_a ? in(0).t() : in(0);
                torch::Tensor B = a.trans_b ? weight(n, 1).t() : weight(n, 1);
                y = torch::mm(A, B) * a.alpha;
                if (n.inputs.size() > 2)
                    y = y + in(2) * a.beta;
                break;
            }
            case Op::MatMul:
                y = torch::matmul(in(0), weight(n, 1));
                break;
            case Op::Softmax:
                y = torch::softmax(in(0), a.axis);
                break;
            case Op::Sub:
                y = in(0) - in(1);
                break;
            case Op::Div:
                y = in(0) / in(1);
                break;
            case Op::Pow:
                y = torch::pow(in(0), in(1));
                break;
            case Op::Sqrt:
                y = torch::sqrt(in(0));
                break;
            case Op::Erf:
                y = torch::erf(in(0));
                break;
            case Op::Tanh:
                y = torch::tanh(in(0));
                break;
            case Op::Gelu:
                y = torch::gelu(in(0));
                break;
            case Op::Transpose:
                y = in(0).permute(std::vector<std::int64_t>(a.perm.begin(), a.perm.end()));
                break;
            case Op::Slice: {
                const torch::Tensor xi = in(0);
                const workloads::Dims d(xi.sizes().begin(), xi.sizes().end());
                const auto ranges = workloads::slice_ranges(g.name, n, d);
                y = xi;
                for (std::size_t ax = 0; ax < ranges.size(); ++ax) {
                    const auto& r = ranges[ax];
                    if (r.start == 0 && r.step == 1 && r.count == d[ax])
                        continue;
                    const torch::Tensor idx =
                        torch::arange(r.count, torch::kLong) * r.step + r.start;
                    y = y.index_select(static_cast<std::int64_t>(ax), idx);
                }
                break;
            }
            case Op::Pad: {
                // torch orders the pads from the last axis: (begin, end) per axis.
                const std::size_t r = a.pad_amounts.size() / 2;
                std::vector<std::int64_t> pads;
                for (std::size_t ax = r; ax-- > 0;) {
                    pads.push_back(a.pad_amounts[ax]);
                    pads.push_back(a.pad_amounts[ax + r]);
                }
                y = torch::constant_pad_nd(in(0), pads, a.pad_value);
                break;
            }
            case Op::ReduceMean:
            case Op::ReduceSum: {
                const auto axes = workloads::reduced_axes(n, in(0).dim());
                const std::vector<std::int64_t> dims(axes.begin(), axes.end());
                y = n.op == Op::ReduceMean ? torch::mean(in(0), dims, a.keepdims)
                                           : torch::sum(in(0), dims, a.keepdims);
                break;
            }
            case Op::LayerNorm: {
                const torch::Tensor xi = in(0);
                const std::int64_t ax = a.axis < 0 ? a.axis + xi.dim() : a.axis;
                const std::vector<std::int64_t> norm(xi.sizes().begin() + ax, xi.sizes().end());
                y = torch::layer_norm(xi, norm, in(1).expand(norm),
                                      n.inputs.size() > 2 ? in(2).expand(norm) : torch::Tensor(),
                                      a.epsilon);
                break;
            }
            case Op::Expand: {
                const torch::Tensor xi = in(0);
                const workloads::Dims d(xi.sizes().begin(), xi.sizes().end());
                const workloads::Dims out = workloads::infer_node_shape(g, n, {d}, x.size(0));
                y = xi.expand(std::vector<std::int64_t>(out.begin(), out.end()));
                break;
            }
            case Op::Denoiser: {
                const torch::Tensor X = in(0);
                const torch::Tensor h1 = torch::leaky_relu(torch::conv2d(X, in(1), in(2)), a.alpha);
                const torch::Tensor h2 = torch::leaky_relu(
                    torch::conv2d(h1, in(3), in(4), 1, 1, 1, in(3).size(0)), a.alpha);
                const torch::Tensor mu = torch::conv2d(h2, in(5), in(6));
                const torch::Tensor sigma = denoiser_sigma(torch::conv2d(h2, in(7), in(8)));
                y = zero_epsilon ? X - mu : X - (standard_normal_like(X) * sigma + mu);
                break;
            }
        }
        if (noise.k > 0.0 && m_analog[static_cast<std::size_t>(&n - g.nodes.data())])
            y = y + unit_noise(y, noise.distribution) * (noise.k * noise_magnitude(n, y, noise));
        if (capture.count(n.name) != 0)
            m_captured[n.name] = y;
        env[n.outputs[0]] = y;
    }
    return env.at(g.outputs[0].name);
}

std::vector<torch::Tensor> TorchGraph::backbone_parameters() {
    std::vector<torch::Tensor> out;
    std::set<std::string> block;
    for (const Node& n : m_graph.nodes) {
        if (n.op == Op::Denoiser)
            block.insert(n.inputs.begin() + 1, n.inputs.end());
    }
    for (const Node& n : m_graph.nodes) {
        if (n.op == Op::Denoiser)
            continue;
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            const bool buffer = n.op == Op::BatchNorm && i >= 3;
            if (!buffer && m_graph.is_initializer(n.inputs[i]) && block.count(n.inputs[i]) == 0) {
                out.push_back(m_tensors.at(n.inputs[i]));
            }
        }
    }
    return out;
}

std::vector<torch::Tensor> TorchGraph::denoiser_parameters() {
    std::vector<torch::Tensor> out;
    for (const Node& n : m_graph.nodes) {
        if (n.op != Op::Denoiser)
            continue;
        for (std::size_t i = 1; i < n.inputs.size(); ++i)
            out.push_back(m_tensors.at(n.inputs[i]));
    }
    return out;
}

void TorchGraph::set_trainable(bool backbone, bool denoisers) {
    for (auto& t : backbone_parameters())
        t.set_requires_grad(backbone);
    for (auto& t : denoiser_parameters())
        t.set_requires_grad(denoisers);
}

void TorchGraph::set_weight_quantization(const WeightQuantization& q) {
    m_weight_step = q.step;
    m_weight_levels = q.bits > 0 ? q.levels() : 0.0f;
}

void TorchGraph::set_chip(const cgra::NoiseConfig& noise) {
    cgra::NoiseConfig chip;
    chip.programming_sigma = noise.programming_sigma;
    chip.stuck_fraction = noise.stuck_fraction;
    chip.chip_seed = noise.chip_seed;
    m_chip_factor.clear();
    const workloads::Graph& g = m_graph;
    for (const std::size_t i : analog_weighted_nodes(g, m_analog)) {
        const Node& n = g.nodes[i];
        // The draws do not depend on the weights' values, so the chip's factors are what it
        // does to a tensor of ones (a stuck weight's factor is 0).
        const workloads::Tensor& w = g.initializers.at(n.inputs[1]);
        workloads::Tensor ones(w.dims);
        std::fill(ones.data.begin(), ones.data.end(), 1.0f);
        cgra::perturb_weights(ones.ptr(), ones.numel(), workloads::stable_hash(n.name), chip);
        m_chip_factor[n.inputs[1]] = to_torch(ones);
    }
}

WeightQuantization analog_weight_grid(const workloads::Graph& g, const cgra::CgraConfig& cgra,
                                      int bits) {
    WeightQuantization q;
    q.bits = bits;
    for (const std::size_t i : analog_weighted_nodes(g, cgra::analog_nodes(g, cgra))) {
        const Node& n = g.nodes[i];
        const workloads::Tensor& w = g.initializers.at(n.inputs[1]);
        float largest = 0.0f;
        for (float v : w.data)
            largest = std::max(largest, std::fabs(v));
        // An all-zero weight keeps step 1: it stays zero on any grid.
        q.step[n.inputs[1]] = largest > 0.0f ? largest / q.levels() : 1.0f;
    }
    return q;
}

void quantize_weights(workloads::Graph& g, const WeightQuantization& q) {
    const float levels = q.levels();
    for (const auto& [name, step] : q.step) {
        for (float& v : g.initializers.at(name).data)
            v = std::clamp(std::nearbyint(v / step), -levels, levels) * step;
    }
}

void TorchGraph::write_back(workloads::Graph& g) const {
    for (auto& [name, t] : g.initializers) {
        const torch::Tensor c = m_tensors.at(name).detach().contiguous();
        if (c.numel() != t.numel()) {
            throw std::logic_error("write_back: tensor " + name + " changed size");
        }
        std::memcpy(t.ptr(), c.data_ptr<float>(),
                    static_cast<std::size_t>(t.numel()) * sizeof(float));
    }
}

}  // namespace dnsim::training
