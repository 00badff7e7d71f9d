// Study files of dnsim sweep (testbench/sweep_study.h): the values of an axis (lists, range,
// linspace, logspace, geometric) and their errors, then whole study files: the order of the
// points, zipped groups, fixed keys and a config file, what each point runs, and the hashes
// that tell whether two files or two points are the same. Every expected value is worked out
// by hand in the test.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config_error_text.h"
#include "models/common/config_error.h"
#include "scratch_dir.h"
#include "testbench/sweep_study.h"

using dnsim::test::error_of;

using namespace dnsim;
using Catch::Contains;
using dnsim::tb::axis_values;
using dnsim::tb::read_study;
using dnsim::tb::Study;
namespace fs = std::filesystem;
using Values = std::vector<std::string>;

namespace {

const fs::path& scratch() {
    return test::scratch_dir("dnsim_test_sweep_study");
}

/// Writes `text` to `path` (its directory created) and returns the path.
std::string write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
}

std::string axis_error(const std::string& text) {
    return error_of([&] { axis_values(text, "s.ini [axes] k (line 3)"); });
}

/// The values of every point, in index order.
std::vector<Values> points_of(const Study& s) {
    std::vector<Values> out;
    for (std::size_t i = 0; i < s.point_count(); ++i)
        out.push_back(s.point(i).values);
    return out;
}

std::vector<std::string> hashes_of(const Study& s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.point_count(); ++i)
        out.push_back(s.point(i).config_hash);
    return out;
}

const char* const kSmallBase =
    "[base]\n"
    "block.channels = 4\n"
    "block.height = 3\n"
    "block.width = 3\n";

/// A denoiser study file NAME in the scratch directory: [study], a 4x3x3 block in [base] (lines
/// 1 to 6), then `sections`.
std::string small_study(const std::string& name, const std::string& sections) {
    return write(scratch() / name,
                 std::string("[study]\ncommand = denoiser\n") + kSmallBase + sections);
}

}  // namespace

TEST_CASE("sweep axis: a list of values, trimmed, quotes keeping commas and spaces") {
    CHECK(axis_values("1, 2, 4", "w") == Values{"1", "2", "4"});
    CHECK(axis_values("  8  ", "w") == Values{"8"});
    CHECK(axis_values("a b,c", "w") == Values{"a b", "c"});
    CHECK(axis_values("\"conv1,layer4.1.conv2\", conv1", "w") ==
          Values{"conv1,layer4.1.conv2", "conv1"});
    CHECK(axis_values("\" padded \" , \"x,y,z\"", "w") == Values{" padded ", "x,y,z"});
    CHECK(axis_values("\"\", a", "w") == Values{"", "a"});
}

TEST_CASE("sweep axis: malformed lists name the place") {
    CHECK_THAT(axis_error("1,,2"), Contains("s.ini [axes] k (line 3)") && Contains("empty value"));
    CHECK_THAT(axis_error("1, 2,"), Contains("empty value"));
    CHECK_THAT(axis_error(", 1"), Contains("empty value"));
    CHECK_THAT(axis_error("\"a, b"), Contains("a quote is not closed"));
    CHECK_THAT(axis_error("\"a\"b, c"), Contains("text after a closing quote"));
    CHECK_THAT(axis_error("a\"b\""), Contains("a quote inside a value"));
}

TEST_CASE("sweep axis: an empty axis is an error") {
    CHECK_THAT(axis_error(""), Contains("s.ini [axes] k (line 3): the axis has no values"));
    CHECK_THAT(axis_error("   \t "), Contains("the axis has no values"));
}

TEST_CASE("sweep axis: range with an integer step") {
    CHECK(axis_values("range(1, 8, 1)", "w") == Values{"1", "2", "3", "4", "5", "6", "7", "8"});
    CHECK(axis_values("range(0, 20, 5)", "w") == Values{"0", "5", "10", "15", "20"});
    CHECK(axis_values("range (2, 2, 1)", "w") == Values{"2"});
    CHECK(axis_values("  range(-2,2,2)  ", "w") == Values{"-2", "0", "2"});
}

TEST_CASE("sweep axis: range with a real step prints the decimal values") {
    // 0.1 + 2 x 0.1 is 0.30000000000000004 in binary floating point: the axis says 0.3.
    CHECK(axis_values("range(0.1, 0.5, 0.1)", "w") == Values{"0.1", "0.2", "0.3", "0.4", "0.5"});
    CHECK(axis_values("range(0, 1, 0.25)", "w") == Values{"0", "0.25", "0.5", "0.75", "1"});
    CHECK(axis_values("range(0.5, 2, 0.5)", "w") == Values{"0.5", "1", "1.5", "2"});
    CHECK(axis_values("range(0, 0.3, 0.1)", "w") == Values{"0", "0.1", "0.2", "0.3"});
}

TEST_CASE("sweep axis: descending ranges") {
    CHECK(axis_values("range(8, 2, -2)", "w") == Values{"8", "6", "4", "2"});
    CHECK(axis_values("range(1, 0, -0.25)", "w") == Values{"1", "0.75", "0.5", "0.25", "0"});
}

TEST_CASE("sweep axis: a range whose step does not reach its end is an error") {
    // 1, 4, 7, then 10: 8 is never reached.
    CHECK_THAT(axis_error("range(1, 8, 3)"), Contains("s.ini [axes] k (line 3)") &&
                                                 Contains("does not reach the end 8") &&
                                                 Contains("1 + 2 x 3 = 7"));
    CHECK_THAT(axis_error("range(0, 1, 0.3)"), Contains("does not reach the end 1"));
    CHECK_THAT(axis_error("range(8, 1, -2)"), Contains("does not reach the end 1"));
}

