// Graph IR: validation, shape inference and per-node parameter/MAC counts.
#include "workloads/graph/graph.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

namespace dnsim::workloads {

bool NodeAttrs::operator==(const NodeAttrs& o) const {
    return kernel == o.kernel && strides == o.strides && dilations == o.dilations &&
           pads == o.pads && group == o.group && ceil_mode == o.ceil_mode &&
           count_include_pad == o.count_include_pad && epsilon == o.epsilon && alpha == o.alpha &&
           beta == o.beta && trans_a == o.trans_a && trans_b == o.trans_b &&
           clip_min == o.clip_min && clip_max == o.clip_max && axis == o.axis && shape == o.shape &&
           perm == o.perm && axes == o.axes && starts == o.starts && ends == o.ends &&
           steps == o.steps && keepdims == o.keepdims && pad_amounts == o.pad_amounts &&
           pad_value == o.pad_value;
}

NodeAttrs default_attrs(Op op) {
    NodeAttrs a;
    switch (op) {
        case Op::LeakyRelu:
            a.alpha = 0.01f;
            break;
        case Op::HardSigmoid:
            a.alpha = 0.2f;
            a.beta = 0.5f;
            break;
        case Op::Gemm:
            a.alpha = 1.0f;
            a.beta = 1.0f;
            break;
        case Op::Softmax:
            a.axis = -1;
            break;
        case Op::Denoiser:
            a.alpha = kDenoiserDefaultSlope;
            break;
        case Op::LayerNorm:
            a.axis = -1;
            break;
        default:
            break;
    }
    return a;
}

const Tensor& Graph::initializer(const std::string& tensor) const {
    const auto it = initializers.find(tensor);
    if (it == initializers.end()) {
        throw std::logic_error("no initializer named " + tensor);
    }
    return it->second;
}

const Node* Graph::find_node(const std::string& node_name) const {
    for (const Node& n : nodes) {
        if (n.name == node_name) {
            return &n;
        }
    }
    return nullptr;
}

std::optional<std::size_t> Graph::producer(const std::string& tensor) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (std::find(nodes[i].outputs.begin(), nodes[i].outputs.end(), tensor) !=
            nodes[i].outputs.end()) {
            return i;
        }
    }
    return std::nullopt;
}

std::vector<std::size_t> Graph::consumers(const std::string& tensor) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), tensor) !=
            nodes[i].inputs.end()) {
            out.push_back(i);
        }
    }
    return out;
}

namespace {

/// Where errors of the graph being checked are reported: a file name, or the graph name.
struct Source {
    const std::string& name;
};

/// Largest kernel, stride, dilation or pad accepted: keeps every window computation far from
/// 64-bit overflow (tensor sizes are limited separately, GraphLimits).
constexpr std::int64_t kMaxWindowAttr = std::int64_t{1} << 30;

[[noreturn]] void fail(const Source& g, const Node& n, const std::string& what) {
    throw ConfigError(g.name, fmt::format("node '{}' ({}): {}", n.name, op_name(n.op), what));
}

std::int64_t norm_axis(const Source& g, const Node& n, std::int64_t axis, std::int64_t rank,
                       bool allow_rank = false) {
    const std::int64_t hi = allow_rank ? rank : rank - 1;
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > hi) {
        fail(g, n, fmt::format("axis {} is out of range for a rank-{} input", axis, rank));
    }
    return a;
}

Dims broadcast(const Source& g, const Node& n, const Dims& a, const Dims& b) {
    const std::size_t r = std::max(a.size(), b.size());
    Dims out(r);
    for (std::size_t i = 0; i < r; ++i) {
        const std::int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        const std::int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (da != db && da != 1 && db != 1) {
            fail(g, n, fmt::format("shapes {} and {} do not broadcast", dims_str(a), dims_str(b)));
        }
        out[i] = da == 1 ? db : da;
    }
    return out;
}

std::int64_t spatial_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                         std::int64_t pad_total, bool ceil_mode) {
    const std::int64_t span = in + pad_total - d * (k - 1) - 1;
    if (span < 0) {
        return 0;
    }
    return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
}

void require_rank(const Source& g, const Node& n, const Dims& d, std::size_t rank,
                  const char* what) {
    if (d.size() != rank) {
        fail(g, n, fmt::format("{} must have rank {}, got shape {}", what, rank, dims_str(d)));
    }
}

