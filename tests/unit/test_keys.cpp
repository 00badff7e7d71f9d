// The key declarations (common/config_schema.h) and what comes from them: defaults that read
// back, ranges as validate() checks them, enum names, the binder's command line and INI file,
// and the resolved INI of --dump-config.
#include <algorithm>
#include <boost/program_options.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "config_error_text.h"
#include "models/cgra/cgra_config.h"
#include "models/cgra/noise_config.h"
#include "models/common/config_error.h"
#include "models/common/config_schema.h"
#include "models/common/config_text.h"
#include "models/common/energy.h"
#include "models/common/random_streams.h"
#include "models/denoiser/denoiser_config.h"
#include "testbench/config_binder.h"
#include "testbench/config_keys.h"
#include "testbench/run_memory.h"
#include "testbench/train_keys.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

using namespace dnsim;
using dnsim::test::error_of;
namespace po = boost::program_options;

namespace {

/// Every key of a set: a non-empty help and a source; its default passes its check, reads
/// back to itself, and is its own canonical text; a real key has a finite range.
template <class S>
void check_declarations(const config::KeySet<S>& keys, std::vector<std::string>& names) {
    const S defaults{};
    keys.check(defaults);
    for (const config::Key<S>& k : keys.keys()) {
        INFO(k.info.name);
        names.push_back(k.info.name);
        CHECK_FALSE(k.info.help.empty());
        CHECK(k.info.help.find('\n') == std::string::npos);
        if (k.info.origin.source != config::Source::Ours)
            CHECK_FALSE(k.info.origin.citation.empty());
        if (k.info.kind == config::Kind::Real)
            CHECK_FALSE(k.info.range.empty());
        if (k.info.kind == config::Kind::Choice)
            CHECK_FALSE(k.info.choices.empty());
        const std::string text = k.get(defaults);
        S s{};
        k.set(s, text, "");
        CHECK(k.get(s) == text);
        CHECK(k.canonical(text, "") == text);
    }
}

/// A fake replay configuration with the fields the run keys name (as platform::ReplayConfig).
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

/// parse_options over `args` with the binder's keys (and --config).
void parse(tb::ConfigBinder& binder, std::vector<std::string> args, po::variables_map& vm) {
    po::options_description general("general");
    general.add_options()("config", po::value<std::string>(), "INI file");
    po::options_description cli;
    cli.add(general).add(binder.command_line());
    args.insert(args.begin(), "run");
    std::vector<const char*> argv;
    for (const std::string& a : args)
        argv.push_back(a.c_str());
    tb::parse_options(static_cast<int>(argv.size()), argv.data(), cli, binder.options(), nullptr,
                      vm);
}

}  // namespace

TEST_CASE("every declared key: help, source, a default that reads back and passes its range") {
    std::vector<std::string> names;
    check_declarations(cgra::CgraConfig::keys(), names);
    check_declarations(cgra::NoiseConfig::keys(), names);
    check_declarations(denoiser::DenoiserConfig::keys(), names);
    check_declarations(denoiser::BlockFormat::keys(), names);
    check_declarations(denoiser::BlockShape::keys(), names);
    check_declarations(workloads::DatasetSpec::keys(), names);
    check_declarations(workloads::GraphLimits::keys(), names);
    check_declarations(tb::MemoryLimit::keys(), names);
    // EnergyTable{} is empty: its keys read the defaults table.
    const EnergyTable table = EnergyTable::defaults_45nm();
    EnergyTable::keys().check(table);
    CHECK(EnergyTable::keys().keys().size() == table.entries().size());
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    CHECK(names.size() > 60);
}