TEST_CASE("sweep axis: a zero step or one leading away from the end is an error") {
    CHECK_THAT(axis_error("range(1, 8, 0)"), Contains("the step 0 does not lead from 1 to 8"));
    CHECK_THAT(axis_error("range(1, 1, 0)"), Contains("the step 0 does not lead"));
    CHECK_THAT(axis_error("range(1, 8, -1)"), Contains("the step -1 does not lead from 1 to 8"));
    CHECK_THAT(axis_error("range(8, 1, 1)"), Contains("the step 1 does not lead from 8 to 1"));
}

TEST_CASE("sweep axis: more values than an axis may hold") {
    CHECK_THAT(axis_error("range(1, 1000000, 1)"),
               Contains("gives 1000000 values; accepted: 1 to 100000"));
    CHECK(axis_values("range(1, 100000, 1)", "w").size() == 100000);
}

TEST_CASE("sweep axis: linspace") {
    CHECK(axis_values("linspace(0, 1, 5)", "w") == Values{"0", "0.25", "0.5", "0.75", "1"});
    // Integer ends and an integer spacing give integers.
    CHECK(axis_values("linspace(0, 10, 6)", "w") == Values{"0", "2", "4", "6", "8", "10"});
    CHECK(axis_values("linspace(10, 0, 3)", "w") == Values{"10", "5", "0"});
    CHECK(axis_values("linspace(0.2, 0.3, 2)", "w") == Values{"0.2", "0.3"});
    CHECK(axis_values("linspace(3, 3, 1)", "w") == Values{"3"});
    CHECK_THAT(axis_error("linspace(1, 2, 1)"), Contains("one value cannot span 1 to 2"));
    CHECK_THAT(axis_error("linspace(1, 2, 0)"), Contains("N must be a whole number of at least 1"));
    CHECK_THAT(axis_error("linspace(1, 2, 2.5)"), Contains("N must be a whole number"));
    CHECK_THAT(axis_error("linspace(1, 2, -3)"), Contains("N must be a whole number"));
}

TEST_CASE("sweep axis: logspace is geometric between START and END") {
    CHECK(axis_values("logspace(1, 1000, 4)", "w") == Values{"1", "10", "100", "1000"});
    CHECK(axis_values("logspace(0.01, 1, 3)", "w") == Values{"0.01", "0.1", "1"});
    CHECK(axis_values("logspace(16, 1, 5)", "w") == Values{"16", "8", "4", "2", "1"});
    CHECK_THAT(axis_error("logspace(0, 1, 3)"), Contains("START and END must be greater than 0"));
    CHECK_THAT(axis_error("logspace(-1, 1, 3)"), Contains("START and END must be greater than 0"));
}

TEST_CASE("sweep axis: geometric") {
    CHECK(axis_values("geometric(1, 16, 2)", "w") == Values{"1", "2", "4", "8", "16"});
    CHECK(axis_values("geometric(16, 1, 0.5)", "w") == Values{"16", "8", "4", "2", "1"});
    CHECK(axis_values("geometric(0.5, 4, 2)", "w") == Values{"0.5", "1", "2", "4"});
    CHECK(axis_values("geometric(3, 243, 3)", "w") == Values{"3", "9", "27", "81", "243"});
    CHECK(axis_values("geometric(1, 1, 2)", "w") == Values{"1"});
}

TEST_CASE("sweep axis: a geometric axis that misses its end or cannot reach it is an error") {
    // 1, 2, 4, 8, 16, 32: 20 is never reached.
    CHECK_THAT(axis_error("geometric(1, 20, 2)"),
               Contains("s.ini [axes] k (line 3)") &&
                   Contains("the factor 2 does not reach the end 20 from 1"));
    CHECK_THAT(axis_error("geometric(1, 16, 1)"), Contains("FACTOR"));
    CHECK_THAT(axis_error("geometric(0, 16, 2)"), Contains("greater than 0"));
    CHECK_THAT(axis_error("geometric(1, 16, -2)"), Contains("greater than 0"));
    CHECK_THAT(axis_error("geometric(1, 0.25, 2)"), Contains("leading from START to END"));
}

TEST_CASE("sweep axis: malformed calls") {
    CHECK_THAT(axis_error("range(1, 2)"),
               Contains("range() takes three numbers (START, END, STEP), not 2"));
    CHECK_THAT(axis_error("range(1, 2, 3, 4)"), Contains("takes three numbers"));
    CHECK_THAT(axis_error("geometric(1, 2)"), Contains("(START, END, FACTOR)"));
    CHECK_THAT(axis_error("linspace(1)"), Contains("(START, END, N), not 1"));
    CHECK_THAT(axis_error("range(1, 2, 1"), Contains("expected range(...)"));
    CHECK_THAT(axis_error("range(1, 2, 1) x"), Contains("expected range(...)"));
    CHECK_THAT(axis_error("range(a, 2, 1)"), Contains("'a' is not a finite decimal number"));
    CHECK_THAT(axis_error("range(1, 2, )"), Contains("s.ini [axes] k (line 3)"));
    CHECK_THAT(axis_error("range()"), Contains("s.ini [axes] k (line 3)"));
    CHECK_THAT(axis_error("range(nan, 2, 1)"), Contains("not a finite decimal number"));
    CHECK_THAT(axis_error("range(1, inf, 1)"), Contains("not a finite decimal number"));
    CHECK_THAT(axis_error("linspace(0x10, 2, 1)"), Contains("not a finite decimal number"));
}

