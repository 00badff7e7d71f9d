// Graph IR: shape inference, parameter and MAC counts (hand-computed), validation errors,
// built-in topologies against the standard parameter counts, denoiser insertion, BN folding,
// the op table.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "workloads/exec/executor.h"
#include "workloads/graph/footprint.h"
#include "workloads/graph/graph_builder.h"
#include "workloads/graph/transforms.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;

namespace {

Graph small_net() {
    GraphBuilder b("small", 1);
    std::string x = b.input("x", {-1, 3, 8, 8});
    x = b.conv("c1", x, 4, 3, 2, 1);  // 8x8 -> 4x4
    x = b.relu("r1", b.batch_norm("bn1", x));
    const std::string dw = b.conv("dw", x, 4, 3, 1, 1, 4);  // depthwise
    x = b.add("add", x, dw);
    x = b.max_pool("mp", x, 2, 2, 0);  // 4x4 -> 2x2
    x = b.linear("fc", b.flatten("fl", b.global_avg_pool("gap", x)), 5);
    b.output(x);
    return b.finish();
}

}  // namespace

TEST_CASE("shape inference, parameters and MACs of a small graph (hand-computed)") {
    const Graph g = small_net();
    const auto st = g.node_stats();
    // c1: 4 x 3 x 3 x 3 = 108 weights; out 4x4x4 = 64 outputs x 27 MACs = 1728.
    CHECK(st[0].output_dims == Dims{1, 4, 4, 4});
    CHECK(st[0].params == 108);
    CHECK(st[0].macs == 1728);
    // bn1: 4 scale + 4 shift trainable, 8 running statistics.
    CHECK(st[1].params == 8);
    CHECK(st[1].buffers == 8);
    // dw: 4 x 1 x 3 x 3 = 36 weights; 64 outputs x 9 MACs = 576.
    CHECK(st[3].params == 36);
    CHECK(st[3].macs == 576);
    CHECK(st[5].output_dims == Dims{1, 4, 2, 2});
    // fc: 5 x 4 + 5 = 25 parameters, 20 MACs.
    CHECK(st[8].output_dims == Dims{1, 5});
    CHECK(st[8].params == 25);
    CHECK(st[8].macs == 20);
    CHECK(g.parameter_count() == 108 + 8 + 36 + 25);
    CHECK(g.infer_shapes(7).at("fc") == Dims{7, 5});
}

TEST_CASE("validation names the node and what is wrong") {
    Graph g = small_net();
    SECTION("undefined input") {
        g.nodes[2].inputs[0] = "nowhere";
        CHECK_THROWS_WITH(g.validate("f.onnx"), Catch::Contains("f.onnx") &&
                                                    Catch::Contains("node 'r1' (Relu)") &&
                                                    Catch::Contains("'nowhere' is not defined"));
    }
    SECTION("duplicate node name") {
        g.nodes[2].name = "c1";
        CHECK_THROWS_WITH(g.validate("f.onnx"), Catch::Contains("'c1' is empty or not unique"));
    }
    SECTION("conv weight with wrong input channels") {
        g.initializers["c1.weight"] = Tensor({4, 2, 3, 3});
        CHECK_THROWS_WITH(g.validate("f.onnx"),
                          Catch::Contains("node 'c1' (Conv)") &&
                              Catch::Contains("expects 2 input channels, input has 3"));
    }
    SECTION("wrong input count") {
        g.nodes[4].inputs.pop_back();
        CHECK_THROWS_WITH(g.validate("f.onnx"), Catch::Contains("node 'add' (Add): has 1 inputs"));
    }
    SECTION("broadcast mismatch") {
        g.initializers["k"] = Tensor({3});
        g.nodes[4].inputs[1] = "k";
        CHECK_THROWS_WITH(g.validate("f.onnx"), Catch::Contains("do not broadcast"));
    }
    SECTION("window larger than input") {
        g.nodes[5].attrs.kernel = {9, 9};
        CHECK_THROWS_WITH(g.validate("f.onnx"), Catch::Contains("does not fit"));
    }
}

