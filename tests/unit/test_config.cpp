// Unit tests of the checked configuration text (common/config_text.h) and of the range checks
// every XxxConfig::validate() shares (common/config_error.h): numbers, INI files, UTF-8, CSV.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <catch2/catch.hpp>
#include <climits>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "config_error_text.h"
#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "models/common/config_error.h"
#include "models/common/config_schema.h"
#include "models/common/config_text.h"
#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"
#include "testbench/config_binder.h"
#include "testbench/provenance.h"
#include "testbench/run_memory.h"
#include "workloads/datasets/input_normalisation.h"
#include "workloads/graph/footprint.h"

using dnsim::test::error_of;

using namespace dnsim;
using Catch::Contains;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("require_range rejects NaN and infinities, accepts both bounds") {
    CHECK_NOTHROW(require_range("k", 0.0, 0.0, 1.0));
    CHECK_NOTHROW(require_range("k", 1.0, 0.0, 1.0));
    CHECK_THROWS_WITH(require_range("k", kNan, 0.0, 1.0),
                      "k: nan is out of range; accepted: 0 to 1");
    CHECK_THROWS_WITH(require_range("k", kInf, 0.0, 1.0),
                      "k: inf is out of range; accepted: 0 to 1");
    CHECK_THROWS_WITH(require_range("k", -kInf, 0.0, 1.0),
                      "k: -inf is out of range; accepted: 0 to 1");
    CHECK_THROWS_AS(require_range("k", std::nanf(""), 0.0f, 1.0f), ConfigError);
    CHECK_THROWS_AS(require_positive("k", kNan), ConfigError);
}

TEST_CASE("every real-valued key of every validate() rejects NaN and infinity, naming the key") {
    // Each entry: the key, a value it accepts, and the error of validate() on a default
    // configuration with the key set to a value.
    struct Case {
        const char* key;
        double ok;
        std::function<std::string(double)> check;
    };
    const auto cgra = [](double cgra::CgraConfig::*field) {
        return [field](double v) {
            cgra::CgraConfig c;
            c.*field = v;
            return error_of([&c] { c.validate(); });
        };
    };
    const auto analog = [](double cgra::AnalogConfig::*field) {
        return [field](double v) {
            cgra::CgraConfig c;
            c.analog.*field = v;
            return error_of([&c] { c.validate(); });
        };
    };
    const auto noise = [](double cgra::NoiseConfig::*field) {
        return [field](double v) {
            cgra::NoiseConfig n;
            n.*field = v;
            return error_of([&n] { n.validate(); });
        };
    };
    const std::vector<Case> cases{
        {"cgra.clock_mhz", 500, cgra(&cgra::CgraConfig::clock_mhz)},
        {"cgra.pass_ns", 52, analog(&cgra::AnalogConfig::pass_ns)},
        {"noise.activation_k", 0.05, noise(&cgra::NoiseConfig::activation_k)},
        {"noise.programming_sigma", 0.05, noise(&cgra::NoiseConfig::programming_sigma)},
        {"noise.stuck_fraction", 0.01, noise(&cgra::NoiseConfig::stuck_fraction)},
        {"noise.drift_time_s", 3600, noise(&cgra::NoiseConfig::drift_time_s)},
        {"noise.drift_nu", 0.06, noise(&cgra::NoiseConfig::drift_nu)},
        {"noise.drift_nu_sigma", 0.02, noise(&cgra::NoiseConfig::drift_nu_sigma)},
        {"noise.drift_t0_s", 20, noise(&cgra::NoiseConfig::drift_t0_s)},
        {"noise.read_sigma", 0.01, noise(&cgra::NoiseConfig::read_sigma)},
        {"noise.adc_clip", 1, noise(&cgra::NoiseConfig::adc_clip)},
        {"denoiser.clock_mhz", 500,
         [](double v) {
             denoiser::DenoiserConfig c;
             c.clock_mhz = v;
             return error_of([&c] { c.validate(); });
         }},
        {"block.bottleneck_ratio", 0.25,
         [](double v) {
             denoiser::BlockFormat f;
             f.bottleneck_ratio = v;
             return error_of([&f] { f.validate(); });
         }},
        {"energy.mac_16b", 1,
         [](double v) {
             EnergyTable t = EnergyTable::defaults_45nm();
             return error_of([&t, v] { t.set("mac_16b", v); });
         }},
    };
    for (const auto& c : cases) {
        INFO(c.key);
        CHECK(c.check(c.ok).empty());
        for (const double bad : {kNan, kInf, -kInf}) {
            INFO(bad);
            CHECK_THAT(c.check(bad), Catch::StartsWith(std::string(c.key) + ": "));
        }
    }
}