TEST_CASE("sweep study: a grid varies its first dimension slowest") {
    const std::string f = small_study("grid.ini",
                                      "[axes]\n"
                                      "denoiser.cores = 1, 2\n"
                                      "denoiser.lanes = 1, 2, 4\n");
    const Study s = read_study(f);
    CHECK(s.name == "grid");
    CHECK(s.command == "denoiser");
    REQUIRE(s.axes.size() == 2);
    CHECK(s.axes[0].key == "denoiser.cores");
    CHECK(s.axes[0].section == "axes");
    CHECK(s.axes[1].key == "denoiser.lanes");
    REQUIRE(s.dimensions.size() == 2);
    CHECK(s.point_count() == 6);
    CHECK(points_of(s) ==
          std::vector<Values>{
              {"1", "1"}, {"1", "2"}, {"1", "4"}, {"2", "1"}, {"2", "2"}, {"2", "4"}});
    CHECK(s.point(4).index == 4);
    CHECK(s.describe(s.point(4)) == "denoiser.cores=2 denoiser.lanes=2");
}

TEST_CASE("sweep study: a zipped group is one dimension whose keys go together") {
    const std::string f = small_study("zip.ini",
                                      "[axes]\n"
                                      "denoiser.cores = 1, 2\n"
                                      "[zip sram]\n"
                                      "weight_sram.banks = 1, 2, 4\n"
                                      "activation_sram.banks = 2, 4, 8\n");
    const Study s = read_study(f);
    REQUIRE(s.axes.size() == 3);
    CHECK(s.axes[1].section == "zip sram");
    CHECK(s.axes[2].section == "zip sram");
    REQUIRE(s.dimensions.size() == 2);
    CHECK(s.dimensions[1].axes == std::vector<std::size_t>{1, 2});
    CHECK(s.dimensions[1].size == 3);
    CHECK(s.point_count() == 6);
    CHECK(points_of(s) == std::vector<Values>{{"1", "1", "2"},
                                              {"1", "2", "4"},
                                              {"1", "4", "8"},
                                              {"2", "1", "2"},
                                              {"2", "2", "4"},
                                              {"2", "4", "8"}});
}

TEST_CASE("sweep study: dimensions follow the file, a group's keys may be apart") {
    // The group first (slowest), [axes] second; the group's second key comes after [axes].
    const std::string f = small_study("order.ini",
                                      "[zip g]\n"
                                      "denoiser.cores = 1, 2\n"
                                      "[axes]\n"
                                      "denoiser.lanes = 1, 2, 4\n"
                                      "[zip g]\n"
                                      "weight_sram.banks = 2, 4\n");
    const Study s = read_study(f);
    REQUIRE(s.axes.size() == 3);
    CHECK(s.axes[2].key == "weight_sram.banks");
    REQUIRE(s.dimensions.size() == 2);
    CHECK(s.dimensions[0].axes == std::vector<std::size_t>{0, 2});
    // (cores, lanes, banks): cores and banks together, lanes fastest.
    CHECK(points_of(s) == std::vector<Values>{{"1", "1", "2"},
                                              {"1", "2", "2"},
                                              {"1", "4", "2"},
                                              {"2", "1", "4"},
                                              {"2", "2", "4"},
                                              {"2", "4", "4"}});
}

TEST_CASE("sweep study: zipped keys of different lengths are an error") {
    const std::string f = small_study("ziplen.ini",
                                      "[zip g]\n"
                                      "denoiser.cores = 1, 2\n"
                                      "denoiser.lanes = 1, 2, 4\n");
    CHECK_THAT(error_of([&] { read_study(f); }),
               Contains("ziplen.ini [zip g] denoiser.lanes (line 9): has 3 values, the other keys "
                        "of [zip g] 2"));
}

TEST_CASE("sweep study: a zipped key may repeat a value, but not a whole column") {
    // One kind of noise per column: the same distribution in several columns is natural.
    const std::string f = small_study("ziprepeat.ini",
                                      "[zip g]\n"
                                      "denoiser.cores = 1, 1, 2\n"
                                      "denoiser.lanes = 1, 2, 2\n");
    const Study s = read_study(f);
    CHECK(points_of(s) == std::vector<Values>{{"1", "1"}, {"1", "2"}, {"2", "2"}});
    // Columns 1 and 3 are the same point.
    const std::string twice = small_study("zipsame.ini",
                                          "[zip g]\n"
                                          "denoiser.cores = 1, 2, 1\n"
                                          "denoiser.lanes = 2, 2, 2\n");
    CHECK_THAT(error_of([&] { read_study(twice); }),
               Contains("zipsame.ini [zip g]") &&
                   Contains("values 1 and 3 of every key are the same (two points would be the "
                            "same)"));
}

TEST_CASE("sweep study: a zipped group's name is the same however it is spaced") {
    const std::string f = small_study("zipspace.ini",
                                      "[zip g]\n"
                                      "denoiser.cores = 1, 2\n"
                                      "[zip   g]\n"
                                      "denoiser.lanes = 1, 2\n");
    const Study s = read_study(f);
    CHECK(s.dimensions.size() == 1);
    CHECK(s.point_count() == 2);
    CHECK(s.axes[1].section == "zip g");
    CHECK_THAT(error_of([&] {
                   read_study(write(scratch() / "zipname.ini",
                                    "[study]\n"
                                    "command = denoiser\n"
                                    "[zip a/b]\n"
                                    "denoiser.cores = 1, 2\n"));
               }),
               Contains("zipname.ini [zip a/b] (line 4)") && Contains("[zip NAME]"));
}

TEST_CASE("sweep study: base keys, checked and canonical, sorted by key") {
    const std::string f = write(scratch() / "base.ini",
                                "[study]\n"
                                "command = denoiser\n"
                                "[base]\n"
                                "block.width = 3\n"
                                "denoiser.clock_mhz = 250.0\n"
                                "block.channels = 4\n"
                                "[axes]\n"
                                "denoiser.cores = 1, 2\n");
    const Study s = read_study(f);
    CHECK(s.base ==
          std::vector<std::pair<std::string, std::string>>{
              {"block.channels", "4"}, {"block.width", "3"}, {"denoiser.clock_mhz", "250"}});
    CHECK(s.point_ini(s.point(1)) ==
          "block.channels = 4\nblock.width = 3\ndenoiser.clock_mhz = 250\ndenoiser.cores = 2\n");
    CHECK(s.point_args(s.point(1)) == Values{"denoiser"});
}

