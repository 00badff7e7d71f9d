// dnsim report: results in, one self-contained HTML page out (report.h).
#include "testbench/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/output_files.h"
#include "models/common/version.h"
#include "testbench/provenance.h"
#include "testbench/sweep_db.h"

namespace dnsim::tb {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// The largest summary.json / layers.csv the report reads (a run's are a few tens of KiB).
constexpr std::uintmax_t kMaxResultFileBytes = std::uintmax_t{64} << 20;

struct ScriptFile {
    const char* package;
    const char* file;
    std::string VegaScripts::*text;
};
const ScriptFile kScripts[] = {{"vega", "build/vega.min.js", &VegaScripts::vega},
                               {"vega-lite", "build/vega-lite.min.js", &VegaScripts::vega_lite},
                               {"vega-embed", "build/vega-embed.min.js", &VegaScripts::vega_embed}};

std::string read_file(const fs::path& p, const std::string& key) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
        throw ConfigError(key, "not a regular file");
    }
    const std::uintmax_t size = fs::file_size(p, ec);
    if (ec || size > kMaxResultFileBytes) {
        throw ConfigError(key, fmt::format("larger than {} MiB", kMaxResultFileBytes >> 20));
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof())
        throw ConfigError(key, "cannot be read");
    return s.str();
}

// ---- Reading the results ------------------------------------------------------------------

/// A run's summary.json: valid JSON, a dnsim run summary, of the schema this dnsim writes.
json parse_summary(const std::string& text, const std::string& where) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ConfigError(where, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!j.is_object())
        throw ConfigError(where, "not a dnsim result: expected a JSON object");
    const auto version = j.find("schema_version");
    if (version == j.end() || !version->is_number_integer()) {
        throw ConfigError(where, "not a dnsim result: no integer schema_version");
    }
    if (version->get<long long>() != kResultSchemaVersion) {
        throw ConfigError(where, fmt::format("schema_version {}; this dnsim reads results of "
                                             "schema version {} (rerun the run with this dnsim)",
                                             version->get<long long>(), kResultSchemaVersion));
    }
    for (const char* field : {"model", "cycles_per_inference", "energy_per_inference"}) {
        if (!j.contains(field)) {
            throw ConfigError(where, fmt::format("not a dnsim run summary (no '{}'); dnsim report "
                                                 "reads the results of dnsim run and dnsim sweep",
                                                 field));
        }
    }
    // The blocks' cycles are counts: a negative or fractional one is a damaged file.
    for (const json& b : j.value("denoiser_blocks", json::array())) {
        const auto count = [&](const json& v, const char* what) {
            if (!v.is_number_unsigned()) {
                throw ConfigError(where, fmt::format("denoiser_blocks: {} {} is not a cycle count",
                                                     what, v.dump()));
            }
        };
        if (!b.is_object() || !b.value("layer", json()).is_string())
            throw ConfigError(where, "denoiser_blocks: expected objects with a 'layer' name");
        count(b.value("block_cycles", json()), "block_cycles");
        for (const json& ph : b.value("phases", json::array())) {
            if (!ph.is_object() || !ph.value("phase", json()).is_string())
                throw ConfigError(where, "denoiser_blocks: expected phases with a 'phase' name");
            count(ph.value("cycles", json()), "phase cycles");
        }
    }
    return j;
}

std::vector<ReportLayer> parse_layers(const std::string& text, const std::string& where) {
    std::vector<ReportLayer> out;
    // Records, not lines: a quoted name may hold a line break (RFC 4180, as csv_field writes).
    std::vector<std::pair<std::size_t, std::string>> records;  // (first line, text)
    {
        std::string record;
        bool quoted = false;
        std::size_t line_no = 1, first = 1;
        for (const char c : text) {
            if (c == '"')
                quoted = !quoted;
            if (c == '\n' && !quoted) {
                records.emplace_back(first, record);
                record.clear();
                first = ++line_no;
                continue;
            }
            if (c == '\n')
                ++line_no;
            record += c;
        }
        if (!record.empty())
            records.emplace_back(first, record);
    }
    std::size_t n = 0;
    const std::vector<std::string> header{"index",   "layer", "op",        "kind",       "cycles",
                                          "time_ns", "macs",  "crossbars", "replication"};
    for (const auto& [line_no, line] : records) {
        n = line_no;
        const std::vector<std::string> f = csv_split_line(line);
        if (n == 1) {
            if (f != header) {
                throw ConfigError(
                    where, fmt::format("line 1: expected the header '{}'", fmt::join(header, ",")));
            }
            continue;
        }
        if (line.empty() || line == "\r")
            continue;
        const auto bad = [&](const std::string& what) {
            return ConfigError(where, fmt::format("line {}: {}", n, what));
        };
        if (f.size() != header.size())
            throw bad("expected 9 fields");
        // Every digit used, no sign where none belongs.
        const auto whole = [&](const std::string& cell, const char* field, bool negative_ok) {
            char* end = nullptr;
            errno = 0;
            const long long v = std::strtoll(cell.c_str(), &end, 10);
            if (cell.empty() || end != cell.c_str() + cell.size() || errno != 0 ||
                (!negative_ok && v < 0)) {
                throw bad(negative_ok
                              ? fmt::format("{} '{}' is not an integer", field, printable(cell))
                              : fmt::format("{} '{}' is not a non-negative integer", field,
                                            printable(cell)));
            }
            return v;
        };
        ReportLayer l;
        l.index = whole(f[0], "index", true);
        l.cycles = static_cast<std::uint64_t>(whole(f[4], "cycles", false));
        char* end = nullptr;
        l.time_ns = std::strtod(f[5].c_str(), &end);
        if (f[5].empty() || end != f[5].c_str() + f[5].size() || !std::isfinite(l.time_ns))
            throw bad(fmt::format("time_ns '{}' is not a finite number", printable(f[5])));
        l.layer = f[1];
        l.op = f[2];
        l.kind = f[3];
        out.push_back(std::move(l));
    }
    if (records.empty())
        throw ConfigError(where, "empty; expected the header and one line per layer");
    return out;
}

ReportRun load_run_dir(const fs::path& dir) {
    ReportRun run;
    const fs::path summary = dir / "summary.json";
    run.source = dir.string();
    run.label =
        dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    if (run.label.empty() || run.label == ".")
        run.label = fs::absolute(dir).lexically_normal().filename().string();
    run.summary = parse_summary(read_file(summary, summary.string()), summary.string());
    const fs::path layers = dir / "layers.csv";
    std::error_code ec;
    if (fs::exists(layers, ec))
        run.layers = parse_layers(read_file(layers, layers.string()), layers.string());
    return run;
}