TEST_CASE("built-in ImageNet topologies match the standard parameter counts") {
    // torchvision's published counts (docs/workloads.md cites them).
    CHECK(builtin_model("resnet18").parameter_count() == 11689512);
    CHECK(builtin_model("mobilenetv2").parameter_count() == 3504872);
    CHECK(builtin_model("efficientnet_b0").parameter_count() == 5288548);
    CHECK(builtin_model("densenet121").parameter_count() == 7978856);
}

TEST_CASE("ResNet-18 layer shapes follow the standard definition") {
    const Graph g = builtin_model("resnet18");
    const auto s = g.infer_shapes(1);
    CHECK(s.at("conv1") == Dims{1, 64, 112, 112});
    CHECK(s.at("maxpool") == Dims{1, 64, 56, 56});
    CHECK(s.at("layer2.0.conv1") == Dims{1, 128, 28, 28});
    CHECK(s.at("layer4.1.relu2") == Dims{1, 512, 7, 7});
    CHECK(s.at("fc") == Dims{1, 1000});
    // 1.814 GMAC: conv1 118.0 M + 16 3x3 convs + 3 downsamples + fc (the usual "1.8 GFLOPs").
    std::int64_t macs = 0;
    for (const auto& st : g.node_stats())
        macs += st.macs;
    CHECK(macs == 1814073344);
}

TEST_CASE("28x28 variants take one-channel 28x28 images and give 10 classes") {
    for (const char* name :
         {"resnet18_28", "mobilenetv2_28", "efficientnet_b0_28", "densenet121_28"}) {
        const Graph g = builtin_model(name);
        INFO(name);
        CHECK(g.inputs[0].dims == Dims{-1, 1, 28, 28});
        CHECK(g.infer_shapes(1).at(g.outputs[0].name) == Dims{1, 10});
        CHECK(g.parameter_count() < 1250000);  // under 5 MB as float32
    }
    CHECK_THROWS_WITH(builtin_model("resnet50"), Catch::Contains("built-ins: resnet18"));
}

TEST_CASE("built-in weights are deterministic per seed") {
    CHECK(builtin_model("resnet18_28", 3) == builtin_model("resnet18_28", 3));
    CHECK(!(builtin_model("resnet18_28", 3) == builtin_model("resnet18_28", 4)));
}

TEST_CASE("a shapes-only build is the drawn build without the drawn weights' values") {
    // What a timing-only run replays: the same nodes, shapes, counts and footprint; only the
    // conv and fully connected weights lack values, and the executor and ONNX export refuse it.
    for (const char* name : {"resnet18", "mobilenetv2", "efficientnet_b0", "densenet121"}) {
        INFO(name);
        const Graph drawn = builtin_model(name);
        const Graph shapes = builtin_model(name, 0, "model", Weights::ShapesOnly);
        CHECK(drawn.weight_values);
        CHECK(!shapes.weight_values);
        CHECK(shapes.nodes == drawn.nodes);
        CHECK(shapes.inputs == drawn.inputs);
        CHECK(shapes.outputs == drawn.outputs);
        REQUIRE(shapes.initializers.size() == drawn.initializers.size());
        std::int64_t without_values = 0;
        for (const auto& [tname, t] : shapes.initializers) {
            const Tensor& d = drawn.initializer(tname);
            CHECK(t.dims == d.dims);
            if (t.data.empty() && t.numel() > 0)
                without_values += t.numel();
            else
                CHECK(t.data == d.data);  // BatchNorm constants keep their values
        }
        CHECK(without_values > drawn.parameter_count() * 9 / 10);
        CHECK(shapes.parameter_count() == drawn.parameter_count());
        const auto ss = shapes.node_stats();
        const auto ds = drawn.node_stats();
        REQUIRE(ss.size() == ds.size());
        for (std::size_t i = 0; i < ds.size(); ++i) {
            CHECK(ss[i].output_dims == ds[i].output_dims);
            CHECK(ss[i].params == ds[i].params);
            CHECK(ss[i].macs == ds[i].macs);
        }
        const GraphFootprint fs = graph_footprint(shapes);
        const GraphFootprint fd = graph_footprint(drawn);
        CHECK(fs.weight_elements == fd.weight_elements);
        CHECK(fs.peak_live_elements == fd.peak_live_elements);
        CHECK(fs.max_im2col_elements == fd.max_im2col_elements);
        CHECK_NOTHROW(shapes.validate(name));
        CHECK_THROWS_WITH(Executor(shapes),
                          Catch::StartsWith("the float executor needs the weight values"));
        CHECK_THROWS_WITH(export_onnx_bytes(shapes),
                          Catch::StartsWith("the ONNX export needs the weight values"));
    }
    // Outside a shapes-only graph a weight without values is still an error.
    Graph g = builtin_model("resnet18_28");
    g.initializers.at("conv1.weight").data.clear();
    CHECK_THROWS_WITH(g.validate("m.onnx"), Catch::Contains("'conv1.weight' has 0 values"));
}

