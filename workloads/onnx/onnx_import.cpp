// ONNX -> Graph. Every node is mapped op by op with its attributes checked against the set
// dnsim implements; shapes are inferred node by node so errors name the node at fault.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "onnx/onnx_io.h"
#include "onnx/onnx_metadata.h"

namespace dnsim::workloads {

namespace {

const char* dtype_name(int t) {
    switch (t) {
        case onnx::TensorProto::FLOAT:
            return "float32";
        case onnx::TensorProto::UINT8:
            return "uint8";
        case onnx::TensorProto::INT8:
            return "int8";
        case onnx::TensorProto::UINT16:
            return "uint16";
        case onnx::TensorProto::INT16:
            return "int16";
        case onnx::TensorProto::INT32:
            return "int32";
        case onnx::TensorProto::INT64:
            return "int64";
        case onnx::TensorProto::STRING:
            return "string";
        case onnx::TensorProto::BOOL:
            return "bool";
        case onnx::TensorProto::FLOAT16:
            return "float16";
        case onnx::TensorProto::DOUBLE:
            return "float64";
        case onnx::TensorProto::UINT32:
            return "uint32";
        case onnx::TensorProto::UINT64:
            return "uint64";
        case onnx::TensorProto::BFLOAT16:
            return "bfloat16";
        default:
            return "an unknown type";
    }
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        throw ConfigError(path, "cannot open file");
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// A constant (initializer or Constant node output) as float or int64 values.
struct Constant {
    Dims dims;
    int dtype = 0;
    std::vector<float> f;
    std::vector<std::int64_t> i;
};

template <typename T>
std::vector<T> raw_values(const std::string& raw, std::int64_t count, const std::string& source,
                          const std::string& name) {
    if (static_cast<std::int64_t>(raw.size()) != count * static_cast<std::int64_t>(sizeof(T))) {
        throw ConfigError(
            source, fmt::format("tensor '{}' has {} bytes of raw data; its shape "
                                "needs {}",
                                name, raw.size(), count * static_cast<std::int64_t>(sizeof(T))));
    }
    std::vector<T> v(static_cast<std::size_t>(count));
    std::memcpy(v.data(), raw.data(), raw.size());
    return v;
}

Constant to_constant(const onnx::TensorProto& t, const std::string& source) {
    Constant c;
    c.dtype = t.data_type();
    for (const auto d : t.dims()) {
        if (d < 0) {
            throw ConfigError(source,
                              fmt::format("tensor '{}' has a negative dimension", t.name()));
        }
        c.dims.push_back(d);
    }
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
        throw UnsupportedError(source, fmt::format("tensor '{}' keeps its data in an external "
                                                   "file; save the model with the data embedded",
                                                   t.name()));
    }
    const std::int64_t count = numel(c.dims);
    const auto check = [&](std::int64_t got) {
        if (got != count) {
            throw ConfigError(
                source, fmt::format("tensor '{}' has {} values; its shape {} needs {}", t.name(),
                                    got, dims_str(c.dims), count));
        }
    };
    if (c.dtype == onnx::TensorProto::FLOAT) {
        if (t.has_raw_data()) {
            c.f = raw_values<float>(t.raw_data(), count, source, t.name());
        } else {
            c.f.assign(t.float_data().begin(), t.float_data().end());
            check(static_cast<std::int64_t>(c.f.size()));
        }
    } else if (c.dtype == onnx::TensorProto::INT64) {
        if (t.has_raw_data()) {
            c.i = raw_values<std::int64_t>(t.raw_data(), count, source, t.name());
        } else {
            c.i.assign(t.int64_data().begin(), t.int64_data().end());
            check(static_cast<std::int64_t>(c.i.size()));
        }
    } else {
        throw UnsupportedError(source, fmt::format("tensor '{}' has data type {}; dnsim supports "
                                                   "float32 (and int64 for shapes)",
                                                   t.name(), dtype_name(c.dtype)));
    }
    return c;
}

class Importer {
  public:
    Importer(const onnx::ModelProto& model, std::string source, const FrozenInputs& frozen)
        : m_model(model), m_src(std::move(source)), m_frozen(frozen) {}