std::vector<ReportRun> load_sweep(const fs::path& db_path) {
    const std::string where = db_path.string();
    const SweepDb db(where);
    const std::string command = db.study_value("command");
    if (command != "run") {
        throw ConfigError(where, fmt::format("a sweep of dnsim {}; dnsim report reads sweeps of "
                                             "dnsim run",
                                             printable(command)));
    }
    std::vector<std::string> axes;
    for (const json& a : json::parse(db.study_value("axes")))
        axes.push_back(a.at("key").get<std::string>());
    std::vector<std::string> columns{"point", "result"};
    columns.insert(columns.end(), axes.begin(), axes.end());
    std::vector<ReportRun> runs;
    for (const auto& row : db.ok_rows(columns)) {
        ReportRun run;
        run.label = "point " + row[0].value_or("?");
        run.source = where + " (" + run.label + ")";
        if (!row[1])
            throw ConfigError(where, fmt::format("{} has no result", run.label));
        run.summary = parse_summary(*row[1], run.source);
        for (std::size_t a = 0; a < axes.size(); ++a)
            run.setting.emplace_back(axes[a], row[2 + a].value_or(""));
        runs.push_back(std::move(run));
    }
    if (runs.empty()) {
        throw ConfigError(where,
                          "no finished point (status ok) to report; see dnsim sweep "
                          "--status");
    }
    const auto recorded = db.recorded();
    const auto failed =
        std::count_if(recorded.begin(), recorded.end(), [](const auto& p) { return !p.second.ok; });
    if (failed > 0) {
        runs.front().note = fmt::format(
            "{} of the {} recorded points of {} failed and are not shown (dnsim sweep --status "
            "lists them with their errors).",
            failed, recorded.size(), where);
    }
    return runs;
}

bool is_sqlite_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char head[16] = {};
    in.read(head, sizeof head);
    return in.gcount() == 16 && std::string(head, 16) == std::string("SQLite format 3\0", 16);
}

// ---- Figures from a summary ------------------------------------------------------------------

std::optional<double> num(const json& j, const char* pointer) {
    const json::json_pointer p(pointer);
    if (!j.contains(p))
        return std::nullopt;
    const json& v = j.at(p);
    if (v.is_number())
        return v.get<double>();
    if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d))
            return d;
    }
    return std::nullopt;
}

std::string text_of(const json& j, const char* pointer) {
    const json::json_pointer p(pointer);
    if (!j.contains(p))
        return "";
    const json& v = j.at(p);
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string fixed(std::optional<double> v, int digits) {
    if (!v)
        return "—";
    return fmt::format("{:.{}f}", *v, digits);
}

/// The model as people name it: a file's base name, or the built-in's name.
std::string model_name(const ReportRun& r) {
    const std::string m = text_of(r.summary, "/model");
    return m.empty() ? "?" : m;
}

/// Mean accuracy of a pass, % (the clean pass has one figure).
std::optional<double> accuracy(const ReportRun& r, const std::string& pass) {
    if (pass == "clean")
        return num(r.summary, "/accuracy/clean_pct");
    return num(r.summary, ("/accuracy/" + pass + "_pct_mean").c_str());
}

std::optional<double> ci95(const ReportRun& r, const std::string& pass) {
    if (pass == "clean") {
        const auto se = num(r.summary, "/accuracy/clean_pct_binomial_se");
        return se ? std::optional<double>(1.96 * *se) : std::nullopt;
    }
    return num(r.summary, ("/accuracy/" + pass + "_pct_ci95").c_str());
}

std::string accuracy_text(const ReportRun& r, const std::string& pass) {
    const auto a = accuracy(r, pass);
    if (!a)
        return "—";
    const auto c = ci95(r, pass);
    return c ? fmt::format("{:.2f} ± {:.2f}", *a, *c) : fmt::format("{:.2f}", *a);
}

/// The accuracy the deployed system gives: denoised when the run has blocks, else noisy, else
/// clean; and which pass that is.
std::pair<std::optional<double>, std::string> deployed_accuracy(const ReportRun& r) {
    for (const char* pass : {"denoised", "noisy", "clean"}) {
        if (const auto a = accuracy(r, pass))
            return {a, pass};
    }
    return {std::nullopt, ""};
}

const char* const kPasses[] = {"clean", "noisy", "denoised"};

// ---- Charts ------------------------------------------------------------------------------------

struct Chart {
    std::string id;
    std::string kind;  ///< data-chart: layers-linear, layers-log, energy, phases, ...
    json spec;
};

json base_spec(const std::string& title, const std::string& description) {
    return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
            {"title", {{"text", title}, {"anchor", "start"}}},
            {"description", description},
            {"config", {{"view", {{"stroke", nullptr}}}, {"axis", {{"labelLimit", 260}}}}}};
}

/// Per-layer cycles with and without the denoisers (the paper's Fig. 3): every layer with its
/// cycles, and with the cycles of the denoiser blocks that follow it added.
json layers_spec(const ReportRun& r, bool log) {
    // One bar per layer on the MX-CGRA (reshapes, which cost nothing, have none); each
    // denoiser block's cycles go to the layer it follows.
    struct Bar {
        const ReportLayer* layer;
        std::uint64_t blocks = 0;
        std::vector<std::string> names;
    };
    std::vector<Bar> bars;
    std::vector<const ReportLayer*> leading;  // blocks before any layer (none in practice)
    for (const ReportLayer& l : r.layers) {
        if (l.kind == "denoiser") {
            if (bars.empty()) {
                leading.push_back(&l);
            } else {
                bars.back().blocks += l.cycles;
                bars.back().names.push_back(l.layer);
            }
        } else if (l.kind != "none") {
            bars.push_back({&l, 0, {}});
        }
    }
    for (const ReportLayer* l : leading) {
        if (!bars.empty()) {
            bars.front().blocks += l->cycles;
            bars.front().names.push_back(l->layer);
        }
    }
    bool any_block = false;
    for (const Bar& b : bars)
        any_block = any_block || !b.names.empty();
    json values = json::array();
    json order = json::array();
    for (const Bar& b : bars) {
        const ReportLayer& l = *b.layer;
        const std::string label = fmt::format("{} {}", l.index, l.layer);
        order.push_back(label);
        const std::string block_names =
            b.names.empty() ? "none" : fmt::format("{}", fmt::join(b.names, ", "));
        const json row = {{"layer", label},
                          {"op", l.op},
                          {"kind", l.kind},
                          {"denoiser_blocks", block_names},
                          {"time_us", l.time_ns * 1e-3}};
        json without = row;
        without["series"] = "without denoisers";
        without["cycles"] = l.cycles;
        values.push_back(without);
        if (any_block) {
            json with = row;
            with["series"] = "with denoisers";
            with["cycles"] = l.cycles + b.blocks;
            values.push_back(with);
        }
    }
    json spec = base_spec(
        fmt::format("Cycles per layer{}{}", any_block ? ", with and without denoisers" : "",
                    log ? " (log scale)" : ""),
        any_block ? "Each layer's cycles on the MX-CGRA at its clock, and with the cycles of the "
                    "denoiser blocks placed after it added."
                  : "Each layer's cycles on the MX-CGRA at its clock (no denoiser block in this "
                    "run).");
    spec["data"] = {{"values", values}};
    spec["width"] = 560;
    spec["height"] = {{"step", 9}};
    spec["mark"] = {{"type", "bar"}};
    json x = {{"field", "cycles"},
              {"type", "quantitative"},
              {"title", "cycles per inference (CGRA clock)"}};
    if (log)
        x["scale"] = {{"type", "log"}};
    spec["encoding"] = {
        {"y", {{"field", "layer"}, {"type", "nominal"}, {"sort", order}, {"title", "layer"}}},
        {"yOffset", {{"field", "series"}, {"sort", {"without denoisers", "with denoisers"}}}},
        {"x", x},
        {"x2", {{"datum", log ? 1 : 0}}},  // a log scale has no 0: bars start at 1 cycle
        {"color",
         {{"field", "series"},
          {"type", "nominal"},
          {"sort", {"without denoisers", "with denoisers"}},
          {"scale", {{"range", {"#4c78a8", "#f58518"}}}},
          {"legend", {{"orient", "top"}, {"title", nullptr}}}}},
        {"tooltip",
         {{{"field", "layer"}},
          {{"field", "op"}},
          {{"field", "kind"}},
          {{"field", "series"}},
          {{"field", "cycles"}, {"format", ","}},
          {{"field", "denoiser_blocks"}, {"title", "denoiser blocks after it"}},
          {{"field", "time_us"}, {"title", "layer time, us"}, {"format", ".3f"}}}}};
    return spec;
}

