// The dnsim command: subcommands with Boost.Program_options; the same dotted keys work on the
// command line and in an INI file given with --config. Exit codes: 0 success, 1 bad input
// (one message naming the key or file), 3 a self-check failed, 4 internal error.
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <systemc>
#include <thread>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/heap.h"
#include "models/common/isa.h"
#include "models/common/output_files.h"
#include "models/common/version.h"
#include "platform/simulation.h"
#include "testbench/commands.h"
#include "testbench/config_binder.h"
#include "testbench/config_keys.h"
#include "testbench/denoiser_study.h"
#include "testbench/energy_study.h"
#include "testbench/eval_study.h"
#include "testbench/inspect.h"
#include "testbench/model_loader.h"
#include "testbench/provenance.h"
#include "testbench/regress.h"
#include "testbench/report.h"
#include "testbench/run_memory.h"
#include "testbench/run_study.h"
#include "testbench/sweep_run.h"
#include "workloads/graph/transforms.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/topologies/topologies.h"

namespace po = boost::program_options;
using dnsim::ConfigError;

namespace {

using dnsim::kVersion;

// Keeps the console output to dnsim's own: the SystemC kernel prints its banner before
// sc_main runs unless this variable is set, so it is set during static initialisation.
const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

/// --preset NAME: a shipped hardware preset (testbench/presets.h).
const char* const kPresetHelp =
    "a hardware preset: platform/presets/NAME.ini (paper-4core, paper-10core, isaac, puma, "
    "calibrated-11pct; docs/parameters.md), under --config and the command line";

/// --dump-config FILE: the resolved configuration as an INI file, written before the work
/// starts; `dnsim COMMAND --config FILE` reruns it.
void dump_config(const po::variables_map& vm, const dnsim::tb::ConfigBinder& binder,
                 const std::string& command) {
    if (vm.count("dump-config") == 0)
        return;
    const std::string text = binder.resolved_ini(
        vm, fmt::format("dnsim {} {}: every configuration key, resolved; dnsim {} --config FILE "
                        "reruns it (MODEL and the options are not keys: give them again)",
                        command, kVersion, command));
    dnsim::write_output_file(vm["dump-config"].as<std::string>(), text, "dump-config");
}

constexpr const char* kDumpConfigHelp =
    "write every configuration key with its resolved value to FILE (INI); --config FILE reruns "
    "the same configuration";

void print_usage(std::ostream& os) {
    os << "usage: dnsim [--help] [--version] <command> [options]\n\n"
          "commands:\n"
          "  denoiser   simulate a denoiser block on the accelerator model (cycles per phase,\n"
          "             SRAM traffic, energy, power), checked against the references\n"
          "  inspect    print a model's layers with shapes, parameters and MACs; MODEL is an\n"
          "             .onnx file, a SCALE-Sim topology .csv or a built-in name\n"
          "  eval       top-1 accuracy of MODEL on a dataset with the float reference executor\n"
          "  run        replay MODEL through the platform (MX-CGRA + denoiser): accuracy clean /\n"
          "             noisy / denoised, cycles per layer, latency overhead, energy, power\n"
          "  keys       list every configuration key with its default, range and source\n"
          "             (--markdown [FILE]: docs/keys.md; --ledger [FILE]: docs/parameters.md)\n"
          "  energy     a run's energy and power under another energy table, from the\n"
          "             action counts in its summary.json (no new simulation)\n"
          "  regress    run a directory of regression cases, compare their metrics with the\n"
          "             expected values (--junit FILE for CI; docs/regression.md)\n"
          "  sweep      run a study: every point of its axes as its own run, locally or under\n"
          "             mpirun, into one SQLite database; resume, status, Pareto fronts\n"
          "             (docs/studies.md)\n"
          "  report     one self-contained HTML page with charts from run directories or sweeps\n"
          "             (docs/report.md)\n\n"
          "Run 'dnsim <command> --help' for the options of a command.\n";
}

/// dnsim denoiser after parsing: the keys applied and checked, the study run.
int denoiser_with(const po::variables_map& vm, const dnsim::tb::ConfigBinder& binder,
                  dnsim::tb::DenoiserStudyOptions& opt) {
    binder.apply(vm);
    binder.check();
    if (vm.count("out")) {
        opt.out_dir = vm["out"].as<std::string>();
        dnsim::check_output_dir(opt.out_dir, {"denoiser.json"}, "out");
    }
    if (vm.count("vcd") != 0) {
        opt.vcd_path = vm["vcd"].as<std::string>();
        dnsim::check_output_file(opt.vcd_path, "vcd");  // an empty path included
    }
    dump_config(vm, binder, "denoiser");
    opt.verify = vm.count("no-verify") == 0;
    opt.effective_config = binder.effective(vm);
    return dnsim::tb::run_denoiser_study(opt, std::cout);
}

int cmd_denoiser(int argc, const char* const* argv) {
    dnsim::tb::DenoiserStudyOptions opt;
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::bind_denoiser_command(binder, opt);
    po::options_description general("Options of 'dnsim denoiser'");
    general.add_options()("help,h", "print this help")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys")(
        "preset", po::value<std::string>(), kPresetHelp)("out", po::value<std::string>(),
                                                         "directory for denoiser.json")(
        "dump-config", po::value<std::string>(), kDumpConfigHelp)(
        "no-verify", "skip the comparison with the C++ and float references")(
        "vcd", po::value<std::string>(),
        "also dump the cycle-stepped systolic array running the block's convolutions as a VCD "
        "file (small blocks only)");
    po::options_description cli;
    cli.add(general).add(binder.command_line());
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
    for (const std::string& key : binder.aliased(vm))
        origins.forget(key);
    opt.command = "dnsim " + dnsim::tb::command_line(argc, argv);
    return origins.annotate([&] { return denoiser_with(vm, binder, opt); });
}

