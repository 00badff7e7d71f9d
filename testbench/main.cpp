// The dnsim command: subcommands with Boost.Program_options; the same dotted keys work on the
// command line and in an INI file given with --config. Exit codes: 0 success, 1 bad input
// (one message naming the key or file), 3 a self-check failed, 4 internal error.
#include <cstdlib>
#include <iostream>
#include <string>
#include <systemc>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "common/config_error.h"
#include "common/config_text.h"
#include "common/isa.h"
#include "common/output_files.h"
#include "config_binder.h"
#include "config_keys.h"
#include "denoiser_study.h"
#include "eval_study.h"
#include "graph/transforms.h"
#include "inspect.h"
#include "model_loader.h"
#include "onnx/onnx_io.h"
#include "run_memory.h"
#include "run_study.h"
#include "simulation.h"
#include "topologies/topologies.h"

namespace po = boost::program_options;
using dnsim::ConfigError;

namespace {

constexpr const char* kVersion = "0.1.0";

// Keeps the console output to dnsim's own: the SystemC kernel prints its banner before
// sc_main runs unless this variable is set, so it is set during static initialisation.
const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

void bind_denoiser_keys(dnsim::tb::ConfigBinder& b, dnsim::tb::DenoiserStudyOptions& o) {
    dnsim::tb::bind_denoiser_hardware(b, o.bench.config);
    const auto u = [&b](const std::string& key, unsigned& field, const std::string& help) {
        b.add_field(key, field, help);
    };
    auto& s = o.bench.shape;
    u("block.channels", s.channels, "C of the block input");
    u("block.height", s.height, "H of the block input");
    u("block.width", s.width, "W of the block input");
    dnsim::tb::bind_block_format(b, o.bench.format);
    b.add_unsigned("block.asram_base", o.bench.asram_base, "ASRAM_BASE register, bytes",
                   [&o](unsigned long long v) { o.bench.asram_base = v; });
    b.add_unsigned("block.wsram_base", o.bench.wsram_base, "WSRAM_BASE register, bytes",
                   [&o](unsigned long long v) { o.bench.wsram_base = v; });
    b.add_unsigned("run.seed", o.seed, "seed of weights, inputs and noise lanes",
                   [&o](unsigned long long v) { o.seed = v; });
    b.add_unsigned(
        "run.runs", o.runs, "block invocations, weights resident (1..1000000)",
        [&o](unsigned long long v) { o.runs = static_cast<unsigned>(v); }, 1, dnsim::tb::kMaxRuns);
    dnsim::tb::bind_energy(b, o.energy);
}

void print_usage(std::ostream& os) {
    os << "usage: dnsim [--help] [--version] <command> [options]\n\n"
          "commands:\n"
          "  denoiser   simulate a denoiser block on the accelerator model (cycles per phase,\n"
          "             SRAM traffic, energy, power), checked against the references\n"
          "  inspect    print a model's layers with shapes, parameters and MACs; MODEL is an\n"
          "             .onnx file, a SCALE-Sim topology .csv or a built-in name\n"
          "  eval       top-1 accuracy of MODEL on a dataset with the float reference executor\n"
          "  run        replay MODEL through the platform (MX-CGRA + denoiser): accuracy clean /\n"
          "             noisy / denoised, cycles per layer, latency overhead, energy, power\n\n"
          "Run 'dnsim <command> --help' for the options of a command.\n";
}

/// dnsim denoiser after parsing: the keys applied and checked, the study run.
int denoiser_with(const po::variables_map& vm, const dnsim::tb::ConfigBinder& binder,
                  dnsim::tb::DenoiserStudyOptions& opt) {
    binder.apply(vm);
    const auto shorthand = [&vm](const char* name, const char* key) {
        return dnsim::parse_integer(key, vm[name].as<std::string>(), 0, 4294967295LL);
    };
    if (vm.count("channels"))
        opt.bench.shape.channels = static_cast<unsigned>(shorthand("channels", "block.channels"));
    if (vm.count("height"))
        opt.bench.shape.height = static_cast<unsigned>(shorthand("height", "block.height"));
    if (vm.count("width"))
        opt.bench.shape.width = static_cast<unsigned>(shorthand("width", "block.width"));
    if (vm.count("seed"))
        opt.seed = static_cast<std::uint64_t>(shorthand("seed", "run.seed"));
    if (vm.count("out")) {
        opt.out_dir = vm["out"].as<std::string>();
        dnsim::check_output_dir(opt.out_dir, {"denoiser.json"}, "out");
    }
    opt.verify = vm.count("no-verify") == 0;
    opt.effective_config = binder.effective(vm);
    for (auto& [k, v] : opt.effective_config) {
        if (k == "block.channels")
            v = std::to_string(opt.bench.shape.channels);
        if (k == "block.height")
            v = std::to_string(opt.bench.shape.height);
        if (k == "block.width")
            v = std::to_string(opt.bench.shape.width);
        if (k == "run.seed")
            v = std::to_string(opt.seed);
    }
    return dnsim::tb::run_denoiser_study(opt, std::cout);
}

int cmd_denoiser(int argc, const char* const* argv) {
    dnsim::tb::DenoiserStudyOptions opt;
    dnsim::tb::ConfigBinder binder;
    bind_denoiser_keys(binder, opt);
    po::options_description general("Options of 'dnsim denoiser'");
    general.add_options()("help,h", "print this help")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys")(
        "channels", po::value<std::string>(), "shorthand for --block.channels")(
        "height", po::value<std::string>(), "shorthand for --block.height")(
        "width", po::value<std::string>(), "shorthand for --block.width")(
        "seed", po::value<std::string>(), "shorthand for --run.seed")(
        "out", po::value<std::string>(), "directory for denoiser.json")(
        "no-verify", "skip the comparison with the C++ and float references");
    po::options_description cli;
    cli.add(general).add(binder.options());
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), nullptr, vm, &origins);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim denoiser [--channels C --height H --width W] [--config "
                     "file.ini] [--out DIR] [KEY VALUE ...]\n\n"
                  << cli << "\n";
        return 0;
    }
    // A shorthand wins over its key, wherever the key was set.
    for (const auto& [name, key] : {std::pair{"channels", "block.channels"},
                                    {"height", "block.height"},
                                    {"width", "block.width"},
                                    {"seed", "run.seed"}}) {
        if (vm.count(name) != 0)
            origins.forget(key);
    }
    return origins.annotate([&] { return denoiser_with(vm, binder, opt); });
}