TEST_CASE("parse_real takes finite decimal numbers only") {
    CHECK(parse_real("k", "0.5") == 0.5);
    CHECK(parse_real("k", "-3") == -3.0);
    CHECK(parse_real("k", "+2") == 2.0);
    CHECK(parse_real("k", "1e-3") == 0.001);
    CHECK(parse_real("k", "2.5E+2") == 250.0);
    CHECK(parse_real("k", ".25") == 0.25);
    CHECK(parse_real("k", "5.") == 5.0);
    CHECK(parse_real("k", "0") == 0.0);
    CHECK(parse_real("k", "0e999") == 0.0);  // a true zero, not an underflow
    CHECK(parse_real("k", "1.7976931348623157e308") == std::numeric_limits<double>::max());
    for (const char* bad :
         {"",     " 1", "1 ", "nan", "NaN", "-nan", "inf", "-inf",  "Infinity", "0x1p3", "0x10",
          "0.5x", "1e", "e3", ".",   "-",   "+",    "1,5", "1e3.5", "--1",      "1_000", "\xff"}) {
        INFO(bad);
        CHECK_THROWS_WITH(
            parse_real("cgra.clock_mhz", bad),
            Catch::StartsWith("cgra.clock_mhz: '") && Contains("is not a finite decimal number"));
    }
    for (const char* huge : {"1e400", "-1e400", "1e-400", "2e308"}) {
        INFO(huge);
        CHECK_THROWS_WITH(parse_real("k", huge),
                          std::string("k: ") + huge +
                              " is outside the range of a double (about 2.2e-308 to 1.8e308 in "
                              "magnitude)");
    }
    CHECK_THROWS_WITH(parse_real("k", "\xff"),
                      "k: '\\xff' is not a finite decimal number; "
                      "expected e.g. 0.5, 100 or 1e-3");
}

TEST_CASE("parse_integer takes decimal integers in the declared range, never wrapping") {
    CHECK(parse_integer("k", "7", 0, 10) == 7);
    CHECK(parse_integer("k", "+7", 0, 10) == 7);
    CHECK(parse_integer("k", "007", 0, 10) == 7);
    CHECK(parse_integer("k", "-0", 0, 10) == 0);
    CHECK(parse_integer("k", "-5", -10, 10) == -5);
    CHECK(parse_integer("k", "9223372036854775807", LLONG_MIN, LLONG_MAX) == LLONG_MAX);
    CHECK(parse_integer("k", "-9223372036854775808", LLONG_MIN, LLONG_MAX) == LLONG_MIN);
    for (const char* bad : {"", "+", "-", "1.0", "1e3", "0x10", " 1", "1 ", "ten", "nan", "1-"}) {
        INFO(bad);
        CHECK_THROWS_WITH(parse_integer("denoiser.cores", bad, 1, 256),
                          Catch::StartsWith("denoiser.cores: '") && Contains("is not an integer"));
    }
    CHECK_THROWS_WITH(parse_integer("run.runs", "4294967295", 1, 1000000),
                      "run.runs: 4294967295 is out of range; accepted: 1 to 1000000");
    CHECK_THROWS_WITH(parse_integer("k", "-1", 0, 10), "k: -1 is out of range; accepted: 0 to 10");
    CHECK_THROWS_WITH(parse_integer("k", "11", 0, 10), "k: 11 is out of range; accepted: 0 to 10");
    // Beyond 2^63 and 2^64: out of range, not wrapped into it.
    for (const char* huge : {"9223372036854775808", "-9223372036854775809", "18446744073709551616",
                             "18446744073709551617", "99999999999999999999999999"}) {
        INFO(huge);
        CHECK_THROWS_WITH(parse_integer("k", huge, LLONG_MIN, LLONG_MAX),
                          Contains("is out of range; accepted: -9223372036854775808 to "
                                   "9223372036854775807"));
        CHECK_THROWS_WITH(parse_integer("k", huge, 0, 10), Contains("is out of range"));
    }
    CHECK_THROWS_WITH(parse_integer("k", "-3", 0, 4294967295LL, "is not a valid unsigned value"),
                      "k: -3 is not a valid unsigned value");
}

