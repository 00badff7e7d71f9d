// Float reference executor: node-by-node evaluation, images split over worker threads.
#include "workloads/exec/executor.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "models/common/rng.h"
#include "workloads/exec/kernels.h"
#include "workloads/exec/kernels_tensor.h"

namespace dnsim::workloads {

namespace {

/// A Denoiser node: its noise is drawn per image and node, so an image's result does not depend
/// on the batch it runs in.
Tensor evaluate_denoiser(const Graph& g, std::size_t ni, const std::vector<const Tensor*>& in,
                         std::uint64_t first_image, const ExecOptions& options) {
    const std::vector<const Tensor*> w(in.begin() + 1, in.end());
    const std::uint64_t seed = options.seed;
    const bool zero = options.epsilon == DenoiserEpsilon::Zero;
    return kernels::denoiser(*in[0], w, g.nodes[ni].attrs.alpha,
                             [&](std::int64_t img, std::int64_t count, float* e) {
                                 if (zero) {
                                     std::fill_n(e, count, 0.0f);
                                     return;
                                 }
                                 Rng rng(seed, {first_image + static_cast<std::uint64_t>(img), ni});
                                 for (std::int64_t i = 0; i < count; ++i) {
                                     e[i] = static_cast<float>(rng.normal());
                                 }
                             });
}

/// A node of an op with a kernel of its own (OpFamily::Own).
Tensor evaluate_own(const Graph& g, std::size_t ni, const std::vector<const Tensor*>& in,
                    const Dims& out_dims, std::uint64_t first_image, const ExecOptions& options,
                    Tensor* into) {
    const Node& n = g.nodes[ni];
    const NodeAttrs& a = n.attrs;
    const Tensor* third = in.size() > 2 ? in[2] : nullptr;
    switch (n.op) {
        case Op::Conv:
            return kernels::conv2d(*in[0], *in[1], third, a);
        case Op::BatchNorm:
            return kernels::batch_norm(*in[0], *in[1], *in[2], *in[3], *in[4], a.epsilon, into);
        case Op::Concat:
            return kernels::concat(in, a.axis);
        case Op::GlobalAveragePool:
            return kernels::global_average_pool(*in[0]);
        case Op::Gemm:
            return kernels::gemm(*in[0], *in[1], third, a, out_dims);
        case Op::MatMul:
            if (in[0]->rank() == 2 && in[1]->rank() == 2) {
                // Rows of A may be images: gemm computes row by row, so a row's bits do not
                // depend on how many rows share the call (a batched MatMul's images are its
                // leading dimensions, one product each).
                return kernels::gemm(*in[0], *in[1], nullptr, default_attrs(Op::Gemm), out_dims);
            }
            return kernels::matmul(*in[0], *in[1], out_dims);
        case Op::Softmax:
            return kernels::softmax(*in[0], a.axis);
        case Op::Transpose:
            return kernels::transpose(*in[0], a.perm);
        case Op::Slice:
            return kernels::slice(*in[0], slice_ranges(g.name, n, in[0]->dims));
        case Op::Pad:
            return kernels::pad(*in[0], a.pad_amounts, a.pad_value);
        case Op::LayerNorm:
            return kernels::layer_norm(*in[0], *in[1], third, a.axis, a.epsilon);
        case Op::Expand:
            return kernels::expand(*in[0], out_dims);
        case Op::Denoiser:
            return evaluate_denoiser(g, ni, in, first_image, options);
        default:
            break;
    }
    throw std::logic_error(fmt::format("no kernel for op {}", op_name(n.op)));
}

Tensor evaluate(const Graph& g, std::size_t ni, const std::vector<const Tensor*>& in,
                std::uint64_t first_image, const ExecOptions& options, Tensor* into) {
    const Node& n = g.nodes[ni];
    std::vector<Dims> in_dims;
    for (const Tensor* t : in)
        in_dims.push_back(t->dims);
    const Dims out_dims = infer_node_shape(g, n, in_dims, options.batch);
    switch (op_info(n.op).family) {
        case OpFamily::Activation:
            return kernels::unary(n.op, *in[0], n.attrs, into);
        case OpFamily::UnaryMath:
            return kernels::unary_math(n.op, *in[0]);
        case OpFamily::Arithmetic:
            return kernels::binary(n.op, *in[0], *in[1], out_dims,
                                   into != nullptr && in[0]->dims == out_dims ? into : nullptr);
        case OpFamily::BinaryMath:
            return kernels::binary_math(n.op, *in[0], *in[1], out_dims);
        case OpFamily::Pool:
            return kernels::pool2d(n.op, *in[0], n.attrs, out_dims);
        case OpFamily::Reduce:
            return kernels::reduce(n.op, *in[0], reduced_axes(n, in[0]->rank()), out_dims);
        case OpFamily::View:
            return Tensor(out_dims, in[0]->data);
        case OpFamily::Own:
            break;
    }
    return evaluate_own(g, ni, in, out_dims, first_image, options, into);
}

}  // namespace

bool writes_into_input(Op op) {
    const OpFamily f = op_info(op).family;
    return op == Op::BatchNorm || f == OpFamily::Activation || f == OpFamily::Arithmetic;
}

std::int64_t exec_group(const Graph& g, const std::map<std::string, Dims>& shapes) {
    if (g.inputs.size() != 1 || g.inputs[0].dims.empty() || g.inputs[0].dims[0] != -1 ||
        !images_along_dim0(g))
        return 1;
    for (const ValueInfo& v : g.outputs) {
        if (g.initializers.count(v.name) != 0)
            return 1;  // a constant output holds no images
    }
    std::int64_t largest = 1;
    for (const auto& [name, d] : shapes) {
        if (g.initializers.count(name) == 0)
            largest = std::max(largest, numel(d));
    }
    return exec_group_for(largest);
}

std::int64_t exec_group_for(std::int64_t largest_activation_elements) {
    return std::clamp<std::int64_t>(
        kExecGroupBytes / (std::max<std::int64_t>(largest_activation_elements, 1) * 4), 1,
        kExecGroupImages);
}

namespace {

/// What the shapes declare was checked against run.max_memory_mib before the run; this is the
/// machine running out below that limit.
ConfigError out_of_memory(const Graph& g, std::size_t ni, const ExecOptions& options) {
    const Node& n = g.nodes[ni];
    return ConfigError(g.name, fmt::format("node '{}' ({}): out of memory evaluating it for {} "
                                           "image(s); lower the batch, threads or "
                                           "run.max_memory_mib",
                                           n.name, op_name(n.op), options.batch));
}

/// The node that alone reads `tensor`, when it has op `op` and reads it as its first input (or
/// as any input, with `any_input`) and `tensor` is not a graph output; else npos.
std::size_t sole_reader(const Graph& g, const std::string& tensor, Op op, bool any_input = false) {
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    for (const ValueInfo& v : g.outputs) {
        if (v.name == tensor)
            return none;
    }
    std::size_t reader = none;
    std::size_t reads = 0;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        for (const std::string& t : g.nodes[i].inputs) {
            if (t == tensor) {
                reader = i;
                ++reads;
            }
        }
    }
    if (reads != 1 || g.nodes[reader].op != op ||
        (!any_input && g.nodes[reader].inputs[0] != tensor))
        return none;
    return reader;
}

}  // namespace