int cmd_inspect(int argc, const char* const* argv) {
    po::options_description general("Options of 'dnsim inspect'");
    general.add_options()("help,h", "print this help")(
        "model", po::value<std::string>(), "an .onnx file, a SCALE-Sim .csv or a built-in name")(
        "denoisers", po::value<std::string>(),
        "insert denoiser blocks after these layers (comma-separated names)")(
        "denoiser-ratio", po::value<std::string>()->default_value("0.25"),
        "bottleneck ratio of inserted denoisers (C_r = round(C x ratio))")(
        "export", po::value<std::string>(), "also write the model as an ONNX file (opset 17)");
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::bind_model_limits(binder);
    po::options_description cli;
    cli.add(general).add(binder.options());
    po::positional_options_description positional;
    positional.add("model", 1);
    po::variables_map vm;
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), &positional, vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim inspect MODEL [--export FILE.onnx]\n\nbuilt-in models:\n";
        for (const auto& m : dnsim::workloads::builtin_models()) {
            std::cout << fmt::format("  {:<20} {}\n", m.name, m.description);
        }
        std::cout << "\n" << cli << "\n";
        return 0;
    }
    binder.apply(vm);
    if (vm.count("model") == 0) {
        throw ConfigError("model",
                          "missing; usage: dnsim inspect MODEL (see dnsim inspect --help)");
    }
    if (vm.count("export") != 0)
        dnsim::check_output_file(vm["export"].as<std::string>(), "export");
    auto graph = dnsim::tb::load_model(vm["model"].as<std::string>());
    if (vm.count("denoisers") != 0) {
        for (const auto& layer : dnsim::tb::split_list(vm["denoisers"].as<std::string>())) {
            dnsim::workloads::insert_denoiser(
                graph, layer,
                dnsim::parse_real("denoiser-ratio", vm["denoiser-ratio"].as<std::string>()), 0,
                "denoisers");
        }
    }
    dnsim::tb::print_model_summary(graph, std::cout);
    if (vm.count("export") != 0) {
        const std::string path = vm["export"].as<std::string>();
        dnsim::workloads::export_onnx(graph, path);
        std::cout << "wrote " << path << "\n";
    }
    return 0;
}