TEST_CASE("insert_denoiser rewires readers and adds 3 C Cr + 9 Cr + 2 C + 2 Cr parameters") {
    Graph g = builtin_model("resnet18_28");
    const std::int64_t before = g.parameter_count();
    insert_denoiser(g, "layer1.0.relu2");  // C = 16, Cr = 4
    const std::int64_t c = 16;
    const std::int64_t cr = 4;
    CHECK(g.parameter_count() - before == 3 * c * cr + 9 * cr + 2 * c + 2 * cr);
    CHECK(denoiser_parameter_count(g) == 3 * c * cr + 9 * cr + 2 * c + 2 * cr);
    for (const Node& n : g.nodes) {
        if (n.name == "layer1.0.relu2.denoiser")
            continue;
        for (const auto& in : n.inputs)
            CHECK(in != "layer1.0.relu2");
    }
    CHECK(g.find_node("layer1.1.conv1")->inputs[0] == "layer1.0.relu2.denoised");
    g.validate("test");
    CHECK_THROWS_WITH(insert_denoiser(g, "layer9"),
                      Catch::Contains("denoisers: 'layer9' is not a layer"));
    CHECK_THROWS_WITH(insert_denoiser(g, "fc"), Catch::Contains("needs an N x C x H x W"));
    CHECK_THROWS_WITH(insert_denoiser(g, "layer1.0.relu2"),
                      Catch::Contains("already has a denoiser"));
}

TEST_CASE("remove_denoisers gives back the backbone exactly") {
    const Graph original = builtin_model("resnet18_28");
    Graph g = original;
    insert_denoiser(g, "layer1.0.relu2");
    insert_denoiser(g, "layer4.1.relu2");  // its reader is the global average pool
    insert_denoiser(g, "conv1");
    REQUIRE_FALSE(g == original);
    CHECK(remove_denoisers(g) == 3);
    CHECK(g == original);
    CHECK(remove_denoisers(g) == 0);
}

