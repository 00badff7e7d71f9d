// The results of a dnsim sweep: one SQLite database per study directory (DIR/study.db), written
// by the coordinating process only (SQLite over a network filesystem is unsafe with several
// writers). Tables:
//  - study: key/value rows describing the study (name, file, identity, command, points, axes);
//  - points: one row per finished point: its index, configuration hash, status ("ok" or
//    "failed"), exit status and error, attempts, wall times, one column per axis (named by the
//    key, e.g. "denoiser.cores"), one column per metric (units in the names: latency_us,
//    energy_uJ, ...), the provenance columns and the whole result file as JSON text;
//  - layers: one row per layer and point (dnsim run's layers.csv), for per-layer studies.
// Each point is one transaction: a sweep killed at any moment leaves every recorded point
// whole. docs/studies.md lists the columns.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "testbench/sweep_study.h"

struct sqlite3;

namespace dnsim::tb {

/// What one point's process gave: its status and its files (name, content).
struct PointOutcome {
    std::size_t index = 0;
    std::string config_hash;
    bool ok = false;
    int exit_status = 0;  ///< the process's exit status; -N when it ended by signal N
    std::string error;    ///< one line, when !ok
    double wall_s = 0.0;  ///< the point's process, start to end, seconds
    int attempts = 1;
    std::string worker;  ///< where it ran: "local" or "rank R on HOST"
    std::vector<std::pair<std::string, std::string>> files;

    const std::string* file(const std::string& name) const;
};

/// A metric column: its name (with unit) and its value in a result, null when absent.
struct SweepMetric {
    std::string column;
    std::string about;
};
/// The metric columns of a command's results (run or denoiser).
const std::vector<SweepMetric>& sweep_metrics(const std::string& command);

/// The state of a recorded point.
struct RecordedPoint {
    std::string config_hash;
    bool ok = false;
};

class SweepDb {
  public:
    /// Opens DIR/study.db (creating it and its tables for `study` when `create`); ConfigError
    /// naming the file when it belongs to another study or is no dnsim sweep database.
    SweepDb(const std::string& path, const Study& study, bool create);
    /// Opens an existing database read-only, for --status and --pareto.
    explicit SweepDb(const std::string& path);
    ~SweepDb();
    SweepDb(const SweepDb&) = delete;
    SweepDb& operator=(const SweepDb&) = delete;

    /// Every recorded point by index.
    std::map<std::size_t, RecordedPoint> recorded() const;
    /// Records one point (replacing an earlier row of the same index) in one transaction.
    void record(const Study& study, const StudyPoint& point, const PointOutcome& outcome);
    /// A value of the study table ("" when absent).
    std::string study_value(const std::string& key) const;
    void set_study_value(const std::string& key, const std::string& value);

    /// The points table as CSV (without the JSON columns), ordered by point.
    std::string csv() const;
    /// The columns of the points table.
    std::vector<std::string> columns() const;
    /// Rows of `columns` (values as text, "" for null) of the points with status ok.
    std::vector<std::vector<std::optional<std::string>>> ok_rows(
        const std::vector<std::string>& columns) const;

  private:
    void open(const std::string& path, const Study& study, bool create);
    void exec(const std::string& sql) const;
    std::string m_path;
    sqlite3* m_db = nullptr;
};

/// --pareto "accuracy_pct:max,latency_us:min": the non-dominated points among those with
/// status ok; prints them as a table to `out` and returns the CSV text (point, axes,
/// objectives). ConfigError naming the objective for an unknown column or direction.
std::string pareto_front(const SweepDb& db, const std::string& spec, std::ostream& out);

}  // namespace dnsim::tb
