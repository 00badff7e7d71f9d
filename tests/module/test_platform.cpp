// The assembled platform (one SystemC simulation per test case): the timing pass adds up the
// analytic CGRA costs and the denoiser's own cycle count; the clean accuracy pass reproduces the
// float executor bit for bit; bad models are refused before simulation.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "platform/replay.h"
#include "platform/replay_plan.h"
#include "workloads/exec/executor.h"
#include "workloads/graph/graph_builder.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::platform;

TEST_CASE("ReplayConfig::validate checks the keys' declared ranges, naming the key") {
    // A program that fills a ReplayConfig without the command line gets the same checks.
    const auto error = [](const platform::ReplayConfig& c) {
        try {
            c.validate();
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    platform::ReplayConfig c;
    CHECK(error(c) == "no error");
    c.seeds = 0;
    CHECK(error(c) == "run.seeds: 0 is out of range; accepted: 1 to 1000");
    c = {};
    c.batch = 70000;
    CHECK(error(c) == "run.batch: 70000 is out of range; accepted: 1 to 65536");
    c = {};
    c.noise.activation_k = -1.0;
    CHECK(error(c) == "noise.activation_k: -1 is out of range; accepted: 0 to 10");
    c = {};
    c.soc.cgra.analog.dac_bits = 17;
    CHECK(error(c) == "cgra.dac_bits: 17 is out of range; accepted: 1 to 16");
}

TEST_CASE("timing pass: CGRA steps take their analytic cycles, totals add up") {
    workloads::Graph g = workloads::builtin_model("resnet18_28");
    workloads::insert_denoiser(g, "layer2.0.relu2");
    ReplayConfig cfg;
    const ReplayPlan plan = make_replay_plan(g, cfg.soc.cgra);
    const ReplayResult r = run_replay(g, nullptr, cfg);
    REQUIRE(r.steps.size() == plan.steps.size());
    std::uint64_t sum = 0;
    std::uint64_t den = 0;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const Step& s = plan.steps[i];
        INFO(s.name);
        if (s.kind == StepKind::Denoiser) {
            // The block's own cycles (CYCLES register) plus the host's register programming
            // and read-back: 17 register writes and 4 reads over the bus.
            CHECK(r.steps[i].block_cycles > 0u);
            CHECK(r.steps[i].cycles > r.steps[i].block_cycles);
            CHECK(r.steps[i].cycles < r.steps[i].block_cycles + 200);
            den += r.steps[i].cycles;
        } else {
            // The analytic cost plus one bus hop (2 ns = 1 cycle at 500 MHz) for the command.
            CHECK(r.steps[i].cycles == s.cost.cycles + 1);
        }
        sum += r.steps[i].cycles;
    }
    CHECK(r.cycles == sum);
    CHECK(r.denoiser_cycles == den);
    CHECK(r.cycles_without_denoisers == sum - den);
    CHECK(r.overhead_pct() == Approx(100.0 * double(den) / double(sum - den)));
    CHECK(r.cycles_overlapped <= r.cycles);
    CHECK(r.cycles_overlapped >= r.cycles_without_denoisers);
    // Energy: the CGRA's analog part dominates; the denoiser's components are listed.
    bool has_lanes = false;
    for (const auto& e : r.energy)
        has_lanes = has_lanes || e.component == "denoiser.noise_lanes";
    CHECK(has_lanes);
}

namespace {

enum class Shape { branch, branch_after_reader, chain };

/// x -> c (analog) -> c.denoiser; x -> c2 (analog, the branch); a = add(c.denoiser, c2)...
/// branch_after_reader: r = relu(c.denoiser) comes before c2 in plan order and a = add(r, c2);
/// chain: c2 reads the denoised tensor.
workloads::Graph overlap_graph(Shape shape) {
    workloads::GraphBuilder b("overlap", 1);
    const std::string x = b.input("x", {-1, 8, 8, 8});
    std::string c = b.conv("c", x, 8, 3, 1, 1);
    if (shape == Shape::branch_after_reader)
        c = b.relu("r", c);  // reads c.denoiser once the block is inserted
    const std::string c2 = b.conv("c2", shape == Shape::chain ? c : x, 8, 3, 1, 1);
    const std::string a = b.add("a", c, c2);
    b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("g", a)), 3));
    workloads::Graph g = b.finish();
    workloads::insert_denoiser(g, "c");
    return g;
}

std::size_t step_named(const ReplayPlan& plan, const std::string& name) {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        if (plan.steps[i].name == name)
            return i;
    }
    throw std::logic_error("no step " + name);
}