/// Parses a command whose first positional argument is MODEL, with the binder's keys. Prints
/// the help and returns false for --help; throws ConfigError("model") when MODEL is missing
/// (unless `model_optional`); applies the keys otherwise.
bool parse_model_command(int argc, const char* const* argv, const po::options_description& general,
                         dnsim::tb::ConfigBinder& binder, const std::string& command,
                         const std::string& usage, po::variables_map& vm,
                         dnsim::tb::ConfigOrigins& origins, bool model_optional = false) {
    po::options_description cli;
    cli.add(general).add(binder.options());
    po::positional_options_description positional;
    positional.add("model", 1);
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), &positional, vm, &origins);
    if (vm.count("help") != 0) {
        std::cout << usage << "\n\n" << cli << "\n";
        return false;
    }
    if (vm.count("model") == 0 && !model_optional) {
        throw ConfigError(
            "model",
            fmt::format("missing; usage: dnsim {} MODEL (see dnsim {} --help)", command, command));
    }
    origins.annotate([&] { binder.apply(vm); });
    return true;
}

int cmd_eval(int argc, const char* const* argv) {
    dnsim::tb::EvalOptions opt;
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::DatasetKeys dataset_text;
    dnsim::tb::bind_model_limits(binder);
    dnsim::tb::bind_memory_limit(binder);
    dnsim::tb::bind_dataset(binder, opt.dataset, dataset_text);
    binder.add_unsigned(
        "exec.threads", opt.threads, "worker threads of the float executor (1..256)",
        [&opt](unsigned long long v) { opt.threads = static_cast<unsigned>(v); }, 1, 256);
    binder.add_unsigned("run.seed", opt.seed, "seed of the denoiser epsilon streams",
                        [&opt](unsigned long long v) { opt.seed = v; });
    po::options_description general("Options of 'dnsim eval'");
    general.add_options()("help,h", "print this help")("model", po::value<std::string>(),
                                                       "an .onnx file or a built-in name")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys");
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    if (!parse_model_command(argc, argv, general, binder, "eval",
                             "usage: dnsim eval MODEL [--dataset.format F --dataset.images FILE "
                             "--dataset.labels FILE] [KEY VALUE ...]",
                             vm, origins)) {
        return 0;
    }
    opt.model = vm["model"].as<std::string>();
    return origins.annotate([&] {
        dnsim::tb::finish_dataset(opt.dataset, dataset_text);
        return dnsim::tb::run_eval(opt, std::cout);
    });
}

/// dnsim run after parsing: the text keys converted, everything checked, the study run.
int run_with(const po::variables_map& vm, const dnsim::tb::ConfigBinder& binder,
             dnsim::tb::RunOptions& opt, const dnsim::tb::CgraKeys& cgra_text,
             const dnsim::tb::NoiseKeys& noise_text, const dnsim::tb::DatasetKeys& dataset_text,
             const std::string& path) {
    auto& rc = opt.replay;
    dnsim::tb::finish_cgra(rc.soc.cgra, cgra_text);
    dnsim::tb::finish_noise(rc.noise, noise_text);
    dnsim::tb::finish_dataset(opt.dataset, dataset_text);
    if (path == "kernel") {
        rc.denoiser_path = dnsim::platform::DenoiserPath::Kernel;
    } else if (path == "tlm") {
        rc.denoiser_path = dnsim::platform::DenoiserPath::Tlm;
    } else {
        throw ConfigError("run.denoiser_path",
                          fmt::format("'{}' is not one of kernel, tlm", dnsim::printable(path)));
    }
    rc.validate();
    if (vm.count("model") != 0) {
        opt.model = vm["model"].as<std::string>();
    } else {
        opt.model = dnsim::tb::default_run_model();
        std::cout << "dnsim run: no MODEL given; replaying the shipped default " << opt.model
                  << "\n";
    }
    if (vm.count("denoisers") != 0)
        opt.denoisers = vm["denoisers"].as<std::string>();
    opt.denoiser_ratio =
        dnsim::parse_real("denoiser-ratio", vm["denoiser-ratio"].as<std::string>());
    opt.timing_only = vm.count("timing-only") != 0;
    opt.save_logits = vm.count("save-logits") != 0;
    if (vm.count("out") != 0)
        opt.out_dir = vm["out"].as<std::string>();
    opt.effective_config = binder.effective(vm);
    return dnsim::tb::run_study(opt, std::cout);
}