Dims window_shape(const Source& g, const Node& n, const Dims& x, std::int64_t out_channels) {
    require_rank(g, n, x, 4, "input (N, C, H, W)");
    const NodeAttrs& a = n.attrs;
    for (std::size_t i = 0; i < 2; ++i) {
        if (a.kernel[i] < 1 || a.strides[i] < 1 || a.dilations[i] < 1) {
            fail(g, n, "kernel, strides and dilations must be at least 1");
        }
        if (a.kernel[i] > kMaxWindowAttr || a.strides[i] > kMaxWindowAttr ||
            a.dilations[i] > kMaxWindowAttr) {
            fail(g, n,
                 fmt::format("kernel {}x{}, strides {}x{} or dilations {}x{} above {}", a.kernel[0],
                             a.kernel[1], a.strides[0], a.strides[1], a.dilations[0],
                             a.dilations[1], kMaxWindowAttr));
        }
    }
    for (const auto p : a.pads) {
        if (p < 0 || p > kMaxWindowAttr) {
            fail(g, n, fmt::format("pads must be 0 to {}, got {}", kMaxWindowAttr, p));
        }
    }
    const bool ceil_mode = n.op != Op::Conv && a.ceil_mode;
    const std::int64_t h = spatial_out(x[2], a.kernel[0], a.strides[0], a.dilations[0],
                                       a.pads[0] + a.pads[2], ceil_mode);
    const std::int64_t w = spatial_out(x[3], a.kernel[1], a.strides[1], a.dilations[1],
                                       a.pads[1] + a.pads[3], ceil_mode);
    if (h < 1 || w < 1) {
        fail(g, n,
             fmt::format("window {}x{} does not fit the {}x{} input", a.kernel[0], a.kernel[1],
                         x[2], x[3]));
    }
    return {x[0], out_channels, h, w};
}

/// Real-valued attributes must be finite (a NaN slope or bound passes every range check and
/// silently poisons the outputs); BatchNormalization's epsilon must also be positive.
void check_real_attrs(const Source& g, const Node& n) {
    const NodeAttrs& a = n.attrs;
    const std::pair<const char*, float> reals[] = {
        {"epsilon", a.epsilon}, {"alpha", a.alpha}, {"beta", a.beta}, {"pad value", a.pad_value}};
    for (const auto& [key, v] : reals) {
        if (!std::isfinite(v))
            fail(g, n, fmt::format("attribute {} is {}; it must be a finite number", key, v));
    }
    if (std::isnan(a.clip_min) || std::isnan(a.clip_max))
        fail(g, n, "Clip bounds must not be NaN");
    if ((n.op == Op::BatchNorm || n.op == Op::LayerNorm) && !(a.epsilon > 0.0f))
        fail(g, n, fmt::format("epsilon is {}; it must be greater than 0", a.epsilon));
}

Dims conv_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    const NodeAttrs& a = n.attrs;
    const Dims& x = in[0];
    const Dims& w = in[1];
    require_rank(g, n, x, 4, "input (N, C, H, W)");
    require_rank(g, n, w, 4, "weight (M, C/group, kH, kW)");
    if (a.group < 1 || x[1] % a.group != 0 || w[0] % a.group != 0) {
        fail(g, n,
             fmt::format("group {} does not divide input channels {} and output channels {}",
                         a.group, x[1], w[0]));
    }
    if (w[1] * a.group != x[1]) {
        fail(g, n,
             fmt::format("weight {} expects {} input channels, input has {}", dims_str(w),
                         w[1] * a.group, x[1]));
    }
    if (w[2] != a.kernel[0] || w[3] != a.kernel[1]) {
        fail(g, n,
             fmt::format("kernel_shape {}x{} differs from weight {}", a.kernel[0], a.kernel[1],
                         dims_str(w)));
    }
    if (in.size() == 3 && in[2] != Dims{w[0]}) {
        fail(g, n, fmt::format("bias must have shape {}, got {}", w[0], dims_str(in[2])));
    }
    return window_shape(g, n, x, w[0]);
}