void check_branch_beside_block(Shape shape) {
    const workloads::Graph g = overlap_graph(shape);
    ReplayConfig cfg;
    cfg.soc.denoiser_overlap = DenoiserOverlap::Dependence;
    const ReplayPlan plan = make_replay_plan(g, cfg.soc.cgra);
    const std::size_t block = step_named(plan, "c.denoiser");
    const std::size_t c2 = step_named(plan, "c2");
    // Plan order: c, c.denoiser, c2, a, ... or c, c.denoiser, r, c2, a, ...
    REQUIRE(c2 == block + (shape == Shape::branch ? 1 : 2));
    const ReplayResult r = run_replay(g, nullptr, cfg);
    REQUIRE(r.overlap_simulated);
    // Every step as without overlap: a CGRA step its analytic cycles plus one bus hop; the block
    // its register programming, its CYCLES and the read-back.
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        if (plan.steps[i].kind != StepKind::Denoiser && plan.steps[i].kind != StepKind::Free)
            CHECK(r.steps[i].cycles == plan.steps[i].cost.cycles + 1);
        sum += r.steps[i].cycles;
    }
    CHECK(r.cycles_step_sum == sum);
    // The host starts the block and runs c2 (the branch) meanwhile; `a` reads the block's
    // output and waits. So of c2 and the block's CYCLES only the longer one counts:
    // latency = sum - min(c2, block).
    const std::uint64_t branch = plan.steps[c2].cost.cycles + 1;
    const std::uint64_t busy = r.steps[block].block_cycles;
    CHECK(r.cycles == sum - std::min(branch, busy));
    CHECK(r.cycles_hidden() == std::min(branch, busy));
    CHECK(r.block_wait_cycles == (busy > branch ? busy - branch : 0));
    CHECK(r.cycles_without_denoisers == sum - r.steps[block].cycles);
}

}  // namespace

TEST_CASE("denoiser overlap: a branch runs beside the block, latency by hand") {
    check_branch_beside_block(Shape::branch);
}

TEST_CASE("denoiser overlap: the ready list runs a branch before an earlier reader") {
    // r reads the block's output and comes first in plan order; c2 does not and runs beside
    // the block, then r waits for it: the same latency as when c2 came first.
    check_branch_beside_block(Shape::branch_after_reader);
}

TEST_CASE("denoiser overlap: in a chain nothing runs beside the block") {
    const workloads::Graph g = overlap_graph(Shape::chain);
    ReplayConfig cfg;
    cfg.soc.denoiser_overlap = DenoiserOverlap::Dependence;
    const ReplayPlan plan = make_replay_plan(g, cfg.soc.cgra);
    const std::size_t block = step_named(plan, "c.denoiser");
    const ReplayResult r = run_replay(g, nullptr, cfg);
    REQUIRE(r.overlap_simulated);
    std::uint64_t sum = 0;
    for (const StepReport& s : r.steps)
        sum += s.cycles;
    // c2 reads the denoised tensor: the host waits for the whole block right after starting it.
    CHECK(r.cycles == sum);
    CHECK(r.cycles_hidden() == 0);
    CHECK(r.block_wait_cycles == r.steps[block].block_cycles);
}

TEST_CASE(
    "denoiser overlap: at a CGRA clock that does not divide the step times, a chain "
    "hides nothing") {
    // Each step's cycles are rounded on their own; the hidden time is rounded once from the
    // nanoseconds, so rounding never shows up as hidden cycles (nor wraps around below 0).
    const workloads::Graph g = overlap_graph(Shape::chain);
    ReplayConfig cfg;
    cfg.soc.denoiser_overlap = DenoiserOverlap::Dependence;
    cfg.soc.cgra.clock_mhz = 300.0;  // 3.33 ns cycles: no step time is a whole number of them
    const ReplayResult r = run_replay(g, nullptr, cfg);
    REQUIRE(r.overlap_simulated);
    CHECK(r.cycles_hidden() == 0);
    CHECK(r.cycles == r.cycles_step_sum);
}

TEST_CASE("clean pass reproduces the float executor bit for bit, noise changes the logits") {
    const workloads::Graph base = workloads::builtin_model("mobilenetv2_28", 3);
    workloads::Graph g = base;
    workloads::insert_denoiser(g, "features.2.project.bn");
    workloads::DatasetSpec spec;
    spec.limit = 24;
    const workloads::Dataset data = workloads::load_dataset(spec);
    ReplayConfig cfg;
    cfg.batch = 5;
    cfg.seeds = 1;
    cfg.keep_logits = true;
    cfg.noise.activation_k = 0.05;
    const ReplayResult r = run_replay(g, &data, cfg);
    REQUIRE(r.passes.size() == 3);
    const auto want = workloads::Executor(base).run_batch(data.images)[0];
    CHECK(r.passes[0].kind == "clean");
    CHECK(r.passes[0].logits == want.data);
    CHECK(r.passes[1].kind == "noisy");
    CHECK(r.passes[1].logits != want.data);
    CHECK(r.passes[2].kind == "denoised");
    CHECK(r.passes[2].logits != r.passes[1].logits);
    CHECK(r.passes[0].images == 24);
}