TEST_CASE("sweep study: the config file is read relative to the study file, base keys win") {
    const fs::path dir = scratch() / "config_rel";
    write(dir / "base.ini", "[block]\nchannels = 8\nheight = 5\n[denoiser]\nlanes = 2\n");
    const std::string f = write(dir / "study.ini",
                                "[study]\n"
                                "command = denoiser\n"
                                "config = base.ini\n"
                                "[base]\n"
                                "block.channels = 4\n"
                                "[axes]\n"
                                "denoiser.cores = 1, 2\n");
    // The current directory is not the study's: base.ini is found beside the study file.
    REQUIRE(fs::current_path() != dir);
    const Study s = read_study(f);
    CHECK(s.base == std::vector<std::pair<std::string, std::string>>{
                        {"block.channels", "4"}, {"block.height", "5"}, {"denoiser.lanes", "2"}});
    CHECK(s.point_ini(s.point(0)) ==
          "block.channels = 4\nblock.height = 5\ndenoiser.cores = 1\ndenoiser.lanes = 2\n");
}

TEST_CASE("sweep study: a preset's keys, under base and axes, fixed or as an axis") {
    const fs::path dir = scratch() / "presets";
    write(dir / "presets" / "a.ini", "[denoiser]\ncores = 4\nlanes = 2\n[cgra]\npass_ns = 90\n");
    write(dir / "presets" / "b.ini", "[denoiser]\ncores = 6\n");
    ::setenv("DNSIM_PRESETS_DIR", (dir / "presets").c_str(), 1);
    // dnsim denoiser has no cgra keys: the preset's are left out.
    const std::string fixed = write(dir / "fixed.ini",
                                    "[study]\ncommand = denoiser\npreset = a\n"
                                    "[base]\ndenoiser.lanes = 1\n[axes]\nblock.channels = 8\n");
    const Study s = read_study(fixed);
    CHECK(s.point_ini(s.point(0)) ==
          "block.channels = 8\ndenoiser.cores = 4\ndenoiser.lanes = 1\n");
    const std::string varied = write(dir / "varied.ini",
                                     "[study]\ncommand = denoiser\n"
                                     "[axes]\npreset = a, b\ndenoiser.lanes = 3\n");
    const Study v = read_study(varied);
    REQUIRE(v.point_count() == 2);
    CHECK(v.point_ini(v.point(0)) == "denoiser.cores = 4\ndenoiser.lanes = 3\n");
    CHECK(v.point_ini(v.point(1)) == "denoiser.cores = 6\ndenoiser.lanes = 3\n");
    CHECK(v.describe(v.point(1)) == "preset=b denoiser.lanes=3");
    // A changed preset file changes the points it sets and the study's identity.
    const std::string h1 = v.point(1).config_hash;
    const std::string id = v.identity;
    write(dir / "presets" / "b.ini", "[denoiser]\ncores = 7\n");
    const Study w = read_study(varied);
    CHECK(w.point(1).config_hash != h1);
    CHECK(w.point(0).config_hash == v.point(0).config_hash);
    CHECK(w.identity != id);
    // Errors name the study file or the preset file.
    const std::string unknown =
        write(dir / "unknown.ini", "[study]\ncommand = denoiser\n[axes]\npreset = a, zz\n");
    CHECK_THAT(
        error_of([&] { read_study(unknown); }),
        Contains("unknown.ini [axes] preset (line 4): 'zz' is not a preset; accepted: a, b"));
    const std::string both =
        write(dir / "both.ini", "[study]\ncommand = denoiser\npreset = a\n[axes]\npreset = b\n");
    CHECK_THAT(error_of([&] { read_study(both); }), Contains("a preset is either fixed or varied"));
    const std::string in_base =
        write(dir / "in_base.ini",
              "[study]\ncommand = denoiser\n[base]\npreset = a\n[axes]\nblock.channels = 8\n");
    CHECK_THAT(error_of([&] { read_study(in_base); }),
               Contains("in_base.ini [base] preset (line 4): the preset; set it in [study]"));
    write(dir / "presets" / "bad.ini", "[denoiser]\ncores = 0\n");
    const std::string bad = write(
        dir / "bad.ini", "[study]\ncommand = denoiser\npreset = bad\n[axes]\nblock.channels = 8\n");
    CHECK_THAT(error_of([&] { read_study(bad); }),
               Contains("bad.ini denoiser.cores (line 2)") && Contains("out of range"));
    ::unsetenv("DNSIM_PRESETS_DIR");
}

TEST_CASE("sweep study: errors in or about the config file name it") {
    const fs::path dir = scratch() / "config_errors";
    const std::string missing = write(dir / "missing.ini",
                                      "[study]\n"
                                      "command = denoiser\n"
                                      "config = nowhere.ini\n"
                                      "[axes]\n"
                                      "denoiser.cores = 1, 2\n");
    CHECK_THAT(error_of([&] { read_study(missing); }),
               Contains("missing.ini [study] config") && Contains("nowhere.ini"));
    write(dir / "bad.ini", "[denoiser]\ncores = 2\ncorse = 3\n");
    const std::string bad = write(dir / "uses_bad.ini",
                                  "[study]\n"
                                  "command = denoiser\n"
                                  "config = bad.ini\n"
                                  "[axes]\n"
                                  "denoiser.lanes = 1, 2\n");
    CHECK_THAT(error_of([&] { read_study(bad); }), Contains("bad.ini denoiser.corse (line 3)") &&
                                                       Contains("no such configuration key"));
    // A key of the config file is fixed: varying it too is an error.
    write(dir / "good.ini", "[denoiser]\ncores = 2\n");
    const std::string both = write(dir / "both.ini",
                                   "[study]\n"
                                   "command = denoiser\n"
                                   "config = good.ini\n"
                                   "[axes]\n"
                                   "denoiser.cores = 1, 2\n");
    CHECK_THAT(error_of([&] { read_study(both); }),
               Contains("both.ini [axes] denoiser.cores (line 5): also fixed"));
}

