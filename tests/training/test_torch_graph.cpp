// The graph on LibTorch against dnsim's float executor (same logits, relative error <= 1e-4,
// noise off), against the platform's noise model (same noise statistics for every magnitude
// and distribution, noise on) and against the replay plan (noise on the same layers).
// LibTorch's headers bring glog's CHECK macro; Catch's must win in this file.
#include "workloads/training/torch_graph.h"
#undef CHECK

#include <catch2/catch.hpp>

#include <cmath>

#include "models/cgra/analog_noise.h"
#include "models/cgra/layer_mapping.h"
#include "models/common/rng.h"
#include "platform/replay_plan.h"
#include "workloads/exec/executor.h"
#include "workloads/graph/graph_builder.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"
#include "workloads/training/placement.h"
#include "workloads/training/trainer.h"

using namespace dnsim;

namespace {

workloads::Tensor images(std::int64_t n, std::uint64_t seed) {
    workloads::Tensor t({n, 1, 28, 28});
    Rng rng(seed, {0});
    for (float& v : t.data)
        v = static_cast<float>(rng.normal());
    return t;
}

torch::Tensor to_torch(const workloads::Tensor& t) {
    std::vector<std::int64_t> d(t.dims.begin(), t.dims.end());
    return torch::from_blob(const_cast<float*>(t.ptr()), d, torch::kFloat32).clone();
}

}  // namespace

TEST_CASE("LibTorch and the float executor give the same logits (noise off)") {
    torch::manual_seed(0);
    for (const char* name :
         {"resnet18_28", "mobilenetv2_28", "efficientnet_b0_28", "densenet121_28"}) {
        INFO(name);
        workloads::Graph g = workloads::builtin_model(name, 4);
        // Non-trivial BN statistics and a denoiser block.
        Rng rng(2, {1});
        for (auto& [tname, t] : g.initializers) {
            if (tname.find("running_var") != std::string::npos) {
                for (float& v : t.data)
                    v = float(0.5 + rng.uniform());
            }
            if (tname.find("running_mean") != std::string::npos) {
                for (float& v : t.data)
                    v = float(0.2 * rng.normal());
            }
        }
        workloads::insert_denoiser(g, g.nodes[4].name);
        const workloads::Tensor x = images(3, 5);
        const auto want =
            workloads::Executor(g, {1, 0, workloads::DenoiserEpsilon::Zero}).run_batch(x)[0];
        training::TorchGraph tg(g, cgra::CgraConfig{});
        torch::NoGradGuard no_grad;
        const torch::Tensor got = tg.forward(to_torch(x), false, {}, true).contiguous();
        REQUIRE(got.numel() == want.numel());
        double peak = 0, err = 0;
        for (std::int64_t i = 0; i < want.numel(); ++i) {
            peak = std::max(peak, double(std::abs(want.data[i])));
            err = std::max(err, double(std::abs(got.data_ptr<float>()[i] - want.data[i])));
        }
        CHECK(err <= 1e-4 * peak);
    }
}