TEST_CASE("a shapes-only build has the drawn build's plan and an accuracy replay refuses it") {
    // A timing-only run of a built-in model replays it without weight values (Weights).
    workloads::Graph drawn = workloads::builtin_model("resnet18");
    workloads::Graph shapes =
        workloads::builtin_model("resnet18", 0, "model", workloads::Weights::ShapesOnly);
    for (workloads::Graph* g : {&drawn, &shapes}) {
        workloads::insert_denoiser(*g, "conv1");
        workloads::insert_denoiser(*g, "layer4.1.conv2");
    }
    ReplayConfig cfg;
    const ReplayPlan a = make_replay_plan(drawn, cfg.soc.cgra);
    const ReplayPlan b = make_replay_plan(shapes, cfg.soc.cgra);
    REQUIRE(a.steps.size() == b.steps.size());
    CHECK(a.crossbars_used == b.crossbars_used);
    for (std::size_t i = 0; i < a.steps.size(); ++i) {
        INFO(a.steps[i].name);
        CHECK(a.steps[i].kind == b.steps[i].kind);
        CHECK(a.steps[i].out_dims == b.steps[i].out_dims);
        CHECK(a.steps[i].reduced_channels == b.steps[i].reduced_channels);
        CHECK(a.steps[i].cost.cycles == b.steps[i].cost.cycles);
        CHECK(a.steps[i].cost.crossbars == b.steps[i].cost.crossbars);
        CHECK(a.steps[i].cost.replication == b.steps[i].cost.replication);
        CHECK(a.steps[i].cost.actions == b.steps[i].cost.actions);
        CHECK(a.steps[i].cost.crossbar_active_ns == b.steps[i].cost.crossbar_active_ns);
        CHECK(a.steps[i].cost.scratchpad_words == b.steps[i].cost.scratchpad_words);
    }
    const workloads::Dataset data;
    CHECK_THROWS_WITH(run_replay(shapes, &data, cfg),
                      Catch::StartsWith("an accuracy replay needs the weight values of "
                                        "'resnet18'"));
}

TEST_CASE("a model that does not fit the crossbars is refused with the key to change") {
    ReplayConfig cfg;
    cfg.soc.cgra.analog.crossbars = 100;
    CHECK_THROWS_WITH(make_replay_plan(workloads::builtin_model("resnet18"), cfg.soc.cgra),
                      Catch::StartsWith("cgra.crossbars: model 'resnet18' needs") &&
                          Catch::Contains("100 available"));
}

TEST_CASE("replay plan: where each node runs and its digital cost (hand-computed)") {
    workloads::GraphBuilder b("t", 1);
    std::string x = b.input("x", {-1, 4, 8, 8});
    const std::string c = b.conv("c", x, 8, 3, 1, 1);       // analog
    const std::string bn = b.batch_norm("bn", c);           // 512 MACs
    const std::string r = b.relu("r", bn);                  // 512 ops
    const std::string p = b.max_pool("p", r, 2, 2, 0);      // 128 outputs x 4 ops
    const std::string dw = b.conv("dw", p, 8, 3, 1, 1, 8);  // depthwise: digital
    const std::string a = b.add("a", p, dw);
    b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("g", a)), 3));
    const workloads::Graph g = b.finish();
    cgra::CgraConfig cfg;  // 16 tiles x 16 lanes = 256 ops/cycle, 256 MACs/cycle, 64 words/cycle
    const ReplayPlan plan = make_replay_plan(g, cfg);
    const auto kind = [&](std::size_t i) { return std::string(to_string(plan.steps[i].kind)); };
    CHECK(kind(0) == "analog");
    CHECK(kind(1) == "digital");
    CHECK(kind(4) == "digital");  // depthwise mapped digitally by default
    CHECK(kind(7) == "none");     // flatten
    CHECK(kind(8) == "analog");   // fc
    // BN: 512 MACs -> 2 cycles; words 512 in + 512 out = 1024 / 64 = 16 cycles -> 16.
    CHECK(plan.steps[1].digital.macs == 512);
    CHECK(plan.steps[1].cost.cycles == 16u);
    // MaxPool 2x2: 128 outputs x 4 = 512 ops -> 2 cycles; words 512 + 128 = 640 -> 10 cycles.
    CHECK(plan.steps[3].digital.ops == 512);
    CHECK(plan.steps[3].cost.cycles == 10u);
    // Depthwise 3x3 on 8 x 4 x 4: 128 outputs x 9 = 1152 MACs -> 5 cycles; words 256 -> 4.
    CHECK(plan.steps[4].digital.macs == 1152);
    CHECK(plan.steps[4].cost.cycles == 5u);
    // Block-diagonal depthwise turns it into an analog layer.
    cfg.depthwise = cgra::DepthwiseMapping::BlockDiagonal;
    CHECK(make_replay_plan(g, cfg).steps[4].kind == StepKind::Analog);
}

