// dnsim sweep: runs the points of a study (sweep_study.h), each as its own dnsim process, and
// records them in the study directory's database (sweep_db.h).
//  - Locally: --jobs processes at a time; the coordinating process writes the database.
//  - Under mpirun (an MPI build): rank 0 coordinates and hands points out one at a time as
//    ranks become free; the other ranks run them and send their files back (sweep_mpi.cpp).
//  - Slurm arrays and other schedulers without MPI: --shard K/N runs a fixed slice and writes
//    only point directories; --collect merges them into the database.
// The study directory DIR holds sweep.json (which study), study.ini (a copy of the study file),
// study.db, results.csv, pareto.csv, sweep.lock and points/NNNNNN/ (the point's config.ini,
// resolved.ini, result files, dnsim.log and point.json; points/.work holds the running points).
// Nothing else in DIR is touched.
// Resume: a point whose configuration hash has a result is skipped; failed points are rerun
// with --resume; a killed sweep (even by SIGKILL) loses only the points that were running.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <ostream>
#include <string>

#include "testbench/sweep_db.h"
#include "testbench/sweep_study.h"

namespace dnsim::tb {

struct SweepOptions {
    std::string target;   ///< the study file, or a study directory
    std::string out_dir;  ///< --out (default results/sweep/NAME)
    unsigned jobs = 1;
    bool list = false;
    bool status = false;
    bool resume = false;
    bool yes = false;
    bool collect = false;
    std::string pareto;     ///< objectives of --pareto
    std::string shard;      ///< "K/N"
    unsigned retries = 1;   ///< reruns of a point whose process ended by a signal
    std::string dnsim_exe;  ///< the dnsim the points run (empty: this executable)
};

/// More points than this need --yes.
inline constexpr std::size_t kSweepSafetyPoints = 10000;

/// Runs `dnsim sweep` as `opt` says. Returns 0 when every point of the study is ok, 2 when a
/// point failed (recorded with its error), 1 on bad input (ConfigError, thrown before anything
/// is written).
int run_sweep(const SweepOptions& opt, std::ostream& out, std::ostream& err);

/// One point's dnsim process, started in its own work directory.
struct PointProcess {
    StudyPoint point;
    std::string work;  ///< its work directory (removed by finish_point)
    int pid = 0;
    int attempt = 1;
    std::chrono::steady_clock::time_point start;
};

/// Starts the point's process in `work` (created): its config.ini written there, then
/// `dnsim COMMAND ... --config config.ini --out out --dump-config resolved.ini`, output to
/// dnsim.log. The process dies with the process that started it (DNSIM_SWEEP_PARENT).
PointProcess start_point(const Study& study, const StudyPoint& point, const std::string& exe,
                         const std::string& work, int attempt);

/// The outcome of a finished point process (`wait_status` from waitpid): status, error line
/// and files; removes its work directory.
PointOutcome finish_point(const Study& study, const PointProcess& p, int wait_status,
                          const std::string& worker);

/// Whether a point's process ended by SIGINT, SIGTERM or SIGHUP: the sweep is being stopped;
/// the point is not recorded (the next run of the study runs it).
bool interrupted(const PointOutcome& o);

/// Whether a point ended so that running it again may succeed (its process was killed or
/// crashed, rather than reporting bad input), and `retries` allow another attempt.
bool retry_point(const PointOutcome& o, unsigned retries);

/// The coordinating side of a sweep: the study directory, its lock and database, the points
/// left to run, each finished point's record, the progress lines.
class SweepCoordinator {
  public:
    /// Prepares the study directory (checks, lock, sweep.json, study.ini, database) and the
    /// points to run. ConfigError (nothing written) for another study's directory, a running
    /// sweep there, or more points than the safety limit without --yes.
    SweepCoordinator(const SweepOptions& opt, Study study, std::ostream& err, unsigned workers);
    ~SweepCoordinator();
    SweepCoordinator(const SweepCoordinator&) = delete;
    SweepCoordinator& operator=(const SweepCoordinator&) = delete;

    const Study& study() const { return m_study; }
    const std::string& dir() const { return m_dir; }
    bool has_next() const { return !m_todo.empty(); }
    StudyPoint next();
    std::size_t todo() const { return m_todo.size(); }
    /// Records a finished point: its directory, then its database row (one transaction). An
    /// outcome whose configuration hash is not the point's (a worker with another study or
    /// model file) is recorded as failed.
    void commit(const PointOutcome& o);
    /// A point whose process was interrupted: counted, not recorded.
    void interrupted(const PointOutcome& o);
    /// Writes results.csv, prints the summary; returns the exit status.
    int finish(std::ostream& out);

  private:
    void progress(bool force);

    SweepOptions m_opt;
    Study m_study;
    std::ostream& m_err;
    std::string m_dir;
    int m_lock_fd = -1;
    std::unique_ptr<SweepDb> m_db;  ///< null for a shard
    std::deque<StudyPoint> m_todo;
    std::size_t m_total = 0;        ///< points this run started with
    std::size_t m_done = 0;         ///< finished ok this run
    std::size_t m_failed = 0;       ///< finished failed this run
    std::size_t m_skipped = 0;      ///< ok from an earlier run
    std::size_t m_kept_failed = 0;  ///< failed earlier, not rerun (no --resume)
    std::size_t m_interrupted = 0;  ///< interrupted this run, not recorded
    std::size_t m_printed = 0;      ///< finished points at the last progress line
    unsigned m_workers = 1;
    std::chrono::steady_clock::time_point m_start, m_last_progress;
    std::vector<std::string> m_failures;  ///< "point N (desc): error"
};

/// Runs the coordinator's points on this machine, `opt.jobs` processes at a time, then
/// finish().
int run_sweep_local(SweepCoordinator& c, const SweepOptions& opt, std::ostream& out);

}  // namespace dnsim::tb