Tensor evaluate_node(const Graph& g, std::size_t ni, const std::vector<const Tensor*>& in,
                     std::uint64_t first_image, const ExecOptions& options, Tensor* into) {
    if (into != nullptr && (in.empty() || in[0] != into || !writes_into_input(g.nodes[ni].op)))
        throw std::logic_error(
            "evaluate_node: only an elementwise node's first input can hold "
            "its output");
    try {
        return evaluate(g, ni, in, first_image, options, into);
    } catch (const std::bad_alloc&) {
        throw out_of_memory(g, ni, options);
    }
}

Executor::Executor(const Graph& graph, ExecOptions options) : m_graph(graph), m_options(options) {
    graph.validate(graph.name);
    graph.require_weight_values("the float executor");
    if (m_options.threads == 0) {
        throw ConfigError("exec.threads", "0 is out of range; accepted: 1 or more");
    }
    // Conv -> BatchNormalization (constant statistics, one per output channel) -> Relu, each
    // link read by nothing else: one conv2d call with an epilogue.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    m_fusion.resize(graph.nodes.size());
    std::unordered_map<std::string, std::size_t> producer;
    for (std::size_t ni = 0; ni < graph.nodes.size(); ++ni) {
        for (const std::string& t : graph.nodes[ni].outputs)
            producer[t] = ni;
    }
    const auto is_input = [&graph](const std::string& t) {
        return std::any_of(graph.inputs.begin(), graph.inputs.end(),
                           [&t](const ValueInfo& v) { return v.name == t; });
    };
    for (std::size_t ni = 0; ni < graph.nodes.size(); ++ni) {
        const Node& conv = graph.nodes[ni];
        if (conv.op != Op::Conv || conv.inputs.size() < 2 || !graph.is_initializer(conv.inputs[1]))
            continue;
        const Tensor& w = graph.initializer(conv.inputs[1]);
        ConvFusion& f = m_fusion[ni];
        std::string out = conv.outputs[0];
        std::vector<std::size_t> taken;
        const std::size_t bn = sole_reader(graph, out, Op::BatchNorm);
        if (bn != none && !w.dims.empty()) {
            const Node& b = graph.nodes[bn];
            bool constant = b.inputs.size() == 5;
            for (std::size_t i = 1; constant && i < 5; ++i) {
                constant = graph.is_initializer(b.inputs[i]) &&
                           graph.initializer(b.inputs[i]).numel() == w.dims[0];
            }
            if (constant) {
                kernels::batch_norm_factors(
                    graph.initializer(b.inputs[1]), graph.initializer(b.inputs[2]),
                    graph.initializer(b.inputs[3]), graph.initializer(b.inputs[4]), b.attrs.epsilon,
                    f.epilogue.scale, f.epilogue.shift);
                taken.push_back(bn);
                out = b.outputs[0];
            }
        }
        f.channels_last = m_options.channels_last && conv.inputs.size() <= 3 &&
                          (conv.inputs.size() < 3 || graph.is_initializer(conv.inputs[2])) &&
                          kernels::conv_channels_last_takes(conv.attrs, w.dims);
        // A residual block's Add: its other input must be computed before this convolution.
        // Either input of the Add (a + b and b + a are the same float).
        const std::size_t add = f.channels_last ? sole_reader(graph, out, Op::Add, true) : none;
        if (add != none && graph.nodes[add].inputs.size() == 2) {
            const std::vector<std::string>& pair = graph.nodes[add].inputs;
            const std::string& other = pair[0] == out ? pair[1] : pair[0];
            const auto from = producer.find(other);
            const bool earlier = from != producer.end() ? from->second < ni : is_input(other);
            if (other != out && !graph.is_initializer(other) && earlier) {
                f.residual = other;
                taken.push_back(add);
                out = graph.nodes[add].outputs[0];
            }
        }
        const std::size_t relu = sole_reader(graph, out, Op::Relu);
        if (relu != none) {
            f.epilogue.relu = true;
            taken.push_back(relu);
            out = graph.nodes[relu].outputs[0];
        }
        if (taken.empty())
            continue;
        f.fused = true;
        f.output = out;
        f.taken = taken;
        for (const std::size_t t : taken)
            m_fusion[t].absorbed = true;
    }
}

