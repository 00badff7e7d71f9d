// ONNX import/export: round trips of every built-in 28x28 variant (with denoisers) to an
// identical graph, and one clear error for each kind of bad model.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <onnx/onnx_pb.h>

#include "scratch_dir.h"
#include "workloads/exec/executor.h"
#include "workloads/graph/transforms.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/topologies/topologies.h"

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

/// A model built node by node: input x of shape `dims` (-1: symbolic batch "N"), output y.
struct ModelBuilder {
    onnx::ModelProto m;
    onnx::GraphProto* g;

    ModelBuilder(const Dims& dims, int opset = 13) : g(m.mutable_graph()) {
        m.set_ir_version(8);
        m.add_opset_import()->set_version(opset);
        g->set_name("t");
        auto* tt = g->add_input()->mutable_type()->mutable_tensor_type();
        g->mutable_input(0)->set_name("x");
        tt->set_elem_type(onnx::TensorProto::FLOAT);
        for (const auto d : dims) {
            if (d < 0)
                tt->mutable_shape()->add_dim()->set_dim_param("N");
            else
                tt->mutable_shape()->add_dim()->set_dim_value(d);
        }
        g->add_output()->set_name("y");
    }
    onnx::NodeProto* node(const std::string& op, std::vector<std::string> in,
                          const std::string& out, const std::string& name = "") {
        auto* n = g->add_node();
        n->set_name(name);
        n->set_op_type(op);
        for (const auto& i : in)
            n->add_input(i);
        n->add_output(out);
        return n;
    }
    void ints(const std::string& name, const std::vector<std::int64_t>& v, bool scalar = false) {
        auto* t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        if (!scalar)
            t->add_dims(static_cast<std::int64_t>(v.size()));
        for (const auto x : v)
            t->add_int64_data(x);
    }
    void floats(const std::string& name, const Dims& dims, const std::vector<float>& v) {
        auto* t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (const auto d : dims)
            t->add_dims(d);
        for (const auto x : v)
            t->add_float_data(x);
    }
    Graph import() const { return import_onnx_bytes(bytes(m), "m.onnx"); }
};

void set_attr(onnx::NodeProto* n, const char* name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

void set_attr(onnx::NodeProto* n, const char* name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto x : v)
        a->add_ints(x);
}

Tensor ramp(const Dims& d) {
    Tensor t(d);
    for (std::size_t i = 0; i < t.data.size(); ++i)
        t.data[i] = float(int(i % 11) - 5) / 4.0f;
    return t;
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
    const auto& dir = test::scratch_dir("dnsim_test_onnx");
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
        CHECK_THROWS_AS(import_onnx_bytes(bytes(one_node("Cos")), "m.onnx"), UnsupportedError);
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(one_node("Cos")), "m.onnx"),
                          "m.onnx: node 'n0' (Cos): op 'Cos' is not supported (docs/onnx.md "
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

TEST_CASE("an empty tensor in raw_data imports (ReduceSum with empty axes)") {
    // axes as ONNX's own backend tests store it: INT64, dims [0], raw_data of zero bytes. The
    // import copied those zero bytes with memcpy into an empty vector's null pointer (undefined;
    // reported by the sanitizer build, scripts/sanitize.sh).
    ModelBuilder b({1, 2, 2, 2});
    auto* axes = b.g->add_initializer();
    axes->set_name("axes");
    axes->set_data_type(onnx::TensorProto::INT64);
    axes->add_dims(0);
    axes->set_raw_data("");
    b.node("ReduceSum", {"x", "axes"}, "y", "sum");
    const Graph g = b.import();
    REQUIRE(g.nodes.size() == 1);
    const Tensor x = ramp({1, 2, 2, 2});
    const Tensor y = Executor(g).run({x})[0];
    CHECK(y.dims == Dims{1, 1, 1, 1});
    float sum = 0.0f;
    for (const float v : x.data)
        sum += v;
    CHECK(y.data[0] == Approx(sum));
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

TEST_CASE("Identity and Dropout are aliases, and a graph output behind one keeps its name") {
    ModelBuilder b({-1, 3});
    b.node("Identity", {"x"}, "a");
    b.node("Relu", {"a"}, "r", "relu");
    b.node("Dropout", {"r"}, "d");
    b.node("Identity", {"d"}, "y");
    const Graph g = b.import();
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].op == Op::Relu);
    CHECK(g.nodes[0].inputs == std::vector<std::string>{"x"});
    CHECK(g.outputs[0].name == "y");
    CHECK(g.nodes[0].outputs[0] == "y");
}