json energy_spec(const ReportRun& r) {
    json values = json::array();
    json order = json::array();
    for (const json& e : r.summary.value("energy_per_inference", json::array())) {
        const std::string c = e.value("component", "?");
        order.push_back(c);
        const double total = e.value("energy_pJ", 0.0);
        for (const char* kind : {"static", "dynamic"}) {
            const double pJ = e.value(std::string(kind) + "_pJ", 0.0);
            values.push_back({{"component", c},
                              {"kind", kind},
                              {"energy_uJ", pJ * 1e-6},
                              {"share_pct", total > 0.0 ? 100.0 * pJ / total : 0.0},
                              {"power_mW", e.value("power_mW", 0.0)}});
        }
    }
    json spec = base_spec("Energy per inference by component",
                          "Each component's energy per inference, split into static (leakage) "
                          "and dynamic (actions, wake-ups included).");
    spec["data"] = {{"values", values}};
    spec["width"] = 560;
    spec["height"] = {{"step", 18}};
    spec["mark"] = {{"type", "bar"}};
    spec["encoding"] = {
        {"y", {{"field", "component"}, {"type", "nominal"}, {"sort", order}, {"title", nullptr}}},
        {"x",
         {{"field", "energy_uJ"},
          {"type", "quantitative"},
          {"stack", "zero"},
          {"title", "energy per inference, uJ"}}},
        {"color",
         {{"field", "kind"},
          {"type", "nominal"},
          {"sort", {"static", "dynamic"}},
          {"scale", {{"range", {"#9ecae9", "#4c78a8"}}}},
          {"legend", {{"orient", "top"}, {"title", nullptr}}}}},
        {"order", {{"field", "kind"}, {"sort", "descending"}}},
        {"tooltip",
         {{{"field", "component"}},
          {{"field", "kind"}},
          {{"field", "energy_uJ"}, {"title", "energy, uJ"}, {"format", ".4f"}},
          {{"field", "share_pct"}, {"title", "of the component, %"}, {"format", ".1f"}},
          {{"field", "power_mW"},
           {"title", "component power over the inference, mW"},
           {"format", ".4f"}}}}};
    return spec;
}

/// The denoiser's phases per block (the accelerator's CYCLES register split by phase).
json phases_spec(const ReportRun& r) {
    json values = json::array();
    json blocks = json::array();
    json phase_order = json::array();
    std::set<std::string> seen;
    for (const json& b : r.summary.value("denoiser_blocks", json::array())) {
        const std::string layer = b.value("layer", "?");
        blocks.push_back(layer);
        const double total = b.value("block_cycles", 0.0);
        int k = 0;
        for (const json& p : b.value("phases", json::array())) {
            const std::string phase = p.value("phase", "?");
            if (seen.insert(phase).second)
                phase_order.push_back(phase);
            const auto cycles = p.at("cycles").get<std::uint64_t>();
            ++k;
            if (cycles == 0)
                continue;
            values.push_back(
                {{"block", layer},
                 {"phase", phase},
                 {"phase_index", k},
                 {"cycles", cycles},
                 {"share_pct", total > 0.0 ? 100.0 * static_cast<double>(cycles) / total : 0.0}});
        }
    }
    json spec = base_spec("Denoiser block cycles by phase",
                          "Each block's cycles on the denoiser accelerator (its CYCLES "
                          "register, denoiser clock) split by the control unit's phases.");
    spec["data"] = {{"values", values}};
    spec["width"] = 560;
    spec["height"] = {{"step", 22}};
    spec["mark"] = {{"type", "bar"}};
    spec["encoding"] = {
        {"y", {{"field", "block"}, {"type", "nominal"}, {"sort", blocks}, {"title", nullptr}}},
        {"x",
         {{"field", "cycles"},
          {"type", "quantitative"},
          {"stack", "zero"},
          {"title", "cycles per block (denoiser clock)"}}},
        {"color",
         {{"field", "phase"},
          {"type", "nominal"},
          {"sort", phase_order},
          {"scale", {{"scheme", "tableau20"}}},
          {"legend", {{"orient", "right"}, {"title", "phase"}}}}},
        {"order", {{"field", "phase_index"}}},
        {"tooltip",
         {{{"field", "block"}},
          {{"field", "phase"}},
          {{"field", "cycles"}, {"format", ","}},
          {{"field", "share_pct"}, {"title", "of the block, %"}, {"format", ".1f"}}}}};
    return spec;
}