namespace {

/// A convolution whose NCHW input has at most this many channels converts it to channels-last
/// (a network's stem reading its images); a wider NCHW input stays NCHW, so a network whose
/// other layers cannot run channels-last is not converted back and forth.
constexpr std::int64_t kChannelsLastStem = 4;

}  // namespace

/// An activation of Executor::run: a tensor in NCHW, or channels-last (its NCHW copy made once
/// for the readers that need one).
struct Executor::Value {
    Tensor t;
    bool channels_last = false;
    std::unique_ptr<Tensor> nchw;

    const Tensor& as_nchw() {
        if (!channels_last)
            return t;
        if (!nchw)
            nchw = std::make_unique<Tensor>(kernels::from_channels_last(t));
        return *nchw;
    }
};

std::size_t Executor::fused_nodes() const {
    return static_cast<std::size_t>(std::count_if(m_fusion.begin(), m_fusion.end(),
                                                  [](const ConvFusion& f) { return f.absorbed; }));
}

std::size_t Executor::channels_last_convs() const {
    return static_cast<std::size_t>(std::count_if(
        m_fusion.begin(), m_fusion.end(), [](const ConvFusion& f) { return f.channels_last; }));
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& inputs,
                                  std::uint64_t first_image) const {
    const Graph& g = m_graph;
    if (m_fusion.size() != g.nodes.size())
        throw std::logic_error("Executor::run: the graph changed after the executor was made");
    if (inputs.size() != g.inputs.size()) {
        throw ConfigError(g.name, fmt::format("expected {} input tensors, got {}", g.inputs.size(),
                                              inputs.size()));
    }
    std::unordered_map<std::string, Value> env;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const Dims& want = g.inputs[i].dims;
        const Dims& got = inputs[i].dims;
        bool ok = want.size() == got.size();
        for (std::size_t d = 0; ok && d < want.size(); ++d) {
            ok = want[d] == -1 || want[d] == got[d];
        }
        if (!ok) {
            throw ConfigError(g.name, fmt::format("input '{}' must have shape {}, got {}",
                                                  g.inputs[i].name, dims_str(want), dims_str(got)));
        }
        env[g.inputs[i].name].t = inputs[i];
    }
    // Last reader of every activation, so intermediate tensors are freed early.
    std::unordered_map<std::string, std::size_t> last_use;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        for (const std::string& t : g.nodes[i].inputs)
            last_use[t] = i;
    }
    for (const ValueInfo& v : g.outputs)
        last_use[v.name] = g.nodes.size();

    ExecOptions options = m_options;
    if (!g.inputs.empty() && !g.inputs[0].dims.empty() && g.inputs[0].dims[0] == -1 &&
        !inputs[0].dims.empty()) {
        options.batch = inputs[0].dims[0];
    }
    std::vector<const Tensor*> in;
    std::vector<Value*> values;
    for (std::size_t ni = 0; ni < g.nodes.size(); ++ni) {
        const Node& n = g.nodes[ni];
        const ConvFusion& fusion = m_fusion[ni];
        if (fusion.absorbed)
            continue;  // evaluated within its convolution's call
        values.clear();
        for (const std::string& t : n.inputs) {
            const auto it = env.find(t);
            values.push_back(it != env.end() ? &it->second : nullptr);
        }
        const std::string& out_name = fusion.fused ? fusion.output : n.outputs[0];
        if (!fusion.residual.empty() && values[0] != nullptr) {
            Value& residual = env.at(fusion.residual);
            const auto last = last_use.find(fusion.residual);
            const bool dies = last != last_use.end() &&
                              std::find(fusion.taken.begin(), fusion.taken.end(), last->second) !=
                                  fusion.taken.end();
            try {
                Value result =
                    evaluate_residual_conv(ni, *values[0], residual, dies, first_image, options);
                env[out_name] = std::move(result);
            } catch (const std::bad_alloc&) {
                throw out_of_memory(g, ni, options);
            }
            release_inputs(n, ni, last_use, env);
            for (const std::size_t t : fusion.taken)
                release_inputs(g.nodes[t], t, last_use, env);
            continue;
        }
        const auto last_read = last_use.find(n.inputs.empty() ? std::string() : n.inputs[0]);
        const bool reuse_first = !n.inputs.empty() && values[0] != nullptr &&
                                 last_read != last_use.end() && last_read->second == ni &&
                                 std::count(n.inputs.begin(), n.inputs.end(), n.inputs[0]) == 1;
        try {
            if (evaluate_channels_last(ni, values, reuse_first, env[out_name])) {
                release_inputs(n, ni, last_use, env);
                continue;
            }
        } catch (const std::bad_alloc&) {
            throw out_of_memory(g, ni, options);
        }
        in.clear();
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            in.push_back(values[i] != nullptr ? &values[i]->as_nchw()
                                              : &g.initializer(n.inputs[i]));
        }
        // An elementwise node whose first input is an activation read by no later node writes
        // its output over it: no new tensor to allocate and zero, the same bits.
        Tensor* into = nullptr;
        if (writes_into_input(n.op) && !n.inputs.empty() && values[0] != nullptr &&
            !values[0]->channels_last &&
            std::count(n.inputs.begin(), n.inputs.end(), n.inputs[0]) == 1) {
            const auto last = last_use.find(n.inputs[0]);
            if (last != last_use.end() && last->second == ni)
                into = &values[0]->t;
        }
        Tensor result;
        if (fusion.fused) {
            try {
                result = kernels::conv2d(*in[0], *in[1], in.size() > 2 ? in[2] : nullptr, n.attrs,
                                         fusion.epilogue);
            } catch (const std::bad_alloc&) {
                throw out_of_memory(g, ni, options);
            }
        } else {
            result = evaluate_node(g, ni, in, first_image, options, into);
        }
        Value& out = env[out_name];
        out.t = std::move(result);
        out.channels_last = false;
        out.nchw.reset();
        release_inputs(n, ni, last_use, env);
    }
    std::vector<Tensor> outputs;
    for (const ValueInfo& v : g.outputs)
        outputs.push_back(env.at(v.name).as_nchw());
    return outputs;
}