namespace {

/// A small transformer-style graph on 28x28x1 images: 14x14 patches -> 4 tokens of 16
/// features, LayerNorm, a token x weight MatMul computed token-major (images along dimension
/// 1, as torch's attention does), attention scores (activation x activation MatMul), Softmax,
/// GELU, a mean over tokens and a classifier.
workloads::Graph token_graph() {
    using workloads::Node;
    using workloads::Op;
    workloads::GraphBuilder b("tokens", 3);
    const std::string x = b.input("x", {-1, 1, 28, 28});
    b.output(b.conv("patch", x, 16, 14, 14, 0));
    workloads::Graph g = b.finish();
    const auto add = [&g](const std::string& name, Op op, std::vector<std::string> in,
                          workloads::NodeAttrs a = {}) {
        Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(in);
        n.outputs = {name};
        n.attrs = a;
        g.nodes.push_back(n);
        return name;
    };
    const auto weight = [&g](const std::string& name, const workloads::Dims& d) {
        workloads::Tensor t(d);
        for (std::size_t i = 0; i < t.data.size(); ++i)
            t.data[i] = float(int(i * 7 % 13) - 6) / 24.0f;
        g.initializers[name] = t;
        return name;
    };
    workloads::NodeAttrs a;
    a.shape = {0, 16, 4};
    std::string t = add("tok", Op::Reshape, {g.outputs[0].name}, a);
    a = {};
    a.perm = {2, 0, 1};
    t = add("tm", Op::Transpose, {t}, a);  // 4 x N x 16
    a = workloads::default_attrs(Op::LayerNorm);
    t = add("ln", Op::LayerNorm, {t, weight("ln.s", {16}), weight("ln.b", {16})}, a);
    t = add("proj", Op::MatMul, {t, weight("proj.w", {16, 8})});  // 4 x N x 8, analog
    a = {};
    a.perm = {1, 0, 2};
    t = add("nm", Op::Transpose, {t}, a);  // N x 4 x 8
    a.perm = {0, 2, 1};
    const std::string kt = add("kt", Op::Transpose, {t}, a);
    const std::string s = add("scores", Op::MatMul, {t, kt});  // N x 4 x 4, digital
    a = workloads::default_attrs(Op::Softmax);
    const std::string p = add("attn", Op::Softmax, {s}, a);
    t = add("mix", Op::MatMul, {p, t});  // N x 4 x 8
    t = add("act", Op::Gelu, {t});
    a = {};
    a.axes = {1};
    a.keepdims = false;
    t = add("pool", Op::ReduceMean, {t}, a);  // N x 8
    a = workloads::default_attrs(Op::Gemm);
    a.trans_b = true;
    t = add("fc", Op::Gemm, {t, weight("fc.w", {10, 8}), weight("fc.b", {10})}, a);
    g.outputs = {{t, {-1, 10}}};
    g.validate("tokens");
    return g;
}

}  // namespace

TEST_CASE("replay plan of a token graph: weight products on crossbars, the rest digital") {
    const workloads::Graph g = token_graph();
    cgra::CgraConfig cfg;
    const ReplayPlan plan = make_replay_plan(g, cfg);
    const auto step = [&](const std::string& name) -> const Step& {
        for (const Step& s : plan.steps) {
            if (s.name == name)
                return s;
        }
        FAIL("no step " << name);
        return plan.steps[0];
    };
    // proj: 4 tokens = 4 MVMs on a 16 x 8 weight: 16 rows (1 row tile), 8 x 8 cells = 64
    // columns (1 column tile): one crossbar.
    CHECK(step("proj").kind == StepKind::Analog);
    CHECK(step("proj").analog.mvms() == 4);
    CHECK(step("proj").analog.in_channels == 16);
    CHECK(step("proj").cost.crossbars == 1);
    CHECK(step("fc").kind == StepKind::Analog);
    // scores: activation x activation, 4 x 4 outputs x 8 MACs = 128 MACs -> 1 cycle; words
    // 32 + 32 in, 16 out = 80 -> 2 cycles.
    CHECK(step("scores").kind == StepKind::Digital);
    CHECK(step("scores").digital.macs == 128);
    CHECK(step("scores").cost.cycles == 2u);
    // LayerNorm of 4 rows of 16: 2 x 64 + 2 x 4 = 136 ops, 3 x 64 = 192 MACs -> 1 + 1 cycles;
    // 128 words -> 2 cycles.
    CHECK(step("ln").digital.ops == 136);
    CHECK(step("ln").digital.macs == 192);
    CHECK(step("ln").cost.cycles == 2u);
    // GELU of 32: 96 ops, 64 MACs; Softmax of 16: 48 ops, 16 MACs; ReduceMean: 32 adds, 8 MACs.
    CHECK(step("act").digital.ops == 96);
    CHECK(step("act").digital.macs == 64);
    CHECK(step("attn").digital.ops == 48);
    CHECK(step("pool").digital.ops == 32);
    CHECK(step("pool").digital.macs == 8);
    // Transpose: data movement only.
    CHECK(step("tm").kind == StepKind::Digital);
    CHECK(step("tm").digital.ops + step("tm").digital.macs == 0);
    CHECK(step("tm").cost.cycles == 2u);  // 64 + 64 words
    CHECK(step("tok").kind == StepKind::Free);
}