TEST_CASE("invalid_utf8_at finds the first byte that is not well-formed UTF-8") {
    CHECK_FALSE(invalid_utf8_at(""));
    CHECK_FALSE(invalid_utf8_at("layer1.0.conv1"));
    CHECK_FALSE(invalid_utf8_at("caf\xc3\xa9"));       // é
    CHECK_FALSE(invalid_utf8_at("\xe2\x82\xac"));      // €
    CHECK_FALSE(invalid_utf8_at("\xf0\x9f\x98\x80"));  // U+1F600
    CHECK_FALSE(invalid_utf8_at("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    CHECK(invalid_utf8_at("ab\xff") == std::optional<std::size_t>(2));
    CHECK(invalid_utf8_at("a\x80") == std::optional<std::size_t>(1));         // lone continuation
    CHECK(invalid_utf8_at("\xc0\xaf") == std::optional<std::size_t>(0));      // overlong '/'
    CHECK(invalid_utf8_at("\xe0\x80\xaf") == std::optional<std::size_t>(0));  // overlong
    CHECK(invalid_utf8_at("\xed\xa0\x80") == std::optional<std::size_t>(0));  // surrogate
    CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == std::optional<std::size_t>(0));  // > U+10FFFF
    CHECK(invalid_utf8_at("x\xe2\x82") == std::optional<std::size_t>(1));         // truncated
    CHECK(printable("a\xff\tb\xc3\xa9") == "a\\xff\\x09b\xc3\xa9");
}

TEST_CASE("csv_field quotes per RFC 4180 only when needed") {
    CHECK(csv_field("layer1.0.conv1") == "layer1.0.conv1");
    CHECK(csv_field("") == "");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field("cr\r") == "\"cr\r\"");
}

TEST_CASE("parse_ini: byte order mark, both comment styles, CRLF, sections, inline comments") {
    const std::string text =
        "\xef\xbb\xbf; a comment\r\n"
        "# another comment\r\n"
        "\r\n"
        "[denoiser]\r\n"
        "cores = 3 ; three\r\n"
        "  lanes=2\t# two\r\n"
        "[ dataset ] # the data\n"
        "images = /data/a#b.gz\n"
        "mean =\n"
        "top.level = 1\n";
    const std::vector<IniEntry> e = parse_ini(text, "x.ini");
    REQUIRE(e.size() == 5);
    CHECK(e[0].key == "denoiser.cores");
    CHECK(e[0].value == "3");
    CHECK(e[0].line == 5);
    CHECK(e[1].key == "denoiser.lanes");
    CHECK(e[1].value == "2");
    CHECK(e[1].line == 6);
    CHECK(e[2].key == "dataset.images");
    CHECK(e[2].value == "/data/a#b.gz");
    CHECK(e[3].key == "dataset.mean");
    CHECK(e[3].value == "");
    CHECK(e[4].key == "dataset.top.level");
    CHECK(parse_ini("cores = 1\n", "x.ini").at(0).key == "cores");
    CHECK(parse_ini("", "x.ini").empty());
    CHECK(parse_ini("\xef\xbb\xbf", "x.ini").empty());
}