Executor::Value Executor::evaluate_residual_conv(std::size_t ni, Value& x, Value& residual,
                                                 bool residual_dies, std::uint64_t first_image,
                                                 const ExecOptions& options) const {
    const Node& n = m_graph.nodes[ni];
    const ConvFusion& fusion = m_fusion[ni];
    const Tensor& w = m_graph.initializer(n.inputs[1]);
    const Tensor* bias = n.inputs.size() > 2 ? &m_graph.initializer(n.inputs[2]) : nullptr;
    Value out;
    if (x.t.rank() == 4 && (x.channels_last || x.t.dims[1] <= kChannelsLastStem) &&
        residual.channels_last) {
        const Tensor converted = x.channels_last ? Tensor() : kernels::to_channels_last(x.t);
        const Tensor& input = x.channels_last ? x.t : converted;
        if (residual.t.dims == kernels::conv2d_channels_last_dims(input.dims, w.dims, n.attrs)) {
            // The residual's storage takes the outputs when nothing later reads it (and no
            // NCHW copy of it is kept for a reader).
            Tensor* into = residual_dies && &residual != &x ? &residual.t : nullptr;
            out.t = kernels::conv2d_channels_last(input, w, bias, n.attrs, &fusion.epilogue,
                                                  &residual.t, into);
            out.channels_last = true;
            return out;
        }
    }
    // The nodes one after the other, NCHW, as evaluate_node computes them: Conv (with its
    // BatchNorm), the Add (its inputs in their order), then the Relu.
    kernels::ConvEpilogue before_add = fusion.epilogue;
    before_add.relu = false;
    Tensor y = kernels::conv2d(x.as_nchw(), w, bias, n.attrs, before_add);
    for (const std::size_t t : fusion.taken) {
        const Node& step = m_graph.nodes[t];
        if (step.op == Op::Add) {
            const Tensor& r = residual.as_nchw();
            const bool first = step.inputs[0] != fusion.residual;
            y = evaluate_node(m_graph, t, {first ? &y : &r, first ? &r : &y}, first_image, options);
        } else if (step.op == Op::Relu) {
            y = evaluate_node(m_graph, t, {&y}, first_image, options);
        }
    }
    out.t = std::move(y);
    return out;
}