int cmd_run(int argc, const char* const* argv) {
    dnsim::tb::RunOptions opt;
    dnsim::tb::ConfigBinder binder;
    auto& rc = opt.replay;
    dnsim::tb::CgraKeys cgra_text;
    dnsim::tb::NoiseKeys noise_text;
    dnsim::tb::DatasetKeys dataset_text;
    std::string path = "kernel";
    // Noise on by default at the paper's sigma of 6 % (the shipped models' training noise).
    rc.noise.activation_k = 0.06;
    dnsim::tb::bind_cgra(binder, rc.soc.cgra, cgra_text);
    dnsim::tb::bind_noise(binder, rc.noise, noise_text);
    dnsim::tb::bind_denoiser_hardware(binder, rc.soc.denoiser);
    dnsim::tb::bind_block_format(binder, rc.soc.format);
    dnsim::tb::bind_dataset(binder, opt.dataset, dataset_text);
    dnsim::tb::bind_model_limits(binder);
    dnsim::tb::bind_memory_limit(binder);
    binder.add_unsigned("run.seed", rc.seed, "first run seed (noise, denoiser lanes, new blocks)",
                        [&rc](unsigned long long v) { rc.seed = v; });
    binder.add_unsigned("run.seeds", rc.seeds, "noisy/denoised passes, one per seed",
                        [&rc](unsigned long long v) { rc.seeds = static_cast<unsigned>(v); });
    binder.add_int("run.batch", rc.batch, "images per platform job",
                   [&rc](long long v) { rc.batch = v; });
    binder.add_unsigned("run.threads", rc.threads, "worker threads for the functional work",
                        [&rc](unsigned long long v) { rc.threads = static_cast<unsigned>(v); });
    binder.add_string("run.denoiser_path", path,
                      "kernel (bit-exact fixed-point kernel, parallel) or tlm (every block "
                      "through the SystemC denoiser)",
                      [&path](const std::string& v) { path = v; });
    dnsim::tb::bind_energy(binder, rc.energy_table);
    po::options_description general("Options of 'dnsim run'");
    general.add_options()("help,h", "print this help")(
        "model", po::value<std::string>(),
        "an .onnx file, a SCALE-Sim .csv or a built-in name (default: the shipped denoised "
        "ResNet-18-28)")("config", po::value<std::string>(),
                         "INI file with any of the configuration keys")(
        "denoisers", po::value<std::string>(),
        "add fresh denoiser blocks after these layers (comma-separated)")(
        "denoiser-ratio", po::value<std::string>()->default_value("0.25"),
        "bottleneck ratio of added blocks")("timing-only",
                                            "no dataset: cycles, latency and energy only")(
        "out", po::value<std::string>(), "results directory (default results/run)")(
        "save-logits", "also write each accuracy pass's logits as .npy files");
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    if (!parse_model_command(
            argc, argv, general, binder, "run",
            "usage: dnsim run [MODEL] [--timing-only] [--denoisers L1,L2] [--out DIR] "
            "[KEY VALUE ...]\n\nWithout MODEL: the shipped denoised ResNet-18-28 (" +
                dnsim::tb::shipped_models_dir() +
                "/resnet18_28_denoised.onnx) over the Fashion-MNIST test set.",
            vm, origins, true)) {
        return 0;
    }
    return origins.annotate(
        [&] { return run_with(vm, binder, opt, cgra_text, noise_text, dataset_text, path); });
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    dnsim::install_interrupt_cleanup("dnsim");
    dnsim::platform::configure_systemc_reporting();
    try {
        dnsim::isa::check_environment();
        if (argc < 2) {
            print_usage(std::cerr);
            return 1;
        }
        const std::string first = argv[1];
        if (first == "--help" || first == "-h" || first == "help") {
            print_usage(std::cout);
            return 0;
        }
        if (first == "--version") {
            std::cout << "dnsim " << kVersion << " (SystemC " << sc_core::sc_release()
                      << "; kernels " << dnsim::isa::describe() << ")\n";
            return 0;
        }
        if (first == "denoiser") {
            return cmd_denoiser(argc - 1, argv + 1);
        }
        if (first == "run") {
            return cmd_run(argc - 1, argv + 1);
        }
        if (first == "eval") {
            return cmd_eval(argc - 1, argv + 1);
        }
        if (first == "inspect") {
            return cmd_inspect(argc - 1, argv + 1);
        }
        std::cerr << "dnsim: error: unknown command '" << first
                  << "'; accepted: denoiser, inspect, eval, run (see dnsim --help)\n";
        return 1;
    } catch (const ConfigError& e) {
        std::cerr << "dnsim: error: " << e.what() << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        // Declared sizes are checked against the limits before work starts (model.*,
        // dataset.max_elements, run.max_memory_mib); this is a machine with less memory free.
        std::cerr << "dnsim: error: out of memory: the model, dataset and settings need more "
                     "memory than this machine has free (lower run.batch, the threads or "
                     "dataset.limit)\n";
        return 1;
    } catch (const sc_core::sc_report& e) {
        std::cerr << "dnsim: internal error (SystemC): " << e.what() << "\n";
        return 4;
    } catch (const std::exception& e) {
        std::cerr << "dnsim: internal error: " << e.what() << "\n";
        return 4;
    }
}
