// dnsim regress: a directory of regression cases, each a dnsim command with the metrics of its
// results that must not move. A case is a directory holding
//  - `args`: the dnsim command and its arguments, one per line (blank lines and lines starting
//    with '#' ignored), e.g. "run", "resnet18", "--timing-only";
//  - `config.ini` (optional): passed to the command as --config;
//  - `expected.json`: {"about": "...", "metrics": {METRIC: {"value": V, TOLERANCE...}}}.
// A METRIC names a result file and a place in it: "summary.json#/latency_overhead_pct" (a JSON
// pointer into summary.json or denoiser.json), "layers.csv#conv1/cycles" (the row of layer
// conv1, column cycles). Integers compare exactly unless a tolerance is given; reals within
// "abs" and/or "rel" (default rel 1e-9: the printing round trip); an accuracy in % within
// "images" images of the pass's image count. Only the named metrics are compared.
// Each case runs as its own dnsim process (a SystemC elaboration per process), --jobs at a
// time. docs/regression.md.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dnsim::tb {

struct RegressOptions {
    std::string cases_dir;
    bool update = false;    ///< rewrite the expected values from the results
    std::string junit;      ///< JUnit XML file to write (empty: none)
    unsigned jobs = 1;      ///< cases run at once
    std::string filter;     ///< shell pattern on case names (empty: all)
    std::string work_dir;   ///< where the cases' results go (empty: a new temporary directory)
    bool keep = false;      ///< keep the results of passing cases too
    std::string dnsim_exe;  ///< the dnsim to run (empty: this process's executable)
};

/// One tolerance-checked metric of a case.
struct Metric {
    std::string name;  ///< "summary.json#/x", "layers.csv#layer/column"
    nlohmann::ordered_json expected;
    double abs = 0.0;
    double rel = 0.0;
    double images = 0.0;  ///< tolerance in images (accuracies in %)
    bool has_tolerance = false;
};

struct RegressCase {
    std::string name;  ///< the directory's name
    std::string dir;
    std::vector<std::string> args;  ///< the command and its arguments
    bool has_config = false;
    std::string about;
    std::vector<Metric> metrics;
};

/// Reads the case in `dir`; ConfigError naming the case and the file or key on bad input.
RegressCase read_case(const std::string& dir);

/// The cases under `dir` (subdirectories holding expected.json), sorted by name, those whose
/// name matches `filter` (fnmatch; empty: all). ConfigError when there is none.
std::vector<RegressCase> find_cases(const std::string& dir, const std::string& filter);

/// The value of `metric` in the results directory `out` (JSON for a JSON pointer, a number or
/// string for a CSV cell). ConfigError naming the case and metric when the results do not have
/// it.
nlohmann::ordered_json metric_value(const std::string& out, const std::string& case_name,
                                    const std::string& metric);

/// Whether `got` is within the metric's tolerance of its expected value; `images` is the image
/// count of the accuracy passes (for an "images" tolerance). Fills `why` when it is not.
bool within_tolerance(const Metric& m, const nlohmann::ordered_json& got, double images,
                      std::string& why);

/// Runs the cases; prints one line per case and a summary to `out`. Returns 0 when every case
/// passes, 2 when a metric differs, 1 for bad input or a case that cannot run. Throws
/// ConfigError for bad input found before any case runs.
int run_regress(const RegressOptions& opt, std::ostream& out);

}  // namespace dnsim::tb