Dims batch_norm_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    if (in[0].size() < 2) {
        fail(g, n, "input must have rank >= 2");
    }
    for (std::size_t i = 1; i < 5; ++i) {
        if (in[i] != Dims{in[0][1]}) {
            fail(g, n,
                 fmt::format("input {} must have shape {}, got {}", i, in[0][1], dims_str(in[i])));
        }
    }
    return in[0];
}

Dims transpose_shape(const Source& g, const Node& n, const Dims& x) {
    const NodeAttrs& a = n.attrs;
    const std::size_t r = x.size();
    std::vector<bool> seen(r, false);
    if (a.perm.size() != r) {
        fail(g, n, fmt::format("perm has {} entries for a rank-{} input", a.perm.size(), r));
    }
    Dims out(r);
    for (std::size_t i = 0; i < r; ++i) {
        const std::int64_t p = a.perm[i];
        if (p < 0 || p >= static_cast<std::int64_t>(r) || seen[static_cast<std::size_t>(p)])
            fail(g, n, "perm is not a permutation of the input's axes");
        seen[static_cast<std::size_t>(p)] = true;
        out[i] = x[static_cast<std::size_t>(p)];
    }
    return out;
}

Dims slice_shape(const Source& g, const Node& n, const Dims& x) {
    const auto ranges = slice_ranges(g.name, n, x);
    Dims out(x.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = ranges[i].count;
    return out;
}

Dims pad_shape(const Source& g, const Node& n, const Dims& x) {
    const NodeAttrs& a = n.attrs;
    const std::size_t r = x.size();
    if (a.pad_amounts.size() != 2 * r)
        fail(g, n, fmt::format("pads must have {} entries for a rank-{} input", 2 * r, r));
    Dims out(r);
    for (const std::int64_t p : a.pad_amounts) {
        if (p < -kMaxWindowAttr || p > kMaxWindowAttr)
            fail(g, n,
                 fmt::format("pad {} is out of range; accepted: -{} to {}", p, kMaxWindowAttr,
                             kMaxWindowAttr));
    }
    for (std::size_t i = 0; i < r; ++i) {
        out[i] = x[i] + a.pad_amounts[i] + a.pad_amounts[i + r];
        if (out[i] < 0)
            fail(g, n, "pads remove more than the whole axis");
    }
    return out;
}

/// ReduceMean, ReduceSum.
Dims reduce_shape(const Source& g, const Node& n, const Dims& x) {
    const auto rank = static_cast<std::int64_t>(x.size());
    for (const auto ax : n.attrs.axes)
        norm_axis(g, n, ax, rank);
    const auto axes = reduced_axes(n, rank);
    Dims out;
    for (std::int64_t i = 0; i < rank; ++i) {
        const bool reduced = std::binary_search(axes.begin(), axes.end(), i);
        if (!reduced)
            out.push_back(x[static_cast<std::size_t>(i)]);
        else if (n.attrs.keepdims)
            out.push_back(1);
    }
    return out;
}

Dims layer_norm_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    const auto rank = static_cast<std::int64_t>(in[0].size());
    const std::int64_t ax = norm_axis(g, n, n.attrs.axis, rank);
    const Dims norm(in[0].begin() + ax, in[0].end());
    for (std::size_t i = 1; i < in.size(); ++i) {
        if (broadcast(g, n, in[i], norm) != norm) {
            fail(g, n,
                 fmt::format("{} {} does not broadcast to the normalised shape {}",
                             i == 1 ? "scale" : "bias", dims_str(in[i]), dims_str(norm)));
        }
    }
    return in[0];
}

Dims expand_shape(const Source& g, const Node& n, const Dims& x, std::int64_t batch) {
    Dims target = n.attrs.shape;
    for (auto& d : target) {
        if (d == -1)
            d = batch;
        else if (d < 0)
            fail(g, n, fmt::format("shape entry {} is negative", d));
    }
    return broadcast(g, n, x, target);
}

Dims concat_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    const auto rank = static_cast<std::int64_t>(in[0].size());
    const std::int64_t ax = norm_axis(g, n, n.attrs.axis, rank);
    Dims out = in[0];
    for (std::size_t i = 1; i < in.size(); ++i) {
        bool ok = static_cast<std::int64_t>(in[i].size()) == rank;
        for (std::int64_t d = 0; ok && d < rank; ++d) {
            ok =
                d == ax || in[i][static_cast<std::size_t>(d)] == in[0][static_cast<std::size_t>(d)];
        }
        if (!ok) {
            fail(g, n,
                 fmt::format("input shapes {} and {} differ outside axis {}", dims_str(in[0]),
                             dims_str(in[i]), n.attrs.axis));
        }
        out[static_cast<std::size_t>(ax)] += in[i][static_cast<std::size_t>(ax)];
    }
    return out;
}