TEST_CASE("every op added for the model zoo gets a digital or analog step with cycles") {
    using workloads::Op;
    workloads::Graph g;
    g.name = "ops";
    g.inputs = {{"x", {-1, 2, 3, 4}}};
    const auto init = [&g](const std::string& name, const workloads::Dims& d) {
        workloads::Tensor t(d);
        for (std::size_t i = 0; i < t.data.size(); ++i)
            t.data[i] = 0.25f * float(int(i % 5) - 2);
        g.initializers[name] = t;
    };
    init("w", {4, 5});
    init("s", {5});
    init("two", {});
    init("tok", {1, 1, 1, 5});
    const auto add = [&g](Op op, std::vector<std::string> in, const std::string& out,
                          workloads::NodeAttrs a = {}) {
        workloads::Node n;
        n.name = out;
        n.op = op;
        n.inputs = std::move(in);
        n.outputs = {out};
        n.attrs = a;
        g.nodes.push_back(n);
    };
    workloads::NodeAttrs a;
    a.pad_amounts = {0, 0, 1, 0, 0, 0, 0, 1};
    add(Op::Pad, {"x"}, "pad", a);  // N x 2 x 4 x 5
    a = {};
    a.perm = {0, 2, 1, 3};
    add(Op::Transpose, {"pad"}, "transpose", a);  // N x 4 x 2 x 5
    a = {};
    a.axes = {3};
    a.starts = {0};
    a.ends = {4};
    a.steps = {1};
    add(Op::Slice, {"transpose"}, "slice", a);  // N x 4 x 2 x 4
    add(Op::MatMul, {"slice", "w"}, "matmul");  // analog
    add(Op::LayerNorm, {"matmul", "s"}, "layernorm", workloads::default_attrs(Op::LayerNorm));
    add(Op::Gelu, {"layernorm"}, "gelu");
    add(Op::Tanh, {"gelu"}, "tanh");
    add(Op::Erf, {"tanh"}, "erf");
    add(Op::Pow, {"erf", "two"}, "pow");
    add(Op::Sqrt, {"pow"}, "sqrt");
    add(Op::Sub, {"sqrt", "erf"}, "sub");
    add(Op::Div, {"sub", "s"}, "div");
    a = {};
    a.shape = {-1, 1, 1, 1};
    add(Op::Expand, {"tok"}, "expand", a);
    add(Op::Add, {"div", "expand"}, "add");
    a = {};
    a.axes = {1};
    a.keepdims = false;
    add(Op::ReduceMean, {"add"}, "reducemean", a);
    a.axes = {2};
    add(Op::ReduceSum, {"reducemean"}, "y", a);
    g.outputs = {{"y", {-1, 2}}};
    g.validate("ops");
    const ReplayPlan plan = make_replay_plan(g, cgra::CgraConfig{});
    REQUIRE(plan.steps.size() == g.nodes.size());
    for (const Step& s : plan.steps) {
        INFO(s.name);
        CHECK(s.kind == (s.name == "matmul" ? StepKind::Analog : StepKind::Digital));
        CHECK(s.cost.cycles > 0u);
        CHECK(s.cost.actions.count("cgra.memory") == 1);
    }
}

TEST_CASE("a token graph replays with cycles, energy and noise, its clean pass is the executor") {
    // Its images are not along dimension 0 everywhere, so the replay takes one image per job
    // whatever run.batch says; the clean pass must still be the float executor's.
    const workloads::Graph g = token_graph();
    workloads::DatasetSpec spec;
    spec.limit = 5;
    const workloads::Dataset data = workloads::load_dataset(spec);
    ReplayConfig cfg;
    cfg.keep_logits = true;
    cfg.batch = 4;
    cfg.threads = 2;
    cfg.noise.read_sigma = 0.01;
    const ReplayResult r = run_replay(g, &data, cfg);
    REQUIRE(r.passes.size() == 2);
    CHECK(r.cycles > 0u);
    double energy = 0;
    for (const auto& c : r.energy)
        energy += c.energy_pJ;
    CHECK(energy > 0);
    CHECK(r.passes[0].logits != r.passes[1].logits);  // the noise shows
    const auto x = workloads::Executor(g).run_batch(data.images);
    CHECK(r.passes[0].logits == x[0].data);
}

