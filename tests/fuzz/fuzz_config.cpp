// libFuzzer harness: the configuration of `dnsim run` and `dnsim eval` — an INI file given with
// --config and a command line — through the binder, keys and checks the commands use
// (testbench/config_binder.h, config_keys.h, common/config_text.h), without SystemC: the keys
// are bound from the same declarations as testbench/commands.cpp binds them for dnsim run and
// dnsim eval (bind_run_keys and eval_keys, instantiated here for a copy of ReplayConfig's
// fields), parsed with parse_options, applied and checked; no model is loaded and nothing is
// simulated.
//
// Input (fuzz_common.h): a flags byte, a 16-bit length, the INI file's text, then the command
// line's arguments separated by NUL bytes (at most 64). Flags: bit 0 appends `--config FILE`,
// bit 1 puts it first instead, bit 2 uses the `--config=FILE` form, bit 3 binds `dnsim eval`'s
// keys instead of `run`'s. A `--config` among the arguments always names the INI file: the
// harness reads no other file.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "fuzz_common.h"
#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "models/common/config_schema.h"
#include "models/common/config_text.h"
#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"
#include "testbench/config_binder.h"
#include "testbench/config_keys.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

namespace po = boost::program_options;
using namespace dnsim;

namespace {

constexpr std::size_t kMaxArgs = 64;

/// dnsim's promise for configuration errors: one line of text (no control character, valid
/// UTF-8) that starts with what it is about — a key of the command ("cgra.crossbars: "), the
/// config file ("config file 'PATH'"), or the command line ("command line: ", or "NAME: command
/// line: " for an option NAME that is not a key).
void check_config_error(const ConfigError& e, const po::options_description& cli,
                        const std::string& ini) {
    const std::string msg = e.what();
    const auto fail = [&msg](const char* what) {
        std::fprintf(stderr, "%s: %s\n", what, msg.c_str());
        std::abort();
    };
    if (msg.empty())
        fail("empty error message");
    for (const char c : msg) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f)
            fail("error message has a control character (more than one line, or raw bytes)");
    }
    if (invalid_utf8_at(msg))
        fail("error message is not valid UTF-8");
    const std::string file = "config file '" + printable(ini) + "'";
    if (msg.rfind(file, 0) == 0)
        return;
    // An option that is not a key, as typed (it may hold ": " itself).
    if (msg.rfind("command line: ", 0) == 0 || msg.find(": command line: ") != std::string::npos)
        return;
    const std::size_t colon = msg.find(": ");
    if (colon != std::string::npos && colon > 0) {
        const std::string name = msg.substr(0, colon);
        if (cli.find_nothrow(name, false) != nullptr)
            return;
        // A key the file sets twice, known or not (parse_ini checks that first).
        if (msg.compare(colon + 2, file.size(), file) == 0)
            return;
    }
    fail("error message names none of the keys, the config file or the command line");
}

/// The arguments: the second part split at NUL bytes, every --config naming `ini`.
std::vector<std::string> arguments(const fuzz::Parts& p, const std::string& ini) {
    std::vector<std::string> args;
    std::size_t start = 0;
    while (start <= p.second.size() && !p.second.empty() && args.size() < kMaxArgs) {
        std::size_t end = p.second.find('\0', start);
        if (end == std::string::npos)
            end = p.second.size();
        args.push_back(p.second.substr(start, end - start));
        start = end + 1;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size())
            args[i + 1] = ini;
        else if (args[i].rfind("--config=", 0) == 0)
            args[i] = "--config=" + ini;
    }
    if ((p.flags & 1) != 0) {
        std::vector<std::string> given = (p.flags & 4) != 0
                                             ? std::vector<std::string>{"--config=" + ini}
                                             : std::vector<std::string>{"--config", ini};
        args.insert((p.flags & 2) != 0 ? args.begin() : args.end(), given.begin(), given.end());
    }
    return args;
}

