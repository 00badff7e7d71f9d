// Graph -> ONNX (opset 17). Silu is written as Sigmoid + Mul and Gelu as its Erf form (the
// import fuses both back); Clip bounds, Reshape / Expand shapes and Slice / Pad operands become
// initializers named after their node; the denoiser block is one node of domain ai.dnsim
// (docs/onnx.md).
#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "models/common/output_files.h"
#include "models/common/version.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/onnx/onnx_metadata.h"

namespace dnsim::workloads {

namespace {

void set_shape(onnx::ValueInfoProto* vi, const std::string& name, const Dims& dims) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tt->mutable_shape();
    for (const std::int64_t d : dims) {
        auto* dim = shape->add_dim();
        if (d < 0) {
            dim->set_dim_param("N");
        } else {
            dim->set_dim_value(d);
        }
    }
}

void add_float_tensor(onnx::GraphProto* g, const std::string& name, const Dims& dims,
                      const float* data, std::int64_t count) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : dims)
        t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(data),
                                static_cast<std::size_t>(count) * sizeof(float)));
}

void attr_i(onnx::NodeProto* n, const char* name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}
void attr_f(onnx::NodeProto* n, const char* name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}
void int64_tensor(onnx::GraphProto* g, const std::string& name,
                  const std::vector<std::int64_t>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(v.size()));
    for (const auto x : v)
        t->add_int64_data(x);
}

void attr_list(onnx::NodeProto* n, const char* name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto x : v)
        a->add_ints(x);
}

onnx::NodeProto* add_plain_node(onnx::GraphProto* g, const std::string& name, const char* op,
                                std::initializer_list<std::string> inputs,
                                const std::string& output) {
    auto* p = g->add_node();
    p->set_name(name);
    p->set_op_type(op);
    for (const auto& in : inputs)
        p->add_input(in);
    p->add_output(output);
    return p;
}

/// The Expand target as a tensor: an initializer, or, with batch entries (-1), the batch size
/// read from the graph input (Shape) concatenated with the fixed entries.
std::string expand_target(onnx::GraphProto* g, const Node& n, const std::string& graph_input) {
    const auto& shape = n.attrs.shape;
    if (std::find(shape.begin(), shape.end(), -1) == shape.end()) {
        int64_tensor(g, n.name + ".shape", shape);
        return n.name + ".shape";
    }
    const std::string batch = n.name + "/batch_out";
    auto* sh = add_plain_node(g, n.name + "/batch", "Shape", {graph_input}, batch);
    attr_i(sh, "start", 0);
    attr_i(sh, "end", 1);
    auto* cat = g->add_node();
    cat->set_name(n.name + "/shape");
    cat->set_op_type("Concat");
    attr_i(cat, "axis", 0);
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            cat->add_input(batch);
        } else {
            const std::string part = fmt::format("{}.shape{}", n.name, i);
            int64_tensor(g, part, {shape[i]});
            cat->add_input(part);
        }
    }
    cat->add_output(n.name + "/shape_out");
    return n.name + "/shape_out";
}

template <std::size_t N>
void attr_ints(onnx::NodeProto* n, const char* name, const std::array<std::int64_t, N>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto x : v)
        a->add_ints(x);
}

/// Silu as ONNX writes it: x * Sigmoid(x).
void export_silu(onnx::GraphProto* g, const Node& n) {
    const std::string sig = n.name + "/sigmoid";
    auto* s = g->add_node();
    s->set_name(sig);
    s->set_op_type("Sigmoid");
    s->add_input(n.inputs[0]);
    s->add_output(sig + "_out");
    auto* m = g->add_node();
    m->set_name(n.name);
    m->set_op_type("Mul");
    m->add_input(n.inputs[0]);
    m->add_input(sig + "_out");
    m->add_output(n.outputs[0]);
}