TEST_CASE("parse_ini errors name the file and the line") {
    CHECK_THROWS_WITH(parse_ini("[a]\nb = 1\n\nnonsense\n", "my.ini"),
                      "config file 'my.ini', line 4: 'nonsense' is not 'key = value', "
                      "'[section]' or a comment");
    CHECK_THROWS_WITH(parse_ini("[a]\nb = 1\nb = 2\n", "my.ini"),
                      "a.b: config file 'my.ini', line 3: set twice (first on line 2)");
    CHECK_THROWS_WITH(parse_ini("# ok\n[a\n", "my.ini"),
                      "config file 'my.ini', line 2: '[a' has no closing ']'");
    CHECK_THROWS_WITH(parse_ini("[]\n", "my.ini"),
                      "config file 'my.ini', line 1: empty section name '[]'");
    CHECK_THROWS_WITH(parse_ini("[a] b\n", "my.ini"),
                      "config file 'my.ini', line 1: unexpected text after ']': 'b'");
    CHECK_THROWS_WITH(parse_ini("[a]\n = 1\n", "my.ini"),
                      "config file 'my.ini', line 2: '= 1' has no key before '='");
    CHECK_THROWS_WITH(parse_ini("[a]\nb = 1\nc = \xff\n", "my.ini"),
                      "config file 'my.ini', line 3: byte 0xff is not valid UTF-8; expected a "
                      "UTF-8 text file");
    CHECK_THROWS_WITH(parse_ini(std::string("[a]\nb = 1\0\n", 11), "my.ini"),
                      "config file 'my.ini', line 2: holds a NUL byte; expected a text file");
    // A byte order mark anywhere but at the start is not one.
    CHECK_THROWS_WITH(parse_ini("[a]\n\xef\xbb\xbf"
                                "b = 1\n",
                                "my.ini"),
                      "config file 'my.ini', line 2: a byte order mark (U+FEFF) is accepted at "
                      "the start of the file only");
}

TEST_CASE("read_config_file refuses what is not a small regular file") {
    CHECK_THROWS_WITH(read_config_file("/dev/zero"),
                      "config: config file '/dev/zero' is a character device; expected a "
                      "regular file (an INI file of configuration keys)");
    CHECK_THROWS_WITH(read_config_file("/"), Contains("config file '/' is a directory"));
    CHECK_THROWS_WITH(read_config_file("/nonexistent/x.ini"),
                      "config: cannot open config file '/nonexistent/x.ini': No such file or "
                      "directory");
    const std::string path = "/tmp/dnsim_unit_config_" + std::to_string(::getpid()) + ".ini";
    {
        std::ofstream out(path, std::ios::binary);
        out << "[denoiser]\ncores = 3\n";
    }
    CHECK(read_config_file(path) == "[denoiser]\ncores = 3\n");
    CHECK(read_config_file(path, 21) == "[denoiser]\ncores = 3\n");
    CHECK_THROWS_WITH(read_config_file(path, 20),
                      "config: config file '" + path +
                          "' is larger than 20 bytes; expected an INI file of configuration keys");
    std::remove(path.c_str());
    // A file whose size stat does not tell (0 for /proc) is bounded by the read.
    CHECK_THROWS_WITH(read_config_file("/proc/self/status", 16),
                      Contains("is larger than 16 bytes"));
    CHECK(kMaxConfigFileBytes == 1048576);
}