TEST_CASE("shape sub-graphs fold at import, and the symbolic batch stays symbolic where exact") {
    // y = x.reshape(x.shape[0], -1), as PyTorch exports it with a dynamic batch.
    ModelBuilder b({-1, 4, 2, 2});
    b.node("Shape", {"x"}, "s");
    b.ints("zero", {0}, true);
    b.node("Gather", {"s", "zero"}, "n");
    b.ints("ax", {0});
    b.node("Unsqueeze", {"n", "ax"}, "n1");
    b.ints("m1", {-1});
    set_attr(b.node("Concat", {"n1", "m1"}, "shape"), "axis", 0);
    b.node("Reshape", {"x", "shape"}, "y", "flat");
    const Graph g = b.import();
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].op == Op::Reshape);
    CHECK(g.nodes[0].attrs.shape == std::vector<std::int64_t>{0, -1});
    const Tensor x = ramp({3, 4, 2, 2});
    const Tensor y = Executor(g).run({x})[0];
    CHECK(y.dims == Dims{3, 16});
    CHECK(y.data == x.data);

    SECTION("batch times a constant becomes -1") {
        // x.reshape(x.shape[0] * 4, 4): the batch entry is not a copy of dimension 0.
        b.g->mutable_node()->RemoveLast();
        b.g->mutable_node()->RemoveLast();
        b.ints("four", {4}, true);
        b.node("Mul", {"n", "four"}, "n4");
        b.node("Unsqueeze", {"n4", "ax"}, "n5");
        b.ints("c4", {4});
        set_attr(b.node("Concat", {"n5", "c4"}, "shape"), "axis", 0);
        b.node("Reshape", {"x", "shape"}, "y", "rows");
        const Graph h = b.import();
        REQUIRE(h.nodes.size() == 1);
        CHECK(h.nodes[0].attrs.shape == std::vector<std::int64_t>{-1, 4});
        CHECK(Executor(h).run({x})[0].dims == Dims{12, 4});
    }
    SECTION("a value that needs the batch size at run time is refused, naming the node") {
        b.g->mutable_node()->RemoveLast();
        b.node("ConstantOfShape", {"shape"}, "z", "zeros");
        b.node("Add", {"x", "z"}, "y");
        CHECK_THROWS_WITH(b.import(),
                          Catch::Contains("node 'zeros' (ConstantOfShape): the value depends on "
                                          "the batch size at run time"));
    }
}

