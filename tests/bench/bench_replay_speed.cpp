// dnsim's side of the replay-speed comparison with PyTorch (tests/bench/compare_pytorch.py runs it,
// docs/benchmarks.md records the figures). One measurement per process, printed as one JSON
// line:
//
//   dnsim_bench_replay_speed clean    [MODEL] [IMAGES] [THREADS]
//       the float executor (what `dnsim eval` runs) over the Fashion-MNIST test images;
//   dnsim_bench_replay_speed noisy    [MODEL] [IMAGES] [THREADS] [K]
//       the platform replay's noisy pass alone (MX-CGRA analog layers with the activation
//       noise k, run.seed 1), as `dnsim run` replays it: the timing pass is not counted;
//   dnsim_bench_replay_speed denoised [MODEL] [IMAGES] [THREADS] [K]
//       the replay's denoised pass alone (noise plus the denoiser blocks in their fixed-point
//       datapath), on a model with Denoiser nodes.
//
// MODEL defaults to the shipped ResNet-18-28 backbone (clean, noisy) or its denoised version.
// DNSIM_BENCH_LAYOUT=nchw runs the float executor without its channels-last layout (the A/B
// of docs/benchmarks.md; the bits are the same).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "models/common/heap.h"
#include "models/common/isa.h"
#include "platform/replay.h"
#include "testbench/config_keys.h"
#include "testbench/model_loader.h"
#include "workloads/exec/executor.h"

using namespace dnsim;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    try {
        dnsim::keep_freed_memory();  // as dnsim itself runs
        dnsim::isa::check_environment();
        const std::string what = argc > 1 ? argv[1] : "clean";
        if (what != "clean" && what != "noisy" && what != "denoised") {
            std::cerr << "usage: dnsim_bench_replay_speed clean|noisy|denoised [MODEL] [IMAGES] "
                         "[THREADS] [K]\n";
            return 1;
        }
        const std::string model =
            argc > 2 ? argv[2]
                     : tb::shipped_models_dir() + (what == "denoised" ? "/resnet18_28_denoised.onnx"
                                                                      : "/resnet18_28.onnx");
        const std::int64_t images = argc > 3 ? std::stoll(argv[3]) : 10000;
        const unsigned threads = argc > 4 ? static_cast<unsigned>(std::stoul(argv[4])) : 2;
        const double k = argc > 5 ? std::stod(argv[5]) : 0.06;

        const workloads::Graph g = tb::load_model(model);
        workloads::DatasetSpec spec;
        spec.split = "test";
        spec.limit = images;
        tb::apply_model_normalisation(spec, g, model);
        const workloads::Dataset data = workloads::load_dataset(spec);
        const auto n = data.size();

        double wall = 0.0;
        std::int64_t correct = 0;
        if (what == "clean") {
            // As dnsim eval runs it: calls of 256 images, split over the worker threads.
            workloads::ExecOptions options{threads, 1, workloads::DenoiserEpsilon::Gaussian};
            const char* layout = std::getenv("DNSIM_BENCH_LAYOUT");
            options.channels_last = layout == nullptr || std::string(layout) != "nchw";
            const workloads::Executor exec(g, options);
            const std::int64_t per_image = data.images.numel() / std::max<std::int64_t>(n, 1);
            const auto t0 = std::chrono::steady_clock::now();
            for (std::int64_t start = 0; start < n; start += 256) {
                const std::int64_t count = std::min<std::int64_t>(256, n - start);
                workloads::Dims dims = data.images.dims;
                dims[0] = count;
                workloads::Tensor batch(dims);
                std::copy_n(data.images.ptr() + start * per_image, count * per_image, batch.ptr());
                const workloads::Tensor logits =
                    exec.run_batch(batch, static_cast<std::uint64_t>(start))[0];
                const std::int64_t classes = logits.numel() / count;
                for (std::int64_t i = 0; i < count; ++i) {
                    const float* row = logits.ptr() + i * classes;
                    correct += (std::max_element(row, row + classes) - row) ==
                               data.labels[static_cast<std::size_t>(start + i)];
                }
            }
            wall = since(t0);
        } else {
            platform::ReplayConfig cfg;
            cfg.noise.activation_k = k;
            cfg.seeds = 1;
            cfg.threads = threads;
            cfg.passes = {false, what == "noisy", what == "denoised"};
            const platform::ReplayResult r = platform::run_replay(g, &data, cfg);
            if (r.passes.size() != 1) {
                throw std::runtime_error(fmt::format("{}: expected one {} pass, the replay ran {}",
                                                     model, what, r.passes.size()));
            }
            wall = r.functional_wall_s;
            correct = r.passes[0].correct;
        }
        fmt::print(
            "{{\"side\": \"dnsim\", \"pass\": \"{}\", \"variant\": \"{}\", \"batch\": {}, "
            "\"images\": {}, \"wall_s\": {:.6f}, \"images_per_s\": {:.3f}, \"accuracy_pct\": "
            "{:.4f}, \"threads\": {}, \"kernels\": \"{}\"}}\n",
            what, what == "clean" ? "float executor" : "platform replay",
            what == "clean" ? 256 : platform::ReplayConfig{}.batch, n, wall,
            static_cast<double>(n) / wall,
            100.0 * static_cast<double>(correct) / static_cast<double>(n), threads,
            dnsim::isa::describe());
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dnsim_bench_replay_speed: error: " << e.what() << "\n";
        return 1;
    }
}