Dims flatten_shape(const Source& g, const Node& n, const Dims& x) {
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto ax = static_cast<std::size_t>(norm_axis(g, n, n.attrs.axis, rank, true));
    std::int64_t outer = 1;
    std::int64_t inner = 1;
    for (std::size_t i = 0; i < x.size(); ++i) {
        (i < ax ? outer : inner) *= x[i];
    }
    return {outer, inner};
}

Dims reshape_shape(const Source& g, const Node& n, const Dims& x) {
    const Dims& shape = n.attrs.shape;
    Dims out = shape;
    std::int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == 0) {
            if (i >= x.size()) {
                fail(g, n,
                     fmt::format("shape entry {} is 0 but the input has rank {}", i, x.size()));
            }
            out[i] = x[i];
        }
        if (out[i] == -1) {
            if (infer >= 0) {
                fail(g, n, "shape has more than one -1");
            }
            infer = static_cast<int>(i);
        } else if (out[i] < 0) {
            fail(g, n, fmt::format("shape entry {} is negative", out[i]));
        } else {
            known *= out[i];
        }
    }
    const std::int64_t total = numel(x);
    if (infer >= 0) {
        if (known == 0 || total % known != 0) {
            fail(g, n, fmt::format("cannot reshape {} to {}", dims_str(x), dims_str(shape)));
        }
        out[static_cast<std::size_t>(infer)] = total / known;
    } else if (known != total) {
        fail(g, n,
             fmt::format("cannot reshape {} ({} elements) to {}", dims_str(x), total,
                         dims_str(out)));
    }
    return out;
}

Dims gemm_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    const NodeAttrs& a = n.attrs;
    require_rank(g, n, in[0], 2, "A");
    require_rank(g, n, in[1], 2, "B");
    const std::int64_t m = a.trans_a ? in[0][1] : in[0][0];
    const std::int64_t k = a.trans_a ? in[0][0] : in[0][1];
    const std::int64_t kb = a.trans_b ? in[1][1] : in[1][0];
    const std::int64_t nn = a.trans_b ? in[1][0] : in[1][1];
    if (k != kb) {
        fail(g, n,
             fmt::format("inner dimensions differ: A {} and B {}", dims_str(in[0]),
                         dims_str(in[1])));
    }
    if (in.size() == 3 && broadcast(g, n, in[2], {m, nn}) != Dims{m, nn}) {
        fail(g, n, fmt::format("C {} does not broadcast to {}x{}", dims_str(in[2]), m, nn));
    }
    return {m, nn};
}

Dims matmul_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    Dims x = in[0];
    Dims y = in[1];
    if (x.empty() || y.empty()) {
        fail(g, n, "inputs must have rank >= 1");
    }
    const bool x1 = x.size() == 1;
    const bool y1 = y.size() == 1;
    if (x1)
        x.insert(x.begin(), 1);
    if (y1)
        y.push_back(1);
    if (x.back() != y[y.size() - 2]) {
        fail(g, n,
             fmt::format("inner dimensions differ: {} and {}", dims_str(in[0]), dims_str(in[1])));
    }
    Dims bx(x.begin(), x.end() - 2);
    Dims by(y.begin(), y.end() - 2);
    Dims out = broadcast(g, n, bx, by);
    if (!x1)
        out.push_back(x[x.size() - 2]);
    if (!y1)
        out.push_back(y.back());
    return out;
}

Dims denoiser_shape(const Source& g, const Node& n, const std::vector<Dims>& in) {
    const Dims& x = in[0];
    require_rank(g, n, x, 4, "input (N, C, H, W)");
    const std::int64_t c = x[1];
    const std::int64_t cr = in[1].empty() ? 0 : in[1][0];
    const std::array<Dims, 8> want = {Dims{cr, c, 1, 1}, Dims{cr}, Dims{cr, 1, 3, 3}, Dims{cr},
                                      Dims{c, cr, 1, 1}, Dims{c},  Dims{c, cr, 1, 1}, Dims{c}};
    if (cr < 1) {
        fail(g, n, "reduce.weight must have at least one output channel");
    }
    for (std::size_t i = 0; i < 8; ++i) {
        if (in[i + 1] != want[i]) {
            fail(g, n,
                 fmt::format("{} must have shape {}, got {}", kDenoiserWeightRoles[i],
                             dims_str(want[i]), dims_str(in[i + 1])));
        }
    }
    return x;
}