TEST_CASE("sweep study: run options in [study] and as axes, point_args and point_ini") {
    const std::string f = write(scratch() / "run.ini",
                                "[study]\n"
                                "timing_only = yes\n"
                                "denoisers = conv1\n"
                                "[base]\n"
                                "cgra.pass_ns = 100\n"
                                "[axes]\n"
                                "model = resnet18_28, resnet18\n");
    const Study s = read_study(f);
    CHECK(s.command == "run");
    CHECK(s.timing_only == "true");
    CHECK(s.model.empty());
    CHECK(s.model_files.empty());
    REQUIRE(s.point_count() == 2);
    CHECK(s.point_args(s.point(0)) ==
          Values{"run", "resnet18_28", "--timing-only", "--denoisers", "conv1"});
    CHECK(s.point_args(s.point(1)) ==
          Values{"run", "resnet18", "--timing-only", "--denoisers", "conv1"});
    // Run options are arguments, not keys of the point's INI file.
    CHECK(s.point_ini(s.point(1)) == "cgra.pass_ns = 100\n");

    const std::string g = write(scratch() / "run_axes.ini",
                                "[study]\n"
                                "model = resnet18_28\n"
                                "[axes]\n"
                                "denoisers = \"conv1,layer4.1.conv2\", "
                                "conv1\n"
                                "timing_only = false, true\n");
    const Study t = read_study(g);
    REQUIRE(t.point_count() == 4);
    CHECK(t.point_args(t.point(0)) ==
          Values{"run", "resnet18_28", "--denoisers", "conv1,layer4.1.conv2"});
    CHECK(t.point_args(t.point(3)) ==
          Values{"run", "resnet18_28", "--timing-only", "--denoisers", "conv1"});
    CHECK(t.point_ini(t.point(3)).empty());
}

TEST_CASE("sweep study: a model file is relative to the study file, its content in the hash") {
    const fs::path dir = scratch() / "model_file";
    const std::string model = write(dir / "net.onnx", "abc");
    const std::string f = write(dir / "study.ini",
                                "[study]\n"
                                "model = net.onnx\n"
                                "timing_only = true\n"
                                "[axes]\n"
                                "cgra.pass_ns = 100, 200\n");
    const Study s = read_study(f);
    const std::string abs = fs::absolute(model).lexically_normal().string();
    CHECK(s.model == abs);
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    CHECK(s.model_files ==
          std::map<std::string, std::string>{
              {abs, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}});
    CHECK(s.point_args(s.point(0)) == Values{"run", abs, "--timing-only"});
    const std::string h0 = s.point(0).config_hash;
    write(dir / "net.onnx", "abd");
    const Study changed = read_study(f);
    CHECK(changed.point(0).config_hash != h0);
    CHECK(changed.identity == s.identity);
}

TEST_CASE("sweep study: the default model of run is hashed like any model file") {
    const fs::path dir = scratch() / "default_model";
    write(dir / "resnet18_28_denoised.onnx", "abc");
    const std::string f = write(dir / "study.ini",
                                "[study]\n"
                                "timing_only = true\n"
                                "[axes]\n"
                                "cgra.pass_ns = 100, 200\n");
    ::setenv("DNSIM_MODELS_DIR", dir.c_str(), 1);
    const Study s = read_study(f);
    const std::string abs = (dir / "resnet18_28_denoised.onnx").lexically_normal().string();
    CHECK(s.model == abs);
    CHECK(s.model_files.count(abs) == 1);
    const std::string h0 = s.point(0).config_hash;
    write(dir / "resnet18_28_denoised.onnx", "abd");
    CHECK(read_study(f).point(0).config_hash != h0);
    // Without the shipped model the error names the study file.
    ::setenv("DNSIM_MODELS_DIR", (dir / "none").c_str(), 1);
    CHECK_THAT(error_of([&] { read_study(f); }), Contains("study.ini [study] model"));
    ::unsetenv("DNSIM_MODELS_DIR");
}