void Executor::release_inputs(const Node& n, std::size_t ni,
                              const std::unordered_map<std::string, std::size_t>& last_use,
                              std::unordered_map<std::string, Value>& env) const {
    for (const std::string& t : n.inputs) {
        const auto it = last_use.find(t);
        if (it != last_use.end() && it->second == ni)
            env.erase(t);
    }
}

bool Executor::evaluate_channels_last(std::size_t ni, const std::vector<Value*>& in,
                                      bool reuse_first, Value& out) const {
    const Node& n = m_graph.nodes[ni];
    const ConvFusion& fusion = m_fusion[ni];
    if (in.empty() || in[0] == nullptr)
        return false;
    Value& x = *in[0];
    if (n.op == Op::Conv) {
        if (!fusion.channels_last || x.t.rank() != 4)
            return false;
        if (!x.channels_last && x.t.dims[1] > kChannelsLastStem)
            return false;
        const Tensor& w = m_graph.initializer(n.inputs[1]);
        const Tensor* bias = n.inputs.size() > 2 ? &m_graph.initializer(n.inputs[2]) : nullptr;
        const kernels::ConvEpilogue* epilogue = fusion.fused ? &fusion.epilogue : nullptr;
        const Tensor converted = x.channels_last ? Tensor() : kernels::to_channels_last(x.t);
        const Tensor& input = x.channels_last ? x.t : converted;
        Tensor result = kernels::conv2d_channels_last(input, w, bias, n.attrs, epilogue);
        out.t = std::move(result);
        out.channels_last = true;
        out.nchw.reset();
        return true;
    }
    // Relu and same-shaped Add/Mul keep the border's zeros zero (max(0, 0), 0 + 0, 0 x 0), and
    // compute each element from the inputs at its own index: the same bits in either layout.
    if (!x.channels_last)
        return false;
    const bool relu = n.op == Op::Relu && in.size() == 1;
    const bool arithmetic = (n.op == Op::Add || n.op == Op::Mul) && in.size() == 2 &&
                            in[1] != nullptr && in[1]->channels_last && in[1]->t.dims == x.t.dims &&
                            in[1] != in[0];
    if (!relu && !arithmetic)
        return false;
    // The first input's storage takes the output when no later node reads it.
    Tensor* into = reuse_first ? &x.t : nullptr;
    Tensor result = relu ? kernels::unary(Op::Relu, x.t, n.attrs, into)
                         : kernels::binary(n.op, x.t, in[1]->t, x.t.dims, into);
    out.t = std::move(result);
    out.channels_last = true;
    out.nchw.reset();
    return true;
}