TEST_CASE("run memory estimate from a graph footprint (hand-computed) and its limit") {
    workloads::GraphFootprint f;
    f.weight_elements = 1000;
    f.input_elements = 784;
    f.output_elements = 10;
    f.peak_live_elements = 5000;
    f.peak_live_executor_elements = 11000;  // the executor's bound (two layouts); eval uses it
    f.max_im2col_elements = 2000;
    f.max_conv_work_elements = 2000;
    SECTION("eval: groups of 32 images per worker, batches of 256 images") {
        const tb::MemoryEstimate m = tb::estimate_eval_memory(f, 10000, 256, 4, 32);
        CHECK(m.weights_bytes == 4000);
        CHECK(m.dataset_bytes == 784 * 10000 * 4);
        // 256 images over 4 workers: 64 each, evaluated in groups of at most 32.
        CHECK(m.activations_bytes == 11000 * 32 * 4 * 4);
        // Per worker: 32 images of 8000 bytes fit one GEMM (256 000 < 256 KiB); three buffers and
        // half again: 4.5 x 256 000; plus the packed-weight cache, a copy of the weights and
        // panels a quarter larger: 2.25 x 4000 bytes.
        CHECK(m.scratch_bytes == 4 * (1152000 + 9000));
        CHECK(m.outputs_bytes == (784 + 10) * 256 * 4);
        // Three images: three workers at most.
        CHECK(tb::estimate_eval_memory(f, 3, 256, 4, 32).activations_bytes == 11000 * 3 * 4);
        // A graph evaluated one image per call (exec_group 1).
        CHECK(tb::estimate_eval_memory(f, 10000, 256, 4, 1).activations_bytes == 11000 * 4 * 4);
    }
    SECTION(
        "run: jobs of 64 images alive at once, convolution buffers per worker, weights "
        "twice, logits of the kept passes") {
        const tb::MemoryEstimate m = tb::estimate_run_memory(f, 10000, 64, 4, 2, 3);
        CHECK(m.weights_bytes == 2 * 4000);
        CHECK(m.activations_bytes == 5000 * 64 * 4);
        // Per worker 16 images (64 / 4) of 8000 bytes: 4.5 x 128 000; the weight cache holds
        // the graph's and the crossbars' weights: 2.25 x 2 x 4000 bytes.
        CHECK(m.scratch_bytes == 4 * (576000 + 18000));
        CHECK(m.outputs_bytes == 3 * 10000 * 10 * 4);
        // Two chips x two seeds with denoisers: clean plus eight passes of logits.
        CHECK(tb::estimate_run_memory(f, 10000, 64, 4, 2, 9).outputs_bytes == 9 * 10000 * 10 * 4);
        CHECK(m.total_bytes() ==
              8000 + 784 * 10000 * 4 + 5000 * 64 * 4 + 4 * 594000 + 3 * 10000 * 10 * 4);
        const tb::MemoryEstimate t = tb::estimate_run_memory(f, 0, 64, 4, 2, 3);
        CHECK(t.total_bytes() == 8000);  // timing only: no data
        // As loaded and as programmed into the crossbars, plus one per bit slice; a timing-only
        // run programs no crossbars, and a built-in model there holds the weights' shapes only.
        CHECK(tb::run_weight_copies(true, false, 0) == 2);
        CHECK(tb::run_weight_copies(true, false, 8) == 10);
        CHECK(tb::run_weight_copies(true, true, 8) == 1);
        CHECK(tb::run_weight_copies(false, true, 0) == 0);
    }
    SECTION("above the limit: one error naming the key, the model and the parts") {
        const std::int64_t saved = tb::max_memory_mib();
        tb::set_max_memory_mib(1);
        const tb::MemoryEstimate m = tb::estimate_run_memory(f, 10000, 64, 4, 2, 0);
        // 8000 + 31 360 000 + 1 280 000 + 2 376 000 bytes = 33.40 MiB
        CHECK_THROWS_WITH(tb::check_memory(m, "net.onnx", "lower run.batch"),
                          "run.max_memory_mib: 'net.onnx' would need about 33.4 MiB (weights "
                          "0.0, dataset 29.9, activations 1.2, conv buffers 2.3, outputs 0.0), "
                          "more "
                          "than run.max_memory_mib = 1 MiB; lower run.batch, or raise "
                          "run.max_memory_mib");
        tb::set_max_memory_mib(40);
        CHECK_NOTHROW(tb::check_memory(m, "net.onnx", "lower run.batch"));
        tb::set_max_memory_mib(saved);
    }
    SECTION("sizes past 64 bits saturate and are refused, not wrapped") {
        f.peak_live_elements = std::int64_t{1} << 61;
        const tb::MemoryEstimate m = tb::estimate_run_memory(f, 10000, 64, 4, 2, 0);
        CHECK(m.total_bytes() == std::numeric_limits<std::int64_t>::max());
        CHECK_THROWS_AS(tb::check_memory(m, "net.onnx", "lower run.batch"), ConfigError);
    }
}