TEST_CASE("a zero Pad before a Conv folds into its padding, before a MaxPool it stays") {
    for (const char* next : {"Conv", "MaxPool"}) {
        INFO(next);
        ModelBuilder b({1, 1, 3, 3}, 11);
        b.ints("pads", {0, 0, 1, 2, 0, 0, 0, 0});
        b.node("Pad", {"x", "pads"}, "p", "pad");
        onnx::NodeProto* n = nullptr;
        if (std::string(next) == "Conv") {
            b.floats("w", {1, 1, 2, 2}, {1, 2, 3, 4});
            n = b.node("Conv", {"p", "w"}, "y", "conv");
        } else {
            n = b.node("MaxPool", {"p"}, "y", "pool");
        }
        set_attr(n, "kernel_shape", std::vector<std::int64_t>{2, 2});
        const Graph g = b.import();
        const Tensor x = ramp({1, 1, 3, 3});
        Tensor padded({1, 1, 4, 5});
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c)
                padded.data[std::size_t((r + 1) * 5 + c + 2)] = x.data[std::size_t(r * 3 + c)];
        // Reference: the op on the explicitly padded input, computed here by hand.
        std::vector<float> want;
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 4; ++c) {
                const float a = padded.data[std::size_t(r * 5 + c)];
                const float bb = padded.data[std::size_t(r * 5 + c + 1)];
                const float cc = padded.data[std::size_t((r + 1) * 5 + c)];
                const float d = padded.data[std::size_t((r + 1) * 5 + c + 1)];
                want.push_back(std::string(next) == "Conv"
                                   ? a * 1 + bb * 2 + cc * 3 + d * 4
                                   : std::max(std::max(a, bb), std::max(cc, d)));
            }
        }
        const Tensor y = Executor(g).run({x})[0];
        CHECK(y.dims == Dims{1, 1, 3, 4});
        for (std::size_t i = 0; i < want.size(); ++i)
            CHECK(y.data[i] == Approx(want[i]));
        if (std::string(next) == "Conv") {
            REQUIRE(g.nodes.size() == 1);
            CHECK(g.nodes[0].attrs.pads == std::array<std::int64_t, 4>{1, 2, 0, 0});
        } else {
            REQUIRE(g.nodes.size() == 2);
            CHECK(g.nodes[0].op == Op::Pad);
        }
    }
}

TEST_CASE("PyTorch's decomposed LayerNorm and erf GELU fuse into one node each") {
    ModelBuilder b({-1, 2, 4});
    set_attr(b.node("ReduceMean", {"x"}, "m"), "axes", std::vector<std::int64_t>{-1});
    b.node("Sub", {"x", "m"}, "d");
    b.floats("two", {}, {2});
    b.node("Pow", {"d", "two"}, "p");
    set_attr(b.node("ReduceMean", {"p"}, "v"), "axes", std::vector<std::int64_t>{-1});
    b.floats("eps", {}, {1e-5f});
    b.node("Add", {"v", "eps"}, "ve");
    b.node("Sqrt", {"ve"}, "sd");
    b.node("Div", {"d", "sd"}, "nrm");
    b.floats("w", {4}, {1, 2, 3, 4});
    b.node("Mul", {"nrm", "w"}, "sc");
    b.floats("bias", {4}, {0.5f, 0, 0, -0.5f});
    b.node("Add", {"sc", "bias"}, "ln", "ln_out");
    b.floats("sqrt2", {}, {1.4142135f});
    b.node("Div", {"ln", "sqrt2"}, "q");
    b.node("Erf", {"q"}, "e");
    b.floats("one", {}, {1});
    b.node("Add", {"e", "one"}, "e1");
    b.node("Mul", {"ln", "e1"}, "g");
    b.floats("half", {}, {0.5f});
    b.node("Mul", {"g", "half"}, "y", "gelu");
    const Graph g = b.import();
    REQUIRE(g.nodes.size() == 2);
    CHECK(g.nodes[0].op == Op::LayerNorm);
    CHECK(g.nodes[0].name == "ln_out");
    CHECK(g.nodes[0].attrs.axis == 2);
    CHECK(g.nodes[0].attrs.epsilon == 1e-5f);
    CHECK(g.nodes[1].op == Op::Gelu);
    CHECK(g.nodes[1].name == "gelu");
    CHECK(g.initializers.size() == 2);  // w and bias; the pattern's constants are gone
    // Reference in double, written here: LayerNorm then the exact GELU.
    const Tensor x = ramp({1, 2, 4});
    const Tensor y = Executor(g).run({x})[0];
    const double w[4] = {1, 2, 3, 4};
    const double bs[4] = {0.5, 0, 0, -0.5};
    for (int r = 0; r < 2; ++r) {
        double mean = 0, var = 0;
        for (int i = 0; i < 4; ++i)
            mean += x.data[std::size_t(r * 4 + i)] / 4.0;
        for (int i = 0; i < 4; ++i)
            var += std::pow(x.data[std::size_t(r * 4 + i)] - mean, 2) / 4.0;
        for (int i = 0; i < 4; ++i) {
            const double l =
                (x.data[std::size_t(r * 4 + i)] - mean) / std::sqrt(var + 1e-5) * w[i] + bs[i];
            CHECK(y.data[std::size_t(r * 4 + i)] ==
                  Approx(0.5 * l * (1 + std::erf(l / std::sqrt(2.0)))).epsilon(1e-5));
        }
    }
}