TEST_CASE("declared sizes beyond the limits are one error naming the tensor or node") {
    // small_net (hand-computed above): c1 1728 MACs, dw 576, fc 4 x 5 = 20; 64-element maps.
    const Graph g = small_net();
    const GraphLimits saved = graph_limits();
    SECTION("MACs per image: the node that crosses the limit is named") {
        set_graph_limits({saved.max_tensor_elements, 1728 + 500});
        CHECK_THROWS_WITH(g.validate("small.onnx"),
                          Catch::Contains("node 'dw' (Conv): the graph reaches 2304 "
                                          "multiply-accumulates per image at this node; the limit "
                                          "is 2228") &&
                              Catch::Contains("--model.max_macs_per_image"));
        set_graph_limits({saved.max_tensor_elements, 1728 + 576 + 20});
        CHECK_NOTHROW(g.validate("small.onnx"));
    }
    SECTION("elements per tensor: input and node outputs") {
        set_graph_limits({63, saved.max_macs_per_image});
        // The input (3 x 8 x 8 = 192) is the first tensor over 63 elements.
        CHECK_THROWS_WITH(g.validate("small.onnx"),
                          Catch::Contains("graph input 'x' has shape 1x3x8x8; the limit is 63"));
        set_graph_limits({192, saved.max_macs_per_image});
        CHECK_NOTHROW(g.validate("small.onnx"));
    }
    SECTION("limits themselves are range-checked") {
        CHECK_THROWS_WITH(set_graph_limits({0, 1}), Catch::Contains("model.max_tensor_elements"));
        CHECK_THROWS_WITH(set_graph_limits({1, -5}), Catch::Contains("model.max_macs_per_image"));
    }
    set_graph_limits(saved);
}

TEST_CASE("shape products that overflow 64 bits are an error, not a wrapped count") {
    CHECK_THROWS_AS(numel(Dims{std::int64_t{1} << 40, std::int64_t{1} << 40}), ConfigError);
    CHECK(numel(Dims{std::int64_t{1} << 31, std::int64_t{1} << 31}) == std::int64_t{1} << 62);
    const auto build = [] {
        GraphBuilder b("huge", 1);
        std::string x = b.input("x", {-1, 1, std::int64_t{1} << 40, std::int64_t{1} << 40});
        x = b.conv("c1", x, 2, 3, 1, 1);
        b.output(x);
        return b.finish();  // validates
    };
    CHECK_THROWS_WITH(build(), Catch::Contains("graph input 'x' has shape"));
}

TEST_CASE("non-finite attributes and weights are refused with the node or tensor named") {
    Graph g = small_net();
    g.nodes[1].attrs.epsilon = -1e-3f;
    CHECK_THROWS_WITH(g.validate("m.onnx"),
                      Catch::Contains("node 'bn1' (BatchNormalization): epsilon is -0.001"));
    g = small_net();
    g.nodes[1].attrs.epsilon = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(g.validate("m.onnx"), Catch::Contains("attribute epsilon is nan"));
    g = small_net();
    const std::string w = g.nodes[0].inputs[1];
    g.initializers.at(w).data[7] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(g.validate("m.onnx"),
                      Catch::Contains("initializer '" + w + "' holds inf at index 7"));
}

TEST_CASE("memory footprint of a small graph (hand-computed)") {
    const GraphFootprint f = graph_footprint(small_net());
    // Weights: c1 108, bn1 4 x 4 (scale, shift, mean, variance), dw 36, fc 5 x 4 + 5.
    CHECK(f.weight_elements == 108 + 16 + 36 + 25);
    CHECK(f.input_elements == 3 * 8 * 8);
    CHECK(f.output_elements == 5);
    // Walking the nodes: c1 holds its input (192) and output (64) at once, the peak; after it
    // the input is freed. The residual add holds r1, dw and its own output, 3 x 64 = 192.
    CHECK(f.peak_live_elements == 192 + 64);
    CHECK(f.peak_node == "c1");
    // The executor's bound counts each image tensor twice, NCHW and with a one-pixel border:
    // c1's input 192 + 3 x 10 x 10, its output 64 + 4 x 6 x 6.
    CHECK(f.peak_live_executor_elements == 192 + 300 + 64 + 144);
    // c1's im2col: 3 x 3 x 3 rows, 4 x 4 output pixels; dw's (groups of 1 channel): 9 x 16.
    CHECK(f.max_im2col_elements == 27 * 16);
    // c1's other working sets are smaller: output 4 x 16; bordered input 3 planes of 9 x 9.
    CHECK(f.max_conv_work_elements == 27 * 16);
}

