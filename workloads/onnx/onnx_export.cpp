// Graph -> ONNX (opset 17). Silu is written as Sigmoid + Mul (the import fuses them back);
// Clip bounds and Reshape shapes become initializers named after their node; the denoiser
// block is one node of domain ai.dnsim (docs/onnx.md).
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "common/output_files.h"
#include "onnx/onnx_io.h"
#include "onnx/onnx_metadata.h"

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
template <std::size_t N>
void attr_ints(onnx::NodeProto* n, const char* name, const std::array<std::int64_t, N>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto x : v)
        a->add_ints(x);
}

}  // namespace

std::string export_onnx_bytes(const Graph& graph) {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("dnsim");
    model.set_producer_version("0.1.0");
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
        const NodeAttrs& a = n.attrs;
        if (n.op == Op::Silu) {
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
            continue;
        }
        auto* p = g->add_node();
        p->set_name(n.name);
        p->set_op_type(op_name(n.op));
        for (const auto& in : n.inputs)
            p->add_input(in);
        p->add_output(n.outputs[0]);
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
            case Op::Reshape: {
                const std::string name = n.name + ".shape";
                auto* t = g->add_initializer();
                t->set_name(name);
                t->set_data_type(onnx::TensorProto::INT64);
                t->add_dims(static_cast<std::int64_t>(a.shape.size()));
                for (const auto s : a.shape)
                    t->add_int64_data(s);
                p->add_input(name);
                break;
            }
            default:
                break;
        }
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
