// ONNX -> Graph. Every node is mapped op by op with its attributes checked against the set
// dnsim implements; shapes are inferred node by node (at batch 1 and 2, to track a symbolic
// batch) so errors name the node at fault. Shape sub-graphs and nodes on constants fold at
// import; PyTorch's SiLU, GELU and LayerNorm patterns fuse, and zero Pads fold into the Conv or
// pool after them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include "models/common/input_files.h"
#include "workloads/exec/executor.h"
#include "workloads/exec/kernels_tensor.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/onnx/onnx_metadata.h"

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

/// A serialised protobuf message (a model or a TensorProto) from a regular file: protobuf
/// parses at most 2 GiB, so a larger file is refused before it is read, as is a FIFO, device or
/// directory (models/common/input_files.h).
std::string read_file(const std::string& path) {
    constexpr std::int64_t kMaxProtobufBytes = (std::int64_t{1} << 31) - 1;
    return read_input_file(path, kMaxProtobufBytes, "an ONNX protobuf file");
}

/// A constant (initializer, Constant node output, or a value folded at import) as float or
/// integer values (int64, int32 and bool are all held in `i`). An integer entry with `sym` set
/// scales with the batch size: its value is i[k] x N (shape arithmetic on a symbolic batch).
struct Constant {
    Dims dims;
    int dtype = 0;
    std::vector<float> f;
    std::vector<std::int64_t> i;
    std::vector<char> sym;  ///< empty: no symbolic entry

    bool is_float() const { return dtype == onnx::TensorProto::FLOAT; }
    bool symbolic(std::size_t k) const { return !sym.empty() && sym[k] != 0; }
    bool any_symbolic() const { return std::find(sym.begin(), sym.end(), 1) != sym.end(); }
};

template <typename T>
std::vector<T> raw_values(const std::string& raw, std::int64_t count, const std::string& source,
                          const std::string& name) {
    std::int64_t need = 0;
    if (__builtin_mul_overflow(count, static_cast<std::int64_t>(sizeof(T)), &need) ||
        static_cast<std::int64_t>(raw.size()) != need) {
        throw ConfigError(source, fmt::format("tensor '{}' has {} bytes of raw data; its {} "
                                              "elements need {} bytes each",
                                              name, raw.size(), count, sizeof(T)));
    }
    std::vector<T> v(static_cast<std::size_t>(count));
    // An empty tensor (ReduceSum's empty axes) has no storage: v.data() may be null, and memcpy
    // from or to a null pointer is undefined even for zero bytes.
    if (!raw.empty()) {
        std::memcpy(v.data(), raw.data(), raw.size());
    }
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
    std::int64_t count = 1;
    for (const std::int64_t d : c.dims) {
        if (__builtin_mul_overflow(count, d, &count)) {
            throw ConfigError(source, fmt::format("tensor '{}' has shape {}, more elements than a "
                                                  "64-bit count holds",
                                                  t.name(), dims_str(c.dims)));
        }
    }
    // Before any data is sized or copied (finding onnx-3: 2^62 floats, whose size in bytes
    // overflowed and wrapped to match an empty raw_data).
    if (count > graph_limits().max_tensor_elements) {
        throw ConfigError(source, fmt::format("tensor '{}' has shape {}: {} elements; the limit is "
                                              "{} elements per tensor (raise it with "
                                              "--model.max_tensor_elements)",
                                              t.name(), dims_str(c.dims), count,
                                              graph_limits().max_tensor_elements));
    }
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
    } else if (c.dtype == onnx::TensorProto::INT32 || c.dtype == onnx::TensorProto::BOOL) {
        // Only where a constant is expected (shape arithmetic, masks folded at import).
        if (t.has_raw_data()) {
            if (c.dtype == onnx::TensorProto::BOOL) {
                const auto v = raw_values<std::uint8_t>(t.raw_data(), count, source, t.name());
                c.i.assign(v.begin(), v.end());
            } else {
                const auto v = raw_values<std::int32_t>(t.raw_data(), count, source, t.name());
                c.i.assign(v.begin(), v.end());
            }
        } else {
            c.i.assign(t.int32_data().begin(), t.int32_data().end());
            check(static_cast<std::int64_t>(c.i.size()));
        }
    } else {
        throw UnsupportedError(source, fmt::format("tensor '{}' has data type {}; dnsim supports "
                                                   "float32 (and int64, int32, bool constants)",
                                                   t.name(), dtype_name(c.dtype)));
    }
    return c;
}

/// A node's inputs with Identity / Dropout aliases resolved; in(i) past the last input is ""
/// (as an omitted optional input).
class NodeInputs {
  public:
    explicit NodeInputs(const std::vector<std::string>& names) : m_names(names) {}
    std::string operator()(int i) const {
        return i < static_cast<int>(m_names.size()) ? m_names[static_cast<std::size_t>(i)]
                                                    : std::string();
    }