/// What describes a run directory's result: every configuration key, and the choices that are
/// options rather than keys — the model file, the denoiser blocks, whether it measured
/// accuracy.
std::map<std::string, std::string> described(const ReportRun& r) {
    std::map<std::string, std::string> m;
    const json cfg = r.summary.value("config", json::object());
    if (cfg.is_object()) {
        for (const auto& [k, v] : cfg.items())
            m[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    const std::string path = text_of(r.summary, "/provenance/model/path");
    m["model"] = path.empty() ? model_name(r) : fs::path(path).filename().string();
    std::vector<std::string> blocks;
    for (const json& b : r.summary.value("denoiser_blocks", json::array()))
        blocks.push_back(b.value("layer", "?"));
    m["denoisers"] = blocks.empty() ? "none" : fmt::format("{}", fmt::join(blocks, ", "));
    m["accuracy"] = r.summary.contains("accuracy") ? "measured" : "timing only";
    return m;
}

/// Configuration text of each run: a sweep point's axes, or what the run directories differ
/// in (configuration keys, model file, denoiser blocks, timing only); `leave_out` is not
/// named.
std::vector<std::string> settings_text(const std::vector<ReportRun>& runs,
                                       const std::string& leave_out = "") {
    std::vector<std::map<std::string, std::string>> desc;
    std::set<std::string> keys;
    for (const ReportRun& r : runs) {
        desc.push_back(r.setting.empty() ? described(r) : std::map<std::string, std::string>{});
        for (const auto& kv : desc.back())
            keys.insert(kv.first);
    }
    std::set<std::string> differing;
    for (const std::string& k : keys) {
        std::set<std::string> values;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (!runs[i].setting.empty())
                continue;
            const auto it = desc[i].find(k);
            values.insert(it == desc[i].end() ? std::string("(absent)") : it->second);
        }
        if (values.size() > 1 && k != leave_out)
            differing.insert(k);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        std::vector<std::string> parts;
        if (!runs[i].setting.empty()) {
            for (const auto& [k, v] : runs[i].setting) {
                if (k != leave_out)
                    parts.push_back(k + " = " +
                                    (k == "model" ? fs::path(v).filename().string() : v));
            }
        } else {
            for (const std::string& k : differing) {
                const auto it = desc[i].find(k);
                parts.push_back(k + " = " + (it == desc[i].end() ? "(absent)" : it->second));
            }
        }
        out.push_back(parts.empty() ? "(same configuration)"
                                    : fmt::format("{}", fmt::join(parts, "; ")));
    }
    return out;
}

/// Accuracy against the noise level (noise.activation_k), per model and pass, with the 95 %
/// interval as a rule.
json accuracy_noise_spec(const std::vector<ReportRun>& runs) {
    json values = json::array();
    // A line joins the runs that differ in the noise level only.
    const std::vector<std::string> group = settings_text(runs, "noise.activation_k");
    for (std::size_t ri = 0; ri < runs.size(); ++ri) {
        const ReportRun& r = runs[ri];
        const auto k = num(r.summary, "/config/noise.activation_k");
        if (!k)
            continue;
        for (const char* pass : kPasses) {
            const auto a = accuracy(r, pass);
            if (!a)
                continue;
            const double c = ci95(r, pass).value_or(0.0);
            values.push_back({{"run", r.label},
                              {"model", model_name(r)},
                              {"group", group[ri]},
                              {"pass", pass},
                              {"noise_k", *k},
                              {"accuracy_pct", *a},
                              {"low_pct", std::max(*a - c, 0.0)},
                              {"high_pct", std::min(*a + c, 100.0)}});
        }
    }
    json spec = base_spec("Accuracy against the noise level",
                          "Top-1 accuracy of each pass against noise.activation_k (the noise "
                          "sigma as a fraction of each tensor's mean magnitude), per model; the "
                          "rules are 95 % confidence intervals.");
    spec["data"] = {{"values", values}};
    spec["width"] = 520;
    spec["height"] = 320;
    const json x = {{"field", "noise_k"},
                    {"type", "quantitative"},
                    {"title", "noise.activation_k (sigma / mean |y|)"}};
    // One model: a colour per pass; several: a colour per model, the pass in the dash and shape.
    std::set<std::string> models;
    for (const ReportRun& r : runs)
        models.insert(model_name(r));
    const json color =
        models.size() == 1
            ? json{{"field", "pass"},
                   {"type", "nominal"},
                   {"sort", {"clean", "noisy", "denoised"}},
                   {"scale", {{"range", {"#54a24b", "#e45756", "#4c78a8"}}}},
                   {"legend", {{"orient", "right"}}}}
            : json{{"field", "model"}, {"type", "nominal"}, {"legend", {{"orient", "right"}}}};
    const json dash = {
        {"field", "pass"}, {"type", "nominal"}, {"sort", {"clean", "noisy", "denoised"}}};
    spec["layer"] = json::array(
        {{{"mark", {{"type", "line"}}},
          {"encoding",
           {{"x", x},
            {"y",
             {{"field", "accuracy_pct"}, {"type", "quantitative"}, {"scale", {{"zero", false}}}}},
            {"color", color},
            {"strokeDash", dash},
            {"detail", {{"field", "group"}, {"type", "nominal"}}}}}},
         {{"mark", {{"type", "rule"}}},
          {"encoding",
           {{"x", x},
            {"y", {{"field", "low_pct"}, {"type", "quantitative"}}},
            {"y2", {{"field", "high_pct"}}},
            {"color", color}}}},
         {{"mark", {{"type", "point"}, {"filled", true}, {"size", 60}}},
          {"encoding",
           {{"x", x},
            {"y",
             {{"field", "accuracy_pct"},
              {"type", "quantitative"},
              {"title", "top-1 accuracy, %"},
              {"scale", {{"zero", false}}}}},
            {"color", color},
            {"shape",
             {{"field", "pass"}, {"type", "nominal"}, {"sort", {"clean", "noisy", "denoised"}}}},
            {"tooltip",
             {{{"field", "run"}},
              {{"field", "model"}},
              {{"field", "group"}, {"title", "configuration besides the noise"}},
              {{"field", "pass"}},
              {{"field", "noise_k"}, {"title", "noise.activation_k"}},
              {{"field", "accuracy_pct"}, {"title", "accuracy, %"}, {"format", ".2f"}},
              {{"field", "low_pct"}, {"title", "95 % CI low, %"}, {"format", ".2f"}},
              {{"field", "high_pct"}, {"title", "95 % CI high, %"}, {"format", ".2f"}}}}}}}});
    return spec;
}

/// Runs on the Pareto front: no other run is at least as good in every objective and better in
/// one. Objectives: accuracy (max, when every run has one), latency and energy (min).
std::vector<bool> pareto_front_of(const std::vector<std::vector<double>>& scores) {
    std::vector<bool> front(scores.size(), true);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        for (std::size_t j = 0; j < scores.size() && front[i]; ++j) {
            if (i == j)
                continue;
            bool all = true, one = false;
            for (std::size_t k = 0; k < scores[i].size(); ++k) {
                all = all && scores[j][k] >= scores[i][k];
                one = one || scores[j][k] > scores[i][k];
            }
            if (all && one)
                front[i] = false;
        }
    }
    return front;
}