    Graph run() {
        read_opsets();
        const onnx::GraphProto& gp = m_model.graph();
        m_g.name = m_src;
        for (const auto& t : gp.initializer()) {
            if (m_consts.count(t.name()) != 0) {
                throw ConfigError(m_src,
                                  fmt::format("initializer '{}' is defined twice", t.name()));
            }
            m_consts[t.name()] = to_constant(t, m_src);
            m_shapes[t.name()] = m_consts[t.name()].dims;
        }
        for (const auto& [name, file] : m_frozen) {
            onnx::TensorProto t;
            if (!t.ParseFromString(read_file(file))) {
                throw ConfigError(file, "not a serialised onnx.TensorProto");
            }
            t.set_name(name);
            m_consts[name] = to_constant(t, file);
            m_shapes[name] = m_consts[name].dims;
        }
        if (gp.sparse_initializer_size() > 0) {
            throw UnsupportedError(m_src, "sparse initializers are not supported");
        }
        for (const auto& vi : gp.input()) {
            if (m_consts.count(vi.name()) == 0) {
                add_graph_input(vi);
            }
        }
        for (int i = 0; i < gp.node_size(); ++i) {
            add_node(gp.node(i), i);
        }
        for (const auto& vi : gp.output()) {
            if (m_shapes.count(vi.name()) == 0 || m_g.is_initializer(vi.name())) {
                throw ConfigError(m_src, fmt::format("graph output '{}' is not produced by any "
                                                     "node",
                                                     vi.name()));
            }
            Dims d = m_shapes.at(vi.name());
            if (m_batch_input && !d.empty()) {
                d[0] = -1;
            }
            m_g.outputs.push_back({vi.name(), d});
        }
        fuse_silu();
        m_g.validate(m_src);
        m_g.name = gp.name().empty() ? std::filesystem::path(m_src).stem().string() : gp.name();
        return std::move(m_g);
    }

  private:
    [[noreturn]] void unsupported(const onnx::NodeProto& n, const std::string& name,
                                  const std::string& what) const {
        throw UnsupportedError(m_src, fmt::format("node '{}' ({}): {}", name, n.op_type(), what));
    }
    [[noreturn]] void bad(const onnx::NodeProto& n, const std::string& name,
                          const std::string& what) const {
        throw ConfigError(m_src, fmt::format("node '{}' ({}): {}", name, n.op_type(), what));
    }

    void read_opsets() {
        bool have_default = false;
        for (const auto& os : m_model.opset_import()) {
            if (os.domain().empty() || os.domain() == "ai.onnx") {
                have_default = true;
                m_opset = os.version();
                if (m_opset < kMinImportOpset || m_opset > kMaxImportOpset) {
                    throw UnsupportedError(
                        m_src, fmt::format("opset {} is not supported; accepted: {} to {}", m_opset,
                                           kMinImportOpset, kMaxImportOpset));
                }
            } else if (os.domain() == kDnsimDomain && os.version() != kDnsimDomainVersion) {
                throw UnsupportedError(
                    m_src, fmt::format("domain {} version {} is not supported; "
                                       "accepted: {}",
                                       kDnsimDomain, os.version(), kDnsimDomainVersion));
            }
        }
        if (!have_default) {
            throw ConfigError(m_src, "the model imports no default-domain opset");
        }
        if (!m_model.has_graph()) {
            throw ConfigError(m_src, "the model has no graph");
        }
    }

    void add_graph_input(const onnx::ValueInfoProto& vi) {
        if (!vi.type().has_tensor_type()) {
            throw UnsupportedError(m_src,
                                   fmt::format("graph input '{}' is not a tensor", vi.name()));
        }
        const auto& tt = vi.type().tensor_type();
        if (tt.elem_type() != onnx::TensorProto::FLOAT) {
            throw UnsupportedError(m_src, fmt::format("graph input '{}' has data type {}; dnsim "
                                                      "supports float32",
                                                      vi.name(), dtype_name(tt.elem_type())));
        }
        if (!tt.has_shape()) {
            throw UnsupportedError(m_src, fmt::format("graph input '{}' has no shape", vi.name()));
        }
        Dims d;
        for (int i = 0; i < tt.shape().dim_size(); ++i) {
            const auto& dim = tt.shape().dim(i);
            if (dim.has_dim_value() && dim.dim_value() > 0) {
                d.push_back(dim.dim_value());
            } else if (i == 0) {
                d.push_back(-1);
                m_batch_input = true;
            } else {
                throw UnsupportedError(m_src, fmt::format("graph input '{}' has an unknown "
                                                          "dimension {}; only the batch "
                                                          "dimension (0) may be symbolic",
                                                          vi.name(), i));
            }
        }
        m_g.inputs.push_back({vi.name(), d});
        Dims one = d;
        if (!one.empty() && one[0] == -1)
            one[0] = 1;
        m_shapes[vi.name()] = one;
    }