int cmd_inspect(int argc, const char* const* argv) {
    po::options_description general("Options of 'dnsim inspect'");
    general.add_options()("help,h", "print this help")(
        "model", po::value<std::string>(), "an .onnx file, a SCALE-Sim .csv or a built-in name")(
        "denoisers", po::value<std::string>(),
        "insert denoiser blocks after these layers (comma-separated names)")(
        "export", po::value<std::string>(), "also write the model as an ONNX file (opset 17)");
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::InspectSettings settings;
    dnsim::tb::bind_inspect_command(binder, settings);
    po::options_description cli;
    cli.add(general).add(binder.command_line());
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
    binder.check();
    if (vm.count("model") == 0) {
        throw ConfigError("model",
                          "missing; usage: dnsim inspect MODEL (see dnsim inspect --help)");
    }
    if (vm.count("export") != 0)
        dnsim::check_output_file(vm["export"].as<std::string>(), "export");
    auto graph = dnsim::tb::load_model(vm["model"].as<std::string>());
    if (vm.count("denoisers") != 0) {
        for (const auto& layer : dnsim::tb::split_list(vm["denoisers"].as<std::string>())) {
            dnsim::workloads::insert_denoiser(graph, layer, settings.denoiser_ratio, 0,
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
/// (unless `model_optional`); applies and checks the keys otherwise.
/// `no_model_file`: the keys a run without MODEL applies under all others (the main job's).
bool parse_model_command(int argc, const char* const* argv, const po::options_description& general,
                         dnsim::tb::ConfigBinder& binder, const std::string& command,
                         const std::string& usage, po::variables_map& vm,
                         dnsim::tb::ConfigOrigins& origins, bool model_optional = false,
                         const std::function<std::string()>& no_model_file = {}) {
    po::options_description cli;
    cli.add(general).add(binder.command_line());
    po::positional_options_description positional;
    positional.add("model", 1);
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), &positional, vm, &origins, "config",
                             no_model_file);
    if (vm.count("help") != 0) {
        std::cout << usage << "\n\n" << cli << "\n";
        return false;
    }
    if (vm.count("model") == 0 && !model_optional) {
        throw ConfigError(
            "model",
            fmt::format("missing; usage: dnsim {} MODEL (see dnsim {} --help)", command, command));
    }
    origins.annotate([&] {
        binder.apply(vm);
        binder.check();
    });
    return true;
}

int cmd_eval(int argc, const char* const* argv) {
    dnsim::tb::EvalOptions opt;
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::bind_eval_command(binder, opt);
    po::options_description general("Options of 'dnsim eval'");
    general.add_options()("help,h", "print this help")("model", po::value<std::string>(),
                                                       "an .onnx file or a built-in name")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys")(
        "out", po::value<std::string>(), "also write DIR/summary.json (accuracy, provenance)")(
        "dump-config", po::value<std::string>(), kDumpConfigHelp);
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    if (!parse_model_command(argc, argv, general, binder, "eval",
                             "usage: dnsim eval MODEL [--dataset.format F --dataset.images FILE "
                             "--dataset.labels FILE] [KEY VALUE ...]",
                             vm, origins)) {
        return 0;
    }
    opt.model = vm["model"].as<std::string>();
    if (vm.count("out") != 0) {
        opt.out_dir = vm["out"].as<std::string>();
        dnsim::check_output_dir(opt.out_dir, {"summary.json"}, "out");
    }
    dump_config(vm, binder, "eval");
    opt.command = "dnsim " + dnsim::tb::command_line(argc, argv);
    opt.effective_config = binder.effective(vm);
    return origins.annotate([&] { return dnsim::tb::run_eval(opt, std::cout); });
}

/// dnsim run after parsing and checking the keys: the platform's own checks, the study run.
int run_with(const po::variables_map& vm, const dnsim::tb::ConfigBinder& binder,
             dnsim::tb::RunOptions& opt) {
    opt.replay.validate();
    if (vm.count("model") != 0) {
        opt.model = vm["model"].as<std::string>();
    } else {
        opt.model = dnsim::tb::default_run_model();
        std::cout << "dnsim run: no MODEL given; the main job replays the shipped default "
                  << opt.model << " with " << dnsim::tb::main_job_config() << "\n";
    }
    if (vm.count("denoisers") != 0)
        opt.denoisers = vm["denoisers"].as<std::string>();
    opt.timing_only = vm.count("timing-only") != 0;
    opt.save_logits = vm.count("save-logits") != 0;
    // The main job (no MODEL) writes its report unless told not to; --report asks for it.
    if (vm.count("report") != 0 && vm.count("no-report") != 0)
        throw ConfigError("report", "--report and --no-report both given; choose one");
    opt.report = vm.count("report") != 0 || (vm.count("model") == 0 && vm.count("no-report") == 0);
    opt.report_required = vm.count("report") != 0;
    if (vm.count("trace") != 0) {
        opt.trace_path = vm["trace"].as<std::string>();
        dnsim::check_output_file(opt.trace_path, "trace");  // an empty path included
    }
    if (vm.count("out") != 0)
        opt.out_dir = vm["out"].as<std::string>();
    dump_config(vm, binder, "run");
    opt.effective_config = binder.effective(vm);
    return dnsim::tb::run_study(opt, std::cout);
}

int cmd_run(int argc, const char* const* argv) {
    dnsim::tb::RunOptions opt;
    dnsim::tb::ConfigBinder binder;
    dnsim::tb::bind_run_command(binder, opt);
    po::options_description general("Options of 'dnsim run'");
    general.add_options()("help,h", "print this help")(
        "model", po::value<std::string>(),
        "an .onnx file, a SCALE-Sim .csv or a built-in name (default: the main job, the shipped "
        "denoised ResNet-18-28 at the noise it was trained for)")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys")(
        "preset", po::value<std::string>(), kPresetHelp)(
        "denoisers", po::value<std::string>(),
        "add fresh denoiser blocks after these layers (comma-separated)")(
        "timing-only", "no dataset: cycles, latency and energy only")(
        "out", po::value<std::string>(), "results directory (default results/run)")(
        "save-logits", "also write each accuracy pass's logits as .npy files")(
        "report",
        "also write report.html (summary and charts; docs/report.md); the main job (no MODEL) "
        "writes it by default")("no-report", "the main job: no report.html")(
        "trace", po::value<std::string>(),
        "write one inference's timeline (simulated time) as a Chrome trace-event / Perfetto "
        "JSON file")("dump-config", po::value<std::string>(), kDumpConfigHelp);
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    if (!parse_model_command(
            argc, argv, general, binder, "run",
            "usage: dnsim run [MODEL] [--timing-only] [--denoisers L1,L2] [--out DIR] "
            "[KEY VALUE ...]\n\nWithout MODEL: the main job, the shipped denoised "
            "ResNet-18-28 (" +
                dnsim::tb::shipped_models_dir() + "/" + dnsim::tb::kMainJobModel +
                ") over the Fashion-MNIST test set, with the keys of " +
                dnsim::tb::shipped_models_dir() + "/" + dnsim::tb::kMainJobConfig +
                " under those given.",
            vm, origins, true, [] { return dnsim::tb::main_job_config(); })) {
        return 0;
    }
    opt.command = "dnsim " + dnsim::tb::command_line(argc, argv);
    return origins.annotate([&] { return run_with(vm, binder, opt); });
}