TEST_CASE("bit-sliced fidelity with a lossless ADC reproduces the float network") {
    // One row per crossbar and a 2-bit ADC make every column conversion exact (docs/noise.md):
    // the only difference to the float network is 16-bit quantisation of weights and inputs.
    workloads::GraphBuilder b("small", 2);
    std::string x = b.input("x", {-1, 1, 28, 28});
    x = b.relu("r1", b.conv("c1", x, 8, 3, 2, 1));
    x = b.relu("r2", b.conv("c2", x, 8, 3, 2, 1));
    b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("g", x)), 10));
    const workloads::Graph g = b.finish();
    workloads::DatasetSpec spec;
    spec.limit = 6;
    const workloads::Dataset data = workloads::load_dataset(spec);
    ReplayConfig cfg;
    cfg.seeds = 1;
    cfg.keep_logits = true;
    cfg.noise.fidelity = cgra::Fidelity::BitSliced;
    cfg.soc.cgra.analog.crossbar_rows = 1;
    cfg.soc.cgra.analog.adc_bits = 2;
    const ReplayResult r = run_replay(g, &data, cfg);
    REQUIRE(r.passes.size() == 2);
    const auto& clean = r.passes[0].logits;
    const auto& crossbar = r.passes[1].logits;
    REQUIRE(clean.size() == crossbar.size());
    double peak = 0;
    for (const float v : clean)
        peak = std::max(peak, double(std::abs(v)));
    for (std::size_t i = 0; i < clean.size(); ++i) {
        CHECK(crossbar[i] == Approx(clean[i]).margin(1e-3 * peak));
    }
    CHECK(crossbar != clean);  // but not the same computation
}

TEST_CASE("bit-sliced crossbars with a lossless ADC reproduce a token graph's float logits") {
    // The token x weight MatMul goes through the crossbars token by token (rows of A as the
    // columns of one multiply); only 16-bit quantisation separates it from the float network.
    const workloads::Graph g = token_graph();
    workloads::DatasetSpec spec;
    spec.limit = 4;
    const workloads::Dataset data = workloads::load_dataset(spec);
    ReplayConfig cfg;
    cfg.keep_logits = true;
    cfg.noise.fidelity = cgra::Fidelity::BitSliced;
    cfg.noise.activation_k = 0.0;
    cfg.soc.cgra.analog.crossbar_rows = 1;
    cfg.soc.cgra.analog.adc_bits = 2;
    const ReplayResult r = run_replay(g, &data, cfg);
    REQUIRE(r.passes.size() == 2);
    const auto& clean = r.passes[0].logits;
    const auto& crossbar = r.passes[1].logits;
    REQUIRE(clean.size() == crossbar.size());
    double peak = 0;
    for (const float v : clean)
        peak = std::max(peak, double(std::abs(v)));
    for (std::size_t i = 0; i < clean.size(); ++i)
        CHECK(crossbar[i] == Approx(clean[i]).margin(1e-3 * peak));
    CHECK(crossbar != clean);
}

TEST_CASE("a second replay in one process is refused with a clear error") {
    workloads::GraphBuilder b("twice", 1);
    const std::string x = b.input("x", {-1, 2, 4, 4});
    b.output(b.relu("r", b.conv("c", x, 4, 3, 1, 1)));
    const workloads::Graph g = b.finish();
    const ReplayResult r = run_replay(g, nullptr, ReplayConfig{});
    CHECK(r.cycles > 0);
    CHECK_THROWS_WITH(run_replay(g, nullptr, ReplayConfig{}),
                      Catch::StartsWith("run_replay: a process runs one SystemC simulation"));
}

TEST_CASE("accuracy statistics: std and a t interval over seeds, the binomial error of one") {
    platform::ReplayResult r;
    // 10 000 images; three noisy seeds at 90, 91 and 92 % (9000, 9100, 9200 correct).
    r.passes.push_back({"clean", 1, std::nullopt, 9300, 10000, {}, {}});
    for (const std::int64_t correct : {9000, 9100, 9200})
        r.passes.push_back({"noisy", 1, ChipId{0, 1}, correct, 10000, {}, {}});
    const platform::AccuracySummary noisy = r.accuracy("noisy");
    CHECK(noisy.n == 3);
    CHECK(noisy.mean == Approx(91.0));
    CHECK(noisy.std == Approx(1.0));  // sqrt((1 + 0 + 1) / 2)
    // t(0.975, 2) = 4.303: 4.303 x 1 / sqrt(3) = 2.4843
    CHECK(noisy.ci95_pct() == Approx(2.4843).epsilon(1e-4));
    CHECK(noisy.text() == "91.00 +- 1.00 (mean +- std over 3 seeds; 95 % CI +- 2.48)");
    // One pass: sqrt(0.93 x 0.07 / 10000) = 0.2551 %, never a spread of 0.
    const platform::AccuracySummary clean = r.accuracy("clean");
    CHECK(clean.n == 1);
    CHECK(clean.binomial_se_pct() == Approx(0.2551).epsilon(1e-3));
    CHECK(clean.ci95_pct() == Approx(1.959964 * 0.2551).epsilon(1e-3));
    CHECK(clean.text("no noise") == "93.00 (no noise; binomial s.e. 0.26 over 10000 images)");
    CHECK(r.accuracy("denoised").n == 0);
    // One chip: the interval is over the seeds, as without chips.
    CHECK(noisy.chips() == 1);
    CHECK(noisy.ci95_over() == "seeds: Student's t over the seeds' accuracies");
    CHECK(clean.chips() == 0);
    CHECK(!clean.worst_chip());
    CHECK(clean.ci95_over() == "images: one seed, 1.96 x the binomial standard error");
}

