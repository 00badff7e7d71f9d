// Benchmark (issue 5): the main job's accuracy evaluation through dnsim's platform replay next
// to the same noisy float inference in LibTorch, in one process, on the same model, images,
// noise level and thread count. Prints images/s of both and their ratio (figures recorded in
// docs/benchmarks.md).
//
//   dnsim_bench_torch_replay [MODEL] [IMAGES] [K]
//
// MODEL defaults to the shipped ResNet-18-28 denoised at 6 % (resnet18_28_denoised.onnx), IMAGES to
// the 10 000 Fashion-MNIST test images, K (noise.activation_k) to 0.06. Both back ends evaluate the
// same three passes: clean (backbone, no noise), noisy (backbone, noise) and denoised (with the
// blocks, noise); the platform adds its analog noise model, the fixed-point denoiser datapath and
// the transaction-level bookkeeping, LibTorch computes in float32.
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "models/common/isa.h"
#include "platform/replay.h"
#include "testbench/model_loader.h"
#include "workloads/graph/transforms.h"
#include "workloads/training/torch_graph.h"
#include "workloads/training/trainer.h"

using namespace dnsim;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    dnsim::isa::check_environment();
    fmt::print("kernels: {}\n", dnsim::isa::describe());
    try {
        const std::string model = argc > 1 ? argv[1] : tb::default_study_model();
        const std::int64_t images = argc > 2 ? std::stoll(argv[2]) : 10000;
        const double k = argc > 3 ? std::stod(argv[3]) : 0.06;
        const unsigned threads = std::max(1u, std::thread::hardware_concurrency());

        const workloads::Graph g = tb::load_model(model);
        workloads::Graph backbone = g;
        const int blocks = workloads::remove_denoisers(backbone);
        workloads::DatasetSpec spec;
        spec.split = "test";
        spec.limit = images;
        const workloads::Dataset data = workloads::load_dataset(spec);
        const auto n = static_cast<double>(data.size());
        fmt::print("model {} ({} denoiser blocks), {} images, k = {}, {} threads\n", model, blocks,
                   data.size(), k, threads);

        // dnsim: the platform replay of `dnsim run` (timing pass + clean/noisy/denoised passes).
        platform::ReplayConfig cfg;
        cfg.noise.activation_k = k;
        cfg.seeds = 1;
        cfg.threads = threads;
        auto t0 = std::chrono::steady_clock::now();
        const platform::ReplayResult r = platform::run_replay(g, &data, cfg);
        const double replay_all_s = since(t0);
        const double replay_ips = static_cast<double>(r.functional_images) / r.functional_wall_s;
        const auto pass = [&r](const std::string& kind) {
            for (const auto& p : r.passes) {
                if (p.kind == kind)
                    return p.accuracy_pct();
            }
            return 0.0;
        };

        // LibTorch: the same three passes in float32, no gradients.
        torch::set_num_threads(static_cast<int>(threads));
        torch::manual_seed(1);
        training::TorchGraph tb_backbone(backbone, cfg.soc.cgra);
        training::TorchGraph tb_denoised(g, cfg.soc.cgra);
        const training::TorchNoise noise{k, cgra::Magnitude::Tensor, cgra::Distribution::Gaussian};
        t0 = std::chrono::steady_clock::now();
        const double clean = training::evaluate(tb_backbone, data, {});
        const double noisy = training::evaluate(tb_backbone, data, noise);
        const double denoised = training::evaluate(tb_denoised, data, noise);
        const double torch_s = since(t0);
        const double torch_ips = 3.0 * n / torch_s;

        fmt::print(
            "dnsim platform replay: {} images in {:.2f} s = {:.1f} images/s (whole run with "
            "timing pass {:.2f} s); accuracy clean {:.2f} %, noisy {:.2f} %, denoised {:.2f} %\n",
            r.functional_images, r.functional_wall_s, replay_ips, replay_all_s, pass("clean"),
            pass("noisy"), pass("denoised"));
        fmt::print(
            "LibTorch float inference: {} images in {:.2f} s = {:.1f} images/s; accuracy clean "
            "{:.2f} %, noisy {:.2f} %, denoised {:.2f} %\n",
            static_cast<std::int64_t>(3 * n), torch_s, torch_ips, clean, noisy, denoised);
        fmt::print("ratio dnsim / LibTorch: {:.2f}\n", replay_ips / torch_ips);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dnsim_bench_torch_replay: error: " << e.what() << "\n";
        return 1;
    }
}