/// Gelu as x * (1 + erf(x / sqrt 2)) * 0.5, the form PyTorch exports.
void export_gelu(onnx::GraphProto* g, const Node& n) {
    const std::string b = n.name + "/";
    const float sqrt2 = 1.41421353816986083984375f;
    const float one = 1.0f;
    const float half = 0.5f;
    add_float_tensor(g, n.name + ".sqrt2", {}, &sqrt2, 1);
    add_float_tensor(g, n.name + ".one", {}, &one, 1);
    add_float_tensor(g, n.name + ".half", {}, &half, 1);
    add_plain_node(g, b + "div", "Div", {n.inputs[0], n.name + ".sqrt2"}, b + "div_out");
    add_plain_node(g, b + "erf", "Erf", {b + "div_out"}, b + "erf_out");
    add_plain_node(g, b + "add", "Add", {b + "erf_out", n.name + ".one"}, b + "add_out");
    add_plain_node(g, b + "mul", "Mul", {n.inputs[0], b + "add_out"}, b + "mul_out");
    add_plain_node(g, n.name, "Mul", {b + "mul_out", n.name + ".half"}, n.outputs[0]);
}

/// The attributes of `n` that ONNX keeps as attributes of node `p`.
void write_attributes(const Node& n, onnx::NodeProto* p) {
    const NodeAttrs& a = n.attrs;
    switch (n.op) {
        case Op::Conv:
        case Op::MaxPool:
        case Op::AveragePool:
            attr_ints(p, "kernel_shape", a.kernel);
            attr_ints(p, "strides", a.strides);
            attr_ints(p, "pads", a.pads);
            if (n.op != Op::AveragePool)
                attr_ints(p, "dilations", a.dilations);
            if (n.op == Op::Conv)
                attr_i(p, "group", a.group);
            if (n.op != Op::Conv)
                attr_i(p, "ceil_mode", a.ceil_mode ? 1 : 0);
            if (n.op == Op::AveragePool)
                attr_i(p, "count_include_pad", a.count_include_pad ? 1 : 0);
            break;
        case Op::BatchNorm:
            attr_f(p, "epsilon", a.epsilon);
            break;
        case Op::LeakyRelu:
        case Op::Denoiser:
            attr_f(p, "alpha", a.alpha);
            break;
        case Op::HardSigmoid:
            attr_f(p, "alpha", a.alpha);
            attr_f(p, "beta", a.beta);
            break;
        case Op::Gemm:
            attr_f(p, "alpha", a.alpha);
            attr_f(p, "beta", a.beta);
            attr_i(p, "transA", a.trans_a ? 1 : 0);
            attr_i(p, "transB", a.trans_b ? 1 : 0);
            break;
        case Op::Concat:
        case Op::Flatten:
        case Op::Softmax:
            attr_i(p, "axis", a.axis);
            break;
        case Op::LayerNorm:
            attr_i(p, "axis", a.axis);
            attr_f(p, "epsilon", a.epsilon);
            break;
        case Op::Transpose:
            attr_list(p, "perm", a.perm);
            break;
        case Op::ReduceMean:
            if (!a.axes.empty())
                attr_list(p, "axes", a.axes);
            attr_i(p, "keepdims", a.keepdims ? 1 : 0);
            break;
        case Op::ReduceSum:
            attr_i(p, "keepdims", a.keepdims ? 1 : 0);
            break;
        default:
            break;
    }
}