TEST_CASE("LibTorch noise injection has the platform's noise statistics") {
    // One conv layer: y = conv(x). Noise/magnitude ratio measured on both back ends.
    workloads::GraphBuilder b("one", 3);
    b.output(b.conv("c", b.input("x", {-1, 1, 28, 28}), 8, 3, 1, 1));
    const workloads::Graph g = b.finish();
    const workloads::Tensor x = images(16, 6);
    const auto clean = workloads::Executor(g).run_batch(x)[0];
    for (const auto& [dist, kurtosis] :
         {std::pair{cgra::Distribution::Gaussian, 3.0}, std::pair{cgra::Distribution::Uniform, 1.8},
          std::pair{cgra::Distribution::Laplace, 6.0}})
        for (const auto mode :
             {cgra::Magnitude::Tensor, cgra::Magnitude::Channel, cgra::Magnitude::Element}) {
            INFO(cgra::to_string(mode) << " " << cgra::to_string(dist));
            const double k = 0.05;
            // Platform: add_activation_noise per image.
            cgra::NoiseConfig nc;
            nc.activation_k = k;
            nc.magnitude = mode;
            nc.distribution = dist;
            workloads::Tensor noisy = clean;
            const std::int64_t per = clean.numel() / 16;
            for (std::int64_t i = 0; i < 16; ++i) {
                cgra::add_activation_noise(noisy.ptr() + i * per, 8, per / 8, 1, std::uint64_t(i),
                                           0, nc);
            }
            // LibTorch.
            training::TorchGraph tg(g, cgra::CgraConfig{});
            torch::NoGradGuard no_grad;
            torch::manual_seed(1);
            const torch::Tensor t = tg.forward(to_torch(x), false, {k, mode, dist}).contiguous();
            // Statistics of z = noise / (k x magnitude): E[z^2] = 1 for both, and E[z^4] the
            // distribution's kurtosis (Gaussian 3, uniform 1.8, Laplace 6).
            const auto moment = [&](const float* y, int power) {
                double s = 0;
                std::int64_t n = 0;
                for (std::int64_t i = 0; i < 16; ++i) {
                    const float* c = clean.ptr() + i * per;
                    double tmag = 0;
                    for (std::int64_t e = 0; e < per; ++e)
                        tmag += std::abs(c[e]);
                    tmag /= double(per);
                    for (std::int64_t ch = 0; ch < 8; ++ch) {
                        double cmag = 0;
                        const std::int64_t px = per / 8;
                        for (std::int64_t e = 0; e < px; ++e)
                            cmag += std::abs(c[ch * px + e]);
                        cmag /= double(px);
                        for (std::int64_t e = 0; e < px; ++e) {
                            const std::int64_t idx = i * per + ch * px + e;
                            const double mag = mode == cgra::Magnitude::Tensor ? tmag
                                               : mode == cgra::Magnitude::Channel
                                                   ? cmag
                                                   : std::abs(c[ch * px + e]);
                            if (mag < 1e-6)
                                continue;
                            const double z = (y[idx] - clean.data[std::size_t(idx)]) / (k * mag);
                            s += std::pow(z, power);
                            ++n;
                        }
                    }
                }
                return s / double(n);
            };
            CHECK(moment(noisy.ptr(), 2) == Approx(1.0).epsilon(0.05));
            CHECK(moment(t.data_ptr<float>(), 2) == Approx(1.0).epsilon(0.05));
            CHECK(moment(noisy.ptr(), 4) == Approx(kurtosis).epsilon(0.1));
            CHECK(moment(t.data_ptr<float>(), 4) == Approx(kurtosis).epsilon(0.1));
        }
}

TEST_CASE("the trainer adds noise where the replay has analog layers") {
    // For every built-in network under both depthwise mappings: the nodes whose output
    // TorchGraph makes noisy are the replay plan's analog steps, and the denoiser candidates
    // are among them.
    for (const auto& info : workloads::builtin_models()) {
        const workloads::Graph g = workloads::builtin_model(info.name);
        std::size_t analog_digital_dw = 0;
        for (const auto mapping :
             {cgra::DepthwiseMapping::Digital, cgra::DepthwiseMapping::BlockDiagonal}) {
            INFO(info.name << ", cgra.depthwise " << cgra::to_string(mapping));
            cgra::CgraConfig cfg;
            cfg.depthwise = mapping;
            cfg.analog.crossbars = 1u << 24;  // room for block-diagonal depthwise layers
            const platform::ReplayPlan plan = platform::make_replay_plan(g, cfg);
            const training::TorchGraph tg(g, cfg);
            REQUIRE(tg.analog_nodes().size() == g.nodes.size());
            std::size_t analog = 0;
            for (const platform::Step& s : plan.steps) {
                CHECK(tg.analog_nodes()[s.node] == (s.kind == platform::StepKind::Analog));
                analog += s.kind == platform::StepKind::Analog ? 1 : 0;
            }
            CHECK(static_cast<std::int64_t>(analog) == plan.analog_layers);
            CHECK(analog > 0);
            for (const std::string& name : training::candidate_layers(g, cfg)) {
                INFO(name);
                const workloads::Node* n = g.find_node(name);
                REQUIRE(n != nullptr);
                CHECK(tg.analog_nodes()[static_cast<std::size_t>(n - g.nodes.data())]);
            }
            if (mapping == cgra::DepthwiseMapping::Digital)
                analog_digital_dw = analog;
            else if (info.name.rfind("mobilenetv2", 0) == 0 ||
                     info.name.rfind("efficientnet", 0) == 0)
                CHECK(analog > analog_digital_dw);  // their depthwise layers became analog
            else
                CHECK(analog == analog_digital_dw);
        }
    }
}