/// dnsim keys [--markdown | --ledger] [FILE]: every key of every command, from the
/// declarations (docs/keys.md), or the parameter ledger (docs/parameters.md).
int cmd_keys(int argc, const char* const* argv) {
    po::options_description general("Options of 'dnsim keys'");
    general.add_options()("help,h", "print this help")(
        "markdown", "the Markdown of docs/keys.md instead of plain text")(
        "ledger",
        "the parameter ledger of docs/parameters.md (hardware, energy and noise keys "
        "with source and plausible range; the presets)")(
        "file", po::value<std::string>(), "write to FILE instead of the standard output");
    po::positional_options_description positional;
    positional.add("file", 1);
    po::variables_map vm;
    dnsim::tb::parse_options(argc, argv, general, po::options_description(), &positional, vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim keys [--markdown | --ledger] [FILE]\n\n" << general << "\n";
        return 0;
    }
    if (vm.count("markdown") != 0 && vm.count("ledger") != 0)
        throw dnsim::ConfigError("ledger", "--markdown and --ledger are two files; give one");
    const std::string text = vm.count("ledger") != 0     ? dnsim::tb::parameters_markdown()
                             : vm.count("markdown") != 0 ? dnsim::tb::keys_markdown()
                                                         : dnsim::tb::keys_text();
    if (vm.count("file") == 0) {
        std::cout << text;
        return 0;
    }
    dnsim::write_output_file(vm["file"].as<std::string>(), text, "file");
    return 0;
}