/// Output shape of a node from its input shapes (checked against its attributes).
Dims node_shape(const Source& g, const Node& n, const std::vector<Dims>& in, std::int64_t batch) {
    check_real_attrs(g, n);
    const Dims& x = in[0];
    switch (op_info(n.op).family) {
        case OpFamily::Activation:
        case OpFamily::UnaryMath:
            return x;
        case OpFamily::Arithmetic:
        case OpFamily::BinaryMath:
            return broadcast(g, n, x, in[1]);
        case OpFamily::Pool:
            require_rank(g, n, x, 4, "input (N, C, H, W)");
            return window_shape(g, n, x, x[1]);
        case OpFamily::Reduce:
            return reduce_shape(g, n, x);
        case OpFamily::View:
            return n.op == Op::Flatten ? flatten_shape(g, n, x) : reshape_shape(g, n, x);
        case OpFamily::Own:
            break;
    }
    switch (n.op) {
        case Op::Conv:
            return conv_shape(g, n, in);
        case Op::BatchNorm:
            return batch_norm_shape(g, n, in);
        case Op::Softmax:
            norm_axis(g, n, n.attrs.axis, static_cast<std::int64_t>(x.size()));
            return x;
        case Op::Transpose:
            return transpose_shape(g, n, x);
        case Op::Slice:
            return slice_shape(g, n, x);
        case Op::Pad:
            return pad_shape(g, n, x);
        case Op::LayerNorm:
            return layer_norm_shape(g, n, in);
        case Op::Expand:
            return expand_shape(g, n, x, batch);
        case Op::Concat:
            return concat_shape(g, n, in);
        case Op::GlobalAveragePool:
            require_rank(g, n, x, 4, "input (N, C, H, W)");
            return {x[0], x[1], 1, 1};
        case Op::Gemm:
            return gemm_shape(g, n, in);
        case Op::MatMul:
            return matmul_shape(g, n, in);
        case Op::Denoiser:
            return denoiser_shape(g, n, in);
        default:
            break;
    }
    fail(g, n, "no shape rule for this op");
}

/// a * b, or a ConfigError naming the node when the product leaves the 64-bit range.
std::int64_t checked_mul(const Source& g, const Node& n, std::int64_t a, std::int64_t b,
                         const char* what) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r) || r < 0) {
        fail(g, n, fmt::format("{} overflows a 64-bit count ({} x {})", what, a, b));
    }
    return r;
}

/// Multiply-accumulates of one node per image (batch 1 shapes), overflow-checked.
std::int64_t node_macs(const Source& g, const Node& n, const std::map<std::string, Dims>& shapes) {
    const Dims& out = shapes.at(n.outputs[0]);
    const Dims& x = shapes.at(n.inputs[0]);
    const auto elements = [&](const Dims& d) {
        std::int64_t e = 1;
        for (const std::int64_t v : d)
            e = checked_mul(g, n, e, v, "the element count");
        return e;
    };
    switch (n.op) {
        case Op::Conv: {
            const Dims& w = shapes.at(n.inputs[1]);
            return checked_mul(g, n, elements(out), elements({w[1], w[2], w[3]}), "the MAC count");
        }
        case Op::Gemm:
            return checked_mul(g, n, elements(out), n.attrs.trans_a ? x[0] : x[1], "the MAC count");
        case Op::MatMul:
            return checked_mul(g, n, elements(out), x.back(), "the MAC count");
        case Op::Denoiser: {
            const std::int64_t c = x[1];
            const std::int64_t cr = shapes.at(n.inputs[1])[0];
            const std::int64_t per_pixel = checked_mul(g, n, 3 * c + 9, cr, "the MAC count");
            return checked_mul(g, n, elements({x[2], x[3]}), per_pixel, "the MAC count");
        }
        default:
            return 0;
    }
}

GraphLimits& limits_storage() {
    static GraphLimits limits;
    return limits;
}

}  // namespace