/// The attributes of `n` that ONNX takes as inputs (Slice's starts, ends, axes and steps, Pad's
/// amounts and value, ReduceSum's axes, Clip's bounds, Reshape's shape): initializers of `g`
/// named after the node, and inputs of node `p`. `expand_shape` is Expand's target tensor.
void write_operand_inputs(onnx::GraphProto* g, const Node& n, onnx::NodeProto* p,
                          const std::string& expand_shape) {
    const NodeAttrs& a = n.attrs;
    switch (n.op) {
        case Op::Slice:
            for (const auto& [suffix, v] :
                 {std::pair{".starts", &a.starts}, std::pair{".ends", &a.ends},
                  std::pair{".axes", &a.axes}, std::pair{".steps", &a.steps}}) {
                int64_tensor(g, n.name + suffix, *v);
                p->add_input(n.name + suffix);
            }
            break;
        case Op::Pad:
            int64_tensor(g, n.name + ".pads", a.pad_amounts);
            add_float_tensor(g, n.name + ".value", {}, &a.pad_value, 1);
            p->add_input(n.name + ".pads");
            p->add_input(n.name + ".value");
            break;
        case Op::ReduceSum:
            if (!a.axes.empty()) {
                int64_tensor(g, n.name + ".axes", a.axes);
                p->add_input(n.name + ".axes");
            }
            break;
        case Op::Expand:
            p->add_input(expand_shape);
            break;
        case Op::Clip: {
            const auto bound = [&](float v, float absent, const char* suffix) {
                if (v == absent) {
                    p->add_input("");
                    return;
                }
                const std::string name = n.name + suffix;
                add_float_tensor(g, name, {}, &v, 1);
                p->add_input(name);
            };
            bound(a.clip_min, std::numeric_limits<float>::lowest(), ".min");
            bound(a.clip_max, std::numeric_limits<float>::max(), ".max");
            while (p->input_size() > 1 && p->input(p->input_size() - 1).empty()) {
                p->mutable_input()->RemoveLast();
            }
            break;
        }
        case Op::Reshape:
            int64_tensor(g, n.name + ".shape", a.shape);
            p->add_input(n.name + ".shape");
            break;
        default:
            break;
    }
}

}  // namespace

std::string export_onnx_bytes(const Graph& graph) {
    graph.require_weight_values("the ONNX export");
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("dnsim");
    model.set_producer_version(kVersion);
    auto* os = model.add_opset_import();
    os->set_domain("");
    os->set_version(kExportOpset);
    const bool has_denoiser = std::any_of(graph.nodes.begin(), graph.nodes.end(),
                                          [](const Node& n) { return n.op == Op::Denoiser; });
    if (has_denoiser) {
        auto* d = model.add_opset_import();
        d->set_domain(kDnsimDomain);
        d->set_version(kDnsimDomainVersion);
    }
    auto* g = model.mutable_graph();
    g->set_name(graph.name);
    for (const ValueInfo& v : graph.inputs)
        set_shape(g->add_input(), v.name, v.dims);
    for (const ValueInfo& v : graph.outputs)
        set_shape(g->add_output(), v.name, v.dims);
    for (const auto& [name, t] : graph.initializers) {
        add_float_tensor(g, name, t.dims, t.ptr(), t.numel());
    }
    for (const Node& n : graph.nodes) {
        if (n.op == Op::Silu) {
            export_silu(g, n);
            continue;
        }
        if (n.op == Op::Gelu) {
            export_gelu(g, n);
            continue;
        }
        // Expand's target may need nodes of its own, which must come first.
        const std::string expand_shape =
            n.op == Op::Expand ? expand_target(g, n, graph.inputs[0].name) : std::string();
        auto* p = g->add_node();
        p->set_name(n.name);
        p->set_op_type(op_name(n.op));
        for (const auto& in : n.inputs)
            p->add_input(in);
        p->add_output(n.outputs[0]);
        write_attributes(n, p);
        write_operand_inputs(g, n, p, expand_shape);
        if (n.op == Op::Denoiser)
            p->set_domain(kDnsimDomain);
    }
    write_input_normalisation(graph.input_normalisation, model);
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        throw std::runtime_error("ONNX serialisation failed for graph " + graph.name);
    }
    return bytes;
}

void export_onnx(const Graph& graph, const std::string& path) {
    const std::filesystem::path p(path);
    const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
    write_file_atomically(dir, p.filename().string(), export_onnx_bytes(graph), path);
}

}  // namespace dnsim::workloads