/// dnsim energy SUMMARY: a run's energy under another energy table, from its action counts.
int cmd_energy(int argc, const char* const* argv) {
    dnsim::tb::EnergyStudyOptions opt;
    dnsim::EnergyTable table = dnsim::EnergyTable::defaults_45nm();
    dnsim::tb::ConfigBinder binder("Energy table keys (INI: [energy] key)");
    binder.bind(dnsim::EnergyTable::keys(), table);
    po::options_description general("Options of 'dnsim energy'");
    general.add_options()("help,h", "print this help")(
        "summary", po::value<std::string>(&opt.summary), "the summary.json of a dnsim run")(
        "energy-table", po::value<std::string>(),
        "INI file with energy.* keys ([energy] section), e.g. another technology's table")(
        "out", po::value<std::string>(), "also write DIR/energy.json");
    po::options_description cli;
    cli.add(general).add(binder.command_line());
    po::positional_options_description positional;
    positional.add("summary", 1);
    po::variables_map vm;
    dnsim::tb::ConfigOrigins origins;
    dnsim::tb::parse_options(argc, argv, cli, binder.options(), &positional, vm, &origins,
                             "energy-table");
    if (vm.count("help") != 0) {
        std::cout
            << "usage: dnsim energy SUMMARY [--energy-table table.ini] [--energy.ENTRY VALUE ...] "
               "[--out DIR]\n\nThe energy and power of a finished dnsim run under another "
               "energy table, from the action counts in its summary.json; the table starts "
               "as the run's.\n\n"
            << cli << "\n";
        return 0;
    }
    if (opt.summary.empty())
        throw ConfigError("summary", "missing; usage: dnsim energy SUMMARY");
    origins.annotate([&] {
        binder.apply(vm);
        binder.check();
    });
    // Only the keys given change the run's table.
    for (const auto& b : binder.bindings()) {
        const std::string& key = b.info.name;
        if (vm.count(key) != 0 && !vm[key].defaulted())
            opt.overrides.emplace_back(key.substr(7), table.value(key.substr(7)));
    }
    if (vm.count("out") != 0) {
        opt.out_dir = vm["out"].as<std::string>();
        dnsim::check_output_dir(opt.out_dir, {"energy.json"}, "out");
    }
    opt.command = "dnsim " + dnsim::tb::command_line(argc, argv);
    return dnsim::tb::run_energy_study(opt, std::cout);
}