std::vector<Tensor> Executor::run_batch(const Tensor& images, std::uint64_t first_image) const {
    const Graph& g = m_graph;
    if (g.inputs.size() != 1) {
        throw ConfigError(g.name, fmt::format("batched evaluation needs a graph with one input, "
                                              "this one has {}",
                                              g.inputs.size()));
    }
    const auto shapes = g.infer_shapes(1);
    for (const Node& n : g.nodes) {
        const bool axis_op = op_info(n.op).axis_op;
        const auto rank = static_cast<std::int64_t>(shapes.at(n.inputs[0]).size());
        if (axis_op && (n.attrs.axis == 0 || n.attrs.axis == -rank)) {
            throw ConfigError(g.name, fmt::format("node '{}' ({}) works across the batch "
                                                  "dimension; images cannot be evaluated "
                                                  "separately",
                                                  n.name, op_name(n.op)));
        }
    }
    const Dims& want = g.inputs[0].dims;
    if (images.rank() != static_cast<std::int64_t>(want.size()) ||
        !std::equal(want.begin() + 1, want.end(), images.dims.begin() + 1)) {
        Dims shown = want;
        shown[0] = images.dims.empty() ? 0 : images.dims[0];
        throw ConfigError(g.name, fmt::format("images must have shape {} (N x ...), got {}",
                                              dims_str(shown), dims_str(images.dims)));
    }
    const std::int64_t count = images.dims[0];
    std::vector<Tensor> outputs;
    for (const ValueInfo& v : g.outputs) {
        Dims d = shapes.at(v.name);
        if (d.empty() || d[0] != 1) {
            throw ConfigError(g.name, fmt::format("output '{}' has shape {} for one image; "
                                                  "expected batch dimension 1",
                                                  v.name, dims_str(d)));
        }
        d[0] = count;
        outputs.emplace_back(d);
    }
    Dims one = images.dims;
    one[0] = 1;
    const std::int64_t in_size = numel(one);
    // Images per graph evaluation: every kernel computes an image's bits independently of the
    // others in its call (kernels.h), so a group of images shares each node's call (one GEMM
    // over all their patches) and the result is the same as image by image.
    const std::int64_t group = exec_group(g, shapes);
    const auto work = [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; i += group) {
            const std::int64_t n = std::min(group, end - i);
            Dims dims = one;
            dims[0] = n;
            Tensor x(dims);
            std::copy_n(images.ptr() + i * in_size, n * in_size, x.ptr());
            const auto res = run({x}, first_image + static_cast<std::uint64_t>(i));
            for (std::size_t o = 0; o < res.size(); ++o) {
                const std::int64_t sz = res[o].numel();
                std::copy_n(res[o].ptr(), sz, outputs[o].ptr() + i * (sz / n));
            }
        }
    };
    const auto threads = static_cast<std::int64_t>(
        std::min<std::int64_t>(m_options.threads, std::max<std::int64_t>(count, 1)));
    if (threads <= 1) {
        work(0, count);
        return outputs;
    }
    // Chunks of at most `group` images, at least two per thread where the images allow, taken
    // in turn by whichever thread is free: cores of unequal speed (a shared or throttled
    // virtual core, performance and efficiency cores) then split the work by what each does,
    // not by count. A chunk's bits do not depend on its thread or its neighbours (kernels.h),
    // and every chunk runs even after one fails, so the error reported (the first chunk's
    // that failed) does not depend on the timing either.
    const std::int64_t chunk =
        std::clamp<std::int64_t>((count + 2 * threads - 1) / (2 * threads), 1, group);
    const std::int64_t chunks = (count + chunk - 1) / chunk;
    std::atomic<std::int64_t> next{0};
    std::mutex error_mutex;
    std::int64_t error_chunk = chunks;
    std::exception_ptr error;
    const auto share = [&](std::size_t) {
        for (std::int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
            try {
                work(c * chunk, std::min(count, (c + 1) * chunk));
            } catch (...) {
                const std::lock_guard<std::mutex> lock(error_mutex);
                if (c < error_chunk) {
                    error_chunk = c;
                    error = std::current_exception();
                }
            }
        }
    };
    // The executor's own pool when no other call holds it (another thread's, or one made from
    // within a chunk); threads of this call's own otherwise.
    bool idle = false;
    if (m_pool_busy.compare_exchange_strong(idle, true)) {
        struct Release {
            std::atomic<bool>& busy;
            ~Release() { busy.store(false); }
        } release{m_pool_busy};
        if (!m_pool)
            m_pool = std::make_unique<WorkerPool>(m_options.threads);
        m_pool->run(static_cast<std::size_t>(threads), share);
    } else {
        std::vector<std::thread> pool;
        for (std::int64_t t = 0; t < threads; ++t)
            pool.emplace_back([&, t] { share(static_cast<std::size_t>(t)); });
        for (auto& th : pool)
            th.join();
    }
    if (error)
        std::rethrow_exception(error);
    return outputs;
}

}  // namespace dnsim::workloads
