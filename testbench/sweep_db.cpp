// dnsim sweep's SQLite database: schema, one transaction per point, CSV export, Pareto fronts.
#include "testbench/sweep_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/stats.h"
#include "models/common/version.h"
#include "testbench/result_json.h"

namespace dnsim::tb {

namespace {

using json = nlohmann::json;

/// Raised when the database layout changes; an older database is refused with its version.
constexpr int kSchemaVersion = 1;

std::string quoted(const std::string& identifier) {
    std::string q = "\"";
    for (const char c : identifier) {
        q += c;
        if (c == '"')
            q += '"';
    }
    return q + "\"";
}

/// A statement, finalized on scope exit.
class Statement {
  public:
    Statement(sqlite3* db, const std::string& sql, const std::string& path) : m_path(path) {
        if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &m_stmt, nullptr) !=
            SQLITE_OK) {
            throw ConfigError(path, fmt::format("database error: {} (in: {})", sqlite3_errmsg(db),
                                                sql.substr(0, 80)));
        }
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, const json& v) {
        int rc = SQLITE_OK;
        if (v.is_null())
            rc = sqlite3_bind_null(m_stmt, i);
        else if (v.is_boolean())
            rc = sqlite3_bind_int(m_stmt, i, v.get<bool>() ? 1 : 0);
        else if (v.is_number_integer())
            rc = sqlite3_bind_int64(m_stmt, i, v.get<std::int64_t>());
        else if (v.is_number())
            rc = sqlite3_bind_double(m_stmt, i, v.get<double>());
        else
            rc = bind_text(i, v.is_string() ? v.get<std::string>() : v.dump());
        check(rc);
    }
    int bind_text(int i, const std::string& s) {
        return sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    /// Steps once; true while there is a row.
    bool step() {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            check(rc);
        return false;
    }
    std::optional<std::string> text(int col) const {
        if (sqlite3_column_type(m_stmt, col) == SQLITE_NULL)
            return std::nullopt;
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
    }
    /// Ready to run again with new bindings.
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    int columns() const { return sqlite3_column_count(m_stmt); }
    std::string column_name(int i) const { return sqlite3_column_name(m_stmt, i); }

  private:
    void check(int rc) const {
        if (rc != SQLITE_OK) {
            throw ConfigError(m_path, fmt::format("database error: {}",
                                                  sqlite3_errmsg(sqlite3_db_handle(m_stmt))));
        }
    }
    std::string m_path;
    sqlite3_stmt* m_stmt = nullptr;
};

// -- metrics ---------------------------------------------------------------------------------

using Extract = std::function<json(const json& result)>;

struct MetricDef {
    SweepMetric metric;
    Extract extract;
};

json at(const json& j, const char* pointer) {
    const json::json_pointer p(pointer);
    return j.contains(p) ? j.at(p) : json();
}

double config_number(const json& r, const char* key) {
    const json c = at(r, "/config");
    if (!c.is_object() || !c.contains(key))
        return std::nan("");
    const json& v = c[key];
    return v.is_string() ? std::strtod(v.get<std::string>().c_str(), nullptr) : v.get<double>();
}

/// A finite number as JSON (an integer when it is one), null otherwise.
json finite(double v) {
    if (!std::isfinite(v))
        return json();
    if (v == std::floor(v) && std::abs(v) < 9e15)
        return static_cast<std::int64_t>(v);
    return v;
}

/// Energy per inference of the components whose name starts with `prefix`, in µJ.
json energy_uJ(const json& r, const std::string& prefix) {
    const json lines = at(r, "/energy_per_inference");
    if (!lines.is_array())
        return json();
    double pJ = 0.0;
    for (const json& l : lines) {
        if (l.at("component").get<std::string>().rfind(prefix, 0) == 0)
            pJ += l.at("energy_pJ").get<double>();
    }
    return pJ * 1e-6;
}

/// Half-width of the 95 % confidence interval of the mean accuracy of `pass` (noisy,
/// denoised) [%]: with several chips the summary's own, over the chips' means; else over the
/// seeds, t(0.975, n-1) x std / sqrt(n); null with one seed on one chip (no spread is known,
/// not a spread of 0).
json ci95(const json& r, const std::string& pass) {
    const json chips = at(r, "/accuracy/chips");
    if (chips.is_number_integer() && chips.get<int>() > 1)
        return at(r, ("/accuracy/" + pass + "_pct_ci95").c_str());
    const json n = at(r, "/accuracy/seeds");
    const json sd = at(r, ("/accuracy/" + pass + "_pct_std").c_str());
    if (!n.is_number_integer() || n.get<int>() < 2 || !sd.is_number())
        return json();
    const int seeds = n.get<int>();
    return t975(seeds - 1) * sd.get<double>() / std::sqrt(static_cast<double>(seeds));
}

bool has_pass(const json& r, const std::string& kind) {
    const json passes = at(r, "/accuracy/passes");
    return passes.is_array() && std::any_of(passes.begin(), passes.end(),
                                            [&](const json& p) { return p.at("pass") == kind; });
}

json area_sram_bytes(const json& r) {
    return finite(config_number(r, "weight_sram.size_bytes") +
                  config_number(r, "activation_sram.size_bytes"));
}
json area_mac_units(const json& r) {
    return finite(config_number(r, "denoiser.cores") * config_number(r, "denoiser.array_rows") *
                  config_number(r, "denoiser.array_cols"));
}

Extract pointer(const char* p) {
    return [p](const json& r) { return at(r, p); };
}

const std::vector<MetricDef>& run_metrics() {
    static const std::vector<MetricDef> defs = {
        {{"accuracy_pct",
          "top-1 accuracy of the deployed pass: denoised when the model has "
          "denoiser blocks, noisy otherwise (mean over chips and seeds) [%]"},
         [](const json& r) {
             return has_pass(r, "denoised") ? at(r, "/accuracy/denoised_pct_mean")
                                            : at(r, "/accuracy/noisy_pct_mean");
         }},
        {{"accuracy_clean_pct", "clean pass [%]"}, pointer("/accuracy/clean_pct")},
        {{"accuracy_noisy_pct", "noisy pass, mean over chips and seeds [%]"},
         pointer("/accuracy/noisy_pct_mean")},
        {{"accuracy_noisy_std_pct", "noisy pass, standard deviation over every pass [%]"},
         pointer("/accuracy/noisy_pct_std")},
        {{"accuracy_denoised_pct", "denoised pass, mean over chips and seeds [%]"},
         [](const json& r) {
             return has_pass(r, "denoised") ? at(r, "/accuracy/denoised_pct_mean") : json();
         }},
        {{"accuracy_denoised_std_pct", "denoised pass, standard deviation over every pass [%]"},
         [](const json& r) {
             return has_pass(r, "denoised") ? at(r, "/accuracy/denoised_pct_std") : json();
         }},
        {{"accuracy_ci95_pct",
          "95 % confidence half-width of accuracy_pct over the chips' means with several chips, "
          "else over the noise seeds (t distribution; null with one seed on one chip) [%]"},
         [](const json& r) { return ci95(r, has_pass(r, "denoised") ? "denoised" : "noisy"); }},
        {{"accuracy_noisy_ci95_pct", "the noisy pass's 95 % confidence half-width [%]"},
         [](const json& r) { return ci95(r, "noisy"); }},
        {{"accuracy_denoised_ci95_pct", "the denoised pass's 95 % confidence half-width [%]"},
         [](const json& r) { return has_pass(r, "denoised") ? ci95(r, "denoised") : json(); }},
        {{"accuracy_noise_cost_points",
          "noisy - clean, paired pass by pass (summary.json's noisy_minus_clean_points) "
          "[points]"},
         pointer("/accuracy/noisy_minus_clean_points")},
        {{"accuracy_noise_cost_ci95_points", "its paired 95 % confidence half-width [points]"},
         pointer("/accuracy/noisy_minus_clean_ci95_points")},
        {{"accuracy_gain_points",
          "denoised - noisy, paired pass by pass: what the blocks recover (null without "
          "denoisers) [points]"},
         pointer("/accuracy/denoised_minus_noisy_points")},
        {{"accuracy_gain_ci95_points", "its paired 95 % confidence half-width [points]"},
         pointer("/accuracy/denoised_minus_noisy_ci95_points")},
        {{"images", "images per accuracy pass"}, pointer("/accuracy/images")},
        {{"seeds", "noise seeds per chip"}, pointer("/accuracy/seeds")},
        {{"chips", "chip instances (run.chips)"}, pointer("/accuracy/chips")},
        {{"accuracy_noisy_worst_chip_pct",
          "the noisy pass's mean on its worst chip (null with one chip) [%]"},
         pointer("/accuracy/noisy_worst_chip/pct")},
        {{"accuracy_denoised_worst_chip_pct",
          "the denoised pass's mean on its worst chip (null with one chip or without "
          "denoisers) [%]"},
         pointer("/accuracy/denoised_worst_chip/pct")},
        {{"cycles_per_inference", "CGRA clock cycles, denoisers included"},
         pointer("/cycles_per_inference")},
        {{"cycles_without_denoisers", "CGRA clock cycles of the backbone alone"},
         pointer("/cycles_per_inference_without_denoisers")},
        {{"denoiser_cycles_per_inference", "denoiser accelerator cycles"},
         pointer("/denoiser_cycles_per_inference")},
        {{"latency_us", "latency per inference [µs]"}, pointer("/latency_us")},
        {{"latency_without_denoisers_us", "the backbone's latency [µs]"},
         pointer("/latency_without_denoisers_us")},
        {{"latency_overhead_pct", "latency added by the denoisers [%]"},
         pointer("/latency_overhead_pct")},
        {{"energy_uJ", "energy per inference, every component [µJ]"},
         [](const json& r) { return energy_uJ(r, ""); }},
        {{"denoiser_energy_uJ", "energy per inference of the denoiser accelerator [µJ]"},
         [](const json& r) { return energy_uJ(r, "denoiser."); }},
        {{"cgra_energy_uJ", "energy per inference of the MX-CGRA [µJ]"},
         [](const json& r) { return energy_uJ(r, "cgra."); }},
        {{"total_average_power_mW", "average power over the inference [mW]"},
         pointer("/total_average_power_mW")},
        {{"denoiser_energy_share_pct", "the denoiser's share of the energy per inference [%]"},
         pointer("/denoiser_energy_share_pct")},
        {{"recalibration_energy_uJ", "reprogramming every analog weight once (recalibration) [uJ]"},
         pointer("/recalibration_energy_uJ")},
        {{"recalibration_time_ms", "reprogramming every analog weight once [ms]"},
         pointer("/recalibration_time_ms")},
        {{"denoiser_power_inference_window_mW",
          "the denoiser's power averaged over the whole inference [mW] (empty without blocks)"},
         pointer("/denoiser_power_inference_window_mW")},
        {{"denoiser_power_active_window_mW",
          "the denoiser's power while its blocks run [mW] (empty without blocks)"},
         pointer("/denoiser_power_active_window_mW")},
        {{"denoiser_idle_static_power_mW",
          "the idle denoiser's leakage in a run without blocks [mW] (empty with blocks)"},
         pointer("/denoiser_idle_static_power_mW")},
        {{"crossbars_used", "crossbars holding weights"}, pointer("/crossbars_used")},
        {{"backbone_params", "backbone parameters"}, pointer("/backbone_params")},
        {{"denoiser_params", "denoiser parameters"}, pointer("/denoiser_params")},
        {{"parameter_overhead_pct", "denoiser parameters / backbone parameters [%]"},
         [](const json& r) {
             const json b = at(r, "/backbone_params"), d = at(r, "/denoiser_params");
             if (!b.is_number() || !d.is_number() || b.get<double>() <= 0.0)
                 return json();
             return json(100.0 * d.get<double>() / b.get<double>());
         }},
        {{"denoiser_sram_bytes", "area proxy: weight + activation SRAM [bytes]"}, area_sram_bytes},
        {{"denoiser_mac_units", "area proxy: cores x array rows x columns [MAC units]"},
         area_mac_units},
        {{"denoiser_sram_row_accesses_per_inference", "denoiser SRAM accesses [width_bits rows]"},
         pointer("/denoiser_sram_row_accesses_per_inference")},
        {{"scratchpad_words_per_inference", "CGRA scratchpad accesses [words]"},
         pointer("/scratchpad_words_per_inference")},
    };
    return defs;
}

const std::vector<MetricDef>& denoiser_metrics() {
    static const std::vector<MetricDef> defs = {
        {{"cycles", "cycles of the block's run"}, pointer("/total_cycles")},
        {{"latency_us", "the block's time [µs]"},
         [](const json& r) {
             const json t = at(r, "/time_ns");
             return t.is_number() ? json(t.get<double>() * 1e-3) : json();
         }},
        {{"energy_pJ", "the block's energy [pJ]"}, pointer("/total_energy_pJ")},
        {{"energy_uJ", "the block's energy [µJ]"},
         [](const json& r) {
             const json e = at(r, "/total_energy_pJ");
             return e.is_number() ? json(e.get<double>() * 1e-6) : json();
         }},
        {{"average_power_mW", "average power over the run [mW]"}, pointer("/average_power_mW")},
        {{"parameters", "the block's parameters"}, pointer("/block/parameters")},
        {{"weight_sram_reads_words", "[16-bit words]"}, pointer("/sram/weight_sram/reads_words")},
        {{"activation_sram_reads_words", "[16-bit words]"},
         pointer("/sram/activation_sram/reads_words")},
        {{"activation_sram_writes_words", "[16-bit words]"},
         pointer("/sram/activation_sram/writes_words")},
        {{"interface_words", "external interface traffic, read + written [16-bit words]"},
         [](const json& r) {
             const json a = at(r, "/interface/read_words"), b = at(r, "/interface/write_words");
             return a.is_number() && b.is_number()
                        ? json(a.get<std::int64_t>() + b.get<std::int64_t>())
                        : json();
         }},
        {{"bit_identical_to_reference", "1 when the block's output equals the C++ reference"},
         pointer("/verification/bit_identical_to_reference")},
        {{"denoiser_sram_bytes", "area proxy: weight + activation SRAM [bytes]"}, area_sram_bytes},
        {{"denoiser_mac_units", "area proxy: cores x array rows x columns [MAC units]"},
         area_mac_units},
    };
    return defs;
}

const std::vector<MetricDef>& metric_defs(const std::string& command) {
    return command == "denoiser" ? denoiser_metrics() : run_metrics();
}

const char* result_file(const std::string& command) {
    return command == "denoiser" ? "denoiser.json" : "summary.json";
}

/// The columns every points table has before the axes.
const char* const kLeadingColumns[] = {"point",       "config_hash", "status",
                                       "exit_status", "error",       "attempts",
                                       "wall_s",      "run_wall_s",  "worker"};
/// ... and after the metrics.
const char* const kProvenanceColumns[] = {"dnsim_version", "git_commit", "host", "date_utc",
                                          "config_sha256"};
const char* const kJsonColumns[] = {"provenance", "result"};

/// A cell of layers.csv or an axis value for the database: null when empty, else a number or
/// the text.
json cell_json(const std::string& text) {
    return text.empty() ? json() : csv_cell_json<json>(text);
}

/// A real number with 6 significant digits for a console table (the CSV keeps every digit);
/// other text as it is.
std::string short_number(const std::string& text) {
    if (text.find_first_of(".eE") == std::string::npos)
        return text;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() ? fmt::format("{:.6g}", v) : text;
}

/// The database at `path` opened with `flags` (waiting up to 10 s for another process's
/// lock); ConfigError naming the path when it cannot be opened.
sqlite3* open_handle(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw ConfigError(path, fmt::format("cannot open the study database: {}", why));
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/// The columns of `table`.
std::set<std::string> column_names(sqlite3* db, const std::string& table, const std::string& path) {
    std::set<std::string> names;
    Statement info(db, "PRAGMA table_info(" + quoted(table) + ")", path);
    while (info.step())
        names.insert(info.text(1).value_or(""));
    return names;
}

bool has_study_table(sqlite3* db, const std::string& path) {
    Statement s(db, "SELECT name FROM sqlite_master WHERE type='table' AND name='study'", path);
    return s.step();
}

}  // namespace

const std::string* PointOutcome::file(const std::string& name) const {
    for (const auto& [n, content] : files) {
        if (n == name)
            return &content;
    }
    return nullptr;
}

const std::vector<SweepMetric>& sweep_metrics(const std::string& command) {
    static const auto collect = [](const std::vector<MetricDef>& defs) {
        std::vector<SweepMetric> out;
        for (const MetricDef& d : defs)
            out.push_back(d.metric);
        return out;
    };
    static const std::vector<SweepMetric> run = collect(run_metrics());
    static const std::vector<SweepMetric> denoiser = collect(denoiser_metrics());
    return command == "denoiser" ? denoiser : run;
}

SweepDb::SweepDb(const std::string& path, const Study& study, bool create) : m_path(path) {
    // (A constructor that throws runs no destructor: the handle is closed here on the way out.)
    try {
        open(path, study, create);
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

void SweepDb::open(const std::string& path, const Study& study, bool create) {
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    m_db = open_handle(path, flags);
    // A rollback journal (not WAL: that needs shared memory, which network filesystems lack),
    // so each point's transaction is whole after this process is killed at any moment. No
    // fsync per point (synchronous=OFF: 14 ms -> 1.3 ms a point here): only a crash of the
    // machine itself could damage the database, and every result is also in its point
    // directory, from which --collect rebuilds it.
    exec("PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF;");
    if (has_study_table(m_db, path)) {
        const std::string version = study_value("schema_version");
        const std::string identity = study_value("identity");
        if (version != std::to_string(kSchemaVersion)) {
            throw ConfigError(path, fmt::format("a study database of layout version '{}'; this "
                                                "dnsim reads version {}: use another --out",
                                                printable(version), kSchemaVersion));
        }
        if (identity != study.identity) {
            throw ConfigError(
                path, fmt::format("holds the results of another study ('{}', {}), not of {}; "
                                  "use another --out, or remove the directory to start over",
                                  printable(study_value("name")), printable(study_value("file")),
                                  printable(study.file)));
        }
        // A metric added since the database was made (by an older dnsim): its column is added,
        // empty in the points recorded before.
        const std::set<std::string> have = column_names(m_db, "points", path);
        for (const SweepMetric& m : sweep_metrics(study.command)) {
            if (have.count(m.column) == 0)
                exec("ALTER TABLE points ADD COLUMN " + quoted(m.column));
        }
        return;
    }
    if (!create)
        throw ConfigError(path, "is not a dnsim sweep database (it has no study table)");
    std::string cols;
    for (const char* c : kLeadingColumns) {
        const std::string name = c;
        cols += quoted(name) +
                (name == "point"    ? " INTEGER PRIMARY KEY"
                 : name == "status" ? " TEXT NOT NULL"
                                    : "") +
                ", ";
    }
    for (const StudyAxis& a : study.axes)
        cols += quoted(a.key) + ", ";
    for (const SweepMetric& m : sweep_metrics(study.command))
        cols += quoted(m.column) + ", ";
    for (const char* c : kProvenanceColumns)
        cols += quoted(c) + ", ";
    cols += "provenance TEXT, result TEXT";
    exec("BEGIN");
    exec("CREATE TABLE study (key TEXT PRIMARY KEY, value TEXT)");
    exec("CREATE TABLE points (" + cols + ")");
    exec("CREATE TABLE layers (point INTEGER NOT NULL)");
    exec("CREATE INDEX layers_point ON layers(point)");
    json axes = json::array();
    for (const StudyAxis& a : study.axes)
        axes.push_back({{"key", a.key}, {"section", a.section}, {"values", a.values}});
    set_study_value("schema_version", std::to_string(kSchemaVersion));
    set_study_value("identity", study.identity);
    set_study_value("name", study.name);
    set_study_value("file", study.file);
    set_study_value("command", study.command);
    set_study_value("points", std::to_string(study.point_count()));
    set_study_value("axes", axes.dump());
    set_study_value("created_by", std::string("dnsim ") + kVersion);
    exec("COMMIT");
}

SweepDb::SweepDb(const std::string& path) : m_path(path) {
    m_db = open_handle(path, SQLITE_OPEN_READONLY);
    if (!has_study_table(m_db, path)) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw ConfigError(path, "is not a dnsim sweep database (it has no study table)");
    }
}

SweepDb::~SweepDb() {
    sqlite3_close(m_db);
}

void SweepDb::exec(const std::string& sql) const {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message != nullptr ? message : sqlite3_errmsg(m_db);
        sqlite3_free(message);
        throw ConfigError(m_path, fmt::format("database error: {}", why));
    }
}

std::string SweepDb::study_value(const std::string& key) const {
    Statement s(m_db, "SELECT value FROM study WHERE key = ?", m_path);
    s.bind_text(1, key);
    return s.step() ? s.text(0).value_or("") : "";
}

void SweepDb::set_study_value(const std::string& key, const std::string& value) {
    Statement s(m_db, "INSERT OR REPLACE INTO study (key, value) VALUES (?, ?)", m_path);
    s.bind_text(1, key);
    s.bind_text(2, value);
    s.step();
}

std::map<std::size_t, RecordedPoint> SweepDb::recorded() const {
    std::map<std::size_t, RecordedPoint> out;
    Statement s(m_db, "SELECT point, config_hash, status FROM points", m_path);
    while (s.step()) {
        out[std::stoull(s.text(0).value_or("0"))] = {s.text(1).value_or(""),
                                                     s.text(2).value_or("") == "ok"};
    }
    return out;
}

void SweepDb::record(const Study& study, const StudyPoint& point, const PointOutcome& o) {
    json result;
    const std::string* text = o.file(result_file(study.command));
    if (o.ok && text != nullptr) {
        try {
            result = json::parse(*text);
        } catch (const json::exception&) {
            result = json();
        }
    }
    std::vector<std::pair<std::string, json>> row;
    const json prov =
        result.is_object() && result.contains("provenance") ? result["provenance"] : json();
    row.emplace_back("point", static_cast<std::int64_t>(point.index));
    row.emplace_back("config_hash", point.config_hash);
    row.emplace_back("status", o.ok ? "ok" : "failed");
    row.emplace_back("exit_status", o.exit_status);
    row.emplace_back("error", o.ok ? json() : json(o.error));
    row.emplace_back("attempts", o.attempts);
    row.emplace_back("wall_s", o.wall_s);
    row.emplace_back("run_wall_s", prov.is_object() ? prov.value("wall_time_s", json()) : json());
    row.emplace_back("worker", o.worker);
    for (std::size_t a = 0; a < study.axes.size(); ++a)
        row.emplace_back(study.axes[a].key, cell_json(point.values[a]));
    for (const MetricDef& m : metric_defs(study.command)) {
        json v;
        if (result.is_object()) {
            try {
                v = m.extract(result);
            } catch (const json::exception&) {
                v = json();
            }
        }
        row.emplace_back(m.metric.column, v);
    }
    for (const char* c : kProvenanceColumns)
        row.emplace_back(c, prov.is_object() ? prov.value(c, json()) : json());
    row.emplace_back("provenance", prov.is_null() ? json() : json(prov.dump()));
    row.emplace_back("result", text != nullptr && o.ok ? json(*text) : json());

    std::string names, marks;
    for (const auto& [name, v] : row) {
        names += (names.empty() ? "" : ", ") + quoted(name);
        marks += marks.empty() ? "?" : ", ?";
    }
    exec("BEGIN IMMEDIATE");
    try {
        Statement ins(m_db, "INSERT OR REPLACE INTO points (" + names + ") VALUES (" + marks + ")",
                      m_path);
        for (std::size_t i = 0; i < row.size(); ++i)
            ins.bind(static_cast<int>(i + 1), row[i].second);
        ins.step();
        Statement del(m_db, "DELETE FROM layers WHERE point = ?", m_path);
        del.bind(1, static_cast<std::int64_t>(point.index));
        del.step();
        const std::string* layers = o.file("layers.csv");
        if (o.ok && layers != nullptr) {
            std::istringstream in(*layers);
            std::string line;
            std::getline(in, line);
            const std::vector<std::string> header = csv_split_line(line);
            std::set<std::string> have = column_names(m_db, "layers", m_path);
            std::string cols = "point", qs = "?";
            for (const std::string& h : header) {
                if (have.count(h) == 0) {
                    exec("ALTER TABLE layers ADD COLUMN " + quoted(h));
                    have.insert(h);
                }
                cols += ", " + quoted(h);
                qs += ", ?";
            }
            Statement add(m_db, "INSERT INTO layers (" + cols + ") VALUES (" + qs + ")", m_path);
            while (std::getline(in, line)) {
                if (line.empty())
                    continue;
                const std::vector<std::string> cells = csv_split_line(line);
                add.bind(1, static_cast<std::int64_t>(point.index));
                for (std::size_t i = 0; i < header.size(); ++i)
                    add.bind(static_cast<int>(i + 2), cell_json(i < cells.size() ? cells[i] : ""));
                add.step();
                add.reset();
            }
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<std::string> SweepDb::columns() const {
    std::vector<std::string> out;
    Statement info(m_db, "PRAGMA table_info(points)", m_path);
    while (info.step())
        out.push_back(info.text(1).value_or(""));
    return out;
}

std::string SweepDb::csv() const {
    std::vector<std::string> cols;
    for (const std::string& c : columns()) {
        if (std::find(std::begin(kJsonColumns), std::end(kJsonColumns), c) ==
            std::end(kJsonColumns))
            cols.push_back(c);
    }
    std::string select;
    for (const std::string& c : cols)
        select += (select.empty() ? "" : ", ") + quoted(c);
    std::string out;
    for (std::size_t i = 0; i < cols.size(); ++i)
        out += (i ? "," : "") + csv_field(cols[i]);
    out += "\n";
    Statement s(m_db, "SELECT " + select + " FROM points ORDER BY point", m_path);
    while (s.step()) {
        for (int i = 0; i < s.columns(); ++i)
            out += (i ? "," : "") + csv_field(s.text(i).value_or(""));
        out += "\n";
    }
    return out;
}

std::vector<std::vector<std::optional<std::string>>> SweepDb::ok_rows(
    const std::vector<std::string>& columns) const {
    std::string select;
    for (const std::string& c : columns)
        select += (select.empty() ? "" : ", ") + quoted(c);
    Statement s(m_db, "SELECT " + select + " FROM points WHERE status = 'ok' ORDER BY point",
                m_path);
    std::vector<std::vector<std::optional<std::string>>> rows;
    while (s.step()) {
        std::vector<std::optional<std::string>> row;
        for (int i = 0; i < s.columns(); ++i)
            row.push_back(s.text(i));
        rows.push_back(row);
    }
    return rows;
}

std::string pareto_front(const SweepDb& db, const std::string& spec, std::ostream& out) {
    struct Objective {
        std::string column;
        bool maximise = false;
    };
    const std::vector<std::string> have = db.columns();
    std::vector<Objective> objectives;
    std::stringstream items(spec);
    std::string item;
    while (std::getline(items, item, ',')) {
        item = trim(item);
        const std::size_t colon = item.rfind(':');
        const std::string dir = colon == std::string::npos ? "" : item.substr(colon + 1);
        std::string col = trim(item.substr(0, colon));
        if (dir != "max" && dir != "min") {
            throw ConfigError(
                "pareto", fmt::format("'{}': expected COLUMN:max or COLUMN:min", printable(item)));
        }
        if (col == "accuracy")
            col = "accuracy_pct";  // the deployed pass's accuracy, in %
        // The metrics, the axes (numeric ones make sense: cores, SRAM bytes) and the times.
        std::vector<std::string> numeric{"wall_s", "run_wall_s", "attempts"};
        for (const SweepMetric& m : sweep_metrics(db.study_value("command")))
            numeric.push_back(m.column);
        for (const json& a : json::parse(db.study_value("axes")))
            numeric.push_back(a.at("key").get<std::string>());
        if (std::find(numeric.begin(), numeric.end(), col) == numeric.end() ||
            std::find(have.begin(), have.end(), col) == have.end()) {
            std::vector<std::string> metrics;
            for (const SweepMetric& m : sweep_metrics(db.study_value("command")))
                metrics.push_back(m.column);
            throw ConfigError("pareto", fmt::format("'{}' is not a numeric column of the study's "
                                                    "points; metrics: {}",
                                                    printable(col), fmt::join(metrics, ", ")));
        }
        objectives.push_back({col, dir == "max"});
    }
    if (objectives.size() < 2)
        throw ConfigError("pareto",
                          "give at least two objectives, e.g. latency_us:min,energy_uJ:min");
    const json axes = json::parse(db.study_value("axes"));
    std::vector<std::string> cols{"point"};
    for (const json& a : axes)
        cols.push_back(a.at("key").get<std::string>());
    for (const Objective& o : objectives)
        cols.push_back(o.column);
    const auto rows = db.ok_rows(cols);
    const std::size_t first = cols.size() - objectives.size();
    struct Candidate {
        std::size_t row;
        std::vector<double> score;  ///< larger is better for every objective
    };
    std::vector<Candidate> cands;
    std::size_t skipped = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        Candidate c{r, {}};
        for (std::size_t k = 0; k < objectives.size(); ++k) {
            const auto& v = rows[r][first + k];
            double x = v ? std::strtod(v->c_str(), nullptr) : std::nan("");
            if (!v || !std::isfinite(x))
                break;
            c.score.push_back(objectives[k].maximise ? x : -x);
        }
        if (c.score.size() == objectives.size())
            cands.push_back(c);
        else
            ++skipped;
    }
    if (cands.empty()) {
        throw ConfigError("pareto", fmt::format("no finished point has a value of every objective "
                                                "({} ok points); an accuracy needs a study that "
                                                "is not timing-only",
                                                rows.size()));
    }
    std::vector<std::size_t> front;
    for (const Candidate& a : cands) {
        bool dominated = false;
        for (const Candidate& b : cands) {
            bool no_worse = true, better = false;
            for (std::size_t k = 0; k < a.score.size(); ++k) {
                no_worse = no_worse && b.score[k] >= a.score[k];
                better = better || b.score[k] > a.score[k];
            }
            if (no_worse && better) {
                dominated = true;
                break;
            }
        }
        if (!dominated)
            front.push_back(a.row);
    }
    std::string csv;
    for (std::size_t i = 0; i < cols.size(); ++i)
        csv += (i ? "," : "") + csv_field(cols[i]);
    csv += "\n";
    std::vector<std::size_t> width(cols.size());
    for (std::size_t i = 0; i < cols.size(); ++i)
        width[i] = cols[i].size();
    for (const std::size_t r : front) {
        for (std::size_t i = 0; i < cols.size(); ++i)
            width[i] = std::max(width[i], short_number(rows[r][i].value_or("")).size());
    }
    out << fmt::format("Pareto front of {} ok points ({}): {} points\n", cands.size(), spec,
                       front.size());
    if (skipped > 0)
        out << fmt::format("({} ok points lack a value of an objective and are left out)\n",
                           skipped);
    for (std::size_t i = 0; i < cols.size(); ++i)
        out << fmt::format("{:<{}}  ", cols[i], width[i]);
    out << "\n";
    for (const std::size_t r : front) {
        for (std::size_t i = 0; i < cols.size(); ++i) {
            const std::string v = rows[r][i].value_or("");
            out << fmt::format("{:<{}}  ", short_number(v), width[i]);
            csv += (i ? "," : "") + csv_field(v);
        }
        out << "\n";
        csv += "\n";
    }
    return csv;
}

}  // namespace dnsim::tb