TEST_CASE("trained values are written back into the graph") {
    workloads::Graph g = workloads::builtin_model("resnet18_28", 1);
    training::TorchGraph tg(g, cgra::CgraConfig{});
    {
        torch::NoGradGuard no_grad;
        tg.tensors().at("fc.bias").fill_(0.25f);
    }
    tg.write_back(g);
    CHECK(g.initializer("fc.bias").data[3] == 0.25f);
    CHECK(tg.backbone_parameters().size() == 62);  // 20 convs, 20 BN (scale, shift), fc (W, b)
}

TEST_CASE("LibTorch runs the ops added for the model zoo as the executor does") {
    using workloads::Op;
    workloads::GraphBuilder b("zoo_ops", 7);
    b.output(b.conv("patch", b.input("x", {-1, 1, 28, 28}), 16, 14, 14, 0));  // N x 16 x 2 x 2
    workloads::Graph g = b.finish();
    std::string last = g.outputs[0].name;
    const auto add = [&](Op op, std::vector<std::string> in, workloads::NodeAttrs a = {}) {
        workloads::Node n;
        n.name = "n" + std::to_string(g.nodes.size());
        n.op = op;
        n.inputs = std::move(in);
        n.outputs = {n.name};
        n.attrs = a;
        g.nodes.push_back(n);
        last = n.name;
        return last;
    };
    Rng rng(9, {2});
    const auto init = [&](const std::string& name, const workloads::Dims& d, double offset) {
        workloads::Tensor t(d);
        for (float& v : t.data)
            v = float(offset + 0.3 * rng.normal());
        g.initializers[name] = t;
        return name;
    };
    workloads::NodeAttrs a;
    a.pad_amounts = {0, 0, 1, 0, 0, 0, 0, 1};
    a.pad_value = 0.25f;
    add(Op::Pad, {last}, a);  // N x 16 x 3 x 3
    a = {};
    a.shape = {0, 16, -1};
    add(Op::Reshape, {last}, a);  // N x 16 x 9
    a = {};
    a.perm = {2, 0, 1};
    add(Op::Transpose, {last}, a);  // 9 x N x 16: images off dimension 0
    add(Op::LayerNorm, {last, init("ln.s", {16}, 1.0), init("ln.b", {16}, 0.0)},
        workloads::default_attrs(Op::LayerNorm));
    add(Op::MatMul, {last, init("w", {16, 8}, 0.0)});  // 9 x N x 8
    a = {};
    a.perm = {1, 0, 2};
    add(Op::Transpose, {last}, a);  // N x 9 x 8
    a = {};
    a.axes = {1, 2};
    a.starts = {1, 0};
    a.ends = {9, 8};
    a.steps = {2, 1};
    add(Op::Slice, {last}, a);  // N x 4 x 8
    add(Op::Gelu, {last});
    const std::string t = add(Op::Tanh, {last});
    add(Op::Erf, {last});
    g.initializers["two"] = workloads::Tensor({}, {2.0f});
    add(Op::Pow, {last, "two"});
    add(Op::Sqrt, {last});
    add(Op::Sub, {last, t});
    add(Op::Div, {last, init("d", {8}, 2.0)});
    a = {};
    a.shape = {-1, 1, 1};
    const std::string e = add(Op::Expand, {init("tok", {1, 1, 8}, 0.0)}, a);
    add(Op::Add, {last, e});
    a = {};
    a.axes = {1};
    a.keepdims = false;
    add(Op::ReduceMean, {last}, a);  // N x 8
    a.axes = {1};
    a.keepdims = true;
    const std::string s = add(Op::ReduceSum, {last}, a);  // N x 1
    add(Op::Mul, {g.nodes[g.nodes.size() - 2].name, s});  // N x 8
    g.outputs = {{last, {-1, 8}}};
    g.validate("zoo_ops");
    const workloads::Tensor x = images(3, 8);
    const auto want =
        workloads::Executor(g, {1, 0, workloads::DenoiserEpsilon::Zero}).run_batch(x)[0];
    training::TorchGraph tg(g, cgra::CgraConfig{});
    torch::NoGradGuard no_grad;
    const torch::Tensor got = tg.forward(to_torch(x), false, {}, true).contiguous();
    REQUIRE(got.numel() == want.numel());
    double peak = 0, err = 0;
    for (std::int64_t i = 0; i < want.numel(); ++i) {
        peak = std::max(peak, double(std::abs(want.data[i])));
        err = std::max(err, double(std::abs(got.data_ptr<float>()[i] - want.data[i])));
    }
    bool finite = true;
    for (std::int64_t i = 0; i < want.numel(); ++i)
        finite = finite && std::isfinite(want.data[i]) && std::isfinite(got.data_ptr<float>()[i]);
    CHECK(finite);
    CHECK(peak > 0);
    CHECK(err <= 1e-4 * peak);
}