TEST_CASE("the op table has one entry per op with unique, round-tripping names") {
    // The enum ends with Expand, the 35th op.
    CHECK(kOpCount == 35);
    CHECK(static_cast<std::size_t>(Op::Expand) == 34);
    std::set<std::string> names;
    for (std::size_t i = 0; i < kOpCount; ++i) {
        const auto op = static_cast<Op>(i);
        const OpInfo& info = op_info(op);
        INFO("op " << i);
        CHECK(info.op == op);
        REQUIRE(info.name != nullptr);
        CHECK(std::string(info.name) == op_name(op));
        CHECK(names.insert(info.name).second);
        CHECK(op_from_name(info.name) == op);
        CHECK(info.min_inputs >= 1);
        CHECK(info.min_inputs <= info.max_inputs);
    }
    CHECK(names.size() == 35);
    CHECK(op_from_name("BatchNorm") == std::nullopt);  // ONNX's name is BatchNormalization
    CHECK(op_from_name("relu") == std::nullopt);
    CHECK(op_from_name("") == std::nullopt);
}

TEST_CASE("op table entries (hand-checked)") {
    CHECK(std::string(op_name(Op::BatchNorm)) == "BatchNormalization");
    CHECK(std::string(op_name(Op::LayerNorm)) == "LayerNormalization");
    CHECK(op_from_name("Silu") == Op::Silu);

    // Add: two inputs, numpy broadcasting; one add per output element.
    CHECK(is_broadcast_binary(Op::Add));
    CHECK_FALSE(is_elementwise_unary(Op::Add));
    CHECK(op_info(Op::Add).min_inputs == 2);
    CHECK(op_info(Op::Add).max_inputs == 2);
    CHECK(op_info(Op::Add).cost.applies);
    CHECK(op_info(Op::Add).cost.ops == 1);
    CHECK(op_info(Op::Add).cost.macs == 0);
    CHECK(is_broadcast_binary(Op::Pow));
    CHECK(is_broadcast_binary(Op::Mul));

    // Relu: one input, output of the input's shape.
    CHECK(is_elementwise_unary(Op::Relu));
    CHECK_FALSE(is_broadcast_binary(Op::Relu));
    CHECK(op_info(Op::Relu).min_inputs == 1);
    CHECK(op_info(Op::Relu).max_inputs == 1);
    CHECK(is_elementwise_unary(Op::Gelu));
    CHECK_FALSE(is_elementwise_unary(Op::Softmax));  // checks its axis

    // Conv: X, W and an optional bias; its work is its MAC count, not per element.
    CHECK(op_info(Op::Conv).min_inputs == 2);
    CHECK(op_info(Op::Conv).max_inputs == 3);
    CHECK(op_info(Op::Conv).family == OpFamily::Own);
    CHECK_FALSE(op_info(Op::Conv).cost.applies);
    CHECK(op_info(Op::BatchNorm).min_inputs == 5);
    CHECK(op_info(Op::Denoiser).min_inputs == 1 + kDenoiserWeightRoles.size());
    CHECK(op_info(Op::Concat).max_inputs > 1000);

    // Gelu: erf (lookup + interpolation) and + 1, then x * 0.5 * (...).
    CHECK(op_info(Op::Gelu).cost.ops == 3);
    CHECK(op_info(Op::Gelu).cost.macs == 2);

    // Only Flatten and Reshape are views; only Concat, Softmax and Flatten work along `axis`.
    for (std::size_t i = 0; i < kOpCount; ++i) {
        const auto op = static_cast<Op>(i);
        INFO(op_name(op));
        CHECK((op_info(op).family == OpFamily::View) == (op == Op::Flatten || op == Op::Reshape));
        CHECK(op_info(op).axis_op ==
              (op == Op::Concat || op == Op::Softmax || op == Op::Flatten || op == Op::LayerNorm));
    }
}