json pareto_spec(const std::vector<ReportRun>& runs, const std::vector<std::string>& settings,
                 std::vector<bool>& front_out) {
    bool with_accuracy = true;
    for (const ReportRun& r : runs)
        with_accuracy = with_accuracy && deployed_accuracy(r).first.has_value();
    std::vector<std::vector<double>> scores;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto lat = num(runs[i].summary, "/latency_us");
        const auto en = num(runs[i].summary, "/energy_per_inference_uJ");
        if (!lat || !en)
            continue;
        std::vector<double> s{-*lat, -*en};
        if (with_accuracy)
            s.push_back(*deployed_accuracy(runs[i]).first);
        scores.push_back(s);
        which.push_back(i);
    }
    // The noise, the seeds and the chips are conditions, not design choices: the front is
    // taken among the runs that share them. One chip (run.chips 1) is a run from before the
    // key, which had no run.chips in its configuration.
    const auto is_condition = [](const std::string& k, const std::string& v) {
        return k.rfind("noise.", 0) == 0 || k == "run.seed" || k == "run.seeds" ||
               (k == "run.chips" && v != "1");
    };
    std::vector<std::string> condition;
    for (const std::size_t i : which) {
        std::string c;
        for (const auto& [k, v] : described(runs[i])) {
            if (is_condition(k, v))
                c += k + " = " + v + "; ";
        }
        for (const auto& [k, v] : runs[i].setting) {
            if (is_condition(k, v))
                c += k + " = " + v + "; ";
        }
        condition.push_back(c.empty() ? "(one condition)" : c.substr(0, c.size() - 2));
    }
    std::vector<bool> front(scores.size(), false);
    for (const std::string& c : std::set<std::string>(condition.begin(), condition.end())) {
        std::vector<std::vector<double>> group;
        std::vector<std::size_t> members;
        for (std::size_t n = 0; n < scores.size(); ++n) {
            if (condition[n] == c) {
                group.push_back(scores[n]);
                members.push_back(n);
            }
        }
        const std::vector<bool> f = pareto_front_of(group);
        for (std::size_t m = 0; m < members.size(); ++m)
            front[members[m]] = f[m];
    }
    front_out.assign(runs.size(), false);
    json values = json::array();
    for (std::size_t n = 0; n < which.size(); ++n) {
        const ReportRun& r = runs[which[n]];
        front_out[which[n]] = front[n];
        const auto [acc, pass] = deployed_accuracy(r);
        json v = {{"run", r.label},
                  {"model", model_name(r)},
                  {"configuration", settings[which[n]]},
                  {"latency_us", -scores[n][0]},
                  {"energy_uJ", -scores[n][1]},
                  {"noise_and_seeds", condition[n]},
                  {"front", front[n] ? "on the Pareto front" : "dominated"}};
        if (with_accuracy) {
            v["accuracy_pct"] = *acc;
            v["accuracy_pass"] = pass;
        }
        values.push_back(v);
    }
    json spec = base_spec(
        with_accuracy ? "Pareto front: accuracy, latency and energy"
                      : "Pareto front: latency and energy",
        with_accuracy ? "Every run: latency per inference against the deployed accuracy "
                        "(denoised where the run has blocks), the size is the energy per "
                        "inference; highlighted: the runs no other run with the same noise, "
                        "seeds and chips beats in all three."
                      : "Every run: latency against energy per inference; highlighted: the runs "
                        "no other run with the same noise, seeds and chips beats in both.");
    spec["data"] = {{"values", values}};
    spec["width"] = 520;
    spec["height"] = 320;
    spec["mark"] = {{"type", "point"}, {"filled", true}, {"opacity", 0.85}};
    json tooltip = {
        {{"field", "run"}},
        {{"field", "model"}},
        {{"field", "configuration"}},
        {{"field", "noise_and_seeds"}, {"title", "front taken among the runs with"}},
        {{"field", "latency_us"}, {"title", "latency, us"}, {"format", ".1f"}},
        {{"field", "energy_uJ"}, {"title", "energy per inference, uJ"}, {"format", ".3f"}},
        {{"field", "front"}}};
    if (with_accuracy) {
        tooltip.push_back({{"field", "accuracy_pct"}, {"title", "accuracy, %"}, {"format", ".2f"}});
        tooltip.push_back({{"field", "accuracy_pass"}, {"title", "accuracy of the pass"}});
    }
    spec["encoding"] = {{"x",
                         {{"field", "latency_us"},
                          {"type", "quantitative"},
                          {"title", "latency per inference, us"},
                          {"scale", {{"zero", false}}}}},
                        {"y", with_accuracy ? json{{"field", "accuracy_pct"},
                                                   {"type", "quantitative"},
                                                   {"title", "deployed accuracy, %"},
                                                   {"scale", {{"zero", false}}}}
                                            : json{{"field", "energy_uJ"},
                                                   {"type", "quantitative"},
                                                   {"title", "energy per inference, uJ"},
                                                   {"scale", {{"zero", false}}}}},
                        {"color",
                         {{"field", "front"},
                          {"type", "nominal"},
                          {"sort", {"on the Pareto front", "dominated"}},
                          {"scale", {{"range", {"#e45756", "#bab0ac"}}}},
                          {"legend", {{"orient", "top"}, {"title", nullptr}}}}},
                        {"tooltip", tooltip}};
    if (with_accuracy) {
        spec["encoding"]["size"] = {{"field", "energy_uJ"},
                                    {"type", "quantitative"},
                                    {"title", "energy, uJ"},
                                    {"scale", {{"range", {40, 400}}, {"zero", false}}}};
    }
    return spec;
}

// ---- The page
// ------------------------------------------------------------------------------------

/// JSON text safe inside a <script> element: no '<', '>' or '&' at all (as \u escapes, which
/// JSON.parse reads back), so no name can open a comment, a script or end the element.
std::string script_json(const json& j) {
    const std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '<':
                out += "\\u003c";
                break;
            case '>':
                out += "\\u003e";
                break;
            case '&':
                out += "\\u0026";
                break;
            default:
                out += c;
        }
    }
    return out;
}

/// Script text safe inside a <script> element (a "</script" inside would end it early).
std::string script_text(const std::string& js) {
    std::string out;
    out.reserve(js.size());
    for (std::size_t i = 0; i < js.size(); ++i) {
        if (js[i] == '<' && js.compare(i, 8, "</script") == 0) {
            out += "<\\/";
            ++i;
        } else {
            out += js[i];
        }
    }
    return out;
}