TEST_CASE("sweep study: config hashes and identity ignore comments, spacing and spelling") {
    const fs::path dir = scratch() / "hashes";
    const Study a = read_study(write(dir / "a.ini",
                                     "[study]\n"
                                     "command = denoiser\n"
                                     "[base]\n"
                                     "block.channels = 4\n"
                                     "denoiser.clock_mhz = 500\n"
                                     "[axes]\n"
                                     "denoiser.cores = 1, 2\n"
                                     "[zip g]\n"
                                     "denoiser.lanes = 1, 2\n"
                                     "weight_sram.banks = 2, 4\n"));
    // The same points: comments, blank lines, CRLF, spacing, another name and group name,
    // [base] keys in another order, 500.0 for the real key 500, a range for a list, quotes.
    const Study b = read_study(write(dir / "b.ini",
                                     "; the same study, written differently\r\n"
                                     "\r\n"
                                     "[study]\r\n"
                                     "name   =   another-name\r\n"
                                     "command=denoiser     # a comment after the value\r\n"
                                     "[base]\r\n"
                                     "denoiser.clock_mhz   =   500.0\r\n"
                                     "block.channels=4\r\n"
                                     "[axes]\r\n"
                                     "denoiser.cores = range(1, 2, 1)\r\n"
                                     "[zip   g]\r\n"
                                     "denoiser.lanes = \"1\",\"2\"\r\n"
                                     "weight_sram.banks=geometric(2, 4, 2)\r\n"));
    CHECK(b.name == "another-name");
    CHECK(b.identity == a.identity);
    CHECK(hashes_of(b) == hashes_of(a));
    // A byte order mark, 5e2 for 500.
    const Study c = read_study(write(dir / "c.ini",
                                     "\xEF\xBB\xBF[study]\n"
                                     "command = denoiser\n"
                                     "[base]\n"
                                     "block.channels = 4\n"
                                     "denoiser.clock_mhz = 5e2\n"
                                     "[axes]\n"
                                     "denoiser.cores = 1, 2\n"
                                     "[zip g]\n"
                                     "denoiser.lanes = 1, 2\n"
                                     "weight_sram.banks = 2, 4\n"));
    CHECK(c.identity == a.identity);
    CHECK(hashes_of(c) == hashes_of(a));
    // Every hash is the point's own.
    const std::vector<std::string> h = hashes_of(a);
    REQUIRE(h.size() == 4);
    CHECK(std::set<std::string>(h.begin(), h.end()).size() == 4);
    for (const std::string& x : h)
        CHECK(x.size() == 64);
}

TEST_CASE("sweep study: the identity ignores the name of a zipped group and its keys' order") {
    const fs::path dir = scratch() / "zip_identity";
    const std::string head = "[study]\ncommand = denoiser\n[axes]\ndenoiser.cores = 1, 2\n";
    const Study a = read_study(write(dir / "a.ini", head + "[zip sram]\n"
                                                           "weight_sram.banks = 1, 2\n"
                                                           "activation_sram.banks = 2, 4\n"));
    const Study b = read_study(write(dir / "b.ini", head + "[zip memories]\n"
                                                           "activation_sram.banks = 2, 4\n"
                                                           "weight_sram.banks = 1, 2\n"));
    CHECK(b.identity == a.identity);
    CHECK(hashes_of(b) == hashes_of(a));
    // Unzipped, the same keys make a grid of 2 x 2 x 2 points: another study.
    const Study c = read_study(write(dir / "c.ini", head + "weight_sram.banks = 1, 2\n"
                                                           "activation_sram.banks = 2, 4\n"));
    CHECK(c.point_count() == 8);
    CHECK(c.identity != a.identity);
}

TEST_CASE("sweep study: config hashes change with a value, only for the points it changes") {
    const fs::path dir = scratch() / "hash_changes";
    const std::string head = "[study]\ncommand = denoiser\n";
    const Study a = read_study(write(dir / "a.ini", head + "[base]\n"
                                                           "denoiser.clock_mhz = 500\n"
                                                           "[axes]\n"
                                                           "denoiser.cores = 1, 2\n"));
    // A base value: every point changes.
    const Study base = read_study(write(dir / "base.ini", head + "[base]\n"
                                                                 "denoiser.clock_mhz = 400\n"
                                                                 "[axes]\n"
                                                                 "denoiser.cores = 1, 2\n"));
    CHECK(base.identity != a.identity);
    CHECK(base.point(0).config_hash != a.point(0).config_hash);
    CHECK(base.point(1).config_hash != a.point(1).config_hash);
    // One axis value: the point with the old value keeps its hash.
    const Study axis = read_study(write(dir / "axis.ini", head + "[base]\n"
                                                                 "denoiser.clock_mhz = 500\n"
                                                                 "[axes]\n"
                                                                 "denoiser.cores = 1, 3\n"));
    CHECK(axis.identity != a.identity);
    CHECK(axis.point(0).config_hash == a.point(0).config_hash);
    CHECK(axis.point(1).config_hash != a.point(1).config_hash);
    // Another command: other points.
    const Study command = read_study(write(dir / "run.ini",
                                           "[study]\n"
                                           "model = resnet18_28\n"
                                           "[base]\n"
                                           "denoiser.clock_mhz = 500\n"
                                           "[axes]\n"
                                           "denoiser.cores = 1, 2\n"));
    CHECK(command.identity != a.identity);
    CHECK(command.point(0).config_hash != a.point(0).config_hash);
}

TEST_CASE("sweep study: axes in another order give the same points the same hashes") {
    const fs::path dir = scratch() / "reordered";
    const Study a = read_study(write(dir / "a.ini",
                                     "[study]\ncommand = denoiser\n[axes]\n"
                                     "denoiser.cores = 1, 2\n"
                                     "denoiser.lanes = 1, 2, 4\n"));
    const Study b = read_study(write(dir / "b.ini",
                                     "[study]\ncommand = denoiser\n[axes]\n"
                                     "denoiser.lanes = 1, 2, 4\n"
                                     "denoiser.cores = 1, 2\n"));
    // Another order of points: another study directory, but (cores 2, lanes 4) is the same
    // point: a = index 1 x 3 + 2 = 5, b = index 2 x 2 + 1 = 5; (cores 1, lanes 2): a 1, b 2.
    CHECK(b.identity != a.identity);
    CHECK(b.point(5).config_hash == a.point(5).config_hash);
    CHECK(b.point(2).config_hash == a.point(1).config_hash);
    CHECK(b.point(1).config_hash != a.point(1).config_hash);
}