TEST_CASE("Split, Squeeze, Gather and Slice of activations become Slice and Reshape nodes") {
    ModelBuilder b({-1, 4, 3}, 13);
    b.ints("sizes", {1, 3});
    auto* sp = b.g->add_node();
    sp->set_name("split");
    sp->set_op_type("Split");
    sp->add_input("x");
    sp->add_input("sizes");
    sp->add_output("s0");
    sp->add_output("s1");
    set_attr(sp, "axis", 1);
    b.ints("one", {1});
    b.node("Squeeze", {"s0", "one"}, "q");  // N x 3
    b.ints("idx", {2}, true);
    set_attr(b.node("Gather", {"s1", "idx"}, "gth"), "axis", 1);  // N x 3
    b.node("Add", {"q", "gth"}, "y");
    const Graph g = b.import();
    const Tensor x = ramp({2, 4, 3});
    const Tensor y = Executor(g).run({x})[0];
    REQUIRE(y.dims == Dims{2, 3});
    for (int n = 0; n < 2; ++n)
        for (int c = 0; c < 3; ++c)
            CHECK(y.data[std::size_t(n * 3 + c)] ==
                  x.data[std::size_t(n * 12 + c)] + x.data[std::size_t(n * 12 + 3 * 3 + c)]);
}

TEST_CASE("every new IR op exports and imports back to an identical graph") {
    Graph g;
    g.name = "ops";
    g.inputs = {{"x", {-1, 2, 3, 4}}};
    g.initializers["w"] = ramp({4, 5});
    g.initializers["s"] = Tensor({5}, {1, 2, 3, 4, 5});
    g.initializers["b"] = Tensor({5}, {0, 1, 0, 1, 0});
    g.initializers["two"] = Tensor({}, {2});
    g.initializers["tok"] = ramp({1, 1, 1, 5});
    const auto add = [&g](Op op, std::vector<std::string> in, const std::string& out,
                          NodeAttrs a = {}) {
        Node n;
        n.name = out + "_node";
        n.op = op;
        n.inputs = std::move(in);
        n.outputs = {out};
        n.attrs = a;
        g.nodes.push_back(n);
    };
    NodeAttrs pad;
    pad.pad_amounts = {0, 0, 1, 0, 0, 0, 0, 1};
    pad.pad_value = 0.5f;
    add(Op::Pad, {"x"}, "p", pad);  // N x 2 x 4 x 5? no: H 3 -> 4, W 4 -> 5
    NodeAttrs tr;
    tr.perm = {0, 2, 1, 3};
    add(Op::Transpose, {"p"}, "t", tr);  // N x 4 x 2 x 5
    NodeAttrs sl;
    sl.axes = {3};
    sl.starts = {0};
    sl.ends = {4};
    sl.steps = {1};
    add(Op::Slice, {"t"}, "sl", sl);     // N x 4 x 2 x 4
    add(Op::MatMul, {"sl", "w"}, "mm");  // N x 4 x 2 x 5
    NodeAttrs ln = default_attrs(Op::LayerNorm);
    add(Op::LayerNorm, {"mm", "s", "b"}, "ln", ln);
    add(Op::Gelu, {"ln"}, "ge");
    add(Op::Tanh, {"ge"}, "th");
    add(Op::Erf, {"th"}, "er");
    add(Op::Pow, {"er", "two"}, "pw");
    add(Op::Sqrt, {"pw"}, "sq");
    add(Op::Sub, {"sq", "er"}, "su");
    add(Op::Div, {"su", "s"}, "dv");
    NodeAttrs ex;
    ex.shape = {-1, 1, 1, 1};
    add(Op::Expand, {"tok"}, "ex", ex);
    add(Op::Add, {"dv", "ex"}, "ad");
    NodeAttrs rm;
    rm.axes = {1};
    rm.keepdims = false;
    add(Op::ReduceMean, {"ad"}, "rm", rm);  // N x 2 x 5
    NodeAttrs rs;
    rs.axes = {2};
    add(Op::ReduceSum, {"rm"}, "y", rs);  // N x 2 x 1
    g.outputs = {{"y", {-1, 2, 1}}};
    g.validate("ops");
    const Graph back = import_onnx_bytes(export_onnx_bytes(g), "mem.onnx");
    CHECK(back == g);
    const Tensor x = ramp({3, 2, 3, 4});
    CHECK(Executor(back).run({x})[0] == Executor(g).run({x})[0]);
    CHECK(Executor(g).run({x})[0].dims == Dims{3, 2, 1});
}