TEST_CASE("reconstruction loss: the mean over sites of the relative squared error (by hand)") {
    // Site a: ||(1, 2) - (1, 1)||^2 / ||(1, 1)||^2 = 1 / 2. Site b: an all-zero target counts
    // its squared norm as 1: ||(3, 0) - 0||^2 / 1 = 9. Mean over the two sites: 4.75.
    torch::Tensor da = torch::tensor({1.0f, 2.0f}).requires_grad_(true);
    torch::Tensor db = torch::tensor({3.0f, 0.0f}).requires_grad_(true);
    const std::map<std::string, torch::Tensor> denoised{{"a.denoiser", da}, {"b.denoiser", db}};
    const std::map<std::string, torch::Tensor> clean{{"a", torch::tensor({1.0f, 1.0f})},
                                                     {"b", torch::zeros({2})}};
    const torch::Tensor loss =
        training::reconstruction_loss(denoised, clean, {{"a", "a.denoiser"}, {"b", "b.denoiser"}});
    CHECK(loss.item<double>() == Approx(4.75));
    loss.backward();
    // d/d da = 2 (da - t) / 2 / 2 sites = (0, 0.5); d/d db = 2 db / 1 / 2 = (3, 0).
    CHECK(da.grad()[0].item<double>() == Approx(0.0).margin(1e-7));
    CHECK(da.grad()[1].item<double>() == Approx(0.5));
    CHECK(db.grad()[0].item<double>() == Approx(3.0));
    CHECK(db.grad()[1].item<double>() == Approx(0.0).margin(1e-7));
}

