// Benchmark of the float reference executor: images/s of the 28x28 ResNet-18 variant at batch 1
// (one image per call, one thread) and batch 256 (images split over the worker threads).
// Prints figures only; docs/benchmarks.md records them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "models/common/isa.h"
#include "models/common/rng.h"
#include "workloads/datasets/dataset.h"
#include "workloads/exec/executor.h"
#include "workloads/exec/kernels.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    dnsim::isa::check_environment();
    fmt::print("kernels: {}\n", dnsim::isa::describe());
    const std::string model = argc > 1 ? argv[1] : "resnet18_28";
    const unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2]))
                                      : std::max(1u, std::thread::hardware_concurrency());
    const Graph g = builtin_model(model, 1);
    std::int64_t macs = 0;
    for (const auto& s : g.node_stats())
        macs += s.macs;
    // Real images when Debian's Fashion-MNIST is installed, else seeded noise.
    Tensor images;
    try {
        DatasetSpec spec;
        spec.limit = 512;
        images = load_dataset(spec).images;
    } catch (const std::exception&) {
        images = Tensor({512, 1, 28, 28});
        Rng rng(1, {0});
        for (float& v : images.data)
            v = static_cast<float>(rng.normal());
    }
    fmt::print(
        "float executor benchmark: {} ({:.1f} M MACs per image), {} worker threads, {} "
        "hardware threads\n",
        model, static_cast<double>(macs) * 1e-6, threads, std::thread::hardware_concurrency());

    // Batch 1: one image per call on the calling thread (latency-style use).
    {
        const Executor exec(g, {1, 0, DenoiserEpsilon::Zero});
        constexpr std::int64_t kImages = 200;
        Tensor one({1, 1, 28, 28});
        exec.run_batch(one);  // warm-up
        const auto t0 = std::chrono::steady_clock::now();
        for (std::int64_t i = 0; i < kImages; ++i) {
            std::copy_n(images.ptr() + i * 784, 784, one.ptr());
            exec.run_batch(one, static_cast<std::uint64_t>(i));
        }
        const double s = seconds_since(t0);
        fmt::print("batch 1:   {:8.1f} images/s  ({:.3f} ms/image, {:.2f} GMAC/s)\n", kImages / s,
                   1e3 * s / kImages, static_cast<double>(macs) * kImages / s * 1e-9);
    }
    // Batch 256 over the worker threads.
    {
        const Executor exec(g, {threads, 0, DenoiserEpsilon::Zero});
        Tensor batch({256, 1, 28, 28});
        std::copy_n(images.ptr(), batch.numel(), batch.ptr());
        exec.run_batch(batch);  // warm-up
        constexpr int kReps = 3;
        const auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < kReps; ++r)
            exec.run_batch(batch);
        const double s = seconds_since(t0);
        const double n = 256.0 * kReps;
        fmt::print("batch 256: {:8.1f} images/s  ({:.3f} ms/image, {:.2f} GMAC/s)\n", n / s,
                   1e3 * s / n, static_cast<double>(macs) * n / s * 1e-9);
    }
    // Each convolution alone (kernels::conv2d on one thread, 32 images per call: the executor's
    // largest group), on random inputs of the layer's shape.
    {
        const auto shapes = g.infer_shapes(1);
        fmt::print("convolutions, one thread, 32 images per call:\n");
        fmt::print("{:<28} {:>16} {:>12} {:>10} {:>8}\n", "layer", "in -> out", "MMAC/image",
                   "us/image", "GMAC/s");
        Rng rng(2, {0});
        for (const Node& n : g.nodes) {
            if (n.op != Op::Conv)
                continue;
            Dims in = shapes.at(n.inputs[0]);
            in[0] = 32;
            Tensor x(in);
            for (float& v : x.data)
                v = static_cast<float>(rng.normal());
            const Tensor& w = g.initializer(n.inputs[1]);
            const Tensor* bias = n.inputs.size() > 2 ? &g.initializer(n.inputs[2]) : nullptr;
            Tensor y = kernels::conv2d(x, w, bias, n.attrs);  // warm-up
            const Dims out = shapes.at(n.outputs[0]);
            const double layer_macs =
                static_cast<double>(numel(out)) * static_cast<double>(w.numel() / w.dims[0]);
            int reps = 0;
            const auto t0 = std::chrono::steady_clock::now();
            while (seconds_since(t0) < 0.05 || reps < 3) {
                y = kernels::conv2d(x, w, bias, n.attrs);
                ++reps;
            }
            const double per_image = seconds_since(t0) / (32.0 * reps);
            fmt::print(
                "{:<28} {:>16} {:>12.2f} {:>10.2f} {:>8.2f}\n", n.name,
                fmt::format("{}x{}x{} -> {}x{}x{}", in[1], in[2], in[3], out[1], out[2], out[3]),
                layer_macs * 1e-6, per_image * 1e6, layer_macs / per_image * 1e-9);
        }
    }
    return 0;
}