  private:
    const std::vector<std::string>& m_names;
};

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
            set_const(t.name(), to_constant(t, m_src));
        }
        for (const auto& [name, file] : m_frozen) {
            onnx::TensorProto t;
            if (!t.ParseFromString(read_file(file))) {
                throw ConfigError(file, "not a serialised onnx.TensorProto");
            }
            t.set_name(name);
            set_const(name, to_constant(t, file));
        }
        if (gp.sparse_initializer_size() > 0) {
            throw UnsupportedError(m_src, "sparse initializers are not supported");
        }
        for (const auto& vi : gp.input()) {
            if (m_consts.count(vi.name()) == 0) {
                add_graph_input(vi);
            }
        }
        for (const auto& vi : gp.output())
            m_graph_outputs.insert(vi.name());
        for (int i = 0; i < gp.node_size(); ++i) {
            add_node(gp.node(i), i);
        }
        for (const auto& vi : gp.output()) {
            const std::string name = output_tensor(vi.name());
            Dims d = m_shapes.at(name);
            if (m_batch_input && !d.empty()) {
                d[0] = -1;
            }
            m_g.outputs.push_back({name, d});
        }
        fuse_silu();
        fuse_gelu();
        fuse_layer_norm();
        fold_pads();
        drop_unused_initializers();
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

    static std::string limit_text() {
        return fmt::format(
            "the limit is {} elements per tensor and image (raise it with "
            "--model.max_tensor_elements)",
            graph_limits().max_tensor_elements);
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
        // Before any shape computation uses it (findings onnx-4, onnx-5, onnx-6).
        if (exceeds_tensor_limit(d)) {
            throw ConfigError(m_src, fmt::format("graph input '{}' has shape {}; {}", vi.name(),
                                                 dims_str(d), limit_text()));
        }
        m_g.inputs.push_back({vi.name(), d});
        Dims one = d;
        Dims two = d;
        if (!one.empty() && one[0] == -1) {
            one[0] = 1;
            two[0] = 2;
        }
        m_shapes[vi.name()] = one;
        m_shapes2[vi.name()] = two;
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
                // total = (ceil(in / s) - 1) s + (k - 1) d + 1 - in, every step checked: a
                // declared size near 2^63 must be refused, not wrap.
                std::int64_t rounded = 0, covered = 0, reach = 0, span = 0, total = 0;
                bool overflow = __builtin_add_overflow(in, s - 1, &rounded);
                const std::int64_t out = overflow ? 0 : rounded / s;
                overflow = overflow || __builtin_mul_overflow(out - 1, s, &covered) ||
                           __builtin_sub_overflow(a.kernel[i], 1, &reach) ||
                           __builtin_mul_overflow(reach, a.dilations[i], &reach) ||
                           __builtin_add_overflow(covered, reach, &span) ||
                           __builtin_add_overflow(span, 1, &span) ||
                           __builtin_sub_overflow(span, in, &total);
                if (overflow) {
                    bad(n, nm,
                        fmt::format("auto_pad '{}': the padding of an input of size {} with "
                                    "kernel {}, stride {} and dilation {} overflows 64 bits",
                                    auto_pad, in, a.kernel[i], a.strides[i], a.dilations[i]));
                }
                total = std::max<std::int64_t>(0, total);
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
            c = Constant{{}, onnx::TensorProto::FLOAT, {vf->f()}, {}, {}};
        } else if (const auto* vfs = attr(n, "value_floats")) {
            c = Constant{{vfs->floats_size()},
                         onnx::TensorProto::FLOAT,
                         {vfs->floats().begin(), vfs->floats().end()},
                         {},
                         {}};
        } else if (const auto* vi = attr(n, "value_int")) {
            c = Constant{{}, onnx::TensorProto::INT64, {}, {vi->i()}, {}};
        } else if (const auto* vis = attr(n, "value_ints")) {
            c = Constant{{vis->ints_size()},
                         onnx::TensorProto::INT64,
                         {},
                         {vis->ints().begin(), vis->ints().end()},
                         {}};
        } else {
            bad(n, nm, "has no value attribute");
        }
        set_const(n.output(0), std::move(c));
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

    /// The node's inputs against the op's ONNX schema at the model's opset: their count, and a
    /// name for every input the op requires (an empty name is ONNX's "omitted" and only an
    /// optional input may be omitted). Checked before any folding reads them (findings onnx-8,
    /// onnx-9). An op without a schema is left to the op mapping, which refuses it.
    void check_arity(const onnx::NodeProto& n, const std::string& nm) const {
        const onnx::OpSchema* schema =
            onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(m_opset), "");
        if (schema == nullptr)
            return;
        const int count = n.input_size();
        if (count < schema->min_input() || count > schema->max_input()) {
            const bool open = schema->max_input() == std::numeric_limits<int>::max();
            bad(n, nm,
                fmt::format(
                    "has {} input(s); {} (opset {}) takes {}", count, n.op_type(), m_opset,
                    open ? fmt::format("at least {}", schema->min_input())
                    : schema->min_input() == schema->max_input()
                        ? fmt::format("{}", schema->min_input())
                        : fmt::format("{} to {}", schema->min_input(), schema->max_input())));
        }
        const auto& formal = schema->inputs();
        for (int i = 0; i < count && !formal.empty(); ++i) {
            const auto& f =
                formal[std::min<std::size_t>(static_cast<std::size_t>(i), formal.size() - 1)];
            if (n.input(i).empty() &&
                f.GetOption() != onnx::OpSchema::FormalParameterOption::Optional) {
                bad(n, nm,
                    fmt::format("input {} ('{}') is empty; {} requires it", i, f.GetName(),
                                n.op_type()));
            }
        }
    }

    /// The node's name, made unique: its own, or op_index when it has none, with _index
    /// appended while an earlier node has it.
    std::string unique_node_name(const onnx::NodeProto& n, int index) {
        std::string nm = n.name().empty() ? fmt::format("{}_{}", n.op_type(), index) : n.name();
        while (m_node_names.count(nm) != 0)
            nm += fmt::format("_{}", index);
        m_node_names.insert(nm);
        return nm;
    }

    /// The node's domain (ONNX's default or dnsim's) and outputs: a first output, and later
    /// ones only where dnsim produces them.
    void check_domain_and_outputs(const onnx::NodeProto& n, const std::string& nm) const {
        const bool dnsim_domain = n.domain() == kDnsimDomain;
        if (!n.domain().empty() && n.domain() != "ai.onnx" && !dnsim_domain) {
            unsupported(n, nm, fmt::format("op of domain '{}' is not supported", n.domain()));
        }
        if (n.output_size() < 1 || n.output(0).empty()) {
            bad(n, nm, "has no output");
        }
        const std::string& op = n.op_type();
        // Ops whose later outputs are optional extras dnsim never produces (a later reader of
        // one fails as "not defined"); Split's outputs are all produced.
        const bool extra_ok =
            !dnsim_domain && (op == "Split" || op == "Dropout" || op == "LayerNormalization");
        for (int i = 1; i < n.output_size(); ++i) {
            const bool wanted = m_graph_outputs.count(n.output(i)) != 0 && op != "Split";
            if (!n.output(i).empty() && (!extra_ok || wanted)) {
                unsupported(n, nm,
                            fmt::format("optional output '{}' is not supported", n.output(i)));
            }
        }
    }

    void add_node(const onnx::NodeProto& n, int index) {
        const std::string nm = unique_node_name(n, index);
        check_domain_and_outputs(n, nm);
        const bool dnsim_domain = n.domain() == kDnsimDomain;
        if (!dnsim_domain)
            check_arity(n, nm);
        // Inputs with Identity / Dropout aliases resolved.
        std::vector<std::string> ins;
        for (const auto& t : n.input())
            ins.push_back(resolve(t));
        if (!dnsim_domain && n.op_type() == "Constant") {
            add_constant_node(n, nm);
            return;
        }
        if (!dnsim_domain && fold_or_alias(n, nm, ins))
            return;
        Node node;
        node.name = nm;
        node.outputs = {n.output(0)};
        if (map_node(n, nm, NodeInputs(ins), node))
            emit(n, nm, std::move(node));
    }

    // --- op mapping ---------------------------------------------------------------------
    //
    // Each map_* function sets the op, attributes and inputs of `node` for the ops it knows.
    // It returns true when `node` is then to be emitted, false when it emitted the node's
    // outputs itself (as one or more IR nodes) or made them aliases.

    /// Appends the node's inputs to node.inputs: `lo` to `hi` of them once trailing omitted
    /// ones are dropped, none omitted before those.
    void add_operands(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                      Node& node, int lo, int hi) const {
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
            node.inputs.push_back(in(i));
        }
    }

    /// The shape (at batch 1) of a tensor an earlier node or the graph defines.
    const Dims& shape_of(const onnx::NodeProto& n, const std::string& nm,
                         const std::string& t) const {
        const auto it = m_shapes.find(t);
        if (it == m_shapes.end())
            bad(n, nm, fmt::format("input '{}' is not defined before this node", t));
        return it->second;
    }

    bool map_node(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                  Node& node) {
        const std::string& op = n.op_type();
        if (n.domain() == kDnsimDomain)
            return map_denoiser(n, nm, in, node);
        if (op == "Conv" || op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool")
            return map_window_op(n, nm, in, node);
        if (op == "Relu" || op == "Sigmoid" || op == "HardSwish" || op == "LeakyRelu" ||
            op == "HardSigmoid" || op == "Clip")
            return map_activation(n, nm, in, node);
        if (op == "Add" || op == "Mul" || op == "MatMul" || op == "Sub" || op == "Div" ||
            op == "Pow" || op == "Sqrt" || op == "Erf" || op == "Tanh" || op == "Gemm")
            return map_arithmetic(n, nm, in, node);
        if (op == "ReduceMean" || op == "ReduceSum")
            return map_reduction(n, nm, in, node);
        if (op == "BatchNormalization" || op == "LayerNormalization")
            return map_normalisation(n, nm, in, node);
        if (op == "Softmax")
            return map_softmax(n, nm, in, node);
        if (op == "Concat" || op == "Flatten" || op == "Reshape" || op == "Transpose" ||
            op == "Squeeze" || op == "Unsqueeze" || op == "Gather")
            return map_movement(n, nm, in, node);
        if (op == "Slice")
            return map_slice(n, nm, in, node);
        if (op == "Split")
            return map_split(n, nm, in);
        if (op == "Pad")
            return map_pad(n, nm, in, node);
        if (op == "Expand")
            return map_expand(n, nm, in, node);
        unsupported(n, nm,
                    fmt::format("op '{}' is not supported (docs/onnx.md lists the "
                                "supported ops)",
                                op));
    }

    /// dnsim's Denoiser: the input and the eight parameters of the learned denoiser.
    bool map_denoiser(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                      Node& node) const {
        const std::string& op = n.op_type();
        if (op != "Denoiser")
            unsupported(n, nm, fmt::format("op '{}' is not in domain {}", op, kDnsimDomain));
        allow_attrs(n, nm, {"alpha"});
        node.op = Op::Denoiser;
        node.attrs = default_attrs(Op::Denoiser);
        node.attrs.alpha = attr_f(n, nm, "alpha", kDenoiserDefaultSlope);
        add_operands(n, nm, in, node, 9, 9);
        return true;
    }

    /// Conv and the pools: ops over a 2-D spatial window.
    bool map_window_op(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                       Node& node) const {
        const std::string& op = n.op_type();
        if (op == "Conv") {
            allow_attrs(n, nm,
                        {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
            node.op = Op::Conv;
            add_operands(n, nm, in, node, 2, 3);
            const Dims& w = shape_of(n, nm, in(1));
            window_attrs(n, nm, shape_of(n, nm, in(0)), &w, node.attrs);
            node.attrs.group = attr_i(n, nm, "group", 1);
        } else if (op == "MaxPool") {
            allow_attrs(n, nm,
                        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                         "storage_order", "strides"});
            node.op = Op::MaxPool;
            add_operands(n, nm, in, node, 1, 1);
            window_attrs(n, nm, shape_of(n, nm, in(0)), nullptr, node.attrs);
            node.attrs.ceil_mode = attr_i(n, nm, "ceil_mode", 0) != 0;
            if (attr_i(n, nm, "storage_order", 0) != 0)
                unsupported(n, nm, "storage_order=1 is not supported");
        } else if (op == "AveragePool") {
            allow_attrs(
                n, nm,
                {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
            node.op = Op::AveragePool;
            add_operands(n, nm, in, node, 1, 1);
            window_attrs(n, nm, shape_of(n, nm, in(0)), nullptr, node.attrs);
            node.attrs.ceil_mode = attr_i(n, nm, "ceil_mode", 0) != 0;
            node.attrs.count_include_pad = attr_i(n, nm, "count_include_pad", 0) != 0;
        } else {  // GlobalAveragePool
            allow_attrs(n, nm, {});
            node.op = Op::GlobalAveragePool;
            add_operands(n, nm, in, node, 1, 1);
            if (shape_of(n, nm, in(0)).size() != 4) {
                unsupported(n, nm,
                            fmt::format("only 2-D spatial inputs (N, C, H, W) are "
                                        "supported; the input has shape {}",
                                        dims_str(shape_of(n, nm, in(0)))));
            }
        }
        return true;
    }

    /// Relu, Sigmoid, HardSwish, LeakyRelu, HardSigmoid and Clip (with constant bounds).
    bool map_activation(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                        Node& node) const {
        const std::string& op = n.op_type();
        if (op == "LeakyRelu") {
            allow_attrs(n, nm, {"alpha"});
            node.op = Op::LeakyRelu;
            node.attrs = default_attrs(Op::LeakyRelu);
            node.attrs.alpha = attr_f(n, nm, "alpha", 0.01f);
            add_operands(n, nm, in, node, 1, 1);
        } else if (op == "HardSigmoid") {
            allow_attrs(n, nm, {"alpha", "beta"});
            node.op = Op::HardSigmoid;
            node.attrs = default_attrs(Op::HardSigmoid);
            node.attrs.alpha = attr_f(n, nm, "alpha", 0.2f);
            node.attrs.beta = attr_f(n, nm, "beta", 0.5f);
            add_operands(n, nm, in, node, 1, 1);
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
        } else {
            allow_attrs(n, nm, {});
            node.op = op == "Relu" ? Op::Relu : op == "Sigmoid" ? Op::Sigmoid : Op::HardSwish;
            add_operands(n, nm, in, node, 1, 1);
        }
        return true;
    }

    /// Elementwise arithmetic, MatMul and Gemm.
    bool map_arithmetic(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                        Node& node) const {
        const std::string& op = n.op_type();
        if (op == "Gemm") {
            allow_attrs(n, nm, {"alpha", "beta", "transA", "transB"});
            node.op = Op::Gemm;
            node.attrs = default_attrs(Op::Gemm);
            node.attrs.alpha = attr_f(n, nm, "alpha", 1.0f);
            node.attrs.beta = attr_f(n, nm, "beta", 1.0f);
            node.attrs.trans_a = attr_i(n, nm, "transA", 0) != 0;
            node.attrs.trans_b = attr_i(n, nm, "transB", 0) != 0;
            add_operands(n, nm, in, node, 2, 3);
        } else if (op == "Sqrt" || op == "Erf" || op == "Tanh") {
            allow_attrs(n, nm, {});
            node.op = op == "Sqrt" ? Op::Sqrt : op == "Erf" ? Op::Erf : Op::Tanh;
            add_operands(n, nm, in, node, 1, 1);
        } else {
            allow_attrs(n, nm, {});
            node.op = op == "Add"   ? Op::Add
                      : op == "Mul" ? Op::Mul
                      : op == "Sub" ? Op::Sub
                      : op == "Div" ? Op::Div
                      : op == "Pow" ? Op::Pow
                                    : Op::MatMul;
            add_operands(n, nm, in, node, 2, 2);
        }
        return true;
    }

    /// ReduceMean and ReduceSum (axes an attribute, or ReduceSum's input from opset 13).
    bool map_reduction(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                       Node& node) {
        // ReduceMean over (2, 3) with keepdims of an N x C x H x W tensor is PyTorch's
        // x.mean((2, 3), keepdim=True): imported as GlobalAveragePool.
        const bool mean = n.op_type() == "ReduceMean";
        if (mean || m_opset < 13)
            allow_attrs(n, nm, {"axes", "keepdims"});
        else
            allow_attrs(n, nm, {"keepdims", "noop_with_empty_axes"});
        node.op = mean ? Op::ReduceMean : Op::ReduceSum;
        node.attrs.keepdims = attr_i(n, nm, "keepdims", 1) != 0;
        std::vector<std::int64_t> axes;
        if (mean || m_opset < 13) {
            add_operands(n, nm, in, node, 1, 1);
            axes = attr_ints(n, nm, "axes").value_or(std::vector<std::int64_t>{});
        } else {
            add_operands(n, nm, in, node, 1, 2);
            node.inputs.resize(1);
            if (!in(1).empty())
                axes = int_list(n, nm, in(1), "axes");
            if (axes.empty() && attr_i(n, nm, "noop_with_empty_axes", 0) != 0) {
                alias(n.output(0), in(0));
                return false;
            }
        }
        const Dims& x = shape_of(n, nm, in(0));
        const auto rank = static_cast<std::int64_t>(x.size());
        for (auto& ax : axes) {
            if (ax < -rank || ax >= rank)
                bad(n, nm, fmt::format("axis {} is out of range for a rank-{} input", ax, rank));
            ax = ax < 0 ? ax + rank : ax;
        }
        std::sort(axes.begin(), axes.end());
        node.attrs.axes = axes;
        if (mean && rank == 4 && axes == std::vector<std::int64_t>{2, 3} && node.attrs.keepdims) {
            node.op = Op::GlobalAveragePool;
            node.attrs = NodeAttrs{};
        }
        return true;
    }

    /// BatchNormalization (inference) and LayerNormalization.
    bool map_normalisation(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                           Node& node) const {
        if (n.op_type() == "BatchNormalization") {
            allow_attrs(n, nm, {"epsilon", "momentum", "training_mode"});
            node.op = Op::BatchNorm;
            node.attrs.epsilon = attr_f(n, nm, "epsilon", 1e-5f);
            if (attr_i(n, nm, "training_mode", 0) != 0)
                unsupported(n, nm, "training_mode=1 is not supported (inference only)");
            add_operands(n, nm, in, node, 5, 5);
            return true;
        }
        allow_attrs(n, nm, {"axis", "epsilon", "stash_type"});
        if (attr_i(n, nm, "stash_type", 1) != 1)
            unsupported(n, nm, "stash_type other than 1 (float32) is not supported");
        node.op = Op::LayerNorm;
        node.attrs = default_attrs(Op::LayerNorm);
        node.attrs.axis = attr_i(n, nm, "axis", -1);
        node.attrs.epsilon = attr_f(n, nm, "epsilon", 1e-5f);
        add_operands(n, nm, in, node, 2, 3);
        return true;
    }

    bool map_softmax(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                     Node& node) {
        allow_attrs(n, nm, {"axis"});
        node.op = Op::Softmax;
        add_operands(n, nm, in, node, 1, 1);
        const auto rank = static_cast<std::int64_t>(shape_of(n, nm, in(0)).size());
        node.attrs.axis = attr_i(n, nm, "axis", m_opset < 13 ? 1 : -1);
        if (m_opset >= 13)
            return true;
        // Opsets 11 and 12 coerce the input to 2-D at `axis`: a softmax over every dimension
        // from `axis` on. Where a later dimension is not 1, that is a Reshape to (dims before
        // axis, their product), a Softmax along the last axis and a Reshape back.
        std::int64_t a = node.attrs.axis;
        if (a < -rank || a >= rank)
            bad(n, nm, fmt::format("axis {} is out of range for a rank-{} input", a, rank));
        a = a < 0 ? a + rank : a;
        node.attrs.axis = a;
        const Dims& x1 = shape_of(n, nm, in(0));
        const bool plain =
            std::all_of(x1.begin() + a + 1, x1.end(), [](std::int64_t d) { return d == 1; });
        if (plain)
            return true;
        emit_coerced_softmax(n, nm, in(0), a);
        return false;
    }

    /// Softmax of opsets 11 and 12 over the dimensions of `x` from `axis` on, as a Reshape to
    /// 2-D, a Softmax along the last axis and a Reshape back.
    void emit_coerced_softmax(const onnx::NodeProto& n, const std::string& nm, const std::string& x,
                              std::int64_t a) {
        const Dims& x1 = shape_of(n, nm, x);
        const Dims& x2 = m_shapes2.at(x);
        std::vector<std::int64_t> t(x1.begin(), x1.begin() + a);
        std::vector<char> sym;
        for (std::int64_t i = 0; i < a; ++i)
            sym.push_back(x1[static_cast<std::size_t>(i)] != x2[static_cast<std::size_t>(i)] ? 1
                                                                                             : 0);
        t.push_back(numel(Dims(x1.begin() + a, x1.end())));
        sym.push_back(!std::equal(x1.begin() + a, x1.end(), x2.begin() + a) ? 1 : 0);
        const std::string flat = n.output(0) + "/flat";
        const std::string soft = n.output(0) + "/softmax";
        emit(n, nm, reshape_node(n, nm, nm + "/flatten", x, flat, t, sym));
        Node sm;
        sm.name = nm + "/softmax";
        sm.op = Op::Softmax;
        sm.inputs = {flat};
        sm.outputs = {soft};
        sm.attrs.axis = a;
        emit(n, nm, std::move(sm));
        std::vector<char> back;
        for (std::size_t i = 0; i < x1.size(); ++i)
            back.push_back(x1[i] != x2[i] ? 1 : 0);
        emit(n, nm, reshape_node(n, nm, nm, soft, n.output(0), x1, back));
    }

    /// Concat, Flatten, Reshape, Transpose, Squeeze, Unsqueeze and Gather of activations.
    bool map_movement(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                      Node& node) {
        const std::string& op = n.op_type();
        if (op == "Concat") {
            allow_attrs(n, nm, {"axis"});
            node.op = Op::Concat;
            if (attr(n, "axis") == nullptr)
                bad(n, nm, "attribute 'axis' is required");
            node.attrs.axis = attr_i(n, nm, "axis", 1);
            add_operands(n, nm, in, node, 1, 1 << 20);
        } else if (op == "Flatten") {
            allow_attrs(n, nm, {"axis"});
            node.op = Op::Flatten;
            node.attrs.axis = attr_i(n, nm, "axis", 1);
            add_operands(n, nm, in, node, 1, 1);
        } else if (op == "Transpose") {
            allow_attrs(n, nm, {"perm"});
            node.op = Op::Transpose;
            add_operands(n, nm, in, node, 1, 1);
            const auto rank = static_cast<std::int64_t>(shape_of(n, nm, in(0)).size());
            if (const auto p = attr_ints(n, nm, "perm")) {
                node.attrs.perm = *p;
            } else {
                for (std::int64_t i = rank; i-- > 0;)
                    node.attrs.perm.push_back(i);
            }
        } else if (op == "Reshape") {
            allow_attrs(n, nm, {"allowzero"});
            if (n.input_size() != 2)
                bad(n, nm, "expects inputs (data, shape)");
            const Constant& sc = constant(n, nm, in(1), "shape");
            if (sc.is_float() || sc.dims.size() != 1)
                unsupported(n, nm, "shape must be a 1-D int64 constant");
            if (attr_i(n, nm, "allowzero", 0) != 0 &&
                std::find(sc.i.begin(), sc.i.end(), 0) != sc.i.end()) {
                unsupported(n, nm, "allowzero=1 with a zero in the shape is not supported");
            }
            std::vector<char> sym = sc.sym;
            sym.resize(sc.i.size(), 0);
            emit(n, nm, reshape_node(n, nm, nm, in(0), n.output(0), sc.i, sym));
            return false;
        } else if (op == "Squeeze" || op == "Unsqueeze") {
            squeeze(n, nm, in(0), n.output(0), (n.input_size() > 1) ? in(1) : std::string());
            return false;
        } else {  // Gather
            gather(n, nm, in(0), in(1));
            return false;
        }
        return true;
    }

    bool map_slice(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                   Node& node) const {
        allow_attrs(n, nm, {});
        add_operands(n, nm, in, node, 3, 5);
        node.op = Op::Slice;
        node.inputs.resize(1);
        const auto rank = static_cast<std::int64_t>(shape_of(n, nm, in(0)).size());
        node.attrs.starts = int_list(n, nm, in(1), "starts");
        node.attrs.ends = int_list(n, nm, in(2), "ends");
        const std::size_t k = node.attrs.starts.size();
        if (!in(3).empty()) {
            node.attrs.axes = int_list(n, nm, in(3), "axes");
        } else {
            for (std::size_t i = 0; i < k; ++i)
                node.attrs.axes.push_back(static_cast<std::int64_t>(i));
        }
        for (auto& ax : node.attrs.axes)
            ax = ax < 0 ? ax + rank : ax;
        node.attrs.steps =
            in(4).empty() ? std::vector<std::int64_t>(k, 1) : int_list(n, nm, in(4), "steps");
        return true;
    }

    /// Split: one Slice per produced output.
    bool map_split(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in) {
        allow_attrs(n, nm, {"axis", "split"});
        const Dims& x = shape_of(n, nm, in(0));
        const auto rank = static_cast<std::int64_t>(x.size());
        std::int64_t axis = attr_i(n, nm, "axis", 0);
        if (axis < -rank || axis >= rank)
            bad(n, nm, fmt::format("axis {} is out of range for a rank-{} input", axis, rank));
        axis = axis < 0 ? axis + rank : axis;
        std::vector<std::int64_t> sizes;
        if (m_opset < 13) {
            sizes = attr_ints(n, nm, "split").value_or(std::vector<std::int64_t>{});
        } else if (!in(1).empty()) {
            sizes = int_list(n, nm, in(1), "split");
        }
        const std::int64_t dim = x[static_cast<std::size_t>(axis)];
        const auto parts = static_cast<std::int64_t>(n.output_size());
        if (sizes.empty()) {
            if (dim % parts != 0)
                unsupported(n, nm,
                            fmt::format("{} elements do not split evenly in {} parts", dim, parts));
            sizes.assign(static_cast<std::size_t>(parts), dim / parts);
        }
        if (static_cast<std::int64_t>(sizes.size()) != parts)
            bad(n, nm, "split sizes and outputs differ in number");
        if (std::any_of(sizes.begin(), sizes.end(), [](std::int64_t v) { return v <= 0; }))
            unsupported(n, nm, "empty (zero-size) parts are not supported");
        std::int64_t start = 0;
        for (std::int64_t o = 0; o < parts; ++o) {
            Node part;
            part.name = fmt::format("{}/{}", nm, o);
            part.op = Op::Slice;
            part.inputs = {in(0)};
            part.outputs = {n.output(static_cast<int>(o))};
            const std::int64_t len = sizes[static_cast<std::size_t>(o)];
            part.attrs.axes = {axis};
            part.attrs.starts = {start};
            part.attrs.ends = {start + len};
            part.attrs.steps = {1};
            start += len;
            if (!part.outputs[0].empty())
                emit(n, nm, std::move(part));
        }
        if (start != dim)
            bad(n, nm, fmt::format("split sizes add up to {}, the axis has {}", start, dim));
        return false;
    }

    /// Pad with a constant value (none at all: an alias of the input).
    bool map_pad(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                 Node& node) {
        allow_attrs(n, nm, {"mode"});
        if (attr_s(n, nm, "mode", "constant") != "constant")
            unsupported(n, nm, "only mode 'constant' is supported");
        add_operands(n, nm, in, node, 2, 3);
        node.op = Op::Pad;
        node.inputs.resize(1);
        node.attrs.pad_amounts = int_list(n, nm, in(1), "pads");
        if (!in(2).empty())
            node.attrs.pad_value = scalar(n, nm, in(2), "constant_value");
        if (std::all_of(node.attrs.pad_amounts.begin(), node.attrs.pad_amounts.end(),
                        [](std::int64_t v) { return v == 0; }) &&
            node.attrs.pad_amounts.size() == 2 * shape_of(n, nm, in(0)).size()) {
            alias(n.output(0), in(0));  // no padding at all
            return false;
        }
        return true;
    }

    /// Expand to a constant shape; a symbolic entry of 1 (the batch) becomes -1.
    bool map_expand(const onnx::NodeProto& n, const std::string& nm, const NodeInputs& in,
                    Node& node) const {
        allow_attrs(n, nm, {});
        add_operands(n, nm, in, node, 2, 2);
        node.op = Op::Expand;
        node.inputs.resize(1);
        const Constant& sc = constant(n, nm, in(1), "shape");
        if (sc.is_float() || sc.dims.size() != 1)
            unsupported(n, nm, "shape must be a 1-D int64 constant");
        node.attrs.shape = sc.i;
        for (std::size_t k = 0; k < sc.i.size(); ++k) {
            if (sc.symbolic(k)) {
                if (sc.i[k] != 1)
                    batch_dependent(n, nm);
                node.attrs.shape[k] = -1;
            } else if (sc.i[k] < 0) {
                bad(n, nm, fmt::format("shape entry {} is negative", sc.i[k]));
            }
        }
        return true;
    }

    // --- aliases, constant folding and symbolic batch --------------------------------

    std::string resolve(const std::string& t) const {
        const auto it = m_alias.find(t);
        return it == m_alias.end() ? t : it->second;
    }

    /// `out` is the same tensor as `in` (Identity, Dropout, a no-op).
    void alias(const std::string& out, const std::string& in) {
        if (const auto c = m_consts.find(in); c != m_consts.end()) {
            m_consts[out] = c->second;
            m_shapes[out] = m_shapes.at(in);
            m_shapes2[out] = m_shapes2.at(in);
            return;
        }
        m_alias[out] = in;
    }

    [[noreturn]] void batch_dependent(const onnx::NodeProto& n, const std::string& nm) const {
        unsupported(n, nm,
                    "the value depends on the batch size at run time (the model's symbolic "
                    "batch dimension); export with a fixed batch size");
    }

    /// A constant integer list (shape, axes, pads ...) with no batch-dependent entry.
    std::vector<std::int64_t> int_list(const onnx::NodeProto& n, const std::string& nm,
                                       const std::string& t, const char* role) const {
        const Constant& c = constant(n, nm, t, role);
        if (c.is_float() || c.dims.size() > 1)
            unsupported(n, nm, fmt::format("{} '{}' must be a 1-D integer constant", role, t));
        if (c.any_symbolic())
            batch_dependent(n, nm);
        return c.i;
    }

    /// Refuses a constant the import would have to build with more elements than a model may
    /// declare (GraphLimits), before it is allocated.
    void guard_elements(const onnx::NodeProto& n, const std::string& nm, const Dims& dims) {
        std::int64_t e = 1;
        const std::int64_t lim = graph_limits().max_tensor_elements;
        for (const std::int64_t d : dims) {
            if (d < 0 || __builtin_mul_overflow(e, d, &e) || e > lim) {
                bad(n, nm,
                    fmt::format("its constant output of shape {} exceeds the limit of {} "
                                "elements per tensor (raise it with --model.max_tensor_elements)",
                                dims_str(dims), lim));
            }
        }
    }

    void set_const(const std::string& name, Constant c) {
        m_shapes[name] = c.dims;
        m_shapes2[name] = c.dims;
        m_consts[name] = std::move(c);
    }

    static Constant int_const(Dims dims, std::vector<std::int64_t> v, std::vector<char> sym = {}) {
        Constant c;
        c.dims = std::move(dims);
        c.dtype = onnx::TensorProto::INT64;
        c.i = std::move(v);
        c.sym = std::move(sym);
        if (!c.any_symbolic())
            c.sym.clear();
        return c;
    }

    /// Element `k` of `c` as (value, symbolic).
    static std::pair<std::int64_t, bool> cell(const Constant& c, std::size_t k) {
        return {c.i[k], c.symbolic(k)};
    }

    /// Appends element `k` of `from` to `to`, a constant of the same data type: the value and,
    /// for an integer, its symbolic flag.
    static void append_element(Constant& to, const Constant& from, std::size_t k) {
        if (from.is_float()) {
            to.f.push_back(from.f[k]);
        } else {
            to.i.push_back(from.i[k]);
            to.sym.push_back(from.symbolic(k) ? 1 : 0);
        }
    }

    /// Copies elements `idx` of `c` into a constant of shape `dims` (any data type).
    static Constant take(const Constant& c, Dims dims, const std::vector<std::int64_t>& idx) {
        Constant o;
        o.dims = std::move(dims);
        o.dtype = c.dtype;
        for (const auto k : idx)
            append_element(o, c, static_cast<std::size_t>(k));
        if (!o.any_symbolic())
            o.sym.clear();
        return o;
    }

    /// Element positions of a tensor of shape `dims` after a float kernel moved them (exact
    /// for the small integer tensors of shape arithmetic).
    template <typename F>
    static std::vector<std::int64_t> moved(const Dims& dims, const F& kernel) {
        Tensor t(dims);
        for (std::size_t k = 0; k < t.data.size(); ++k)
            t.data[k] = static_cast<float>(k);
        const Tensor r = kernel(t);
        std::vector<std::int64_t> idx;
        for (const float v : r.data)
            idx.push_back(static_cast<std::int64_t>(v));
        return idx;
    }

    /// Folds Identity, Dropout, Cast, Shape, ConstantOfShape, Range, ScatterND, Not, data
    /// movement and integer arithmetic on constants. Returns false when the node is left to the op
    /// mapping (float ops, which fold there when every input is constant).
    bool fold_or_alias(const onnx::NodeProto& n, const std::string& nm,
                       const std::vector<std::string>& ins) {
        const std::string& op = n.op_type();
        const auto in = [&](std::size_t i) { return i < ins.size() ? ins[i] : std::string(); };
        const auto is_const = [&](const std::string& t) { return m_consts.count(t) != 0; };
        if (op == "Identity" || op == "Dropout") {
            fold_identity(n, nm, ins);
            return true;
        }
        if (op == "Cast") {
            fold_cast(n, nm, in(0));
            return true;
        }
        if (op == "Shape" || op == "ConstantOfShape") {
            fold_shape_op(n, nm, in(0));
            return true;
        }
        // The rest fold only when every input is a constant.
        bool all_const = !ins.empty();
        bool all_float = true;
        for (const auto& t : ins) {
            if (t.empty())
                continue;
            shape_of(n, nm, t);
            all_const = all_const && is_const(t);
            all_float = all_float && is_const(t) && m_consts.at(t).is_float();
        }
        if (!all_const)
            return false;
        if (op == "Range") {
            fold_range(n, nm, ins);
            return true;
        }
        if (op == "ScatterND") {
            allow_attrs(n, nm, {"reduction"});
            if (attr_s(n, nm, "reduction", "none") != "none")
                unsupported(n, nm, "only reduction 'none' is supported");
            fold_scatter_nd(n, nm, ins);
            return true;
        }
        if (op == "Not") {
            allow_attrs(n, nm, {});
            Constant c = m_consts.at(in(0));
            if (c.is_float() || c.any_symbolic())
                unsupported(n, nm, "Not needs a bool constant");
            for (auto& v : c.i)
                v = v == 0;
            set_const(n.output(0), std::move(c));
            return true;
        }
        // Float data goes through the op mapping (exact float kernels), except data movement
        // the IR has no op for.
        const bool movement = op == "Unsqueeze" || op == "Squeeze" || op == "Gather" ||
                              op == "Flatten" || op == "Reshape";
        const bool no_ir_op = op == "Equal" || op == "Where" || op == "Neg" || op == "Mod";
        if (all_float && !movement && !no_ir_op)
            return false;
        if (fold_movement(n, nm, ins))
            return true;
        if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal" ||
            op == "Where" || op == "Neg" || op == "Mod") {
            allow_attrs(n, nm, {"fmod"});
            if (op == "Mod" && attr_i(n, nm, "fmod", 0) != 0)
                unsupported(n, nm, "fmod=1 is not supported on integers");
            fold_int_arithmetic(n, nm, ins);
            return true;
        }
        return false;
    }

    /// Identity and Dropout (inference): the output is the input.
    void fold_identity(const onnx::NodeProto& n, const std::string& nm,
                       const std::vector<std::string>& ins) {
        const std::string& op = n.op_type();
        const auto in = [&](std::size_t i) { return i < ins.size() ? ins[i] : std::string(); };
        allow_attrs(n, nm,
                    op == "Dropout" ? std::initializer_list<const char*>{"ratio", "seed"}
                                    : std::initializer_list<const char*>{});
        if (ins.empty() || in(0).empty())
            bad(n, nm, "has no input");
        shape_of(n, nm, in(0));
        if (op == "Dropout" && !in(2).empty()) {
            // Training mode drops values at random, except with a ratio of 0.
            const Constant& t = constant(n, nm, in(2), "training_mode");
            const bool zero_ratio = !in(1).empty() && m_consts.count(in(1)) != 0 &&
                                    m_consts.at(in(1)).is_float() &&
                                    m_consts.at(in(1)).f == std::vector<float>{0};
            if (!t.i.empty() && t.i[0] != 0 && !zero_ratio)
                unsupported(n, nm, "training_mode=1 is not supported (inference only)");
        }
        alias(n.output(0), in(0));
    }

    /// Cast of a constant to float32, int64, int32 or bool; of an activation only to float32
    /// (which it already is).
    void fold_cast(const onnx::NodeProto& n, const std::string& nm, const std::string& x) {
        allow_attrs(n, nm, {"to"});
        shape_of(n, nm, x);
        const auto to = static_cast<int>(attr_i(n, nm, "to", 0));
        if (m_consts.count(x) == 0) {
            if (to != onnx::TensorProto::FLOAT)
                unsupported(
                    n, nm,
                    fmt::format("a cast of an activation to {} is not supported", dtype_name(to)));
            alias(n.output(0), x);
            return;
        }
        Constant c = m_consts.at(x);
        if (to == onnx::TensorProto::FLOAT) {
            if (!c.is_float()) {
                if (c.any_symbolic())
                    batch_dependent(n, nm);
                for (const auto v : c.i)
                    c.f.push_back(static_cast<float>(v));
                c.i.clear();
            }
        } else if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32 ||
                   to == onnx::TensorProto::BOOL) {
            if (c.is_float()) {
                for (const auto v : c.f)
                    c.i.push_back(to == onnx::TensorProto::BOOL ? (v != 0.0f)
                                                                : static_cast<std::int64_t>(v));
                c.f.clear();
            } else if (to == onnx::TensorProto::BOOL) {
                if (c.any_symbolic())
                    batch_dependent(n, nm);
                for (auto& v : c.i)
                    v = v != 0;
            }
        } else {
            unsupported(n, nm, fmt::format("a cast to {} is not supported", dtype_name(to)));
        }
        c.dtype = to;
        set_const(n.output(0), std::move(c));
    }

    /// Shape of any tensor (its batch entry symbolic where the batch is), and ConstantOfShape.
    void fold_shape_op(const onnx::NodeProto& n, const std::string& nm, const std::string& x) {
        if (n.op_type() == "ConstantOfShape") {
            allow_attrs(n, nm, {"value"});
            const std::vector<std::int64_t> shape = int_list(n, nm, x, "input");
            guard_elements(n, nm, shape);
            Constant c;
            c.dims = shape;
            c.dtype = onnx::TensorProto::FLOAT;
            Constant v{{}, onnx::TensorProto::FLOAT, {0.0f}, {}, {}};
            if (const auto* a = attr(n, "value"))
                v = to_constant(a->t(), m_src);
            c.dtype = v.dtype;
            const auto count = static_cast<std::size_t>(numel(shape));
            if (v.is_float())
                c.f.assign(count, v.f.at(0));
            else
                c.i.assign(count, v.i.at(0));
            set_const(n.output(0), std::move(c));
            return;
        }
        allow_attrs(n, nm, {"start", "end"});
        shape_of(n, nm, x);
        const Dims& d1 = m_shapes.at(x);
        const Dims& d2 = m_shapes2.at(x);
        const auto rank = static_cast<std::int64_t>(d1.size());
        const auto clampi = [rank](std::int64_t v) {
            return std::clamp<std::int64_t>(v < 0 ? v + rank : v, 0, rank);
        };
        const std::int64_t b = clampi(attr_i(n, nm, "start", 0));
        const std::int64_t e = clampi(attr_i(n, nm, "end", rank));
        std::vector<std::int64_t> v;
        std::vector<char> sym;
        for (std::int64_t k = b; k < e; ++k) {
            const auto u = static_cast<std::size_t>(k);
            v.push_back(d1[u]);
            sym.push_back(d1[u] != d2[u] ? 1 : 0);
        }
        const auto len = static_cast<std::int64_t>(v.size());
        set_const(n.output(0), int_const({len}, std::move(v), std::move(sym)));
    }

    /// Range of constant float or integer scalars.
    void fold_range(const onnx::NodeProto& n, const std::string& nm,
                    const std::vector<std::string>& ins) {
        const auto in = [&](std::size_t i) { return i < ins.size() ? ins[i] : std::string(); };
        allow_attrs(n, nm, {});
        const Constant& a = constant(n, nm, in(0), "start");
        const Constant& l = constant(n, nm, in(1), "limit");
        const Constant& d = constant(n, nm, in(2), "delta");
        if (a.any_symbolic() || l.any_symbolic() || d.any_symbolic())
            batch_dependent(n, nm);
        if (a.is_float()) {
            const float start = a.f.at(0), limit = l.f.at(0), delta = d.f.at(0);
            if (!std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta) ||
                delta == 0.0f)
                bad(n, nm, "start, limit and delta must be finite and delta non-zero");
            const double steps =
                std::max(0.0, std::ceil(static_cast<double>(limit - start) / delta));
            if (steps > static_cast<double>(graph_limits().max_tensor_elements))
                guard_elements(n, nm, {graph_limits().max_tensor_elements + 1});
            const auto count = static_cast<std::int64_t>(steps);
            Constant c{{count}, onnx::TensorProto::FLOAT, {}, {}, {}};
            for (std::int64_t k = 0; k < count; ++k)
                c.f.push_back(start + static_cast<float>(k) * delta);
            set_const(n.output(0), std::move(c));
            return;
        }
        const std::int64_t start = a.i.at(0), limit = l.i.at(0), delta = d.i.at(0);
        if (delta == 0)
            bad(n, nm, "delta is 0");
        std::int64_t span = 0;
        if (__builtin_sub_overflow(limit, start, &span) ||
            __builtin_add_overflow(span, delta + (delta > 0 ? -1 : 1), &span))
            bad(n, nm, "start, limit and delta overflow a 64-bit count");
        const std::int64_t count = std::max<std::int64_t>(0, span / delta);
        guard_elements(n, nm, {count});
        std::vector<std::int64_t> v;
        for (std::int64_t k = 0; k < count; ++k)
            v.push_back(start + k * delta);
        Constant c = int_const({count}, std::move(v));
        c.dtype = a.dtype;
        set_const(n.output(0), std::move(c));
    }

    /// Axis `a` of a rank-`r` tensor counted from 0 (ONNX counts a negative one from the end).
    std::int64_t norm_axis(const onnx::NodeProto& n, const std::string& nm, std::int64_t a,
                           std::int64_t r) const {
        if (a < -r || a >= r)
            bad(n, nm, fmt::format("axis {} is out of range for rank {}", a, r));
        return a < 0 ? a + r : a;
    }

    /// Data movement on constants: Unsqueeze, Squeeze, Flatten, Reshape, Gather, Concat, Slice,
    /// Transpose and Expand. Returns false for any other op, and for an Expand along the batch
    /// (a node of its own).
    bool fold_movement(const onnx::NodeProto& n, const std::string& nm,
                       const std::vector<std::string>& ins) {
        const std::string& op = n.op_type();
        const auto in = [&](std::size_t i) { return i < ins.size() ? ins[i] : std::string(); };
        const Constant& x = m_consts.at(in(0));
        const Dims& xd = x.dims;
        const auto rank = static_cast<std::int64_t>(xd.size());
        std::vector<std::int64_t> all(static_cast<std::size_t>(numel(xd)));
        for (std::size_t k = 0; k < all.size(); ++k)
            all[k] = static_cast<std::int64_t>(k);
        if (op == "Unsqueeze" || op == "Squeeze") {
            std::vector<std::int64_t> axes =
                m_opset < 13 ? attr_ints(n, nm, "axes").value_or(std::vector<std::int64_t>{})
                             : (in(1).empty() ? std::vector<std::int64_t>{}
                                              : int_list(n, nm, in(1), "axes"));
            set_const(n.output(0), take(x, squeezed(n, nm, xd, axes), all));
            return true;
        }
        if (op == "Flatten") {
            const std::int64_t a = attr_i(n, nm, "axis", 1);
            const auto ax = static_cast<std::size_t>(a < 0 ? a + rank : a);
            std::int64_t outer = 1;
            for (std::size_t k = 0; k < ax && k < xd.size(); ++k)
                outer *= xd[k];
            const std::int64_t inner = outer == 0 ? 0 : numel(xd) / outer;
            set_const(n.output(0), take(x, {outer, inner}, all));
            return true;
        }
        if (op == "Reshape") {
            const std::vector<std::int64_t> target = int_list(n, nm, in(1), "shape");
            Node tmp;
            tmp.name = nm;
            tmp.op = Op::Reshape;
            tmp.attrs.shape = target;
            set_const(n.output(0), take(x, infer_node_shape(m_g, tmp, {xd}), all));
            return true;
        }
        if (op == "Gather") {
            fold_gather(n, nm, x, in(1));
            return true;
        }
        if (op == "Concat") {
            fold_concat(n, nm, x, ins);
            return true;
        }
        if (op == "Slice") {
            fold_slice(n, nm, x, ins);
            return true;
        }
        if (op == "Transpose") {
            fold_transpose(n, nm, x);
            return true;
        }
        if (op == "Expand")
            return fold_expand(n, nm, x, in(1));
        return false;
    }

    void fold_gather(const onnx::NodeProto& n, const std::string& nm, const Constant& x,
                     const std::string& indices) {
        allow_attrs(n, nm, {"axis"});
        const Dims& xd = x.dims;
        const auto rank = static_cast<std::int64_t>(xd.size());
        const std::int64_t axis = norm_axis(n, nm, attr_i(n, nm, "axis", 0), rank);
        const Constant& idx = constant(n, nm, indices, "indices");
        if (idx.is_float() || idx.any_symbolic())
            unsupported(n, nm, "indices must be an integer constant");
        const std::int64_t dim = xd[static_cast<std::size_t>(axis)];
        std::int64_t outer = 1;
        std::int64_t inner = 1;
        for (std::int64_t k = 0; k < rank; ++k)
            (k < axis ? outer : inner) *= k == axis ? 1 : xd[static_cast<std::size_t>(k)];
        Dims od(xd.begin(), xd.begin() + axis);
        od.insert(od.end(), idx.dims.begin(), idx.dims.end());
        od.insert(od.end(), xd.begin() + axis + 1, xd.end());
        std::vector<std::int64_t> pos;
        for (std::int64_t o = 0; o < outer; ++o) {
            for (std::int64_t j : idx.i) {
                j = j < 0 ? j + dim : j;
                if (j < 0 || j >= dim)
                    bad(n, nm, "an index is out of range");
                for (std::int64_t k = 0; k < inner; ++k)
                    pos.push_back((o * dim + j) * inner + k);
            }
        }
        set_const(n.output(0), take(x, od, pos));
    }

    /// Concat of constants `ins`, the first of which is `x`.
    void fold_concat(const onnx::NodeProto& n, const std::string& nm, const Constant& x,
                     const std::vector<std::string>& ins) {
        allow_attrs(n, nm, {"axis"});
        const Dims& xd = x.dims;
        const auto rank = static_cast<std::int64_t>(xd.size());
        const std::int64_t axis = norm_axis(n, nm, attr_i(n, nm, "axis", 0), rank);
        Constant c;
        c.dtype = x.dtype;
        c.dims = xd;
        c.dims[static_cast<std::size_t>(axis)] = 0;
        std::int64_t outer = 1;
        for (std::int64_t k = 0; k < axis; ++k)
            outer *= xd[static_cast<std::size_t>(k)];
        for (const auto& t : ins) {
            const Constant& p = m_consts.at(t);
            if (p.dims.size() != xd.size() || p.is_float() != x.is_float())
                bad(n, nm, "inputs differ in rank or data type");
            c.dims[static_cast<std::size_t>(axis)] += p.dims[static_cast<std::size_t>(axis)];
        }
        for (std::int64_t o = 0; o < outer; ++o) {
            for (const auto& t : ins) {
                const Constant& p = m_consts.at(t);
                const std::int64_t run = numel(p.dims) / std::max<std::int64_t>(outer, 1);
                for (std::int64_t k = 0; k < run; ++k)
                    append_element(c, p, static_cast<std::size_t>(o * run + k));
            }
        }
        if (!c.any_symbolic())
            c.sym.clear();
        set_const(n.output(0), std::move(c));
    }

    /// Slice of constant `x` (the first of `ins`) by constant starts, ends, axes and steps.
    void fold_slice(const onnx::NodeProto& n, const std::string& nm, const Constant& x,
                    const std::vector<std::string>& ins) {
        const auto in = [&](std::size_t i) { return i < ins.size() ? ins[i] : std::string(); };
        Node tmp;
        tmp.name = nm;
        tmp.op = Op::Slice;
        tmp.attrs.starts = int_list(n, nm, in(1), "starts");
        tmp.attrs.ends = int_list(n, nm, in(2), "ends");
        const std::size_t k = tmp.attrs.starts.size();
        if (!in(3).empty()) {
            tmp.attrs.axes = int_list(n, nm, in(3), "axes");
        } else {
            for (std::size_t a = 0; a < k; ++a)
                tmp.attrs.axes.push_back(static_cast<std::int64_t>(a));
        }
        tmp.attrs.steps =
            in(4).empty() ? std::vector<std::int64_t>(k, 1) : int_list(n, nm, in(4), "steps");
        const auto ranges = slice_ranges(m_src, tmp, x.dims);
        Dims od;
        for (const auto& r : ranges)
            od.push_back(r.count);
        set_const(
            n.output(0),
            take(x, od, moved(x.dims, [&](const Tensor& t) { return kernels::slice(t, ranges); })));
    }

    void fold_transpose(const onnx::NodeProto& n, const std::string& nm, const Constant& x) {
        const auto rank = static_cast<std::int64_t>(x.dims.size());
        std::vector<std::int64_t> perm;
        if (const auto p = attr_ints(n, nm, "perm")) {
            perm = *p;
        } else {
            for (std::int64_t k = rank; k-- > 0;)
                perm.push_back(k);
        }
        Node tmp;
        tmp.name = nm;
        tmp.op = Op::Transpose;
        tmp.attrs.perm = perm;
        const Dims od = infer_node_shape(m_g, tmp, {x.dims});
        guard_elements(n, nm, od);
        set_const(n.output(0), take(x, od, moved(x.dims, [&](const Tensor& t) {
                                        return kernels::transpose(t, perm);
                                    })));
    }

    /// Expand of constant `x` to a constant shape. Returns false, folding nothing, for a shape
    /// with a symbolic entry: an Expand along the batch is a node of its own.
    bool fold_expand(const onnx::NodeProto& n, const std::string& nm, const Constant& x,
                     const std::string& shape) {
        const Constant& sc = constant(n, nm, shape, "shape");
        if (sc.any_symbolic())
            return false;
        Node tmp;
        tmp.name = nm;
        tmp.op = Op::Expand;
        tmp.attrs.shape = sc.i;
        const Dims od = infer_node_shape(m_g, tmp, {x.dims});
        set_const(
            n.output(0),
            take(x, od, moved(x.dims, [&](const Tensor& t) { return kernels::expand(t, od); })));
        return true;
    }

    /// The shape constants `cs` broadcast to (numpy rules; errors name node `nm`).
    Dims broadcast_shape(const std::string& nm, const std::vector<const Constant*>& cs) const {
        Dims od;
        for (std::size_t k = 0; k < cs.size(); ++k) {
            Node tmp;
            tmp.name = nm;
            tmp.op = Op::Add;
            od = od.empty() && k == 0 ? cs[k]->dims : infer_node_shape(m_g, tmp, {od, cs[k]->dims});
        }
        return od;
    }

    /// Add, Sub, Mul, Div, Mod, Equal, Where, Neg on constants with numpy broadcasting. A
    /// symbolic (batch-scaled) entry survives only where the result stays a multiple of N.
    void fold_int_arithmetic(const onnx::NodeProto& n, const std::string& nm,
                             const std::vector<std::string>& ins) {
        const std::string& op = n.op_type();
        std::vector<const Constant*> cs;
        for (const auto& t : ins)
            cs.push_back(&m_consts.at(t));
        const Dims od = broadcast_shape(nm, cs);
        std::vector<std::vector<std::int64_t>> pos;
        for (const Constant* c : cs) {
            pos.push_back(moved(c->dims, [&](const Tensor& t) { return kernels::expand(t, od); }));
        }
        const bool is_float =
            op != "Equal" && op != "Where" &&
            std::any_of(cs.begin(), cs.end(), [](const Constant* c) { return c->is_float(); });
        const std::size_t count = static_cast<std::size_t>(numel(od));
        Constant out;
        out.dims = od;
        out.dtype = op == "Equal"   ? onnx::TensorProto::BOOL
                    : op == "Where" ? cs[1]->dtype
                                    : cs[0]->dtype;
        for (std::size_t k = 0; k < count; ++k) {
            const auto at = [&](std::size_t j) { return static_cast<std::size_t>(pos[j][k]); };
            if (is_float) {
                // Float arithmetic on constants the op mapping did not take (mixed types).
                if (op == "Mod")
                    unsupported(n, nm, "Mod of float values is not supported");
                std::vector<double> v;
                for (std::size_t j = 0; j < cs.size(); ++j) {
                    if (cs[j]->symbolic(at(j)))
                        batch_dependent(n, nm);
                    v.push_back(cs[j]->is_float() ? cs[j]->f[at(j)]
                                                  : static_cast<double>(cs[j]->i[at(j)]));
                }
                const double r = op == "Add"   ? v[0] + v[1]
                                 : op == "Sub" ? v[0] - v[1]
                                 : op == "Mul" ? v[0] * v[1]
                                 : op == "Div" ? v[0] / v[1]
                                               : -v[0];
                out.f.push_back(static_cast<float>(r));
                continue;
            }
            if (op == "Equal" && (cs[0]->is_float() || cs[1]->is_float())) {
                const auto value = [&](std::size_t j) {
                    if (cs[j]->symbolic(at(j)))
                        batch_dependent(n, nm);
                    return cs[j]->is_float() ? double(cs[j]->f[at(j)])
                                             : static_cast<double>(cs[j]->i[at(j)]);
                };
                out.i.push_back(value(0) == value(1) ? 1 : 0);
                out.sym.push_back(0);
                continue;
            }
            if (op == "Where") {
                const auto [c, cs0] = cell(*cs[0], at(0));
                if (cs0)
                    batch_dependent(n, nm);
                const std::size_t j = c != 0 ? 1 : 2;
                append_element(out, *cs[j], at(j));
                continue;
            }
            const auto [a, sa] = cell(*cs[0], at(0));
            if (op == "Neg") {
                out.i.push_back(-a);
                out.sym.push_back(sa ? 1 : 0);
                continue;
            }
            const auto [b, sb] = cell(*cs[1], at(1));
            const auto [r, sr] = int_binary(n, nm, a, sa, b, sb);
            out.i.push_back(r);
            out.sym.push_back(sr ? 1 : 0);
        }
        if (!out.any_symbolic())
            out.sym.clear();
        set_const(n.output(0), std::move(out));
    }

    /// `a op b` for the integer ops Equal, Add, Sub, Mul, Mod and Div, with `sa` and `sb`
    /// marking batch-scaled (symbolic) operands; the result's flag is the same for it.
    std::pair<std::int64_t, bool> int_binary(const onnx::NodeProto& n, const std::string& nm,
                                             std::int64_t a, bool sa, std::int64_t b,
                                             bool sb) const {
        const std::string& op = n.op_type();
        std::int64_t r = 0;
        bool sr = false;
        if (op == "Equal") {
            // A symbolic entry is a positive multiple of the batch size N >= 1.
            if (sa && sb) {
                r = a == b;
            } else if (sa || sb) {
                const std::int64_t other = sa ? b : a;
                if (other > 0)
                    batch_dependent(n, nm);
                r = 0;
            } else {
                r = a == b;
            }
        } else if (op == "Add" || op == "Sub") {
            // Shapes are small numbers; a value outside 64 bits is a hostile model, not a
            // wrap-around (fuzzing found both overflows).
            if (op == "Add" ? __builtin_add_overflow(a, b, &r) : __builtin_sub_overflow(a, b, &r))
                bad(n, nm, fmt::format("integer {} of {} and {} overflows 64 bits", op, a, b));
            if (sa == sb) {
                sr = sa && r != 0;
            } else if ((sa && b == 0) || (sb && a == 0)) {
                sr = true;
            } else {
                batch_dependent(n, nm);
            }
        } else if (op == "Mul") {
            if (sa && sb)
                batch_dependent(n, nm);
            if (__builtin_mul_overflow(a, b, &r))
                bad(n, nm, fmt::format("integer Mul of {} and {} overflows 64 bits", a, b));
            sr = (sa || sb) && r != 0;
        } else if (op == "Mod") {
            // The sign of the divisor, as Python's %.
            if (b == 0)
                bad(n, nm, "integer modulo by zero");
            if (sa || sb)
                batch_dependent(n, nm);
            r = b == -1 ? 0 : a % b;  // (INT64_MIN % -1 overflows; any a % -1 is 0)
            if (r != 0 && ((r < 0) != (b < 0)))
                r += b;
        } else {  // Div
            if (b == 0)
                bad(n, nm, "integer division by zero");
            if (b == -1 && a == std::numeric_limits<std::int64_t>::min())
                bad(n, nm, fmt::format("integer Div of {} by -1 overflows 64 bits", a));
            if (sb || (sa && a % b != 0))
                batch_dependent(n, nm);
            r = a / b;
            sr = sa;
        }
        return {r, sr};
    }

    /// ScatterND on constants: a copy of the data with the slices the index tuples name
    /// replaced by the updates.
    void fold_scatter_nd(const onnx::NodeProto& n, const std::string& nm,
                         const std::vector<std::string>& ins) {
        Constant out = m_consts.at(ins.at(0));
        const Constant& idx = m_consts.at(ins.at(1));
        const Constant& upd = m_consts.at(ins.at(2));
        if (idx.is_float() || idx.dims.empty() || idx.any_symbolic() ||
            upd.is_float() != out.is_float())
            bad(n, nm, "expects integer indices and updates of the data's type");
        const auto k = static_cast<std::size_t>(idx.dims.back());
        if (k > out.dims.size())
            bad(n, nm, "index tuples are longer than the data's rank");
        std::int64_t slice = 1;
        for (std::size_t d = k; d < out.dims.size(); ++d)
            slice *= out.dims[d];
        const std::int64_t tuples = numel(idx.dims) / std::max<std::int64_t>(1, idx.dims.back());
        if (numel(upd.dims) != tuples * slice)
            bad(n, nm, "updates do not match the indexed slices");
        for (std::int64_t t = 0; t < tuples; ++t) {
            std::int64_t off = 0;
            for (std::size_t d = 0; d < k; ++d) {
                std::int64_t v = idx.i[static_cast<std::size_t>(t) * k + d];
                v = v < 0 ? v + out.dims[d] : v;
                if (v < 0 || v >= out.dims[d])
                    bad(n, nm, "an index is out of range");
                off = off * out.dims[d] + v;
            }
            for (std::int64_t e = 0; e < slice; ++e) {
                const auto dst = static_cast<std::size_t>(off * slice + e);
                const auto src = static_cast<std::size_t>(t * slice + e);
                if (out.is_float()) {
                    out.f[dst] = upd.f[src];
                } else {
                    out.i[dst] = upd.i[src];
                    if (!out.sym.empty() || upd.symbolic(src)) {
                        out.sym.resize(out.i.size(), 0);
                        out.sym[dst] = upd.symbolic(src) ? 1 : 0;
                    }
                }
            }
        }
        set_const(n.output(0), std::move(out));
    }

    /// Output shape of Squeeze / Unsqueeze of `x` over `axes` (checked as ONNX defines them).
    Dims squeezed(const onnx::NodeProto& n, const std::string& nm, const Dims& x,
                  std::vector<std::int64_t> axes) const {
        const bool unsq = n.op_type() == "Unsqueeze";
        const auto rank = static_cast<std::int64_t>(x.size());
        const std::int64_t out_rank = unsq ? rank + static_cast<std::int64_t>(axes.size()) : rank;
        for (auto& a : axes) {
            if (a < -out_rank || a >= out_rank)
                bad(n, nm, fmt::format("axis {} is out of range", a));
            a = a < 0 ? a + out_rank : a;
        }
        std::sort(axes.begin(), axes.end());
        Dims out;
        if (unsq) {
            std::size_t src = 0;
            for (std::int64_t k = 0; k < out_rank; ++k) {
                if (std::binary_search(axes.begin(), axes.end(), k))
                    out.push_back(1);
                else
                    out.push_back(x.at(src++));
            }
            return out;
        }
        for (std::int64_t k = 0; k < rank; ++k) {
            const bool drop = axes.empty() ? x[static_cast<std::size_t>(k)] == 1
                                           : std::binary_search(axes.begin(), axes.end(), k);
            if (drop && x[static_cast<std::size_t>(k)] != 1)
                bad(n, nm,
                    fmt::format("axis {} has size {}, not 1", k, x[static_cast<std::size_t>(k)]));
            if (!drop)
                out.push_back(x[static_cast<std::size_t>(k)]);
        }
        return out;
    }

    /// A Reshape node to `target` (values at batch 1, `sym` marking entries that scale with the
    /// batch): a batch entry becomes 0 where it copies the input's batch dimension, else -1
    /// where it is the only unknown; anything else depends on the batch size at run time.
    Node reshape_node(const onnx::NodeProto& n, const std::string& nm, const std::string& name,
                      const std::string& input, const std::string& output,
                      const std::vector<std::int64_t>& target, const std::vector<char>& sym) {
        const Dims& in1 = m_shapes.at(input);
        const Dims& in2 = m_shapes2.at(input);
        Node node;
        node.name = name;
        node.op = Op::Reshape;
        node.inputs = {input};
        node.outputs = {output};
        node.attrs.shape = target;
        std::vector<std::size_t> open;
        for (std::size_t k = 0; k < target.size(); ++k) {
            if (sym[k] == 0)
                continue;
            if (k < in1.size() && in1[k] == target[k] && in2[k] == 2 * target[k])
                node.attrs.shape[k] = 0;
            else
                open.push_back(k);
        }
        const bool has_infer = std::find(node.attrs.shape.begin(), node.attrs.shape.end(), -1) !=
                               node.attrs.shape.end();
        if (open.size() > 1 || (open.size() == 1 && has_infer))
            batch_dependent(n, nm);
        if (open.size() == 1)
            node.attrs.shape[open[0]] = -1;
        return node;
    }

    void squeeze(const onnx::NodeProto& n, const std::string& nm, const std::string& x,
                 const std::string& out, const std::string& axes_input) {
        if (m_opset < 13)
            allow_attrs(n, nm, {"axes"});
        else
            allow_attrs(n, nm, {});
        const std::vector<std::int64_t> axes =
            m_opset < 13 ? attr_ints(n, nm, "axes").value_or(std::vector<std::int64_t>{})
                         : (axes_input.empty() ? std::vector<std::int64_t>{}
                                               : int_list(n, nm, axes_input, "axes"));
        if (m_shapes.count(x) == 0)
            bad(n, nm, fmt::format("input '{}' is not defined before this node", x));
        const Dims o1 = squeezed(n, nm, m_shapes.at(x), axes);
        const Dims o2 = squeezed(n, nm, m_shapes2.at(x), axes);
        std::vector<char> sym;
        for (std::size_t k = 0; k < o1.size(); ++k)
            sym.push_back(k < o2.size() && o1[k] != o2[k] ? 1 : 0);
        emit(n, nm, reshape_node(n, nm, nm, x, out, o1, sym));
    }

    /// Gather of an activation with a constant index: a Slice, and for a scalar index a
    /// Reshape dropping the axis.
    void gather(const onnx::NodeProto& n, const std::string& nm, const std::string& x,
                const std::string& indices) {
        allow_attrs(n, nm, {"axis"});
        if (m_shapes.count(x) == 0)
            bad(n, nm, fmt::format("input '{}' is not defined before this node", x));
        const Dims& xd = m_shapes.at(x);
        const auto rank = static_cast<std::int64_t>(xd.size());
        std::int64_t axis = attr_i(n, nm, "axis", 0);
        if (axis < -rank || axis >= rank)
            bad(n, nm, fmt::format("axis {} is out of range for a rank-{} input", axis, rank));
        axis = axis < 0 ? axis + rank : axis;
        const Constant& idx = constant(n, nm, indices, "indices");
        if (idx.is_float() || idx.any_symbolic() || idx.i.size() != 1)
            unsupported(n, nm, "only a single constant index is supported on an activation");
        if (m_shapes2.at(x)[static_cast<std::size_t>(axis)] != xd[static_cast<std::size_t>(axis)])
            unsupported(n, nm, "a gather along the batch dimension is not supported");
        const std::int64_t dim = xd[static_cast<std::size_t>(axis)];
        std::int64_t j = idx.i[0] < 0 ? idx.i[0] + dim : idx.i[0];
        if (j < 0 || j >= dim)
            bad(n, nm, "the index is out of range");
        Node s;
        s.name = idx.dims.empty() ? nm + "/slice" : nm;
        s.op = Op::Slice;
        s.inputs = {x};
        s.outputs = {idx.dims.empty() ? n.output(0) + "/slice" : n.output(0)};
        s.attrs.axes = {axis};
        s.attrs.starts = {j};
        s.attrs.ends = {j + 1};
        s.attrs.steps = {1};
        emit(n, nm, std::move(s));
        if (!idx.dims.empty())
            return;
        const std::string sliced = n.output(0) + "/slice";
        Dims o1 = m_shapes.at(sliced);
        Dims o2 = m_shapes2.at(sliced);
        o1.erase(o1.begin() + axis);
        o2.erase(o2.begin() + axis);
        std::vector<char> sym;
        for (std::size_t k = 0; k < o1.size(); ++k)
            sym.push_back(o1[k] != o2[k] ? 1 : 0);
        emit(n, nm, reshape_node(n, nm, nm, sliced, n.output(0), o1, sym));
    }

    /// Adds an IR node, or folds it when every input is a constant.
    void emit(const onnx::NodeProto& n, const std::string& nm, Node node) {
        bool all_const = !node.inputs.empty();
        for (const std::string& t : node.inputs)
            all_const = all_const && m_consts.count(t) != 0;
        const bool batch_node = node.op == Op::Expand &&
                                std::find(node.attrs.shape.begin(), node.attrs.shape.end(), -1) !=
                                    node.attrs.shape.end();
        if (all_const && !batch_node && node.op != Op::Denoiser) {
            Graph tmp;
            tmp.name = m_src;
            std::vector<const Tensor*> ptrs;
            for (const std::string& t : node.inputs) {
                const Constant& c = m_consts.at(t);
                if (!c.is_float())
                    unsupported(n, nm,
                                fmt::format("input '{}' has data type {}; dnsim "
                                            "supports float32",
                                            t, dtype_name(c.dtype)));
                tmp.initializers[t] = Tensor(c.dims, c.f);
            }
            for (const std::string& t : node.inputs)
                ptrs.push_back(&tmp.initializers.at(t));
            std::vector<Dims> dims;
            for (const Tensor* t : ptrs)
                dims.push_back(t->dims);
            infer_node_shape(m_g, node, dims);  // errors name the node
            tmp.nodes.push_back(node);
            const Tensor r = evaluate_node(tmp, 0, ptrs, 0, ExecOptions{});
            set_const(node.outputs[0], Constant{r.dims, onnx::TensorProto::FLOAT, r.data, {}, {}});
            return;
        }
        for (const std::string& t : node.inputs)
            use_as_operand(n, nm, t);
        std::vector<Dims> d1;
        std::vector<Dims> d2;
        for (const std::string& t : node.inputs) {
            if (m_shapes.count(t) == 0)
                bad(n, nm, fmt::format("input '{}' is not defined before this node", t));
            d1.push_back(m_shapes.at(t));
            d2.push_back(m_shapes2.at(t));
        }
        m_shapes[node.outputs[0]] = infer_node_shape(m_g, node, d1, 1);
        // Every later shape computation then works on bounded shapes.
        if (exceeds_tensor_limit(m_shapes[node.outputs[0]])) {
            bad(n, nm,
                fmt::format("output shape {}; {}", dims_str(m_shapes[node.outputs[0]]),
                            limit_text()));
        }
        try {
            m_shapes2[node.outputs[0]] = infer_node_shape(m_g, node, d2, 2);
        } catch (const ConfigError&) {
            // The node fixes the batch size (e.g. a Reshape to a literal 1): it runs at batch 1
            // only, and a larger batch fails at run time naming it.
            m_shapes2[node.outputs[0]] = m_shapes[node.outputs[0]];
        }
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

    /// The tensor a graph output names (through aliases); an alias output renames the tensor.
    std::string output_tensor(const std::string& name) {
        const std::string r = resolve(name);
        if (m_consts.count(r) != 0) {
            throw UnsupportedError(m_src, fmt::format("graph output '{}' is a constant (computed "
                                                      "at import); dnsim's outputs are "
                                                      "computed by nodes",
                                                      name));
        }
        if (m_shapes.count(r) == 0) {
            throw ConfigError(m_src,
                              fmt::format("graph output '{}' is not produced by any node", name));
        }
        if (r == name)
            return r;
        const auto producer = m_g.producer(r);
        if (!producer)
            return r;  // a graph input passed through
        for (Node& n : m_g.nodes) {
            for (auto& t : n.inputs) {
                if (t == r)
                    t = name;
            }
            for (auto& t : n.outputs) {
                if (t == r)
                    t = name;
            }
        }
        for (auto& v : m_g.outputs) {
            if (v.name == r)
                v.name = name;
        }
        m_shapes[name] = m_shapes.at(r);
        return name;
    }

    bool is_graph_output(const std::string& t) const {
        return std::any_of(m_g.outputs.begin(), m_g.outputs.end(),
                           [&t](const ValueInfo& v) { return v.name == t; });
    }

    /// The only reader of `t` (not a graph output), or nullopt.
    std::optional<std::size_t> only_reader(const std::string& t) const {
        if (is_graph_output(t))
            return std::nullopt;
        const auto users = m_g.consumers(t);
        if (users.size() != 1)
            return std::nullopt;
        return users[0];
    }

    /// The scalar value of an initializer, if `t` is one.
    std::optional<float> scalar_init(const std::string& t) const {
        if (!m_g.is_initializer(t) || m_g.initializer(t).numel() != 1)
            return std::nullopt;
        return m_g.initializer(t).data[0];
    }

    /// For a binary node reading `t`, its other operand (or nullopt when both are `t`).
    static std::optional<std::string> other_operand(const Node& n, const std::string& t) {
        if (n.inputs.size() != 2 || n.inputs[0] == n.inputs[1])
            return std::nullopt;
        if (n.inputs[0] == t)
            return n.inputs[1];
        if (n.inputs[1] == t)
            return n.inputs[0];
        return std::nullopt;
    }

    void erase_nodes(std::set<std::size_t> dead) {
        std::vector<Node> kept;
        for (std::size_t i = 0; i < m_g.nodes.size(); ++i) {
            if (dead.count(i) == 0)
                kept.push_back(std::move(m_g.nodes[i]));
        }
        m_g.nodes = std::move(kept);
    }

    /// x * (1 + erf(x / sqrt 2)) * 0.5, PyTorch's export of the exact GELU, becomes one Gelu
    /// node named after the last Mul.
    void fuse_gelu() {
        std::set<std::size_t> dead;
        for (std::size_t i = 0; i < m_g.nodes.size(); ++i) {
            const Node& e = m_g.nodes[i];
            if (e.op != Op::Erf)
                continue;
            const auto div = m_g.producer(e.inputs[0]);
            if (!div || only_reader(e.inputs[0]) != i)
                continue;
            const Node& d = m_g.nodes[*div];
            const auto c = d.inputs.size() == 2 ? scalar_init(d.inputs[1]) : std::nullopt;
            const bool by_div = d.op == Op::Div && c && std::abs(*c - 1.41421356f) < 1e-6f;
            const bool by_mul = d.op == Op::Mul && c && std::abs(*c - 0.70710678f) < 1e-6f;
            if (!by_div && !by_mul)
                continue;
            const std::string x = d.inputs[0];
            const auto add = only_reader(e.outputs[0]);
            if (!add || m_g.nodes[*add].op != Op::Add)
                continue;
            const auto one = other_operand(m_g.nodes[*add], e.outputs[0]);
            if (!one || scalar_init(*one) != 1.0f)
                continue;
            const auto mul = only_reader(m_g.nodes[*add].outputs[0]);
            if (!mul || m_g.nodes[*mul].op != Op::Mul ||
                other_operand(m_g.nodes[*mul], m_g.nodes[*add].outputs[0]) != x)
                continue;
            const auto half = only_reader(m_g.nodes[*mul].outputs[0]);
            if (!half || m_g.nodes[*half].op != Op::Mul)
                continue;
            const auto h = other_operand(m_g.nodes[*half], m_g.nodes[*mul].outputs[0]);
            if (!h || scalar_init(*h) != 0.5f)
                continue;
            Node& g = m_g.nodes[*half];
            g.op = Op::Gelu;
            g.inputs = {x};
            g.attrs = NodeAttrs{};
            dead.insert({*div, i, *add, *mul});
        }
        erase_nodes(dead);
    }

    /// For a ReduceMean with keepdims over the trailing axes of a rank-`rank` input, the first
    /// of those axes.
    static std::optional<std::int64_t> trailing_mean_axis(const Node& r, std::int64_t rank) {
        if (r.op != Op::ReduceMean || !r.attrs.keepdims)
            return std::nullopt;
        const auto axes = reduced_axes(r, rank);
        if (axes.empty())  // a rank-0 input (finding onnx-7): nothing to normalise
            return std::nullopt;
        for (std::size_t k = 0; k < axes.size(); ++k) {
            if (axes[k] != rank - static_cast<std::int64_t>(axes.size() - k))
                return std::nullopt;
        }
        return axes.front();
    }

    /// The scale and bias after a LayerNorm pattern's Div (node `div`): a Mul by an initializer
    /// that broadcasts to the normalised dimensions `norm`, and an Add of one after it.
    struct LayerNormAffine {
        std::size_t last;   ///< the last node of the pattern
        std::string scale;  ///< empty: none
        std::string bias;   ///< empty: none
    };
    LayerNormAffine layer_norm_affine(std::size_t div, const Dims& norm) const {
        const auto fits = [&](const std::string& t) {
            if (!m_g.is_initializer(t))
                return false;
            const Dims& w = m_g.initializer(t).dims;
            if (w.size() > norm.size())
                return false;
            for (std::size_t k = 0; k < w.size(); ++k) {
                const std::int64_t nd = norm[norm.size() - w.size() + k];
                if (w[k] != nd && w[k] != 1)
                    return false;
            }
            return true;
        };
        const std::string& y = m_g.nodes[div].outputs[0];
        LayerNormAffine r{div, {}, {}};
        if (const auto mul = only_reader(y); mul && m_g.nodes[*mul].op == Op::Mul) {
            const auto w = other_operand(m_g.nodes[*mul], y);
            if (w && fits(*w)) {
                r.scale = *w;
                r.last = *mul;
                if (const auto ad = only_reader(m_g.nodes[*mul].outputs[0]);
                    ad && m_g.nodes[*ad].op == Op::Add) {
                    const auto b = other_operand(m_g.nodes[*ad], m_g.nodes[*mul].outputs[0]);
                    if (b && fits(*b)) {
                        r.bias = *b;
                        r.last = *ad;
                    }
                }
            }
        }
        return r;
    }

    /// PyTorch's LayerNorm below opset 17: m = ReduceMean(x), d = x - m,
    /// v = ReduceMean(d^2), y = d / sqrt(v + eps) [* w] [+ b], over the same trailing axes,
    /// becomes one LayerNormalization node named after the last node of the pattern.
    void fuse_layer_norm() {
        std::set<std::size_t> dead;
        for (std::size_t i = 0; i < m_g.nodes.size(); ++i) {
            const Node& m1 = m_g.nodes[i];
            if (m1.op != Op::ReduceMean || dead.count(i) != 0)
                continue;
            const std::string x = m1.inputs[0];
            const auto rank = static_cast<std::int64_t>(m_shapes.at(x).size());
            const auto axis = trailing_mean_axis(m1, rank);
            const auto sub = only_reader(m1.outputs[0]);
            if (!axis || !sub)
                continue;
            const Node& sn = m_g.nodes[*sub];
            if (sn.op != Op::Sub || sn.inputs != std::vector<std::string>{x, m1.outputs[0]})
                continue;
            const std::string d = sn.outputs[0];
            const auto users = m_g.consumers(d);
            if (users.size() != 2 || is_graph_output(d))
                continue;
            const std::size_t pw = m_g.nodes[users[0]].op == Op::Pow ? users[0] : users[1];
            const std::size_t dv = pw == users[0] ? users[1] : users[0];
            const Node& pn = m_g.nodes[pw];
            if (pn.op != Op::Pow || pn.inputs[0] != d || scalar_init(pn.inputs[1]) != 2.0f)
                continue;
            const auto m2 = only_reader(pn.outputs[0]);
            if (!m2 || trailing_mean_axis(m_g.nodes[*m2], rank) != axis)
                continue;
            const auto add = only_reader(m_g.nodes[*m2].outputs[0]);
            if (!add || m_g.nodes[*add].op != Op::Add)
                continue;
            const auto eps_t = other_operand(m_g.nodes[*add], m_g.nodes[*m2].outputs[0]);
            const auto eps = eps_t ? scalar_init(*eps_t) : std::nullopt;
            const auto sq = only_reader(m_g.nodes[*add].outputs[0]);
            if (!eps || !sq || m_g.nodes[*sq].op != Op::Sqrt ||
                only_reader(m_g.nodes[*sq].outputs[0]) != dv)
                continue;
            const Node& dn = m_g.nodes[dv];
            if (dn.op != Op::Div ||
                dn.inputs != std::vector<std::string>{d, m_g.nodes[*sq].outputs[0]})
                continue;
            const Dims& xd = m_shapes.at(x);
            const Dims norm(xd.begin() + *axis, xd.end());
            auto [last, scale, bias] = layer_norm_affine(dv, norm);
            Node& ln = m_g.nodes[last];
            if (scale.empty()) {
                scale = ln.name + ".scale";
                m_g.initializers[scale] =
                    Tensor(norm, std::vector<float>(static_cast<std::size_t>(numel(norm)), 1.0f));
            }
            ln.op = Op::LayerNorm;
            ln.attrs = default_attrs(Op::LayerNorm);
            ln.attrs.axis = *axis;
            ln.attrs.epsilon = *eps;
            ln.inputs = {x, scale};
            if (!bias.empty())
                ln.inputs.push_back(bias);
            for (const std::size_t k : {i, *sub, pw, *m2, *add, *sq, dv}) {
                if (k != last)
                    dead.insert(k);
            }
            if (last != dv) {
                const auto mul = only_reader(dn.outputs[0]);
                if (*mul != last)
                    dead.insert(*mul);
            }
        }
        erase_nodes(dead);
    }

    /// A zero constant Pad of the spatial axes read only by a Conv (or an AveragePool that
    /// counts padding, or a MaxPool when the pad value is -inf) becomes that node's padding.
    void fold_pads() {
        std::set<std::size_t> dead;
        for (std::size_t i = 0; i < m_g.nodes.size(); ++i) {
            const Node& p = m_g.nodes[i];
            if (p.op != Op::Pad || p.attrs.pad_amounts.size() != 8)
                continue;
            const auto& a = p.attrs.pad_amounts;
            if (a[0] != 0 || a[1] != 0 || a[4] != 0 || a[5] != 0 ||
                std::any_of(a.begin(), a.end(), [](std::int64_t v) { return v < 0; }))
                continue;
            const auto user = only_reader(p.outputs[0]);
            if (!user || m_g.nodes[*user].inputs[0] != p.outputs[0])
                continue;
            Node& c = m_g.nodes[*user];
            const bool zero = p.attrs.pad_value == 0.0f;
            const bool no_pads = c.attrs.pads == std::array<std::int64_t, 4>{0, 0, 0, 0};
            const bool ok = (c.op == Op::Conv && zero) ||
                            (c.op == Op::AveragePool && zero && !c.attrs.ceil_mode &&
                             (c.attrs.count_include_pad || no_pads)) ||
                            (c.op == Op::MaxPool &&
                             p.attrs.pad_value == -std::numeric_limits<float>::infinity());
            if (!ok)
                continue;
            c.attrs.pads[0] += a[2];
            c.attrs.pads[1] += a[3];
            c.attrs.pads[2] += a[6];
            c.attrs.pads[3] += a[7];
            if (c.op == Op::AveragePool)
                c.attrs.count_include_pad = true;
            c.inputs[0] = p.inputs[0];
            dead.insert(i);
        }
        erase_nodes(dead);
    }

    void drop_unused_initializers() {
        std::set<std::string> used;
        for (const Node& n : m_g.nodes)
            used.insert(n.inputs.begin(), n.inputs.end());
        for (auto it = m_g.initializers.begin(); it != m_g.initializers.end();) {
            it = used.count(it->first) != 0 ? std::next(it) : m_g.initializers.erase(it);
        }
    }

    const onnx::ModelProto& m_model;
    std::string m_src;
    const FrozenInputs& m_frozen;
    std::int64_t m_opset = 0;
    bool m_batch_input = false;
    Graph m_g;
    std::map<std::string, Constant> m_consts;
    std::map<std::string, Dims> m_shapes;        ///< every tensor's shape at batch 1
    std::map<std::string, Dims> m_shapes2;       ///< and at batch 2 (the dimensions that scale)
    std::map<std::string, std::string> m_alias;  ///< Identity / Dropout output -> its input
    std::set<std::string> m_node_names;
    std::set<std::string> m_graph_outputs;
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