TEST_CASE("accuracy statistics over chips: every pass's mean and std, a t interval over chips") {
    platform::ReplayResult r;
    // Three chips x two seeds on 1000 images: chip 0 at 90 and 92 %, chip 1 at 85 and 85 %,
    // chip 2 at 91 and 93 %; chip means 91, 85, 92.
    r.passes.push_back({"clean", 1, std::nullopt, 950, 1000, {}, {}});
    const std::int64_t correct[3][2] = {{900, 920}, {850, 850}, {910, 930}};
    for (unsigned c = 0; c < 3; ++c) {
        for (unsigned s = 0; s < 2; ++s) {
            r.passes.push_back(
                {"noisy", 1 + 2 * c + s, ChipId{c, 7 + c}, correct[c][s], 1000, {}, {}});
        }
    }
    const platform::AccuracySummary noisy = r.accuracy("noisy");
    CHECK(noisy.n == 6);
    CHECK(noisy.chips() == 3);
    CHECK(noisy.mean == Approx(89.3333).epsilon(1e-5));
    // Over every pass: deviations 0.6667, 2.6667, -4.3333, -4.3333, 1.6667, 3.6667;
    // squares sum to 61.3333, / 5 = 12.2667, sqrt = 3.5024.
    CHECK(noisy.std == Approx(3.5024).epsilon(1e-4));
    REQUIRE(noisy.per_chip.size() == 3);
    CHECK(noisy.per_chip[1].chip.index == 1);
    CHECK(noisy.per_chip[1].chip.seed == 8);
    CHECK(noisy.per_chip[0].mean == Approx(91.0));
    CHECK(noisy.per_chip[1].mean == Approx(85.0));
    CHECK(noisy.per_chip[2].mean == Approx(92.0));
    // Over the chips' means 91, 85, 92: std sqrt((2.778 + 18.778 + 7.111) / 2) = 3.7859;
    // t(0.975, 2) = 4.303: 4.303 x 3.7859 / sqrt(3) = 9.4055.
    CHECK(noisy.chip_std == Approx(3.7859).epsilon(1e-4));
    CHECK(noisy.ci95_pct() == Approx(9.4055).epsilon(1e-4));
    const auto worst = noisy.worst_chip();
    REQUIRE(worst);
    CHECK(worst->chip.index == 1);
    CHECK(worst->chip.seed == 8);
    CHECK(worst->mean == Approx(85.0));
    CHECK(noisy.text() ==
          "89.33 +- 3.50 (mean +- std over 3 chips x 2 seeds; 95 % CI over the chips +- 9.41)");
    CHECK(noisy.ci95_over().rfind("chips: Student's t over the 3 chips' mean accuracies", 0) == 0);
}