/// dnsim report RESULT... [-o FILE]: one HTML page from run directories and sweeps.
int cmd_report(int argc, const char* const* argv) {
    dnsim::tb::ReportOptions opt;
    po::options_description general("Options of 'dnsim report'");
    general.add_options()("help,h", "print this help")(
        "results", po::value<std::vector<std::string>>(&opt.inputs)->multitoken(),
        "run directories (summary.json, layers.csv), sweep directories or sweep databases "
        "(study.db)")("out,o", po::value<std::string>(&opt.out)->default_value("report.html"),
                      "the HTML file to write");
    po::positional_options_description positional;
    positional.add("results", -1);
    po::variables_map vm;
    dnsim::tb::parse_options(argc, argv, general, po::options_description(), &positional, vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim report RESULT... [-o report.html]\n\nOne self-contained HTML "
                     "file (no network needed to open it): the summary table, per-layer cycles "
                     "with and without denoisers, energy per component, the denoiser's phases; "
                     "for several runs or a sweep also accuracy against the noise level and the "
                     "Pareto front of accuracy, latency and energy; the provenance "
                     "(docs/report.md).\n\n"
                  << general << "\n";
        return 0;
    }
    if (opt.inputs.empty())
        throw ConfigError("results", "missing; usage: dnsim report RESULT... [-o report.html]");
    opt.command = "dnsim " + dnsim::tb::command_line(argc, argv);
    return dnsim::tb::run_report(opt, std::cout);
}

/// --jobs N of regress and sweep: 1 to 1024, parsed as text so that -1 is an error about -1.
unsigned jobs_option(const po::variables_map& vm) {
    return static_cast<unsigned>(
        dnsim::parse_integer("jobs", vm["jobs"].as<std::string>(), 1, 1024));
}

/// dnsim regress CASES_DIR: the regression cases, each in its own dnsim process.
int cmd_regress(int argc, const char* const* argv) {
    dnsim::tb::RegressOptions opt;
    opt.jobs = std::max(1U, std::thread::hardware_concurrency());
    po::options_description general("Options of 'dnsim regress'");
    general.add_options()("help,h", "print this help")(
        "cases", po::value<std::string>(&opt.cases_dir), "directory of case directories")(
        "update", "rewrite the expected values of the failing cases from their results")(
        "junit", po::value<std::string>(&opt.junit), "also write the outcome as JUnit XML")(
        "jobs", po::value<std::string>(), "cases run at once (default: the cores)")(
        "filter", po::value<std::string>(&opt.filter),
        "only the cases whose name matches this shell pattern (e.g. 'paper*')")(
        "work", po::value<std::string>(&opt.work_dir),
        "directory for the cases' results (default: a new temporary directory, removed when "
        "every case passes)")("keep", "keep the results of the cases even when all pass");
    po::positional_options_description positional;
    positional.add("cases", 1);
    po::variables_map vm;
    dnsim::tb::parse_options(argc, argv, general, po::options_description(), &positional, vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim regress CASES_DIR [--update] [--junit FILE] [--jobs N] "
                     "[--filter PATTERN]\n\nEach case: a directory with 'args' (the dnsim "
                     "command and its arguments, one per line), an optional config.ini and "
                     "expected.json (the metrics checked, with tolerances; docs/regression.md). "
                     "Exit status: 0 all pass, 2 a metric differs, 1 bad input or a case that "
                     "does not run.\n\n"
                  << general << "\n";
        return 0;
    }
    if (opt.cases_dir.empty())
        throw ConfigError("cases", "missing; usage: dnsim regress CASES_DIR");
    if (vm.count("jobs") != 0)
        opt.jobs = jobs_option(vm);
    opt.update = vm.count("update") != 0;
    opt.keep = vm.count("keep") != 0;
    return dnsim::tb::run_regress(opt, std::cout);
}