TEST_CASE("validate() is the declared ranges: the message names the key, value and range") {
    cgra::CgraConfig c;
    c.analog.crossbar_rows = 0;
    CHECK(error_of([&] { c.validate(); }) ==
          "cgra.crossbar_rows: 0 is out of range; accepted: 1 to 4096");
    c = {};
    c.analog.input_bits = 4;
    c.analog.dac_bits = 5;  // a range that depends on another key
    CHECK(error_of([&] { c.validate(); }) == "cgra.dac_bits: 5 is out of range; accepted: 1 to 4");
    cgra::NoiseConfig n;
    n.adc_bits = 1;  // 0 switches it off; otherwise 2 to 24
    CHECK(error_of([&] { n.validate(); }) ==
          "noise.adc_bits: 1 is out of range; accepted: 2 to 24");
    n.adc_bits = 0;
    CHECK_NOTHROW(n.validate());
    denoiser::DenoiserConfig d;
    d.activation_sram.width_bits = 24;
    CHECK(error_of([&] { d.validate(); }) ==
          "activation_sram.width_bits: 24 bits is not a multiple of the 16-bit word");
    d = {};
    d.weight_sram.size_bytes = 1000;
    CHECK(error_of([&] { d.validate(); }) ==
          "weight_sram.size_bytes: 1000 bytes is not a whole number of rows across 4 banks of "
          "128-bit words");
    denoiser::SramConfig sram;
    CHECK_NOTHROW(sram.validate("x"));
    sram.banks = 0;
    CHECK(error_of([&] { sram.validate("x"); }) == "x.banks: 0 is out of range; accepted: 1 to 64");
    denoiser::BlockFormat f;
    f.bottleneck_ratio = 0.0;
    CHECK(error_of([&] { f.validate(); }) ==
          "block.bottleneck_ratio: 0 is out of range; accepted: 0 < ratio <= 1");
    CHECK(cgra::CgraConfig::keys().find("cgra.dac_bits").info.range == "1 to cgra.input_bits");
    CHECK(cgra::NoiseConfig::keys().find("noise.adc_bits").info.range == "0 (off) or 2 to 24");
}

TEST_CASE("enum keys take the names of their one table, both ways") {
    for (const auto* name : {"activation", "bitsliced"})
        CHECK(std::string(cgra::to_string(cgra::parse_fidelity("k", name))) == name);
    for (const auto* name : {"element", "channel", "tensor"})
        CHECK(std::string(cgra::to_string(cgra::parse_magnitude("k", name))) == name);
    for (const auto* name : {"gaussian", "uniform", "laplace"})
        CHECK(std::string(cgra::to_string(cgra::parse_distribution("k", name))) == name);
    for (const auto* name : {"digital", "block_diagonal"})
        CHECK(std::string(cgra::to_string(cgra::parse_depthwise_mapping("k", name))) == name);
    for (const auto* name : {"uniform", "balanced"})
        CHECK(std::string(cgra::to_string(cgra::parse_replication_policy("k", name))) == name);
    for (const auto* name : {"fixed", "sar"})
        CHECK(std::string(cgra::to_string(cgra::parse_adc_timing("k", name))) == name);
    for (const auto* name : {"gradnorm", "random", "uniform"})
        CHECK(std::string(training::to_string(training::parse_placement("k", name))) == name);
    // The key's choices are the table's names.
    const config::KeyInfo& info = cgra::NoiseConfig::keys().find("noise.magnitude").info;
    REQUIRE(info.choices.size() == 3);
    CHECK(info.choices[0].first == "element");
    CHECK(error_of([] { cgra::parse_distribution("noise.distribution", "cauchy"); }) ==
          "noise.distribution: 'cauchy' is not one of gaussian, uniform, laplace");
}

