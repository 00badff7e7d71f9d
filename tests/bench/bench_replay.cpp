// Benchmarks of the platform replay (issue 4), printing figures recorded in docs/benchmarks.md:
//  (a) `timing`: wall time of a timing-only ResNet-18 (ImageNet shape) run with denoisers after
//      layers 1 and 20, graph construction and SystemC elaboration included;
//  (b) `replay`: images/s of ResNet-18-28 through the platform with activation noise and two
//      denoisers (one noisy+denoised seed), next to the float executor on the same images in
//      the same process.
// Each mode elaborates its own SystemC design, so the default runs both as child processes.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <systemc>
#include <thread>

#include <fmt/format.h>

#include "models/common/isa.h"
#include "platform/replay.h"
#include "platform/simulation.h"
#include "workloads/exec/executor.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int timing_mode() {
    const auto t0 = std::chrono::steady_clock::now();
    // As dnsim run --timing-only builds it: the weights' shapes, no values.
    workloads::Graph g =
        workloads::builtin_model("resnet18", 0, "model", workloads::Weights::ShapesOnly);
    workloads::insert_denoiser(g, "conv1");
    workloads::insert_denoiser(g, "layer4.1.conv2");
    const platform::ReplayResult r = platform::run_replay(g, nullptr, platform::ReplayConfig{});
    const double s = since(t0);
    fmt::print(
        "(a) timing-only ResNet-18 224x224, denoisers after conv1 and layer4.1.conv2: "
        "{:.1f} ms wall (graph build + elaboration + simulation); {} simulated cycles, "
        "overhead {:.2f} %\n",
        1e3 * s, r.cycles, r.overhead_pct());
    return 0;
}

int replay_mode(std::int64_t images) {
    workloads::Graph g = workloads::builtin_model("resnet18_28", 1);
    const workloads::Graph base = g;
    workloads::insert_denoiser(g, "layer1.0.relu2");
    workloads::insert_denoiser(g, "layer3.1.relu2");
    workloads::DatasetSpec spec;
    spec.limit = images;
    const workloads::Dataset data = workloads::load_dataset(spec);
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    // Float executor on the backbone, same images, same thread count.
    const workloads::Executor exec(base, {threads, 0, workloads::DenoiserEpsilon::Zero});
    exec.run_batch(workloads::Tensor({1, 1, 28, 28}));  // warm-up
    auto t0 = std::chrono::steady_clock::now();
    exec.run_batch(data.images);
    const double exec_ips = static_cast<double>(images) / since(t0);
    platform::ReplayConfig cfg;
    cfg.noise.activation_k = 0.06;
    cfg.seeds = 1;
    cfg.threads = threads;
    cfg.batch = 64;
    const platform::ReplayResult r = platform::run_replay(g, &data, cfg);
    const double replay_ips = static_cast<double>(r.functional_images) / r.functional_wall_s;
    fmt::print(
        "(b) ResNet-18-28, activation noise k = 0.06, 2 denoisers, {} threads, {} images x "
        "{} passes (clean, noisy, denoised)\n",
        threads, images, r.passes.size());
    fmt::print(
        "    platform replay: {:.1f} images/s; float executor (backbone, no noise): {:.1f} "
        "images/s; ratio {:.2f}\n",
        replay_ips, exec_ips, replay_ips / exec_ips);
    return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    dnsim::isa::check_environment();
    fmt::print("kernels: {}\n", dnsim::isa::describe());
    platform::configure_systemc_reporting();
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "timing")
        return timing_mode();
    if (mode == "replay")
        return replay_mode(argc > 2 ? std::atoll(argv[2]) : 2048);
    const std::string self = argv[0];
    const int a = std::system((self + " timing").c_str());
    const int b = std::system((self + " replay").c_str());
    return a == 0 && b == 0 ? 0 : 1;
}
