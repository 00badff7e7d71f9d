// `dnsim report`: one self-contained HTML file from run directories (summary.json, layers.csv)
// or sweep databases (study.db) — the summary table, per-layer cycles with and without the
// denoisers (the paper's Fig. 3), energy per component, the denoiser's phases, accuracy
// against the noise level, the Pareto front of accuracy, latency and energy, and the
// provenance. The charts are Vega-Lite specifications rendered to SVG by vega, vega-lite and
// vega-embed, whose scripts (npm ci in testbench/report, pinned by its package-lock.json) are
// copied into the file at report time: the page needs no network and no other file
// (docs/report.md).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dnsim::tb {

/// Directory holding node_modules/{vega,vega-lite,vega-embed}: DNSIM_VEGA_DIR, else
/// testbench/report/node_modules of the source tree this dnsim was built from.
std::string vega_scripts_dir();

/// The three chart scripts and their versions.
struct VegaScripts {
    std::string vega, vega_lite, vega_embed;
    std::string versions;  ///< "vega 6.4.0, vega-lite 6.5.0, vega-embed 7.3.0"
};
/// Throws ConfigError (key "report") naming the missing script and how to install it.
void check_vega_scripts();
VegaScripts load_vega_scripts();

/// One row of a run's layers.csv.
struct ReportLayer {
    std::int64_t index = 0;
    std::string layer, op, kind;
    std::uint64_t cycles = 0;
    double time_ns = 0.0;
};

/// One result the report shows: a run directory or one point of a sweep.
struct ReportRun {
    std::string label;   ///< the directory's name, or "point N" of a sweep
    std::string source;  ///< the path it was read from
    nlohmann::json summary;
    std::vector<ReportLayer> layers;  ///< empty for sweep points
    /// A sweep point's axis values (key, value), in the study's axis order.
    std::vector<std::pair<std::string, std::string>> setting;
    /// Shown at the top of the page (a sweep's first point: the points that failed).
    std::string note;
};

/// The name a run directory goes by on the page: its last path component.
std::string run_label(const std::string& dir);

/// Reads every input: a run directory (DIR/summary.json and DIR/layers.csv), a sweep
/// directory (DIR/study.db) or a sweep database file. ConfigError naming the path for
/// anything else: no such file, no summary.json, a summary of an unknown schema version or
/// of another command, malformed JSON or CSV, a sweep of another command or without points.
std::vector<ReportRun> load_report_inputs(const std::vector<std::string>& inputs);

/// The report's HTML. `command` is shown in the page's footer.
std::string report_html(const std::vector<ReportRun>& runs, const VegaScripts& scripts,
                        const std::string& command);

struct ReportOptions {
    std::vector<std::string> inputs;
    std::string out = "report.html";
    std::string command;
};

/// dnsim report: reads, renders, writes `out` atomically; returns the exit status.
int run_report(const ReportOptions& opt, std::ostream& os);

}  // namespace dnsim::tb