bool exceeds_tensor_limit(const Dims& dims) {
    const std::int64_t lim = graph_limits().max_tensor_elements;
    std::int64_t e = 1;
    for (const std::int64_t d : dims) {
        const std::int64_t v = d == -1 ? 1 : d;
        if (v < 0 || v > lim || __builtin_mul_overflow(e, v, &e) || e > lim)
            return true;
    }
    return false;
}

namespace {

/// Every tensor within max_tensor_elements and the graph within max_macs_per_image (batch 1).
class LimitCheck {
  public:
    explicit LimitCheck(const Source& src) : m_src(src), m_lim(graph_limits()) {}

    void tensors(const Graph& graph, const std::map<std::string, Dims>& shapes) const {
        for (const ValueInfo& v : graph.inputs) {
            if (too_big(shapes.at(v.name))) {
                throw ConfigError(m_src.name,
                                  fmt::format("graph input '{}' has shape {}; {}", v.name,
                                              dims_str(shapes.at(v.name)), limit_text()));
            }
        }
        for (const auto& [tname, t] : graph.initializers) {
            if (too_big(t.dims)) {
                throw ConfigError(m_src.name, fmt::format("initializer '{}' has shape {}; {}",
                                                          tname, dims_str(t.dims), limit_text()));
            }
        }
    }

    void node(const Node& n, const std::map<std::string, Dims>& shapes) {
        const Dims& d = shapes.at(n.outputs[0]);
        if (too_big(d)) {
            fail(m_src, n, fmt::format("output shape {}; {}", dims_str(d), limit_text()));
        }
        const std::int64_t macs = node_macs(m_src, n, shapes);
        if (__builtin_add_overflow(m_macs, macs, &m_macs) || m_macs > m_lim.max_macs_per_image) {
            fail(m_src, n,
                 fmt::format("the graph reaches {} multiply-accumulates per image at this node; "
                             "the limit is {} (raise it with --model.max_macs_per_image)",
                             m_macs, m_lim.max_macs_per_image));
        }
    }

  private:
    bool too_big(const Dims& d) const {
        return std::any_of(d.begin(), d.end(), [](std::int64_t v) { return v < 0; }) ||
               exceeds_tensor_limit(d);
    }
    std::string limit_text() const {
        return fmt::format(
            "the limit is {} elements per tensor and image (raise it with "
            "--model.max_tensor_elements)",
            m_lim.max_tensor_elements);
    }

    const Source& m_src;
    const GraphLimits& m_lim;
    std::int64_t m_macs = 0;
};

std::map<std::string, Dims> shapes_of(const Graph& graph, const Source& src, std::int64_t batch,
                                      bool check = false) {
    std::map<std::string, Dims> shapes;
    for (const auto& [tname, t] : graph.initializers)
        shapes.emplace_hint(shapes.end(), tname, t.dims);  // in key order: no search
    for (const ValueInfo& v : graph.inputs) {
        Dims d = v.dims;
        if (!d.empty() && d[0] == -1) {
            d[0] = batch;
        }
        shapes[v.name] = d;
    }
    LimitCheck limits(src);
    if (check)
        limits.tensors(graph, shapes);
    std::vector<Dims> in;
    for (const Node& n : graph.nodes) {
        in.clear();
        for (const std::string& t : n.inputs) {
            in.push_back(shapes.at(t));
        }
        shapes[n.outputs[0]] = node_shape(src, n, in, batch);
        // Checked node by node, so no later shape computation sees an oversized dimension.
        if (check)
            limits.node(n, shapes);
    }
    return shapes;
}

}  // namespace

Dims infer_node_shape(const Graph& g, const Node& n, const std::vector<Dims>& in,
                      std::int64_t batch) {
    return node_shape(Source{g.name}, n, in, batch);
}