const char kStyle[] = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; max-width: 1100px; padding: 0 24px 48px; }
h1 { font-size: 24px; margin: 24px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { font-size: 15px; background: #f5f7fa; border-left: 4px solid #4c78a8; padding: 10px 14px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #fafafa; }
.chart { margin: 8px 0 20px; }
.wide { overflow-x: auto; }
.note { color: #666; font-size: 13px; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
code { font-size: 12px; background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
#report-errors { color: #b00; white-space: pre-wrap; }
[hidden] { display: none !important; }
tr.front td:first-child { border-left: 4px solid #e45756; }
)css";

/// The page's script: renders every chart, toggles the log-scale views, and records every
/// error on the page (and in body data attributes a test can read).
const char kDriver[] = R"js(
(function () {
  document.getElementById('report-status').hidden = true;
  var errors = [];
  var box = document.getElementById('report-errors');
  function fail(message) {
    errors.push(message);
    box.textContent = 'This report could not draw everything:\n' + errors.join('\n');
    box.hidden = false;
    document.body.setAttribute('data-errors', String(errors.length));
  }
  window.addEventListener('error', function (e) { fail('script error: ' + e.message); });
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var pending = specs.length;
  function settled() {
    pending -= 1;
    if (pending === 0) document.body.setAttribute('data-done', '1');
  }
  if (pending === 0) document.body.setAttribute('data-done', '1');
  specs.forEach(function (c) {
    vegaEmbed('#' + c.id, c.spec, {renderer: 'svg', actions: false})
      .then(function () { document.getElementById(c.id).setAttribute('data-rendered', '1'); })
      .catch(function (e) { fail(c.id + ': ' + e); })
      .then(settled);
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[data-show]'), function (input) {
    input.addEventListener('change', function () {
      var ids = input.getAttribute('data-show').split(' ');
      document.getElementById(ids[0]).hidden = input.checked;
      document.getElementById(ids[1]).hidden = !input.checked;
    });
  });
})();
)js";

class Page {
  public:
    std::string html;
    std::vector<Chart> charts;

    /// A chart's container (and its spec for the driver).
    void chart(const std::string& kind, json spec, bool hidden = false) {
        const std::string id = fmt::format("chart-{}", charts.size() + 1);
        html += fmt::format("<div class=\"chart\" id=\"{}\" data-chart=\"{}\"{}></div>\n", id, kind,
                            hidden ? " hidden" : "");
        charts.push_back({id, kind, std::move(spec)});
    }
    std::string next_id(std::size_t ahead) const {
        return fmt::format("chart-{}", charts.size() + 1 + ahead);
    }
};

void row(std::string& h, const std::string& what, const std::string& value) {
    h += fmt::format("<tr><th>{}</th><td class=\"num\">{}</td></tr>\n", markup_text(what),
                     markup_text(value));
}

/// Rows of a run on several chips: each chip's mean accuracies over its seeds (up to
/// kChipRows chips; beyond, where to find them) and the worst chip of each pass.
void chip_rows(std::string& t, const json& s) {
    constexpr std::size_t kChipRows = 16;
    const json::json_pointer per("/accuracy/per_chip");
    const json chips = s.contains(per) && s.at(per).is_array() ? s.at(per) : json::array();
    if (chips.size() > kChipRows) {
        row(t, "each chip's accuracy",
            fmt::format("{} chips: accuracy.per_chip of summary.json", chips.size()));
    } else {
        for (const json& c : chips) {
            row(t,
                fmt::format("chip {} (noise.chip_seed {}): noisy, denoised, %", text_of(c, "/chip"),
                            text_of(c, "/chip_seed")),
                fixed(num(c, "/noisy_pct_mean"), 2) + ", " +
                    fixed(num(c, "/denoised_pct_mean"), 2));
        }
    }
    for (const char* pass : {"noisy", "denoised"}) {
        const std::string worst = fmt::format("/accuracy/{}_worst_chip", pass);
        const auto pct = num(s, (worst + "/pct").c_str());
        if (!pct)
            continue;
        row(t, fmt::format("worst chip, {}, %", pass),
            fmt::format("{:.2f} (chip {}, noise.chip_seed {})", *pct,
                        text_of(s, (worst + "/chip").c_str()),
                        text_of(s, (worst + "/chip_seed").c_str())));
    }
}

/// The figures of one run in words and as the paper's summary table.
void run_summary(Page& p, const ReportRun& r) {
    const json& s = r.summary;
    const auto clean = accuracy(r, "clean");
    const auto noisy = accuracy(r, "noisy");
    const auto den = accuracy(r, "denoised");
    const auto images = num(s, "/accuracy/images");
    const auto seeds = num(s, "/accuracy/seeds");
    const auto chips = num(s, "/accuracy/chips");
    const auto k = num(s, "/config/noise.activation_k");
    const auto overhead = num(s, "/latency_overhead_pct");
    const auto energy = num(s, "/energy_per_inference_uJ");
    const auto den_energy = num(s, "/denoiser_energy_per_inference_uJ");
    const auto share = num(s, "/denoiser_energy_share_pct");
    const std::size_t blocks = s.value("denoiser_blocks", json::array()).size();
    // In words, for someone who has not read the docs.
    std::string lead = fmt::format("<b>{}</b>", markup_text(model_name(r)));
    if (clean && images) {
        lead +=
            fmt::format(" on {:.0f} test images of {}.", *images,
                        markup_text(fs::path(text_of(s, "/accuracy/dataset")).filename().string()));
        // Whether a difference stands out. With the run's paired interval (summary.json's
        // NAME_ci95_points, docs/platform.md): whether that interval holds 0. Older summaries:
        // against the wider of the pass's two 95 % intervals, over the seeds (or the chips)
        // and over the images: a few seeds that agree say nothing about the test set's
        // sampling.
        const auto verdict = [&](double diff, const std::string& pass, const char* name) {
            const auto half_paired = num(s, fmt::format("/accuracy/{}_ci95_points", name).c_str());
            if (half_paired) {
                return fmt::format(
                    ", 95 % interval {:+.2f} to {:+.2f}, paired over the same "
                    "images: {}",
                    diff - *half_paired, diff + *half_paired,
                    std::abs(diff) > *half_paired ? "a real difference"
                                                  : "not distinguishable from 0");
            }
            const auto seeds_half = ci95(r, pass);
            const auto se = num(s, ("/accuracy/" + pass + "_pct_binomial_se").c_str());
            if (!seeds_half && !se)
                return std::string();
            const double half = std::max(seeds_half.value_or(0.0), 1.96 * se.value_or(0.0));
            return fmt::format(", {} that pass's 95 % interval of ± {:.2f}",
                               std::abs(diff) <= half ? "within" : "beyond", half);
        };
        if (noisy) {
            lead += fmt::format(
                " The analog noise (noise.activation_k = {}) changes the accuracy "
                "from {:.2f} % without noise to {:.2f} % ({:+.2f} points{}).",
                k ? fmt::format("{:g}", *k) : std::string("?"), *clean, *noisy, *noisy - *clean,
                verdict(*noisy - *clean, "noisy", "noisy_minus_clean"));
        }
        if (den && noisy) {
            lead += fmt::format(
                " With the {} denoiser block{} it is {:.2f} % ({:+.2f} points "
                "against noisy{}; {:+.2f} against clean).",
                blocks, blocks == 1 ? "" : "s", *den, *den - *noisy,
                verdict(*den - *noisy, "denoised", "denoised_minus_noisy"), *den - *clean);
        }
    } else {
        lead += ": timing and energy only (no dataset: a --timing-only run).";
    }
    if (blocks > 0 && overhead && energy && den_energy && share) {
        lead += fmt::format(
            " The blocks add {:.2f} % to the latency per inference and take "
            "{:.3f} of its {:.3f} uJ ({:.2f} %).",
            *overhead, *den_energy, *energy, *share);
    } else if (energy) {
        lead += fmt::format(" No denoiser block: {:.3f} uJ per inference.", *energy);
    }
    p.html += "<p class=\"lead\">" + lead + "</p>\n";

    std::string t = "<table>\n";
    if (clean) {
        const std::string over = text_of(s, "/accuracy/ci95_over");
        // The clean pass has no noise to draw: its interval is over the images; the noisy and
        // denoised passes' are over the chips' means with several chips, else over the seeds
        // with several (ci95_over says which).
        const char* noisy_over = chips.value_or(1) > 1   ? "95 % CI over the chips' means"
                                 : seeds.value_or(1) > 1 ? "95 % CI over the seeds"
                                                         : "95 % CI over the images";
        row(t, "clean accuracy, % (95 % CI over the images)", accuracy_text(r, "clean"));
        row(t, fmt::format("noisy accuracy, % ({})", noisy_over), accuracy_text(r, "noisy"));
        if (den)
            row(t, fmt::format("denoised accuracy, % ({})", noisy_over),
                accuracy_text(r, "denoised"));
        if (chips.value_or(1) > 1) {
            row(t, "images per pass, chips x noise seeds per chip",
                fmt::format("{:.0f}, {:.0f} x {:.0f}", images.value_or(0), *chips,
                            seeds.value_or(0)));
            chip_rows(t, s);
        } else {
            row(t, "images per pass, noise seeds",
                fmt::format("{:.0f}, {:.0f}", images.value_or(0), seeds.value_or(0)));
        }
        if (!over.empty())
            row(t, "noisy and denoised intervals", over);
    }
    const auto params = num(s, "/denoiser_params");
    const auto backbone = num(s, "/backbone_params");
    if (params && backbone && *backbone > 0) {
        row(t, "denoiser parameters (share of the backbone)",
            fmt::format("{:.0f} ({:.2f} % of {:.0f})", *params, 100.0 * *params / *backbone,
                        *backbone));
    }
    row(t, "cycles per inference (without denoisers)",
        fmt::format("{} ({})", fixed(num(s, "/cycles_per_inference"), 0),
                    fixed(num(s, "/cycles_per_inference_without_denoisers"), 0)));
    row(t, "latency per inference, us (without denoisers)",
        fmt::format("{} ({})", fixed(num(s, "/latency_us"), 1),
                    fixed(num(s, "/latency_without_denoisers_us"), 1)));
    row(t, "latency overhead, %", fixed(overhead, 2));
    row(t, "energy per inference, uJ (denoiser share)",
        fmt::format("{} ({} uJ, {} %)", fixed(energy, 3), fixed(den_energy, 3), fixed(share, 2)));
    row(t, "total power over the inference, mW",
        fmt::format("{} (static {} + dynamic {}; window {} us)",
                    fixed(num(s, "/total_average_power_mW"), 3),
                    fixed(num(s, "/total_static_power_mW"), 3),
                    fixed(num(s, "/total_dynamic_power_mW"), 3), fixed(num(s, "/latency_us"), 1)));
    if (num(s, "/denoiser_power_inference_window_mW")) {
        row(t, "denoiser power over the inference, mW",
            fmt::format("{} (static {} + dynamic {}; window {} us)",
                        fixed(num(s, "/denoiser_power_inference_window_mW"), 4),
                        fixed(num(s, "/denoiser_power_inference_window_static_mW"), 4),
                        fixed(num(s, "/denoiser_power_inference_window_dynamic_mW"), 4),
                        fixed(num(s, "/latency_us"), 1)));
        row(t, "denoiser power while its blocks run, mW",
            fmt::format("{} (static {} + dynamic {}; window {} us)",
                        fixed(num(s, "/denoiser_power_active_window_mW"), 3),
                        fixed(num(s, "/denoiser_power_active_window_static_mW"), 3),
                        fixed(num(s, "/denoiser_power_active_window_dynamic_mW"), 3),
                        fixed(num(s, "/denoiser_active_window_us"), 1)));
    } else if (num(s, "/denoiser_idle_static_power_mW")) {
        row(t, "denoiser idle static power, mW (no block)",
            fixed(num(s, "/denoiser_idle_static_power_mW"), 4));
    }
    row(t, "denoiser power gating", text_of(s, "/denoiser_power_gating"));
    row(t, "MX-CGRA clock, MHz", fixed(num(s, "/clock_mhz"), 0));
    p.html += t + "</table>\n";
}

void provenance_block(Page& p, const ReportRun& r) {
    const json prov = r.summary.value("provenance", json::object());
    std::string t =
        "<details><summary>Provenance of " + markup_text(r.label) + "</summary>\n<table>\n";
    row(t, "read from", r.source);
    for (const auto& [k, v] : prov.items()) {
        std::string value;
        if (v.is_string()) {
            value = v.get<std::string>();
        } else if (k == "dataset" && v.is_array()) {
            std::vector<std::string> files;
            for (const json& f : v)
                files.push_back(f.value("path", "?") + " (sha256 " + f.value("sha256", "?") + ")");
            value = fmt::format("{}", fmt::join(files, "; "));
        } else if (k == "model" && v.is_object()) {
            value = v.contains("builtin")
                        ? "built-in " + text_of(v, "/builtin")
                        : text_of(v, "/path") + " (sha256 " + text_of(v, "/sha256") + ")";
        } else {
            value = v.dump(-1, ' ', false, json::error_handler_t::replace);
        }
        row(t, k, value);
    }
    p.html += t + "</table></details>\n";
}

/// One run's charts: per-layer cycles (linear, with a log-scale view), energy, phases.
void run_charts(Page& p, const ReportRun& r) {
    if (!r.layers.empty()) {
        const std::string linear = p.next_id(0), log = p.next_id(1);
        p.html += fmt::format(
            "<label><input type=\"checkbox\" data-show=\"{} {}\"> log "
            "scale</label>\n",
            linear, log);
        p.chart("layers-linear", layers_spec(r, false));
        p.chart("layers-log", layers_spec(r, true), true);
    } else {
        p.html += "<p class=\"note\">No layers.csv beside this result: no per-layer chart.</p>\n";
    }
    p.chart("energy", energy_spec(r));
    if (!r.summary.value("denoiser_blocks", json::array()).empty())
        p.chart("phases", phases_spec(r));
}

void comparison_table(Page& p, const std::vector<ReportRun>& runs,
                      const std::vector<std::string>& settings, const std::vector<bool>& front) {
    std::string t =
        "<div "
        "class=\"wide\"><table>\n<tr><th>run</th><th>model</th><th>configuration</th><th>clean, "
        "%</th>"
        "<th>noisy, %</th><th>denoised, %</th><th>denoised − noisy, points</th>"
        "<th>latency, us</th><th>latency overhead, %</th><th>energy, uJ</th>"
        "<th>denoiser energy, %</th></tr>\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const ReportRun& r = runs[i];
        const auto noisy = accuracy(r, "noisy");
        const auto den = accuracy(r, "denoised");
        t += fmt::format(
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td "
            "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
            "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
            "class=\"num\">{}</td></tr>\n",
            i < front.size() && front[i] ? " class=\"front\"" : "", markup_text(r.label),
            markup_text(model_name(r)), markup_text(settings[i]),
            markup_text(accuracy_text(r, "clean")), markup_text(accuracy_text(r, "noisy")),
            markup_text(accuracy_text(r, "denoised")),
            noisy && den ? fmt::format("{:+.2f}", *den - *noisy) : "—",
            fixed(num(r.summary, "/latency_us"), 1),
            fixed(num(r.summary, "/latency_overhead_pct"), 2),
            fixed(num(r.summary, "/energy_per_inference_uJ"), 3),
            fixed(num(r.summary, "/denoiser_energy_share_pct"), 2));
    }
    p.html += t +
              "</table></div>\n<p class=\"note\">± is the 95 % confidence interval; a red edge "
              "marks a run on the Pareto front.</p>\n";
}

}  // namespace

std::string run_label(const std::string& dir) {
    const fs::path p = fs::path(dir).lexically_normal();
    std::string label = p.filename().string();
    if (label.empty())
        label = p.parent_path().filename().string();
    if (label.empty() || label == "." || label == "..")
        label = fs::absolute(p).lexically_normal().filename().string();
    return label.empty() ? dir : label;
}

std::string vega_scripts_dir() {
    const char* env = std::getenv("DNSIM_VEGA_DIR");
    if (env != nullptr && *env != '\0')
        return env;
    return DNSIM_SOURCE_VEGA_DIR;
}

void check_vega_scripts() {
    const fs::path dir = vega_scripts_dir();
    for (const ScriptFile& s : kScripts) {
        const fs::path p = dir / s.package / s.file;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) {
            throw ConfigError(
                "report", fmt::format("the chart script '{}' is missing: run "
                                      "scripts/install-deps.sh (npm ci in testbench/report), or "
                                      "point DNSIM_VEGA_DIR at a node_modules with vega, vega-lite "
                                      "and vega-embed",
                                      printable(p.string())));
        }
    }
}