TEST_CASE("the binder: command line, INI file, aliases, checks and the resolved INI") {
    const std::string ini = "test_keys_binder.ini";
    FakeReplay rc;
    workloads::DatasetSpec data;
    tb::ConfigBinder binder;
    tb::bind_run_keys(binder, rc, data);
    binder.alias("k", "noise.activation_k");
    {
        std::ofstream(ini) << "[cgra]\nclock_mhz = 400\n[noise]\nmagnitude = channel\n";
        po::variables_map vm;
        parse(binder,
              {"--config", ini, "--noise.activation_k", "0.07", "--run.denoiser_path", "tlm",
               "--dataset.mean", "0.5, 0.25"},
              vm);
        binder.apply(vm);
        binder.check();
        CHECK(rc.soc.cgra.clock_mhz == 400.0);
        CHECK(rc.noise.magnitude == cgra::Magnitude::Channel);
        CHECK(rc.noise.activation_k == 0.07);
        CHECK(rc.denoiser_path == Path::Tlm);
        CHECK(data.mean == std::vector<float>{0.5f, 0.25f});
        // The resolved INI holds every key; read back, it resolves to the same.
        const std::string resolved = binder.resolved_ini(vm, "test");
        CHECK(resolved.rfind("; test\n\n[cgra]\nclock_mhz = 400\n", 0) == 0);
        CHECK(resolved.find("\n[noise]\n") != std::string::npos);
        CHECK(resolved.find("activation_k = 0.07\n") != std::string::npos);
        CHECK(resolved.find("mean = 0.5, 0.25\n") != std::string::npos);
        const auto effective = binder.effective(vm);
        CHECK(effective.size() == binder.bindings().size());
        std::ofstream(ini) << resolved;
        FakeReplay again;
        workloads::DatasetSpec again_data;
        tb::ConfigBinder second;
        tb::bind_run_keys(second, again, again_data);
        po::variables_map vm2;
        parse(second, {"--config", ini}, vm2);
        second.apply(vm2);
        CHECK(second.effective(vm2) == effective);
        CHECK(second.resolved_ini(vm2, "test") == resolved);
    }
    {
        // An alias wins over its key; a range is check()'s; a value an INI cannot hold.
        po::variables_map vm;
        parse(binder,
              {"--noise.activation_k", "0.5", "--k", "0.01", "--run.seeds", "0", "--dataset.images",
               " spaced.npy"},
              vm);
        binder.apply(vm);
        CHECK(rc.noise.activation_k == 0.01);
        CHECK(binder.aliased(vm) == std::vector<std::string>{"noise.activation_k"});
        CHECK(error_of([&] { binder.check(); }) ==
              "run.seeds: 0 is out of range; accepted: 1 to 1000");
        CHECK_THAT(error_of([&] { binder.resolved_ini(vm, "test"); }),
                   Catch::StartsWith("dataset.images: ' spaced.npy' cannot be written to an INI "
                                     "file"));
    }
    std::remove(ini.c_str());
}

TEST_CASE("dnsim-train's shared keys are dnsim run's, old spellings deprecated") {
    tb::TrainSettings s = tb::train_defaults("denoisers");
    tb::ConfigBinder binder;
    tb::bind_train_keys(binder, s);
    std::vector<std::string> names;
    for (const auto& b : binder.bindings())
        names.push_back(b.info.name);
    for (const char* shared :
         {"noise.activation_k", "noise.magnitude", "noise.distribution", "cgra.depthwise",
          "cgra.crossbars", "run.seed", "exec.threads", "dataset.format", "denoiser-ratio"})
        CHECK(std::find(names.begin(), names.end(), shared) != names.end());
    // Training injects the activation noise only: the chip's other noise sources are not keys.
    CHECK(std::find(names.begin(), names.end(), "noise.read_sigma") == names.end());
    CHECK(std::find(names.begin(), names.end(), "noise.fidelity") == names.end());
    po::variables_map vm;
    parse(binder, {"--sigma", "0.25", "--seed", "7", "--ratio", "0.5"}, vm);
    binder.apply(vm);
    binder.check();
    CHECK(s.noise.activation_k == 0.25);
    CHECK(s.seed == 7);
    CHECK(s.denoiser_ratio == 0.5);
    CHECK(binder.deprecations(vm) ==
          std::vector<std::string>{"--sigma is deprecated; use --noise.activation_k",
                                   "--seed is deprecated; use --run.seed",
                                   "--ratio is deprecated; use --denoiser-ratio"});
    po::variables_map bad;
    parse(binder, {"--denoiser-ratio", "0"}, bad);
    binder.apply(bad);
    CHECK(error_of([&] { binder.check(); }) ==
          "denoiser-ratio: 0 is out of range; accepted: above 0 up to 1");
}

TEST_CASE("random stream tags keep their values (every output depends on them)") {
    static_assert(streams::kActivationNoise == 1 && streams::kProgramming == 2 &&
                  streams::kStuckCells == 3 && streams::kReadNoise == 4);
    static_assert(streams::kBitSlicedProgramming == 12 && streams::kBitSlicedStuckCells == 13 &&
                  streams::kBitSlicedReadNoise == 14);
    static_assert(streams::kDenoiserSeedRegister == 0xD0 && streams::kLaneU1 == 1 &&
                  streams::kLaneU2 == 2);
    static_assert(streams::kSyntheticBlockWeights == 0xB10C &&
                  streams::kSyntheticActivations == 0xAC7 &&
                  streams::kStudySeedRegister == 0xB10C5EED);
    static_assert(streams::kBuilderWeight == 0 && streams::kBuilderBias == 1 &&
                  streams::kEpochShuffle == 5 && streams::kRandomPlacement == 0x9A);
    SUCCEED();
}