std::vector<SliceRange> slice_ranges(const std::string& source, const Node& n, const Dims& x) {
    const Source g{source};
    const NodeAttrs& a = n.attrs;
    const auto rank = static_cast<std::int64_t>(x.size());
    if (a.starts.size() != a.ends.size() || a.axes.size() != a.starts.size() ||
        a.steps.size() != a.starts.size()) {
        fail(g, n, "starts, ends, axes and steps must have one entry per sliced axis");
    }
    std::vector<SliceRange> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = {0, 1, x[i]};
    std::vector<bool> seen(x.size(), false);
    for (std::size_t k = 0; k < a.axes.size(); ++k) {
        const auto ax = static_cast<std::size_t>(norm_axis(g, n, a.axes[k], rank));
        if (seen[ax])
            fail(g, n, fmt::format("axis {} is sliced twice", a.axes[k]));
        seen[ax] = true;
        const std::int64_t dim = x[ax];
        const std::int64_t step = a.steps[k];
        if (step == 0)
            fail(g, n, "a step is 0");
        // ONNX: negative indices count from the end, then clamp to [0, dim] (step > 0) or
        // [-1, dim - 1] (step < 0).
        const auto norm = [dim](std::int64_t v) { return v < 0 ? v + dim : v; };
        std::int64_t s = norm(a.starts[k]);
        std::int64_t e = norm(a.ends[k]);
        if (a.starts[k] < 0 && a.starts[k] < -dim)
            s = step > 0 ? 0 : -1;
        if (a.ends[k] < 0 && a.ends[k] < -dim)
            e = step > 0 ? 0 : -1;
        if (step > 0) {
            s = std::clamp<std::int64_t>(s, 0, dim);
            e = std::clamp<std::int64_t>(e, 0, dim);
        } else {
            s = std::clamp<std::int64_t>(s, -1, dim - 1);
            e = std::clamp<std::int64_t>(e, -1, dim - 1);
        }
        const std::int64_t count = step > 0
                                       ? std::max<std::int64_t>(0, (e - s + step - 1) / step)
                                       : std::max<std::int64_t>(0, (s - e + (-step) - 1) / (-step));
        out[ax] = {s, step, count};
    }
    return out;
}

std::vector<std::int64_t> reduced_axes(const Node& n, std::int64_t rank) {
    std::vector<std::int64_t> axes;
    if (n.op == Op::LayerNorm) {
        const std::int64_t a0 = n.attrs.axis < 0 ? n.attrs.axis + rank : n.attrs.axis;
        for (std::int64_t i = a0; i < rank; ++i)
            axes.push_back(i);
        return axes;
    }
    if (n.attrs.axes.empty()) {
        for (std::int64_t i = 0; i < rank; ++i)
            axes.push_back(i);
        return axes;
    }
    for (const auto a : n.attrs.axes)
        axes.push_back(a < 0 ? a + rank : a);
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    return axes;
}

void Graph::validate(const std::string& source) const {
    const Source src{source};
    const auto err = [&source](const std::string& msg) { throw ConfigError(source, msg); };
    // Views of the graph's own names: no copies.
    std::unordered_set<std::string_view> defined;
    defined.reserve(initializers.size() + inputs.size() + nodes.size());
    for (const auto& [tname, t] : initializers) {
        const bool shape_only = !weight_values && t.data.empty();
        if (!shape_only && static_cast<std::int64_t>(t.data.size()) != t.numel()) {
            err(fmt::format("initializer '{}' has {} values for shape {}", tname, t.data.size(),
                            dims_str(t.dims)));
        }
        const auto bad =
            std::find_if(t.data.begin(), t.data.end(), [](float v) { return !std::isfinite(v); });
        if (bad != t.data.end()) {
            err(fmt::format("initializer '{}' holds {} at index {}; weights must be finite", tname,
                            *bad, bad - t.data.begin()));
        }
        defined.insert(tname);
    }
    if (inputs.empty()) {
        err("the graph has no input");
    }
    for (const ValueInfo& v : inputs) {
        if (!defined.insert(v.name).second) {
            err(fmt::format("graph input '{}' is defined twice", v.name));
        }
        for (std::size_t i = 0; i < v.dims.size(); ++i) {
            if (v.dims[i] < (i == 0 ? -1 : 1)) {
                err(
                    fmt::format("graph input '{}' has shape {}; only the batch dimension may be "
                                "unknown",
                                v.name, dims_str(v.dims)));
            }
        }
    }
    std::unordered_set<std::string_view> node_names;
    node_names.reserve(nodes.size());
    for (const Node& n : nodes) {
        if (n.name.empty() || !node_names.insert(n.name).second) {
            err(fmt::format("node name '{}' is empty or not unique", n.name));
        }
        const OpInfo& info = op_info(n.op);
        if (n.inputs.size() < info.min_inputs || n.inputs.size() > info.max_inputs) {
            fail(src, n,
                 fmt::format("has {} inputs; expected {}{}", n.inputs.size(), info.min_inputs,
                             info.max_inputs > info.min_inputs ? " or more" : ""));
        }
        for (const std::string& in : n.inputs) {
            if (defined.count(in) == 0) {
                fail(src, n, fmt::format("input '{}' is not defined before this node", in));
            }
        }
        if (n.outputs.size() != 1) {
            fail(src, n, "must have exactly one output");
        }
        if (!defined.insert(n.outputs[0]).second) {
            fail(src, n, fmt::format("output '{}' is defined twice", n.outputs[0]));
        }
    }
    if (outputs.empty()) {
        err("the graph has no output");
    }
    for (const ValueInfo& v : outputs) {
        if (defined.count(v.name) == 0) {
            err(fmt::format("graph output '{}' is not produced by any node", v.name));
        }
    }
    shapes_of(*this, src, 1, true);
}