TEST_CASE("sweep study: bad study files name the file, section and key") {
    const fs::path dir = scratch() / "bad_studies";
    const auto error = [&](const std::string& name, const std::string& text) {
        return error_of([&] { read_study(write(dir / name, text)); });
    };
    const std::string head = "[study]\ncommand = denoiser\n";
    CHECK_THAT(error("key.ini", head + "[axes]\ndenoiser.corse = 1, 2\n"),
               Contains("key.ini [axes] denoiser.corse (line 4): no such configuration key"));
    CHECK_THAT(error("alias.ini", head + "[axes]\nchannels = 1, 2\n"),
               Contains("alias.ini [axes] channels (line 4)") && Contains("block.channels"));
    CHECK_THAT(error("empty.ini", head + "[axes]\ndenoiser.cores =\n"),
               Contains("empty.ini [axes] denoiser.cores (line 4): the axis has no values"));
    CHECK_THAT(error("range.ini", head + "[axes]\ndenoiser.cores = range(1, 8, 3)\n"),
               Contains("range.ini [axes] denoiser.cores (line 4)") &&
                   Contains("does not reach the end 8"));
    CHECK_THAT(error("range_value.ini", head + "[axes]\ndenoiser.cores = 1, 0\n"),
               Contains("range_value.ini [axes] denoiser.cores (line 4): 0 is out of range"));
    CHECK_THAT(error("twice.ini", head + "[axes]\ndenoiser.clock_mhz = 500, 500.0\n"),
               Contains("twice.ini [axes] denoiser.clock_mhz (line 4): a value appears twice"));
    CHECK_THAT(error("varied_twice.ini", head + "[axes]\ndenoiser.cores = 1, 2\n"
                                                "[zip g]\ndenoiser.cores = 1, 2\n"),
               Contains("varied_twice.ini [zip g] denoiser.cores (line 6): varied twice"));
    // A path may hold spaces, but not at either end: the point's INI file would drop them.
    CHECK_THAT(error("spaces.ini",
                     "[study]\nmodel = resnet18_28\n[axes]\n"
                     "dataset.images = \" /a b \", /c\n"),
               Contains("spaces.ini [axes] dataset.images (line 4): ' /a b ': spaces at either "
                        "end"));
    CHECK_THAT(error("section.ini", head + "[axis]\ndenoiser.cores = 1, 2\n"),
               Contains("section.ini [axis] (line 4): unknown section"));
    CHECK_THAT(error("study_key.ini", head + "speed = 3\n[axes]\ndenoiser.cores = 1, 2\n"),
               Contains("study_key.ini [study] speed (line 3): unknown key of [study]"));
    CHECK_THAT(error("both.ini", head + "[base]\ndenoiser.cores = 4\n"
                                        "[axes]\ndenoiser.cores = 1, 2\n"),
               Contains("both.ini [axes] denoiser.cores (line 6): also fixed in [base]"));
    CHECK_THAT(error("eval.ini", "[study]\ncommand = eval\n[axes]\ndenoiser.cores = 1, 2\n"),
               Contains("eval.ini [study] command (line 2): 'eval' is not a command a study "
                        "runs; accepted: run, denoiser"));
    CHECK_THAT(error("nothing.ini", head + "[base]\ndenoiser.cores = 4\n"),
               Contains("nothing.ini [axes]: the study varies nothing"));
    CHECK_THAT(error("model.ini", "[study]\nmodel = no_such_net\n[axes]\ncgra.pass_ns = 1, 2\n"),
               Contains("model.ini [study] model") && Contains("'no_such_net' is neither"));
    CHECK_THAT(error("axis_model.ini", "[study]\n[axes]\nmodel = resnet18, no_such_net\n"),
               Contains("axis_model.ini [axes] model (line 3)") && Contains("'no_such_net'"));
    CHECK_THAT(error("model_twice.ini",
                     "[study]\nmodel = resnet18\n[axes]\nmodel = resnet18_28, "
                     "resnet18\n"),
               Contains("model_twice.ini [study] model: set in [study] and varied"));
    CHECK_THAT(error("run_option.ini", head + "[axes]\ntiming_only = true, false\n"),
               Contains("run_option.ini [axes] timing_only (line 4)") &&
                   Contains("this study's command is denoiser"));
    CHECK_THAT(error("base_option.ini",
                     "[study]\n[base]\nmodel = resnet18\n"
                     "[axes]\ncgra.pass_ns = 1, 2\n"),
               Contains("base_option.ini [base] model (line 3): a run option"));
    CHECK_THAT(error("bool.ini", "[study]\ntiming_only = maybe\n[axes]\ncgra.pass_ns = 1, 2\n"),
               Contains("bool.ini [study] timing_only (line 2): 'maybe' is not true or false"));
    CHECK_THAT(
        error("outside.ini", "denoiser.cores = 4\n" + head + "[axes]\ndenoiser.lanes = 1\n"),
        Contains("outside.ini") && Contains("(line 1)") && Contains("a key outside any section"));
    CHECK_THAT(error("set_twice.ini", head + "[axes]\ndenoiser.cores = 1\ndenoiser.cores = 2\n"),
               Contains("set_twice.ini") && Contains("line 5: set twice"));
    CHECK_THAT(error_of([&] { read_study((dir / "does_not_exist.ini").string()); }),
               Contains("does_not_exist.ini") && Contains("cannot open"));
}