VegaScripts load_vega_scripts() {
    check_vega_scripts();
    const fs::path dir = vega_scripts_dir();
    VegaScripts out;
    std::vector<std::string> versions;
    for (const ScriptFile& s : kScripts) {
        out.*s.text = read_file(dir / s.package / s.file, "report");
        std::string version = "?";
        try {
            const json pkg = json::parse(read_file(dir / s.package / "package.json", "report"));
            version = pkg.value("version", "?");
        } catch (const std::exception&) {
        }
        versions.push_back(fmt::format("{} {}", s.package, version));
    }
    out.versions = fmt::format("{}", fmt::join(versions, ", "));
    return out;
}

namespace {

/// Renders `r` alone once, so that a field of an unexpected type (a damaged or hand-edited
/// summary) is an error naming its file, not an internal error.
void check_renders(const ReportRun& r) {
    const std::string where =
        r.setting.empty() ? (fs::path(r.source) / "summary.json").string() : r.source;
    try {
        (void)report_html({r}, VegaScripts{}, "");
    } catch (const json::exception& e) {
        throw ConfigError(where,
                          fmt::format("a field has an unexpected type or value: {}", e.what()));
    }
}

}  // namespace

std::vector<ReportRun> load_report_inputs(const std::vector<std::string>& inputs) {
    if (inputs.empty())
        throw ConfigError("report", "give at least one run directory or sweep database");
    std::vector<ReportRun> runs;
    for (const std::string& in : inputs) {
        const fs::path p(in);
        std::error_code ec;
        const fs::file_status st = fs::status(p, ec);
        if (!fs::exists(st)) {
            throw ConfigError(printable(in),
                              "no such file or directory; expected a dnsim run "
                              "directory (summary.json) or a sweep (study.db)");
        }
        std::vector<ReportRun> got;
        if (fs::is_directory(st)) {
            if (fs::exists(p / "study.db", ec)) {
                got = load_sweep(p / "study.db");
            } else if (fs::exists(p / "summary.json", ec)) {
                got.push_back(load_run_dir(p));
            } else {
                throw ConfigError(printable(in),
                                  "has no summary.json (a dnsim run result) and no study.db (a "
                                  "dnsim sweep); nothing to report");
            }
        } else if (fs::is_regular_file(st) && is_sqlite_file(p)) {
            got = load_sweep(p);
        } else if (fs::is_regular_file(st) && p.filename() == "summary.json") {
            got.push_back(load_run_dir(p.parent_path().empty() ? fs::path(".") : p.parent_path()));
        } else {
            throw ConfigError(printable(in),
                              "is neither a run directory, a summary.json nor a "
                              "sweep database (study.db)");
        }
        for (ReportRun& r : got) {
            check_renders(r);
            runs.push_back(std::move(r));
        }
    }
    return runs;
}