TEST_CASE("paired differences: discordant images of one pair, t over pairs, t over chips") {
    using Hits = std::vector<std::uint8_t>;
    platform::ReplayResult one;
    // Ten images. Clean right on 0-8, noisy on 0-4, 7 and 9, denoised on 0-5, 7 and 8.
    one.passes.push_back({"clean", 1, std::nullopt, 9, 10, {}, Hits{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}});
    one.passes.push_back({"noisy", 1, ChipId{0, 1}, 7, 10, {}, Hits{1, 1, 1, 1, 1, 0, 0, 1, 0, 1}});
    one.passes.push_back(
        {"denoised", 1, ChipId{0, 1}, 8, 10, {}, Hits{1, 1, 1, 1, 1, 1, 0, 1, 1, 0}});
    // noisy - clean: -20 points; only noisy right on image 9 (b = 1), only clean on 5, 6, 8
    // (c = 3): sqrt(b + c - (b - c)^2 / n) / n = sqrt(4 - 0.4) / 10.
    const platform::PairedDifference nc = one.difference("noisy", "clean");
    CHECK(nc.pairs == 1);
    CHECK(nc.mean == Approx(-20.0));
    CHECK(nc.only_first == 1);
    CHECK(nc.only_second == 3);
    CHECK(nc.ci95 == Approx(1.959964 * 100.0 * std::sqrt(3.6) / 10.0));
    CHECK(!nc.same_draws);
    // denoised - noisy: +10 points; only denoised on 5 and 8, only noisy on 9: sqrt(3 - 0.1).
    const platform::PairedDifference dn = one.difference("denoised", "noisy");
    CHECK(dn.mean == Approx(10.0));
    CHECK(dn.only_first == 2);
    CHECK(dn.only_second == 1);
    CHECK(dn.ci95 == Approx(1.959964 * 100.0 * std::sqrt(2.9) / 10.0));  // 33.38
    CHECK(dn.same_draws);
    CHECK(dn.text() ==
          "+10.00 (95 % CI -23.38 to +43.38, paired over the same images and noise draws)");
    CHECK(dn.ci95_over().rfind("images: one pair", 0) == 0);
    CHECK(one.difference("denoised", "missing").pairs == 0);
    // The same counts without per-image outcomes: not paired, 1.96 x sqrt(0.7 x 0.3 / 10 +
    // 0.9 x 0.1 / 10) = 33.95 points, never an interval of 0.
    platform::ReplayResult bare;
    bare.passes.push_back({"clean", 1, std::nullopt, 9, 10, {}, {}});
    bare.passes.push_back({"noisy", 1, ChipId{0, 1}, 7, 10, {}, {}});
    const platform::PairedDifference unpaired = bare.difference("noisy", "clean");
    CHECK(unpaired.mean == Approx(-20.0));
    CHECK(unpaired.ci95 == Approx(1.959964 * 100.0 * std::sqrt(0.03)));
    CHECK(!unpaired.paired_images);
    CHECK(unpaired.ci95_over().find("unpaired") != std::string::npos);
    CHECK(unpaired.text() == "-20.00 (95 % CI -53.95 to +13.95, unpaired: no per-image outcomes)");
    CHECK(one.difference("denoised", "missing").text() == "-");

    // Three seeds on one chip against the one clean pass: -3, -2, -1 points; t(0.975, 2) x 1 /
    // sqrt(3) = 2.4843.
    platform::ReplayResult seeds;
    seeds.passes.push_back({"clean", 1, std::nullopt, 9300, 10000, {}, {}});
    for (const std::int64_t correct : {9000, 9100, 9200})
        seeds.passes.push_back({"noisy", 1, ChipId{0, 1}, correct, 10000, {}, {}});
    const platform::PairedDifference sd = seeds.difference("noisy", "clean");
    CHECK(sd.pairs == 3);
    CHECK(sd.mean == Approx(-2.0));
    CHECK(sd.ci95 == Approx(2.4843).epsilon(1e-4));
    CHECK(sd.text() == "-2.00 (95 % CI -4.48 to +0.48, paired over the same images, over 3 pairs)");

    // Two chips x two seeds: denoised - noisy +2 and +4 on chip 0, +6 and +6 on chip 1 (chip
    // means 3 and 6, std 2.1213); t(0.975, 1) = 12.706: 12.706 x 2.1213 / sqrt(2) = 19.06.
    // A pass pairs only with the other kind's pass of its own chip and seed.
    platform::ReplayResult chips;
    const std::int64_t noisy[2][2] = {{800, 810}, {700, 720}};
    const std::int64_t gain[2][2] = {{20, 40}, {60, 60}};
    for (unsigned c = 0; c < 2; ++c) {
        for (unsigned k = 0; k < 2; ++k) {
            const std::uint64_t seed = 1 + 2 * c + k;
            chips.passes.push_back({"noisy", seed, ChipId{c, 5 + c}, noisy[c][k], 1000, {}, {}});
            chips.passes.push_back(
                {"denoised", seed, ChipId{c, 5 + c}, noisy[c][k] + gain[c][k], 1000, {}, {}});
        }
    }
    const platform::PairedDifference cd = chips.difference("denoised", "noisy");
    CHECK(cd.pairs == 4);
    CHECK(cd.chips == 2);
    CHECK(cd.mean == Approx(4.5));
    CHECK(cd.ci95 == Approx(12.706 * std::sqrt(4.5) / std::sqrt(2.0)).epsilon(1e-4));
    CHECK(cd.ci95_over() == "chips: Student's t over the 2 chips' mean differences");
}

TEST_CASE("passes: clean once, then chip by chip each chip's seeds, one chip as before chips") {
    const auto describe = [](const std::vector<Pass>& passes) {
        std::string out;
        for (const Pass& p : passes) {
            out += p.kind + " " + std::to_string(p.seed);
            if (p.chip)
                out +=
                    " chip " + std::to_string(p.chip->index) + "/" + std::to_string(p.chip->seed);
            out += "; ";
        }
        return out;
    };
    CHECK(
        describe(make_passes({5, 2, 1, 3}, true)) ==
        "clean 5; noisy 5 chip 0/3; denoised 5 chip 0/3; noisy 6 chip 0/3; denoised 6 chip 0/3; ");
    CHECK(describe(make_passes({5, 2, 3, 3}, false)) ==
          "clean 5; noisy 5 chip 0/3; noisy 6 chip 0/3; noisy 7 chip 1/4; noisy 8 chip 1/4; "
          "noisy 9 chip 2/5; noisy 10 chip 2/5; ");
    PassSelection noisy_only;
    noisy_only.clean = false;
    noisy_only.denoised = false;
    CHECK(describe(make_passes({1, 1, 2, 10}, true, noisy_only)) ==
          "noisy 1 chip 0/10; noisy 2 chip 1/11; ");
}

TEST_CASE("ReplayConfig::validate refuses 0 chips and absurd numbers, naming run.chips") {
    platform::ReplayConfig c;
    c.chips = 0;
    CHECK_THROWS_WITH(c.validate(), "run.chips: 0 is out of range; accepted: 1 to 1000");
    c.chips = 1001;
    CHECK_THROWS_WITH(c.validate(), "run.chips: 1001 is out of range; accepted: 1 to 1000");
    c.chips = 1000;
    CHECK_NOTHROW(c.validate());
}