    // --- attributes ---------------------------------------------------------------------

    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) const {
        for (const auto& a : n.attribute()) {
            if (a.name() == name)
                return &a;
        }
        return nullptr;
    }
    std::int64_t attr_i(const onnx::NodeProto& n, const std::string& nm, const char* name,
                        std::int64_t def) const {
        const auto* a = attr(n, name);
        if (a == nullptr)
            return def;
        if (a->type() != onnx::AttributeProto::INT)
            bad(n, nm, fmt::format("attribute '{}' must be an int", name));
        return a->i();
    }
    float attr_f(const onnx::NodeProto& n, const std::string& nm, const char* name,
                 float def) const {
        const auto* a = attr(n, name);
        if (a == nullptr)
            return def;
        if (a->type() != onnx::AttributeProto::FLOAT)
            bad(n, nm, fmt::format("attribute '{}' must be a float", name));
        return a->f();
    }
    std::string attr_s(const onnx::NodeProto& n, const std::string& nm, const char* name,
                       const std::string& def) const {
        const auto* a = attr(n, name);
        if (a == nullptr)
            return def;
        if (a->type() != onnx::AttributeProto::STRING)
            bad(n, nm, fmt::format("attribute '{}' must be a string", name));
        return a->s();
    }
    std::optional<std::vector<std::int64_t>> attr_ints(const onnx::NodeProto& n,
                                                       const std::string& nm,
                                                       const char* name) const {
        const auto* a = attr(n, name);
        if (a == nullptr)
            return std::nullopt;
        if (a->type() != onnx::AttributeProto::INTS)
            bad(n, nm, fmt::format("attribute '{}' must be a list of ints", name));
        return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
    }
    void allow_attrs(const onnx::NodeProto& n, const std::string& nm,
                     std::initializer_list<const char*> allowed) const {
        for (const auto& a : n.attribute()) {
            const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                        [&a](const char* s) { return a.name() == s; });
            if (!ok)
                unsupported(n, nm, fmt::format("attribute '{}' is not supported", a.name()));
        }
    }