void Graph::require_weight_values(const std::string& user) const {
    if (!weight_values) {
        throw std::logic_error(
            fmt::format("{} needs the weight values of '{}', built with shapes only", user, name));
    }
}

std::map<std::string, Dims> Graph::infer_shapes(std::int64_t batch) const {
    return shapes_of(*this, Source{name}, batch);
}

std::vector<NodeStats> Graph::node_stats() const {
    const auto shapes = infer_shapes(1);
    std::vector<NodeStats> out;
    out.reserve(nodes.size());
    for (const Node& n : nodes) {
        NodeStats s;
        s.output_dims = shapes.at(n.outputs[0]);
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            if (!is_initializer(n.inputs[i])) {
                continue;
            }
            const std::int64_t count = initializer(n.inputs[i]).numel();
            ((n.op == Op::BatchNorm && i >= 3) ? s.buffers : s.params) += count;
        }
        s.macs = node_macs(Source{name}, n, shapes);
        out.push_back(std::move(s));
    }
    return out;
}

const GraphLimits& graph_limits() {
    return limits_storage();
}

void set_graph_limits(const GraphLimits& limits) {
    require_range("model.max_tensor_elements", limits.max_tensor_elements, std::int64_t{1},
                  std::int64_t{1} << 40);
    require_range("model.max_macs_per_image", limits.max_macs_per_image, std::int64_t{1},
                  std::int64_t{1} << 60);
    limits_storage() = limits;
}

std::int64_t Graph::parameter_count() const {
    std::set<std::string> counted;
    std::int64_t total = 0;
    for (const Node& n : nodes) {
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            const bool buffer = n.op == Op::BatchNorm && i >= 3;
            if (!buffer && is_initializer(n.inputs[i]) && counted.insert(n.inputs[i]).second) {
                total += initializer(n.inputs[i]).numel();
            }
        }
    }
    return total;
}

bool images_along_dim0(const Graph& g) {
    if (g.inputs.size() != 1 || g.inputs[0].dims.empty() ||
        (g.inputs[0].dims[0] != -1 && g.inputs[0].dims[0] != 1))
        return false;
    std::map<std::string, Dims> one;
    std::map<std::string, Dims> two;
    for (const auto& [name, t] : g.initializers) {
        one[name] = t.dims;
        two[name] = t.dims;
    }
    Dims d = g.inputs[0].dims;
    d[0] = 1;
    one[g.inputs[0].name] = d;
    d[0] = 2;
    two[g.inputs[0].name] = d;
    try {
        std::vector<Dims> in1;
        std::vector<Dims> in2;
        for (const Node& n : g.nodes) {
            in1.clear();
            in2.clear();
            for (const auto& t : n.inputs) {
                in1.push_back(one.at(t));
                in2.push_back(two.at(t));
            }
            const Dims a = infer_node_shape(g, n, in1, 1);
            Dims b = infer_node_shape(g, n, in2, 2);
            if (a.empty() || b[0] != 2 * a[0])
                return false;
            one[n.outputs[0]] = a;
            two[n.outputs[0]] = b;
            b[0] = a[0];
            if (a != b)
                return false;
        }
    } catch (const ConfigError&) {
        return false;
    }
    return true;
}

}  // namespace dnsim::workloads