namespace {

/// The parts of a fuzz_config input (tests/fuzz/fuzz_common.h): a flags byte, a 16-bit
/// little-endian length, the INI text, then the command-line arguments separated by NUL bytes.
struct ConfigReproducer {
    std::string ini;
    std::vector<std::string> args;
};

ConfigReproducer read_config_reproducer(const std::string& name) {
    std::ifstream in(std::string(DNSIM_FUZZ_FINDINGS_DIR) + "/" + name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() >= 3);
    const std::size_t len = std::min<std::size_t>(
        static_cast<unsigned char>(bytes[1]) |
            (static_cast<std::size_t>(static_cast<unsigned char>(bytes[2])) << 8),
        bytes.size() - 3);
    ConfigReproducer r;
    r.ini = bytes.substr(3, len);
    const std::string rest = bytes.substr(3 + len);
    for (std::size_t start = 0; !rest.empty() && start <= rest.size();) {
        const std::size_t end = std::min(rest.find('\0', start), rest.size());
        r.args.push_back(rest.substr(start, end - start));
        start = end + 1;
    }
    return r;
}

/// One line of printable text: no control character.
bool one_printable_line(const std::string& text) {
    return std::none_of(text.begin(), text.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; });
}

/// parse_options over `args` (after the command name) with one key, as the dnsim commands call it.
std::string parse_options_error(std::vector<std::string> args) {
    struct Cores {
        unsigned cores = 1;
    };
    config::KeySet<Cores> keys;
    keys.add("denoiser.cores", &Cores::cores).help("conv cores");
    Cores c;
    tb::ConfigBinder binder;
    binder.bind(keys, c);
    boost::program_options::options_description general("general");
    general.add_options()("config", boost::program_options::value<std::string>(), "INI file");
    boost::program_options::options_description cli;
    cli.add(general).add(binder.options());
    args.insert(args.begin(), "run");
    std::vector<const char*> argv;
    for (const std::string& a : args)
        argv.push_back(a.c_str());
    boost::program_options::variables_map vm;
    return error_of([&] {
        tb::parse_options(static_cast<int>(argv.size()), argv.data(), cli, binder.options(),
                          nullptr, vm);
    });
}

}  // namespace

TEST_CASE("finding config-1: an option with control characters gives an error of one line") {
    // The configuration harness's first finding: the command line's errors quoted the option as
    // typed, a newline or an escape sequence included.
    const ConfigReproducer r = read_config_reproducer("config-1-control-character-in-option.bin");
    REQUIRE(r.args == std::vector<std::string>{"--a\nb"});
    CHECK(parse_options_error(r.args) == "a\\x0ab: command line: unrecognised option '--a\\x0ab'");
    const std::string escape = parse_options_error({"--x\x1b[2J", "1"});
    CHECK(escape == "x\\x1b[2J: command line: unrecognised option '--x\\x1b[2J'");
    CHECK(parse_options_error({"--denoiser.cores", "2", "--denoiser.cores", "3"}) ==
          "denoiser.cores: command line: option '--denoiser.cores' cannot be specified more than "
          "once");
    CHECK(parse_options_error({"--denoiser.cores"}) ==
          "denoiser.cores: command line: the required argument for option '--denoiser.cores' is "
          "missing");
}

TEST_CASE("finding config-3: an option holding Boost's placeholders gives an error, no hang") {
    // Found by the CI fuzz stage: Boost.Program_options builds its message by replacing
    // %canonical_option% (and %value%, ...) with the option as typed until none is left, so an
    // option named --%canonical_option% looped forever inside what().
    const ConfigReproducer r = read_config_reproducer("config-3-placeholder-in-option.bin");
    REQUIRE(r.args == std::vector<std::string>{"--%canonical_option%"});
    CHECK(parse_options_error(r.args) ==
          "%canonical_option%: command line: unrecognised option "
          "'--\\x25canonical_option\\x25'");
}

TEST_CASE("finding config-2: a key with control characters set twice in an INI file") {
    const ConfigReproducer r = read_config_reproducer("config-2-control-character-in-key.bin");
    REQUIRE(r.ini == "\x1f=\n\x1f=");
    const std::string msg = error_of([&] { parse_ini(r.ini, "x.ini"); });
    CHECK(msg == "\\x1f: config file 'x.ini', line 2: set twice (first on line 1)");
    CHECK(one_printable_line(msg));
}

