// dnsim-train: the LibTorch training flow as its own program. It is kept out of the `dnsim`
// binary on purpose: LibTorch brings hundreds of MB of shared libraries and an OpenMP runtime
// that a SystemC simulation does not need, and a separate process keeps `dnsim` quick to build,
// link and start. Both read and write the same ONNX files.
//
//   dnsim-train backbone --model resnet18_28 --epochs 5 --out DIR   train from scratch
#include <torch/torch.h>
#undef CHECK

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "common/config_error.h"
#include "common/output_files.h"
#include "config_binder.h"
#include "config_keys.h"
#include "model_loader.h"
#include "onnx/onnx_io.h"
#include "training/trainer.h"

namespace po = boost::program_options;
using dnsim::ConfigError;

namespace {

int cmd_backbone(int argc, const char* const* argv, const std::string& invocation) {
    dnsim::training::TrainOptions opt;
    dnsim::workloads::DatasetSpec train_spec;
    train_spec.split = "train";
    dnsim::tb::DatasetKeys dataset_text;
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::bind_dataset(binder, train_spec, dataset_text);
    std::string out = "results/train";
    int threads = 2;
    po::options_description general("Options of 'dnsim-train backbone'");
    general.add_options()("help,h", "print this help")(
        "model", po::value<std::string>()->required(), "built-in name or .onnx file to train")(
        "epochs", po::value<int>(&opt.epochs)->default_value(5), "epochs")(
        "lr", po::value<double>(&opt.lr)->default_value(1e-3), "Adam learning rate")(
        "batch", po::value<std::int64_t>(&opt.batch)->default_value(128), "mini-batch size")(
        "seed", po::value<std::uint64_t>(&opt.seed)->default_value(1), "seed")(
        "threads", po::value<int>(&threads)->default_value(2), "LibTorch threads")(
        "test-limit", po::value<std::int64_t>()->default_value(0),
        "evaluate on the first N test images only (0: all)")(
        "out", po::value<std::string>(&out), "output directory (model.onnx, train.json)");
    po::options_description cli;
    cli.add(general).add(binder.options());
    po::positional_options_description positional;
    positional.add("model", 1);
    po::variables_map vm;
    if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
        std::cout << "usage: dnsim-train backbone MODEL [--epochs N] [--out DIR] [KEY VALUE]\n\n"
                  << cli << "\n";
        return 0;
    }
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), &positional, vm);
    binder.apply(vm);
    dnsim::tb::finish_dataset(train_spec, dataset_text);
    dnsim::require_range("epochs", opt.epochs, 1, 10000);
    dnsim::require_range("batch", opt.batch, std::int64_t{1}, std::int64_t{65536});
    dnsim::require_range("threads", threads, 1, 256);
    at::set_num_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();
    dnsim::workloads::Graph g = dnsim::tb::load_model(vm["model"].as<std::string>());
    const dnsim::workloads::Dataset train_set = dnsim::workloads::load_dataset(train_spec);
    dnsim::workloads::DatasetSpec test_spec = train_spec;
    test_spec.split = "test";
    test_spec.limit = vm["test-limit"].as<std::int64_t>();
    const dnsim::workloads::Dataset test_set = dnsim::workloads::load_dataset(test_spec);
    dnsim::workloads::check_dataset_for_model(train_set, g);
    dnsim::training::TorchGraph model(g);
    model.set_trainable(true, false);
    nlohmann::json history = nlohmann::json::array();
    const auto results = dnsim::training::train(
        model, train_set, test_set, opt,
        [&](const dnsim::training::EpochResult& r) {
            std::cerr << fmt::format(
                "\repoch {}/{}: loss {:.4f}, train {:.2f} %, test {:.2f} %, "
                "{:.1f} s\n",
                r.epoch, opt.epochs, r.loss, r.train_accuracy_pct, r.test_accuracy_pct, r.seconds);
            history.push_back({{"epoch", r.epoch},
                               {"loss", r.loss},
                               {"train_accuracy_pct", r.train_accuracy_pct},
                               {"test_accuracy_pct", r.test_accuracy_pct},
                               {"seconds", r.seconds}});
            // Checkpoint: the graph with this epoch's weights.
            model.write_back(g);
            dnsim::workloads::export_onnx(
                g, (std::filesystem::path(out) / fmt::format("epoch_{}.onnx", r.epoch)).string());
        },
        [](std::int64_t done, std::int64_t total) {
            if (done % (128 * 20) < 128 || done == total) {
                std::cerr << fmt::format("\r  {}/{} images", done, total) << std::flush;
            }
        });
    model.write_back(g);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j;
    j["command"] = invocation;
    j["model"] = g.name;
    j["parameters"] = g.parameter_count();
    j["seed"] = opt.seed;
    j["epochs"] = history;
    j["test_accuracy_pct"] = results.back().test_accuracy_pct;
    j["seconds"] = seconds;
    dnsim::write_file_atomically(out, "train.json", j.dump(2) + "\n");
    dnsim::workloads::export_onnx(g, (std::filesystem::path(out) / "model.onnx").string());
    std::cout << fmt::format(
        "trained {}: test accuracy {:.2f} % after {} epochs, {:.1f} s; wrote "
        "{}/model.onnx\n",
        g.name, results.back().test_accuracy_pct, opt.epochs, seconds, out);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string invocation;
    for (int i = 0; i < argc; ++i)
        invocation += (i ? " " : "") + std::string(argv[i]);
    try {
        if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
            std::cout << "usage: dnsim-train <stage> [options]\n\nstages:\n  backbone   train a "
                         "network from scratch on a dataset\n";
            return argc < 2 ? 1 : 0;
        }
        const std::string stage = argv[1];
        if (stage == "backbone")
            return cmd_backbone(argc - 1, argv + 1, invocation);
        std::cerr << "dnsim-train: error: unknown stage '" << stage << "'; accepted: backbone\n";
        return 1;
    } catch (const ConfigError& e) {
        std::cerr << "dnsim-train: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "dnsim-train: internal error: " << e.what() << "\n";
        return 4;
    }
}