TEST_CASE("sweep study: the name is a directory name of results/sweep") {
    const fs::path dir = scratch() / "names";
    const auto error = [&](const std::string& file, const std::string& name) {
        return error_of([&] {
            read_study(write(dir / file, "[study]\ncommand = denoiser\nname = " + name +
                                             "\n[axes]\ndenoiser.cores = 1, 2\n"));
        });
    };
    CHECK_THAT(error("up.ini", "../../elsewhere"), Contains("up.ini [study] name (line 3)"));
    CHECK_THAT(error("slash.ini", "a/b"), Contains("slash.ini [study] name (line 3)"));
    CHECK_THAT(error("dot.ini", "."), Contains("dot.ini [study] name (line 3)"));
    CHECK_THAT(error("dotdot.ini", ".."), Contains("dotdot.ini [study] name (line 3)"));
    CHECK_THAT(error("tab.ini", "a\tb"), Contains("tab.ini [study] name (line 3): 'a\\x09b'"));
    CHECK(error("ok.ini", "design-space_v2.1").empty());
    // Without a name, the study file's stem: "..ini" would be results/sweep/. itself.
    CHECK_THAT(error_of([&] {
                   read_study(write(dir / "..ini",
                                    "[study]\ncommand = denoiser\n[axes]\n"
                                    "denoiser.cores = 1, 2\n"));
               }),
               Contains("..ini [study] name: '.' is not a directory name"));
    CHECK(read_study(write(dir / "plain.ini",
                           "[study]\ncommand = denoiser\n[axes]\n"
                           "denoiser.cores = 1, 2\n"))
              .name == "plain");
}

TEST_CASE("sweep study: a run option fixed in [study] and varied is an error") {
    const fs::path dir = scratch() / "fixed_and_varied";
    const std::string f = write(dir / "study.ini",
                                "[study]\nmodel = resnet18\ndenoisers = conv1\n"
                                "[axes]\ndenoisers = \"\", conv1\n");
    CHECK_THAT(error_of([&] { read_study(f); }),
               Contains("study.ini [study] denoisers: set in [study] and varied in the axes"));
    const std::string m = write(dir / "oat_model.ini",
                                "[study]\ndesign = one_at_a_time\n"
                                "[axes]\nmodel = resnet18, mobilenetv2\ncgra.pass_ns = 52, 100\n");
    CHECK_THAT(error_of([&] { read_study(m); }),
               Contains("[axes] model: design = one_at_a_time moves keys around one baseline"));
}

TEST_CASE("sweep study: one at a time, each dimension alone, the others at their baseline") {
    const fs::path dir = scratch() / "oat";
    write(dir / "presets" / "p.ini", "[denoiser]\ncores = 4\n");
    ::setenv("DNSIM_PRESETS_DIR", (dir / "presets").c_str(), 1);
    const std::string f = write(dir / "study.ini",
                                "[study]\ncommand = denoiser\ndesign = one_at_a_time\npreset = p\n"
                                "[axes]\ndenoiser.cores = 2, 10\ndenoiser.lanes = 1, 2, 8\n"
                                "[zip w]\nweight_sram.banks = 2, 8\nweight_sram.ports = 1, 2\n");
    const Study s = read_study(f);
    // The baseline point, then 2 + 3 + 2 points; baselines: the preset's cores, the default
    // lanes (4), banks (4) and ports (1).
    REQUIRE(s.point_count() == 8);
    CHECK(points_of(s) == std::vector<Values>{{"4", "4", "4", "1"},
                                              {"2", "4", "4", "1"},
                                              {"10", "4", "4", "1"},
                                              {"4", "1", "4", "1"},
                                              {"4", "2", "4", "1"},
                                              {"4", "8", "4", "1"},
                                              {"4", "4", "2", "1"},
                                              {"4", "4", "8", "2"}});
    CHECK(s.describe(s.point(0)) == "baseline");
    CHECK(s.describe(s.point(5)) == "denoiser.lanes=8");
    CHECK(s.describe(s.point(7)) == "weight_sram.banks=8 weight_sram.ports=2");
    // Only the moving keys are written: the others fall through to the preset and defaults.
    CHECK(s.point_ini(s.point(4)) == "denoiser.cores = 4\ndenoiser.lanes = 2\n");
    CHECK(s.point_ini(s.point(0)) == "denoiser.cores = 4\n");
    // A grid of the same axes is another study.
    const std::string g = write(dir / "grid.ini",
                                "[study]\ncommand = denoiser\npreset = p\n"
                                "[axes]\ndenoiser.cores = 2, 10\ndenoiser.lanes = 1, 2, 8\n"
                                "[zip w]\nweight_sram.banks = 2, 8\nweight_sram.ports = 1, 2\n");
    const Study grid = read_study(g);
    CHECK(grid.point_count() == 12);
    CHECK(grid.identity != s.identity);
    // A preset as the moving axis: its points run the preset's keys, and the other axes'
    // columns say what the preset set them to. A value equal to the baseline is labelled.
    write(dir / "presets" / "q.ini", "[denoiser]\ncores = 6\nlanes = 2\n");
    const std::string pr = write(dir / "preset_axis.ini",
                                 "[study]\ncommand = denoiser\ndesign = one_at_a_time\n"
                                 "[axes]\npreset = p, q\ndenoiser.cores = 2, 10\n");
    const Study ps = read_study(pr);
    REQUIRE(ps.point_count() == 5);
    CHECK(points_of(ps) ==
          std::vector<Values>{{"", "10"}, {"p", "4"}, {"q", "6"}, {"", "2"}, {"", "10"}});
    CHECK(ps.point_ini(ps.point(0)) == "");
    CHECK(ps.point_ini(ps.point(1)) == "denoiser.cores = 4\n");
    CHECK(ps.point_ini(ps.point(2)) == "denoiser.cores = 6\ndenoiser.lanes = 2\n");
    CHECK(ps.point(1).config_hash != ps.point(2).config_hash);
    CHECK(ps.describe(ps.point(2)) == "preset=q");
    CHECK(ps.describe(ps.point(4)) == "denoiser.cores=10 (the baseline value)");
    const std::string bad = write(dir / "bad.ini",
                                  "[study]\ncommand = denoiser\ndesign = tornado\n"
                                  "[axes]\ndenoiser.cores = 2\n");
    CHECK_THAT(error_of([&] { read_study(bad); }),
               Contains("bad.ini [study] design (line 3): 'tornado' is not a design; accepted: "
                        "grid"));
    ::unsetenv("DNSIM_PRESETS_DIR");
}