TEST_CASE("a chip in LibTorch: the analog weights as the replay's chip holds them") {
    // The replay's activation-level model perturbs each analog layer's weights with
    // cgra::perturb_weights keyed by the layer's name (platform/replay_plan.cpp); the executor
    // on a graph whose weights were perturbed that way is the reference.
    workloads::Graph g = workloads::builtin_model("resnet18_28", 4);
    cgra::NoiseConfig chip;
    chip.programming_sigma = 0.2;
    chip.stuck_fraction = 0.05;
    chip.chip_seed = 3;
    workloads::Graph on_chip = g;
    const std::vector<bool> analog = cgra::analog_nodes(g, cgra::CgraConfig{});
    int perturbed = 0;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const workloads::Node& n = g.nodes[i];
        if (!analog[i] || (n.op != workloads::Op::Conv && n.op != workloads::Op::Gemm))
            continue;
        workloads::Tensor& w = on_chip.initializers.at(n.inputs[1]);
        cgra::perturb_weights(w.ptr(), w.numel(), workloads::stable_hash(n.name), chip);
        ++perturbed;
    }
    REQUIRE(perturbed > 10);
    const workloads::Tensor x = images(2, 9);
    const auto run = [&](const workloads::Graph& graph) {
        return workloads::Executor(graph, {1, 0, workloads::DenoiserEpsilon::Zero}).run_batch(x)[0];
    };
    const auto want_chip = run(on_chip), want_plain = run(g);
    training::TorchGraph tg(g, cgra::CgraConfig{});
    tg.set_chip(chip);
    torch::NoGradGuard no_grad;
    training::TorchNoise noise;
    noise.chip = true;
    const torch::Tensor got_chip = tg.forward(to_torch(x), false, noise).contiguous();
    const torch::Tensor got_plain = tg.forward(to_torch(x), false, {}).contiguous();
    const auto max_err = [](const torch::Tensor& got, const workloads::Tensor& want) {
        double peak = 0, err = 0;
        for (std::int64_t i = 0; i < want.numel(); ++i) {
            peak = std::max(peak, double(std::abs(want.data[i])));
            err = std::max(err, double(std::abs(got.data_ptr<float>()[i] - want.data[i])));
        }
        return err / peak;
    };
    CHECK(max_err(got_chip, want_chip) <= 1e-4);
    // Without TorchNoise::chip (a clean pass) the stored weights are used, and the chip moves
    // the logits by far more than the tolerance.
    CHECK(max_err(got_plain, want_plain) <= 1e-4);
    CHECK(max_err(got_chip, want_plain) > 1e-2);
    // The stored weights are not touched.
    workloads::Graph back = g;
    tg.write_back(back);
    for (const auto& [name, t] : g.initializers)
        CHECK(back.initializers.at(name).data == t.data);
}

TEST_CASE("the training's normal draws: seeded by torch, the same on 1 and 2 threads, N(0, 1)") {
    const torch::Tensor like = torch::zeros({3, 5, 41, 43});  // 26 445 values: 7 blocks
    const int threads_before = at::get_num_threads();
    const auto draw = [&](int threads) {
        at::set_num_threads(threads);
        torch::manual_seed(17);
        torch::Tensor a = training::standard_normal_like(like);
        torch::Tensor b = training::standard_normal_like(like);  // the generator moved on
        return std::make_pair(a, b);
    };
    const auto one = draw(1);
    const auto two = draw(2);
    at::set_num_threads(threads_before);
    CHECK(one.first.sizes() == like.sizes());
    CHECK(torch::equal(one.first, two.first));
    CHECK(torch::equal(one.second, two.second));
    CHECK_FALSE(torch::equal(one.first, one.second));
    // Blocks of 4096 come from distinct streams: the first block differs from the second.
    const torch::Tensor flat = one.first.reshape({-1});
    CHECK_FALSE(torch::equal(flat.slice(0, 0, 4096), flat.slice(0, 4096, 8192)));
    // Mean 0 and variance 1 within 5 standard errors over 1 million draws.
    torch::manual_seed(3);
    const torch::Tensor big = training::standard_normal_like(torch::zeros({1000, 1000}));
    const double n = 1e6;
    const double mean = big.mean().item<double>();
    const double var = big.var().item<double>();
    CHECK(std::abs(mean) < 5.0 / std::sqrt(n));
    CHECK(std::abs(var - 1.0) < 5.0 * std::sqrt(2.0 / n));
    // The tail beyond 3 sigma: 0.27 % of a normal's mass.
    const double tail = (big.abs() > 3.0).to(torch::kFloat64).mean().item<double>();
    CHECK(tail == Approx(0.0027).margin(0.0003));
}