TEST_CASE("opset 11 Softmax over several trailing dimensions: one softmax over all of them") {
    ModelBuilder b({-1, 2, 3}, 11);
    set_attr(b.node("Softmax", {"x"}, "y", "sm"), "axis", 1);
    const Graph g = b.import();
    const Tensor x = ramp({2, 2, 3});
    const Tensor y = Executor(g).run({x})[0];
    REQUIRE(y.dims == Dims{2, 2, 3});
    // Reference written here: exp(x) / sum of exp over the image's 6 values.
    for (int n = 0; n < 2; ++n) {
        double sum = 0;
        for (int i = 0; i < 6; ++i)
            sum += std::exp(double(x.data[std::size_t(n * 6 + i)]));
        for (int i = 0; i < 6; ++i)
            CHECK(y.data[std::size_t(n * 6 + i)] ==
                  Approx(std::exp(double(x.data[std::size_t(n * 6 + i)])) / sum));
    }
    CHECK(g.nodes.back().name == "sm");
}

TEST_CASE("ONNX names with control characters import, and errors quote them on one line") {
    // Names are the model's own: a newline or a tab is kept (layers.csv quotes it), and an
    // error that quotes such a name writes its control characters as \xNN.
    auto m = one_node("Relu");
    m.mutable_graph()->mutable_node(0)->set_name("n\t0\n");
    CHECK(import_onnx_bytes(bytes(m), "m.onnx").nodes.at(0).name == "n\t0\n");
    m.mutable_graph()->mutable_node(0)->set_op_type("Re\nlu");
    CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                      Catch::Contains("'Re\\x0alu'") && !Catch::Contains("\n"));
}

TEST_CASE("ONNX node inputs are checked against the op's schema: count and omitted inputs") {
    SECTION("optional inputs may be omitted (empty names)") {
        auto m = one_node("Clip");
        m.mutable_graph()->mutable_node(0)->add_input("");
        m.mutable_graph()->mutable_node(0)->add_input("");
        CHECK(import_onnx_bytes(bytes(m), "m.onnx").nodes.size() == 1);
    }
    SECTION("too many inputs") {
        auto m = one_node("Relu");
        m.mutable_graph()->mutable_node(0)->add_input("x");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          "m.onnx: node 'n0' (Relu): has 2 input(s); Relu (opset 13) takes 1");
    }
    SECTION("a variadic op's count") {
        auto m = one_node("Concat");
        m.mutable_graph()->mutable_node(0)->clear_input();
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          "m.onnx: node 'n0' (Concat): has 0 input(s); Concat (opset 13) takes at "
                          "least 1");
    }
    SECTION("a required input omitted") {
        auto m = one_node("Add");
        m.mutable_graph()->mutable_node(0)->add_input("");
        CHECK_THROWS_WITH(import_onnx_bytes(bytes(m), "m.onnx"),
                          "m.onnx: node 'n0' (Add): input 1 ('B') is empty; Add requires it");
    }
}