/// platform::ReplayConfig's fields that the run keys name (ReplayConfig itself needs SystemC).
enum class Path { Kernel, Tlm };
enum class Overlap { Off, Dependence };
struct FakeReplay {
    struct {
        cgra::CgraConfig cgra;
        denoiser::DenoiserConfig denoiser;
        denoiser::BlockFormat format;
        Overlap denoiser_overlap = Overlap::Off;
    } soc;
    cgra::NoiseConfig noise;
    std::uint64_t seed = 1;
    unsigned seeds = 1;
    unsigned chips = 1;
    std::int64_t batch = 64;
    unsigned threads = 2;
    Path denoiser_path = Path::Kernel;
    EnergyTable energy_table = EnergyTable::defaults_45nm();
};

struct RunKeys {
    FakeReplay replay;
    workloads::DatasetSpec dataset;
    double denoiser_ratio = 0.25;
};

/// cmd_run's keys and options (testbench/commands.cpp, main.cpp).
void bind_run(tb::ConfigBinder& binder, po::options_description& general, RunKeys& k) {
    k.replay.noise.activation_k = 0.06;
    tb::bind_run_keys(binder, k.replay, k.dataset);
    static const config::KeySet<RunKeys> options = [] {
        config::KeySet<RunKeys> s;
        tb::declare_denoiser_ratio(s, &RunKeys::denoiser_ratio);
        return s;
    }();
    binder.bind_options(options, k);
    general.add_options()("help,h", "")("model", po::value<std::string>(), "")(
        "config", po::value<std::string>(), "")("denoisers", po::value<std::string>(), "")(
        "timing-only", "")("out", po::value<std::string>(), "")("save-logits", "")(
        "dump-config", po::value<std::string>(), "");
}

struct EvalKeys {
    workloads::DatasetSpec dataset;
    unsigned threads = 2;
    std::uint64_t seed = 0;
    denoiser::BlockFormat block;
};

/// cmd_eval's keys and options.
void bind_eval(tb::ConfigBinder& binder, po::options_description& general, EvalKeys& k) {
    tb::bind_model_limits(binder);
    tb::bind_memory_limit(binder);
    binder.bind(workloads::DatasetSpec::keys(), k.dataset);
    binder.bind(tb::eval_keys<EvalKeys>(), k);
    general.add_options()("help,h", "")("model", po::value<std::string>(), "")(
        "config", po::value<std::string>(), "")("dump-config", po::value<std::string>(), "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::TempFile ini("config.ini");
    // model.* keys set the process-wide graph limits, whose current value is the next run's
    // default: every input starts from dnsim's defaults.
    static const workloads::GraphLimits default_limits = workloads::graph_limits();
    workloads::set_graph_limits(default_limits);

    const fuzz::Parts p = fuzz::split(data, size);
    ini.write(p.first, false);
    std::vector<std::string> args = arguments(p, ini.path());
    const bool eval = (p.flags & 8) != 0;
    args.insert(args.begin(), eval ? "eval" : "run");
    std::vector<const char*> argv;
    for (const std::string& a : args)
        argv.push_back(a.c_str());

    tb::ConfigBinder binder;
    po::options_description general("general");
    RunKeys run;
    EvalKeys ev;
    if (eval)
        bind_eval(binder, general, ev);
    else
        bind_run(binder, general, run);
    po::options_description cli;
    cli.add(general).add(binder.command_line());
    po::positional_options_description positional;
    positional.add("model", 1);
    po::variables_map vm;
    tb::ConfigOrigins origins;
    try {
        tb::parse_options(static_cast<int>(argv.size()), argv.data(), cli, binder.options(),
                          &positional, vm, &origins);
        if (vm.count("help") != 0)
            return 0;
        if (eval && vm.count("model") == 0)
            throw ConfigError("model", "missing; usage: dnsim eval MODEL (see dnsim eval --help)");
        origins.annotate([&] {
            binder.apply(vm);
            binder.check();
            binder.effective(vm);
            try {
                binder.resolved_ini(vm, "fuzz");
            } catch (const ConfigError& e) {
                check_config_error(e, cli, ini.path());
            }
        });
    } catch (const ConfigError& e) {
        check_config_error(e, cli, ini.path());
    }
    return 0;
}