    /// kernel_shape, strides, dilations, pads and auto_pad of Conv and the pools.
    void window_attrs(const onnx::NodeProto& n, const std::string& nm, const Dims& x, const Dims* w,
                      NodeAttrs& a) const {
        if (x.size() != 4) {
            unsupported(n, nm,
                        fmt::format("only 2-D spatial inputs (N, C, H, W) are supported; "
                                    "the input has shape {}",
                                    dims_str(x)));
        }
        const auto pair = [&](const char* key, std::array<std::int64_t, 2>& out) {
            if (const auto v = attr_ints(n, nm, key)) {
                if (v->size() != 2)
                    bad(n, nm,
                        fmt::format("attribute '{}' must have 2 values, has {}", key, v->size()));
                out = {(*v)[0], (*v)[1]};
            }
        };
        if (const auto k = attr_ints(n, nm, "kernel_shape")) {
            if (k->size() != 2)
                bad(n, nm, "attribute 'kernel_shape' must have 2 values");
            a.kernel = {(*k)[0], (*k)[1]};
        } else if (w != nullptr && w->size() == 4) {
            a.kernel = {(*w)[2], (*w)[3]};
        } else {
            bad(n, nm, "attribute 'kernel_shape' is required");
        }
        pair("strides", a.strides);
        pair("dilations", a.dilations);
        if (const auto p = attr_ints(n, nm, "pads")) {
            if (p->size() != 4)
                bad(n, nm, fmt::format("attribute 'pads' must have 4 values, has {}", p->size()));
            a.pads = {(*p)[0], (*p)[1], (*p)[2], (*p)[3]};
        }
        const std::string auto_pad = attr_s(n, nm, "auto_pad", "NOTSET");
        if (auto_pad == "VALID") {
            a.pads = {0, 0, 0, 0};
        } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            for (std::size_t i = 0; i < 2; ++i) {
                const std::int64_t in = x[i + 2];
                const std::int64_t s = std::max<std::int64_t>(a.strides[i], 1);
                const std::int64_t out = (in + s - 1) / s;
                const std::int64_t total = std::max<std::int64_t>(
                    0, (out - 1) * s + (a.kernel[i] - 1) * a.dilations[i] + 1 - in);
                const std::int64_t small = total / 2;
                a.pads[i] = auto_pad == "SAME_UPPER" ? small : total - small;
                a.pads[i + 2] = total - a.pads[i];
            }
        } else if (auto_pad != "NOTSET") {
            bad(n, nm,
                fmt::format("auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, "
                            "SAME_LOWER",
                            auto_pad));
        }
    }

    // --- nodes --------------------------------------------------------------------------

    const Constant& constant(const onnx::NodeProto& n, const std::string& nm,
                             const std::string& tensor, const char* role) const {
        const auto it = m_consts.find(tensor);
        if (it == m_consts.end()) {
            unsupported(n, nm,
                        fmt::format("{} '{}' must be a constant (initializer or Constant "
                                    "node)",
                                    role, tensor));
        }
        return it->second;
    }

    float scalar(const onnx::NodeProto& n, const std::string& nm, const std::string& tensor,
                 const char* role) const {
        const Constant& c = constant(n, nm, tensor, role);
        if (c.dtype != onnx::TensorProto::FLOAT || c.f.size() != 1) {
            unsupported(n, nm, fmt::format("{} '{}' must be a float32 scalar", role, tensor));
        }
        return c.f[0];
    }

    void add_constant_node(const onnx::NodeProto& n, const std::string& nm) {
        allow_attrs(n, nm, {"value", "value_float", "value_floats", "value_int", "value_ints"});
        Constant c;
        if (const auto* v = attr(n, "value")) {
            c = to_constant(v->t(), m_src);
        } else if (const auto* vf = attr(n, "value_float")) {
            c = Constant{{}, onnx::TensorProto::FLOAT, {vf->f()}, {}};
        } else if (const auto* vfs = attr(n, "value_floats")) {
            c = Constant{{vfs->floats_size()},
                         onnx::TensorProto::FLOAT,
                         {vfs->floats().begin(), vfs->floats().end()},
                         {}};
        } else if (const auto* vi = attr(n, "value_int")) {
            c = Constant{{}, onnx::TensorProto::INT64, {}, {vi->i()}};
        } else if (const auto* vis = attr(n, "value_ints")) {
            c = Constant{{vis->ints_size()},
                         onnx::TensorProto::INT64,
                         {},
                         {vis->ints().begin(), vis->ints().end()}};
        } else {
            bad(n, nm, "has no value attribute");
        }
        m_consts[n.output(0)] = std::move(c);
        m_shapes[n.output(0)] = m_consts[n.output(0)].dims;
    }

    /// Makes a float constant used as a tensor operand an initializer of the graph.
    void use_as_operand(const onnx::NodeProto& n, const std::string& nm, const std::string& t) {
        if (m_g.is_initializer(t))
            return;
        const auto it = m_consts.find(t);
        if (it == m_consts.end()) {
            if (m_shapes.count(t) == 0) {
                bad(n, nm, fmt::format("input '{}' is not defined before this node", t));
            }
            return;
        }
        if (it->second.dtype != onnx::TensorProto::FLOAT) {
            unsupported(n, nm,
                        fmt::format("input '{}' has data type {}; dnsim supports float32", t,
                                    dtype_name(it->second.dtype)));
        }
        m_g.initializers[t] = Tensor(it->second.dims, it->second.f);
    }

    void add_node(const onnx::NodeProto& n, int index) {
        std::string nm = n.name().empty() ? fmt::format("{}_{}", n.op_type(), index) : n.name();
        while (m_node_names.count(nm) != 0)
            nm += fmt::format("_{}", index);
        m_node_names.insert(nm);
        const bool dnsim_domain = n.domain() == kDnsimDomain;
        if (!n.domain().empty() && n.domain() != "ai.onnx" && !dnsim_domain) {
            unsupported(n, nm, fmt::format("op of domain '{}' is not supported", n.domain()));
        }
        if (n.output_size() < 1 || n.output(0).empty()) {
            bad(n, nm, "has no output");
        }
        for (int i = 1; i < n.output_size(); ++i) {
            if (!n.output(i).empty()) {
                unsupported(n, nm,
                            fmt::format("optional output '{}' is not supported", n.output(i)));
            }
        }
        if (!dnsim_domain && n.op_type() == "Constant") {
            add_constant_node(n, nm);
            return;
        }
        Node node;
        node.name = nm;
        node.outputs = {n.output(0)};
        const std::string& op = n.op_type();
        const auto in = [&](int i) -> std::string {
            return i < n.input_size() ? n.input(i) : std::string();
        };
        const auto operand_count = [&](int lo, int hi) {
            int count = n.input_size();
            while (count > 0 && n.input(count - 1).empty())
                --count;
            if (count < lo || count > hi) {
                bad(n, nm,
                    fmt::format("has {} inputs; expected {}{}", count, lo,
                                hi > lo ? fmt::format(" to {}", hi) : ""));
            }
            for (int i = 0; i < count; ++i) {
                if (n.input(i).empty())
                    bad(n, nm, fmt::format("input {} is empty", i));
                node.inputs.push_back(n.input(i));
            }
        };
        const auto shape_of = [&](const std::string& t) -> const Dims& {
            const auto it = m_shapes.find(t);
            if (it == m_shapes.end())
                bad(n, nm, fmt::format("input '{}' is not defined before this node", t));
            return it->second;
        };
        if (dnsim_domain) {
            if (op != "Denoiser")
                unsupported(n, nm, fmt::format("op '{}' is not in domain {}", op, kDnsimDomain));
            allow_attrs(n, nm, {"alpha"});
            node.op = Op::Denoiser;
            node.attrs = default_attrs(Op::Denoiser);
            node.attrs.alpha = attr_f(n, nm, "alpha", kDenoiserDefaultSlope);
            operand_count(9, 9);
        } else if (op == "Conv") {
            allow_attrs(n, nm,
                        {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
            node.op = Op::Conv;
            operand_count(2, 3);
            const Dims& w = shape_of(in(1));
            window_attrs(n, nm, shape_of(in(0)), &w, node.attrs);
            node.attrs.group = attr_i(n, nm, "group", 1);
        } else if (op == "BatchNormalization") {
            allow_attrs(n, nm, {"epsilon", "momentum", "training_mode"});
            node.op = Op::BatchNorm;
            node.attrs.epsilon = attr_f(n, nm, "epsilon", 1e-5f);
            if (attr_i(n, nm, "training_mode", 0) != 0)
                unsupported(n, nm, "training_mode=1 is not supported (inference only)");
            operand_count(5, 5);
        } else if (op == "Relu" || op == "Sigmoid" || op == "HardSwish" ||
                   op == "GlobalAveragePool") {
            allow_attrs(n, nm, {});
            node.op = op == "Relu"        ? Op::Relu
                      : op == "Sigmoid"   ? Op::Sigmoid
                      : op == "HardSwish" ? Op::HardSwish
                                          : Op::GlobalAveragePool;
            operand_count(1, 1);
            if (node.op == Op::GlobalAveragePool && shape_of(in(0)).size() != 4) {
                unsupported(n, nm,
                            fmt::format("only 2-D spatial inputs (N, C, H, W) are "
                                        "supported; the input has shape {}",
                                        dims_str(shape_of(in(0)))));
            }
        } else if (op == "ReduceMean") {
            // PyTorch's x.mean((2, 3), keepdim=True): the spatial mean, i.e. GlobalAveragePool.
            allow_attrs(n, nm, {"axes", "keepdims"});
            operand_count(1, 1);
            const Dims& x = shape_of(in(0));
            auto axes = attr_ints(n, nm, "axes").value_or(std::vector<std::int64_t>{});
            for (auto& ax : axes)
                ax = ax < 0 ? ax + static_cast<std::int64_t>(x.size()) : ax;
            std::sort(axes.begin(), axes.end());
            if (x.size() != 4 || axes != std::vector<std::int64_t>{2, 3} ||
                attr_i(n, nm, "keepdims", 1) != 1) {
                unsupported(n, nm,
                            "only the spatial mean of an N x C x H x W tensor (axes 2 and "
                            "3, keepdims 1) is supported, as GlobalAveragePool");
            }
            node.op = Op::GlobalAveragePool;
        } else if (op == "LeakyRelu") {
            allow_attrs(n, nm, {"alpha"});
            node.op = Op::LeakyRelu;
            node.attrs = default_attrs(Op::LeakyRelu);
            node.attrs.alpha = attr_f(n, nm, "alpha", 0.01f);
            operand_count(1, 1);
        } else if (op == "HardSigmoid") {
            allow_attrs(n, nm, {"alpha", "beta"});
            node.op = Op::HardSigmoid;
            node.attrs = default_attrs(Op::HardSigmoid);
            node.attrs.alpha = attr_f(n, nm, "alpha", 0.2f);
            node.attrs.beta = attr_f(n, nm, "beta", 0.5f);
            operand_count(1, 1);
        } else if (op == "Clip") {
            allow_attrs(n, nm, {});
            node.op = Op::Clip;
            if (!in(1).empty())
                node.attrs.clip_min = scalar(n, nm, in(1), "min");
            if (!in(2).empty())
                node.attrs.clip_max = scalar(n, nm, in(2), "max");
            if (n.input_size() < 1 || n.input_size() > 3 || in(0).empty())
                bad(n, nm, "expects inputs (input, min, max)");
            node.inputs = {in(0)};
        } else if (op == "Add" || op == "Mul" || op == "MatMul") {
            allow_attrs(n, nm, {});
            node.op = op == "Add" ? Op::Add : op == "Mul" ? Op::Mul : Op::MatMul;
            operand_count(2, 2);
        } else if (op == "Concat") {
            allow_attrs(n, nm, {"axis"});
            node.op = Op::Concat;
            if (attr(n, "axis") == nullptr)
                bad(n, nm, "attribute 'axis' is required");
            node.attrs.axis = attr_i(n, nm, "axis", 1);
            operand_count(1, 1 << 20);
        } else if (op == "MaxPool") {
            allow_attrs(n, nm,
                        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                         "storage_order", "strides"});
            node.op = Op::MaxPool;
            operand_count(1, 1);
            window_attrs(n, nm, shape_of(in(0)), nullptr, node.attrs);
            node.attrs.ceil_mode = attr_i(n, nm, "ceil_mode", 0) != 0;
            if (attr_i(n, nm, "storage_order", 0) != 0)
                unsupported(n, nm, "storage_order=1 is not supported");
        } else if (op == "AveragePool") {
            allow_attrs(
                n, nm,
                {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
            node.op = Op::AveragePool;
            operand_count(1, 1);
            window_attrs(n, nm, shape_of(in(0)), nullptr, node.attrs);
            node.attrs.ceil_mode = attr_i(n, nm, "ceil_mode", 0) != 0;
            node.attrs.count_include_pad = attr_i(n, nm, "count_include_pad", 0) != 0;
        } else if (op == "Flatten") {
            allow_attrs(n, nm, {"axis"});
            node.op = Op::Flatten;
            node.attrs.axis = attr_i(n, nm, "axis", 1);
            operand_count(1, 1);
        } else if (op == "Reshape") {
            allow_attrs(n, nm, {"allowzero"});
            node.op = Op::Reshape;
            if (n.input_size() != 2)
                bad(n, nm, "expects inputs (data, shape)");
            const Constant& s = constant(n, nm, in(1), "shape");
            if (s.dtype != onnx::TensorProto::INT64 || s.dims.size() != 1)
                unsupported(n, nm, "shape must be a 1-D int64 constant");
            node.attrs.shape = s.i;
            if (attr_i(n, nm, "allowzero", 0) != 0 &&
                std::find(s.i.begin(), s.i.end(), 0) != s.i.end()) {
                unsupported(n, nm, "allowzero=1 with a zero in the shape is not supported");
            }
            node.inputs = {in(0)};
        } else if (op == "Gemm") {
            allow_attrs(n, nm, {"alpha", "beta", "transA", "transB"});
            node.op = Op::Gemm;
            node.attrs = default_attrs(Op::Gemm);
            node.attrs.alpha = attr_f(n, nm, "alpha", 1.0f);
            node.attrs.beta = attr_f(n, nm, "beta", 1.0f);
            node.attrs.trans_a = attr_i(n, nm, "transA", 0) != 0;
            node.attrs.trans_b = attr_i(n, nm, "transB", 0) != 0;
            operand_count(2, 3);
        } else if (op == "Softmax") {
            allow_attrs(n, nm, {"axis"});
            node.op = Op::Softmax;
            operand_count(1, 1);
            const auto rank = static_cast<std::int64_t>(shape_of(in(0)).size());
            node.attrs.axis = attr_i(n, nm, "axis", m_opset < 13 ? 1 : -1);
            if (m_opset < 13) {
                // Opsets 11 and 12 flatten to 2-D at `axis`; that equals a softmax along `axis`
                // only when every later dimension is 1.
                const std::int64_t a =
                    node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
                const Dims& x = shape_of(in(0));
                for (std::int64_t i = a + 1; i >= 0 && i < rank; ++i) {
                    if (x[static_cast<std::size_t>(i)] != 1) {
                        unsupported(n, nm,
                                    fmt::format("opset {} Softmax over the flattened "
                                                "dimensions {}.. of {} is not supported "
                                                "(export with opset >= 13)",
                                                m_opset, a, dims_str(x)));
                    }
                }
            }
        } else {
            unsupported(n, nm,
                        fmt::format("op '{}' is not supported (docs/onnx.md lists the "
                                    "supported ops)",
                                    op));
        }
        for (const std::string& t : node.inputs)
            use_as_operand(n, nm, t);
        std::vector<Dims> in_dims;
        for (const std::string& t : node.inputs)
            in_dims.push_back(shape_of(t));
        m_shapes[node.outputs[0]] = infer_node_shape(m_g, node, in_dims);
        m_g.nodes.push_back(std::move(node));
    }

    /// x * Sigmoid(x), as PyTorch exports SiLU and dnsim exports Silu, becomes one Silu node.
    void fuse_silu() {
        std::set<std::string> graph_outputs;
        for (const auto& v : m_g.outputs)
            graph_outputs.insert(v.name);
        for (std::size_t i = 0; i < m_g.nodes.size(); ++i) {
            const Node& s = m_g.nodes[i];
            if (s.op != Op::Sigmoid || graph_outputs.count(s.outputs[0]) != 0)
                continue;
            const auto users = m_g.consumers(s.outputs[0]);
            if (users.size() != 1)
                continue;
            Node& m = m_g.nodes[users[0]];
            const std::vector<std::string> a{s.inputs[0], s.outputs[0]};
            const std::vector<std::string> b{s.outputs[0], s.inputs[0]};
            if (m.op != Op::Mul || (m.inputs != a && m.inputs != b))
                continue;
            m.op = Op::Silu;
            m.inputs = {s.inputs[0]};
            m.attrs = NodeAttrs{};
            m_g.nodes.erase(m_g.nodes.begin() + static_cast<std::ptrdiff_t>(i));
            --i;
        }
    }

    const onnx::ModelProto& m_model;
    std::string m_src;
    const FrozenInputs& m_frozen;
    std::int64_t m_opset = 0;
    bool m_batch_input = false;
    Graph m_g;
    std::map<std::string, Constant> m_consts;
    std::map<std::string, Dims> m_shapes;
    std::set<std::string> m_node_names;
};

}  // namespace

Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const FrozenInputs& frozen) {
    onnx::ModelProto model;
    if (bytes.empty() || !model.ParseFromString(bytes)) {
        throw ConfigError(source,
                          "not a valid ONNX model (the protobuf message does not parse; "
                          "truncated or not an .onnx file?)");
    }
    Graph g = Importer(model, source, frozen).run();
    g.input_normalisation = read_input_normalisation(model, g, source);
    return g;
}

Graph import_onnx(const std::string& path, const FrozenInputs& frozen) {
    return import_onnx_bytes(read_file(path), path, frozen);
}

Tensor read_onnx_tensor(const std::string& path) {
    onnx::TensorProto t;
    if (!t.ParseFromString(read_file(path))) {
        throw ConfigError(path, "not a serialised onnx.TensorProto");
    }
    const Constant c = to_constant(t, path);
    if (c.dtype != onnx::TensorProto::FLOAT) {
        throw UnsupportedError(
            path, fmt::format("data type {}; dnsim supports float32", dtype_name(c.dtype)));
    }
    return Tensor(c.dims, c.f);
}

}  // namespace dnsim::workloads