TEST_CASE("the parsers of text-valued keys quote the value printable") {
    // Found by the configuration harness with the two findings above: a value given on the
    // command line (or with a control character in an INI file) was echoed raw.
    const std::string bad = "a\nb\x1b";
    const std::vector<std::pair<std::string, std::function<void()>>> parsers = {
        {"noise.fidelity", [&] { cgra::parse_fidelity("noise.fidelity", bad); }},
        {"noise.magnitude", [&] { cgra::parse_magnitude("noise.magnitude", bad); }},
        {"noise.distribution", [&] { cgra::parse_distribution("noise.distribution", bad); }},
        {"cgra.depthwise", [&] { cgra::parse_depthwise_mapping("cgra.depthwise", bad); }},
        {"cgra.replication_policy",
         [&] { cgra::parse_replication_policy("cgra.replication_policy", bad); }},
        {"", [&] { workloads::parse_pixel_scale(bad); }},
        {"", [&] { workloads::parse_number_list(bad, false); }},
        {"", [&] { workloads::parse_number_list("-1\x01", true); }},
        {"", [&] { workloads::check_channel_order(bad, -1); }},
        {"", [&] { workloads::check_channel_order("rgb", 1); }},
    };
    for (const auto& [key, parse] : parsers) {
        const std::string msg = error_of(parse);
        INFO(key << ": " << msg);
        CHECK(msg.rfind(key.empty() ? "'" : key + ": '", 0) == 0);
        CHECK(one_printable_line(msg));
    }
    CHECK(error_of([&] { cgra::parse_magnitude("noise.magnitude", bad); }) ==
          "noise.magnitude: 'a\\x0ab\\x1b' is not one of element, channel, tensor");
}

TEST_CASE("provenance: the build, the inputs' SHA-256, the configuration's hash, the seeds") {
    // Expected digests from sha256sum (coreutils), not from dnsim's SHA-256.
    const std::vector<std::pair<std::string, std::string>> config{{"cgra.clock_mhz", "500"},
                                                                  {"run.seed", "7"}};
    CHECK(tb::config_sha256(config) ==
          "9fb1f258b4162d285c30cd59ebbc39e569d0d149d64912efaf5152bfd67a3863");
    const std::string model = "/tmp/dnsim_unit_provenance_" + std::to_string(::getpid());
    std::ofstream(model, std::ios::binary) << "abc";
    tb::ProvenanceInputs in;
    in.command = "dnsim run m.onnx";
    in.model = model;
    in.dataset_files = {model};
    in.config = config;
    in.wall_time_s = 1.5;
    const auto p = tb::provenance_json(in);
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    CHECK(p["model"]["path"] == model);
    CHECK(p["model"]["sha256"] == abc);
    CHECK(p["dataset"][0]["sha256"] == abc);
    CHECK(p["config_sha256"] == tb::config_sha256(config));
    CHECK(p["seeds"] == nlohmann::ordered_json{{"run.seed", "7"}});
    CHECK(p["dnsim_version"] == DNSIM_VERSION);
    const std::string commit = p["git_commit"];
    CHECK((commit == "unknown" || commit.size() == 40));
    CHECK(p["wall_time_s"] == 1.5);
    std::remove(model.c_str());
    in.model = "resnet18";
    in.model_builtin = true;
    in.dataset_files.clear();
    const auto q = tb::provenance_json(in);
    CHECK(q["model"] == nlohmann::ordered_json{{"builtin", "resnet18"}});
    CHECK(q["dataset"].empty());
    in.model = model;  // removed: one error naming the file
    in.model_builtin = false;
    CHECK_THROWS_WITH(tb::provenance_json(in),
                      model + ": cannot open file: No such file or directory");
}

TEST_CASE("provenance: the command line quotes what a shell would split") {
    const char* argv[] = {"dnsim", "run", "my model.onnx", "--dataset.mean", "it's", "--x=1"};
    CHECK(tb::command_line(6, argv) == "dnsim run 'my model.onnx' --dataset.mean 'it'\\''s' --x=1");
    const char* empty[] = {"dnsim", ""};
    CHECK(tb::command_line(2, empty) == "dnsim ''");
}
