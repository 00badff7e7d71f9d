// ONNX import/export: round trips of every built-in 28x28 variant (with denoisers) to an
// identical graph, and one clear error for each kind of bad model.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <onnx/onnx_pb.h>

#include "exec/executor.h"
#include "graph/transforms.h"
#include "onnx/onnx_io.h"
#include "topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;

namespace {

/// A one-node model y = op(x) on a 1x2x4x4 input, to be altered per test.
onnx::ModelProto one_node(const std::string& op, int opset = 13) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    auto* os = m.add_opset_import();
    os->set_version(opset);
    auto* g = m.mutable_graph();
    g->set_name("t");
    for (auto* vi : {g->add_input(), g->add_output()}) {
        vi->set_name(vi == &g->input(0) ? "x" : "y");
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(onnx::TensorProto::FLOAT);
        for (int d : {1, 2, 4, 4})
            tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
    auto* n = g->add_node();
    n->set_name("n0");
    n->set_op_type(op);
    n->add_input("x");
    n->add_output("y");
    return m;
}

std::string bytes(const onnx::ModelProto& m) {
    std::string s;
    m.SerializeToString(&s);
    return s;
}

}  // namespace

TEST_CASE("export then import gives an identical graph and identical outputs") {
    for (const char* name :
         {"resnet18_28", "mobilenetv2_28", "efficientnet_b0_28", "densenet121_28"}) {
        INFO(name);
        Graph g = builtin_model(name, 1);
        insert_denoiser(g, g.nodes[2].name);
        insert_denoiser(
            g, g.nodes[g.nodes.size() / 2].name == "flatten" ? g.nodes[6].name : g.nodes[10].name);
        const Graph back = import_onnx_bytes(export_onnx_bytes(g), "mem.onnx");
        CHECK(back == g);
        Tensor x({2, 1, 28, 28});
        for (std::size_t i = 0; i < x.data.size(); ++i)
            x.data[i] = float(i % 17) / 17.0f;
        CHECK(Executor(back).run_batch(x)[0] == Executor(g).run_batch(x)[0]);
    }
}

TEST_CASE("export writes the file atomically and import reads it back") {
    const auto dir = std::filesystem::temp_directory_path() / "dnsim_test_onnx";
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "r.onnx").string();
    const Graph g = builtin_model("resnet18_28");
    export_onnx(g, path);
    CHECK(import_onnx(path) == g);
    CHECK(std::filesystem::file_size(path) < 5u * 1024 * 1024);
}

TEST_CASE("bad ONNX input gives one clear error naming the file, node and op") {
    SECTION("missing file") {
        CHECK_THROWS_WITH(import_onnx("/nonexistent/m.onnx"),
                          "/nonexistent/m.onnx: cannot open file");
    }
    SECTION("not a protobuf") {
        CHECK_THROWS_WITH(import_onnx_bytes("this is not a model\xff\xff", "junk.onnx"),
                          Catch::StartsWith("junk.onnx: not a valid ONNX model"));
    }
    SECTION("truncated file") {
        const std::string full = export_onnx_bytes(builtin_model("resnet18_28"));
        CHECK_THROWS_WITH(import_onnx_bytes(full.substr(0, full.size() / 2), "cut.onnx"),
                          Catch::StartsWith("cut.onnx: "));
    }
    SECTION("unsupported op") {
        CHECK_THROWS_AS(import_onnx_bytes(bytes(one_node("Tanh")), "m.onnx"), UnsupportedError);
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(one_node("Tanh")), "m.onnx"),
                          "m.onnx: node 'n0' (Tanh): op 'Tanh' is not supported (docs/onnx.md "
                          "lists the supported ops)");
    }
    SECTION("unsupported attribute") {
        auto m = one_node("MaxPool");
        auto* n = m.mutable_graph()->mutable_node(0);
        auto* k = n->add_attribute();
        k->set_name("kernel_shape");
        k->set_type(onnx::AttributeProto::INTS);
        k->add_ints(2);
        k->add_ints(2);
        auto* s = n->add_attribute();
        s->set_name("storage_order");
        s->set_type(onnx::AttributeProto::INT);
        s->set_i(1);
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("node 'n0' (MaxPool): storage_order=1 is not supported"));
        auto* u = n->add_attribute();
        u->set_name("frobnicate");
        u->set_type(onnx::AttributeProto::INT);
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("attribute 'frobnicate' is not supported"));
    }
    SECTION("opset outside 11..17") {
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(one_node("Relu", 9)), "m.onnx"),
                          "m.onnx: opset 9 is not supported; accepted: 11 to 17");
    }
    SECTION("non-float input") {
        auto m = one_node("Relu");
        m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
            onnx::TensorProto::INT8);
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("graph input 'x' has data type int8"));
    }
    SECTION("3-D convolution") {
        auto m = one_node("Conv");
        auto* shape = m.mutable_graph()
                          ->mutable_input(0)
                          ->mutable_type()
                          ->mutable_tensor_type()
                          ->mutable_shape();
        shape->add_dim()->set_dim_value(4);
        auto* w = m.mutable_graph()->add_initializer();
        w->set_name("w");
        w->set_data_type(onnx::TensorProto::FLOAT);
        for (int d : {1, 2, 1, 1, 1})
            w->add_dims(d);
        w->add_float_data(1);
        w->add_float_data(1);
        m.mutable_graph()->mutable_node(0)->add_input("w");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("node 'n0' (Conv): only 2-D spatial inputs"));
    }
    SECTION("initializer with too few values") {
        auto m = one_node("Add");
        auto* w = m.mutable_graph()->add_initializer();
        w->set_name("b");
        w->set_data_type(onnx::TensorProto::FLOAT);
        w->add_dims(4);
        w->add_float_data(1);
        m.mutable_graph()->mutable_node(0)->add_input("b");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          "m.onnx: tensor 'b' has 1 values; its shape 4 needs 4");
    }
    SECTION("undefined node input") {
        auto m = one_node("Add");
        m.mutable_graph()->mutable_node(0)->add_input("ghost");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("node 'n0' (Add): input 'ghost' is not defined"));
    }
    SECTION("unknown domain") {
        auto m = one_node("Relu");
        m.mutable_graph()->mutable_node(0)->set_domain("com.example");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          Catch::Contains("op of domain 'com.example' is not supported"));
    }
}

TEST_CASE("PyTorch's SiLU export (x * Sigmoid(x)) imports as one Silu node") {
    auto m = one_node("Sigmoid");
    auto* g = m.mutable_graph();
    g->mutable_node(0)->set_output(0, "s");
    auto* mul = g->add_node();
    mul->set_name("act");
    mul->set_op_type("Mul");
    mul->add_input("x");
    mul->add_input("s");
    mul->add_output("y");
    const Graph back = import_onnx_bytes(bytes(m), "m.onnx");
    REQUIRE(back.nodes.size() == 1);
    CHECK(back.nodes[0].op == Op::Silu);
    CHECK(back.nodes[0].name == "act");
}