std::string report_html(const std::vector<ReportRun>& runs, const VegaScripts& scripts,
                        const std::string& command) {
    Page p;
    const bool one = runs.size() == 1;
    const std::string title = one ? "dnsim report: " + model_name(runs[0])
                                  : fmt::format("dnsim report: {} runs", runs.size());
    p.html += "<h1>" + markup_text(title) + "</h1>\n";
    p.html +=
        "<p class=\"note\">Simulated with dnsim: trained networks with digital denoiser "
        "blocks replayed through a noisy mixed-signal accelerator (MX-CGRA) and the "
        "denoiser accelerator. Accuracy: top-1 over the test images, clean (no noise), "
        "noisy (analog noise, no denoisers), denoised (noise and the blocks). Cycles, "
        "latency, energy and power: one inference, simulated. Hover over a chart for the "
        "numbers.</p>\n";
    for (const ReportRun& r : runs) {
        if (!r.note.empty())
            p.html += "<p class=\"lead\">" + markup_text(r.note) + "</p>\n";
    }
    p.html += "<pre id=\"report-errors\" hidden></pre>\n";
    p.html +=
        "<p id=\"report-status\" class=\"note\">The charts of this page are drawn by the "
        "scripts inside it: if this line stays, they did not run (JavaScript turned "
        "off?).</p>\n";
    const std::vector<std::string> settings = settings_text(runs);
    std::vector<bool> front;
    if (one) {
        run_summary(p, runs[0]);
        p.html += "<h2>Where the time and energy go</h2>\n";
        run_charts(p, runs[0]);
    } else {
        p.html += "<h2>Runs</h2>\n";
        json spec = pareto_spec(runs, settings, front);
        comparison_table(p, runs, settings, front);
        bool any_accuracy = false;
        for (const ReportRun& r : runs)
            any_accuracy = any_accuracy || accuracy(r, "noisy").has_value();
        if (any_accuracy) {
            p.html += "<h2>Accuracy against noise</h2>\n";
            p.chart("accuracy-noise", accuracy_noise_spec(runs));
        }
        p.html += "<h2>Trade-offs</h2>\n";
        p.chart("pareto", std::move(spec));
        // Each run's own figures, for run directories (a sweep's points are in the table).
        std::size_t shown = 0;
        for (const ReportRun& r : runs) {
            if (!r.setting.empty())
                continue;
            p.html += fmt::format("<details{}><summary>{}</summary>\n", shown == 0 ? " open" : "",
                                  markup_text(r.label + " — " + model_name(r)));
            run_summary(p, r);
            run_charts(p, r);
            p.html += "</details>\n";
            ++shown;
        }
    }
    p.html += "<h2>Provenance</h2>\n";
    constexpr std::size_t kShownProvenance = 20;
    for (std::size_t i = 0; i < runs.size() && i < kShownProvenance; ++i)
        provenance_block(p, runs[i]);
    if (runs.size() > kShownProvenance) {
        p.html += fmt::format(
            "<p class=\"note\">… and {} more (each point's provenance is in its "
            "result).</p>\n",
            runs.size() - kShownProvenance);
    }
    p.html += fmt::format(
        "<p class=\"note\">Written by <code>{}</code> (dnsim {}); charts by {}, "
        "embedded in this file.</p>\n",
        markup_text(command), markup_text(kVersion), markup_text(scripts.versions));

    json specs = json::array();
    for (const Chart& c : p.charts)
        specs.push_back({{"id", c.id}, {"kind", c.kind}, {"spec", c.spec}});
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + markup_text(title) + "</title>\n<style>" + kStyle +
           "</style>\n</head>\n<body>\n";
    out += p.html;
    out += "<script type=\"application/json\" id=\"report-specs\">" + script_json(specs) +
           "</script>\n";
    out += "<script>" + script_text(scripts.vega) + "</script>\n";
    out += "<script>" + script_text(scripts.vega_lite) + "</script>\n";
    out += "<script>" + script_text(scripts.vega_embed) + "</script>\n";
    out += std::string("<script>") + kDriver + "</script>\n</body>\n</html>\n";
    return out;
}

int run_report(const ReportOptions& opt, std::ostream& os) {
    // One file, not a results directory: its directory must be there already.
    const fs::path parent = fs::path(opt.out).parent_path();
    std::error_code ec;
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
        throw ConfigError("out", fmt::format("'{}': the directory '{}' does not exist",
                                             printable(opt.out), printable(parent.string())));
    }
    check_output_file(opt.out, "out");
    const VegaScripts scripts = load_vega_scripts();
    const std::vector<ReportRun> runs = load_report_inputs(opt.inputs);
    write_output_file(opt.out, report_html(runs, scripts, opt.command), "out");
    os << fmt::format("report: {} ({} result{})\n", opt.out, runs.size(),
                      runs.size() == 1 ? "" : "s");
    return 0;
}

}  // namespace dnsim::tb