/// dnsim sweep STUDY.ini | DIR: the points of a study, each in its own dnsim process.
int cmd_sweep(int argc, const char* const* argv) {
    dnsim::tb::SweepOptions opt;
    po::options_description general("Options of 'dnsim sweep'");
    general.add_options()("help,h", "print this help")(
        "study", po::value<std::string>(&opt.target),
        "the study file, or the results directory of a sweep")(
        "out", po::value<std::string>(&opt.out_dir),
        "results directory (default results/sweep/NAME)")(
        "jobs", po::value<std::string>(), "points run at once on this machine (default 1)")(
        "list", "print the points of the study and run nothing")(
        "status", "print how far the study's sweep is (running or finished)")(
        "resume", "also rerun the points that failed")("yes",
                                                       "run more points than the safety limit")(
        "retries", po::value<std::string>(),
        "reruns of a point whose process was killed or crashed (default 1)")(
        "shard", po::value<std::string>(&opt.shard),
        "run only slice K of N (K/N, e.g. a Slurm array task); no database, see --collect")(
        "collect", "put the point results of shards into the study's database")(
        "pareto", po::value<std::string>(&opt.pareto),
        "print and write the Pareto-optimal points for these objectives, e.g. "
        "accuracy_pct:max,latency_us:min,energy_uJ:min");
    po::positional_options_description positional;
    positional.add("study", 1);
    po::variables_map vm;
    dnsim::tb::parse_options(argc, argv, general, po::options_description(), &positional, vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: dnsim sweep STUDY.ini [--jobs N] [--out DIR] [--list] [--resume]\n"
                     "       dnsim sweep DIR [--status | --pareto OBJECTIVES | --collect | "
                     "--resume]\n"
                     "       mpirun -np N dnsim sweep STUDY.ini [--out DIR]\n\n"
                     "A study file names a command (run or denoiser), a base configuration and "
                     "the axes it varies (docs/studies.md). Each point runs as its own dnsim "
                     "process; the results go into DIR/study.db (SQLite) and DIR/results.csv. "
                     "Exit status: 0 every point ok, 2 a point failed (its error is recorded), "
                     "1 bad input.\n\n"
                  << general << "\n";
        return 0;
    }
    if (opt.target.empty())
        throw ConfigError("study", "missing; usage: dnsim sweep STUDY.ini (see --help)");
    if (vm.count("jobs") != 0)
        opt.jobs = jobs_option(vm);
    if (vm.count("retries") != 0) {
        opt.retries = static_cast<unsigned>(
            dnsim::parse_integer("retries", vm["retries"].as<std::string>(), 0, 10));
    }
    opt.list = vm.count("list") != 0;
    opt.status = vm.count("status") != 0;
    opt.resume = vm.count("resume") != 0;
    opt.yes = vm.count("yes") != 0;
    opt.collect = vm.count("collect") != 0;
    const int modes = (opt.list ? 1 : 0) + (opt.status ? 1 : 0) + (opt.collect ? 1 : 0) +
                      (opt.pareto.empty() ? 0 : 1);
    if (modes > 1)
        throw ConfigError("sweep", "--list, --status, --collect and --pareto go one at a time");
    if (!opt.shard.empty() && modes > 0)
        throw ConfigError("shard",
                          "runs points; it does not go with --list, --status, --collect "
                          "or --pareto");
    return dnsim::tb::run_sweep(opt, std::cout, std::cerr);
}

/// A point process of dnsim sweep ends with the sweep that started it, even one killed by
/// SIGKILL, so that a resumed sweep never finds an old point still writing (sweep_run.h).
void follow_sweep_parent() {
    const char* parent = std::getenv("DNSIM_SWEEP_PARENT");
    if (parent == nullptr || *parent == '\0')
        return;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (std::to_string(::getppid()) != parent) {
        std::cerr << "dnsim: error: started by dnsim sweep (process " << parent
                  << "), which has ended\n";
        std::_Exit(1);
    }
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    follow_sweep_parent();
    dnsim::install_interrupt_cleanup("dnsim");
    dnsim::platform::configure_systemc_reporting();
    try {
        dnsim::keep_freed_memory();
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
        if (first == "keys") {
            return cmd_keys(argc - 1, argv + 1);
        }
        if (first == "energy") {
            return cmd_energy(argc - 1, argv + 1);
        }
        if (first == "regress") {
            return cmd_regress(argc - 1, argv + 1);
        }
        if (first == "sweep") {
            return cmd_sweep(argc - 1, argv + 1);
        }
        if (first == "report") {
            return cmd_report(argc - 1, argv + 1);
        }
        std::cerr << "dnsim: error: unknown command '" << first
                  << "'; accepted: denoiser, inspect, eval, run, energy, keys, regress, sweep, "
                     "report (see --help)\n";
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
