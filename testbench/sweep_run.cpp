// dnsim sweep: the study directory, point processes, the local runner, shards, --collect,
// --status, --list and --pareto.
#include "testbench/sweep_run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/input_files.h"
#include "models/common/output_files.h"
#include "models/common/version.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"
#include "testbench/sweep_mpi.h"

extern char** environ;

namespace dnsim::tb {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxLogBytes = 256 * 1024;  ///< the tail of a point's log that is kept

/// The study directory's own entries: nothing else there is read, written or removed.
constexpr const char* kSweepJson = "sweep.json";
constexpr const char* kStudyDb = "study.db";
constexpr const char* kLock = "sweep.lock";
constexpr const char* kPoints = "points";
/// Point processes' work directories: points/.work/PID/INDEX, one folder per sweep or shard
/// process, removed when it ends (and, after a crash, by the next sweep holding the lock).
constexpr const char* kWork = ".work";

std::string point_dir_name(const Study& s, std::size_t index) {
    const std::size_t digits = std::max<std::size_t>(6, std::to_string(s.point_count() - 1).size());
    return fmt::format("{:0{}}", index, digits);
}

std::string read_small(const fs::path& p, std::size_t keep_tail = 0) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return {};
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (keep_tail > 0 && s.size() > keep_tail)
        s = "[... " + std::to_string(s.size() - keep_tail) + " bytes left out]\n" +
            s.substr(s.size() - keep_tail);
    return s;
}

/// The line of a point's log that says why it failed.
std::string error_line(const std::string& log) {
    std::istringstream in(log);
    std::string line, last, error;
    while (std::getline(in, line)) {
        if (line.rfind("dnsim: error:", 0) == 0 || line.rfind("dnsim: internal error", 0) == 0)
            error = line;
        if (!trim(line).empty())
            last = line;
    }
    return printable(error.empty() ? last : error);
}

std::string duration_text(double s) {
    if (s < 60.0)
        return fmt::format("{:.0f} s", s);
    if (s < 3600.0)
        return fmt::format("{}m{:02.0f}s", static_cast<int>(s / 60.0), std::fmod(s, 60.0));
    return fmt::format("{}h{:02}m", static_cast<int>(s / 3600.0),
                       static_cast<int>(std::fmod(s, 3600.0) / 60.0));
}

/// The point.json of a point directory: what ran and how it ended.
json point_record(const Study& s, const StudyPoint& p, const PointOutcome& o) {
    json values = json::object();
    for (std::size_t a = 0; a < s.axes.size(); ++a)
        values[s.axes[a].key] = p.values[a];
    return {{"study", s.name},
            {"study_identity", s.identity},
            {"point", p.index},
            {"config_hash", p.config_hash},
            {"values", values},
            {"status", o.ok ? "ok" : "failed"},
            {"exit_status", o.exit_status},
            {"error", o.error},
            {"attempts", o.attempts},
            {"wall_s", o.wall_s},
            {"worker", o.worker}};
}

/// Writes a point's directory whole: files into a temporary directory, renamed over the old one.
void write_point_dir(const std::string& dir, const Study& s, const StudyPoint& p,
                     const PointOutcome& o) {
    const fs::path points = fs::path(dir) / kPoints;
    const std::string name = point_dir_name(s, p.index);
    const fs::path tmp = points / ("." + name + ".tmp");
    const fs::path final_dir = points / name;
    fs::create_directories(points);
    fs::remove_all(tmp);
    fs::create_directory(tmp);
    std::vector<std::pair<std::string, std::string>> files = o.files;
    files.emplace_back("point.json", json_text(point_record(s, p, o)));
    for (const auto& [file, content] : files) {
        std::ofstream f(tmp / file, std::ios::binary);
        f << content;
        if (!f.flush())
            throw ConfigError((tmp / file).string(), "cannot write the point's result");
    }
    fs::remove_all(final_dir);
    fs::rename(tmp, final_dir);
}

/// The outcome stored in a point directory (for --collect and shards).
std::optional<PointOutcome> read_point_dir(const std::string& dir, const Study& s,
                                           const StudyPoint& p) {
    const fs::path d = fs::path(dir) / kPoints / point_dir_name(s, p.index);
    const fs::path record = d / "point.json";
    std::error_code ec;
    if (!fs::is_regular_file(record, ec))
        return std::nullopt;
    json r;
    try {
        r = json::parse(read_small(record));
    } catch (const json::exception&) {
        return std::nullopt;
    }
    if (r.value("config_hash", "") != p.config_hash || r.value("study_identity", "") != s.identity)
        return std::nullopt;
    PointOutcome o;
    o.index = p.index;
    o.config_hash = p.config_hash;
    o.ok = r.value("status", "") == "ok";
    o.exit_status = r.value("exit_status", 0);
    o.error = r.value("error", "");
    o.attempts = r.value("attempts", 1);
    o.wall_s = r.value("wall_s", 0.0);
    o.worker = r.value("worker", "");
    for (const auto& e : fs::directory_iterator(d)) {
        const std::string name = e.path().filename().string();
        if (name != "point.json" && e.is_regular_file())
            o.files.emplace_back(name, read_small(e.path()));
    }
    std::sort(o.files.begin(), o.files.end());
    return o;
}

json sweep_json(const Study& s) {
    return {{"tool", "dnsim sweep"},
            {"study", s.name},
            {"study_file", fs::absolute(s.file).lexically_normal().string()},
            {"identity", s.identity},
            {"command", s.command},
            {"points", s.point_count()}};
}

/// The study directory of `opt`: --out, or results/sweep/NAME.
std::string study_dir(const SweepOptions& opt, const Study& s) {
    return opt.out_dir.empty() ? (fs::path("results") / "sweep" / s.name).string() : opt.out_dir;
}

/// Checks `dir` for this study before anything is written: a directory (or absent), whose
/// sweep.json and database, if any, are this study's.
void check_study_dir(const std::string& dir, const Study& s) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw ConfigError("out", fmt::format("'{}' exists and is not a directory", printable(dir)));
    check_output_dir(dir, {kSweepJson, kStudyDb, "study.ini", "results.csv", "pareto.csv", kLock},
                     "out");
    const fs::path points = fs::path(dir) / kPoints;
    if (fs::exists(points, ec) && !fs::is_directory(points, ec)) {
        throw ConfigError("out", fmt::format("'{}' exists and is not a directory of points",
                                             printable(points.string())));
    }
    const fs::path sj = fs::path(dir) / kSweepJson;
    if (!fs::exists(sj, ec) && fs::exists(points, ec)) {
        throw ConfigError("out", fmt::format("'{}' holds a '{}' that is not a dnsim sweep's (no "
                                             "sweep.json); choose a new or empty directory",
                                             printable(dir), kPoints));
    }
    if (fs::exists(sj, ec)) {
        json j;
        try {
            j = json::parse(read_input_file(sj.string(), 1 << 20, "a sweep.json"));
        } catch (const json::exception&) {
            throw ConfigError(sj.string(), "is not a dnsim sweep's sweep.json (not JSON)");
        }
        if (j.value("identity", "") != s.identity) {
            throw ConfigError(
                sj.string(),
                fmt::format("'{}' holds the results of another study ('{}', {}), not of {}; use "
                            "another --out, or remove the directory to start over",
                            printable(dir), printable(j.value("study", "?")),
                            printable(j.value("study_file", "?")), printable(s.file)));
        }
    }
    const fs::path db = fs::path(dir) / kStudyDb;
    if (fs::exists(db, ec))
        SweepDb check(db.string(), s, false);  // another study's database throws
}

/// Takes the study directory's lock, held until the process ends, whatever ends it: exclusive
/// for a sweep and --collect (they own the database and the work directories), shared for the
/// shards of a job array, which run side by side but never beside a sweep.
int lock_study_dir(const std::string& dir, bool shared = false) {
    fs::create_directories(dir);
    const std::string path = (fs::path(dir) / kLock).string();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw ConfigError(path,
                          fmt::format("cannot open the sweep's lock: {}", std::strerror(errno)));
    if (::flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        ::close(fd);
        throw ConfigError("out", fmt::format("another dnsim sweep {} running in '{}' (it holds "
                                             "{}); wait for it or use dnsim sweep {} --status",
                                             shared ? "(not a shard) is" : "or shard is",
                                             printable(dir), kLock, printable(dir)));
    }
    return fd;
}

/// Whether a sweep or a shard holds the directory's lock now.
bool study_dir_busy(const std::string& dir) {
    const std::string path = (fs::path(dir) / kLock).string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    ::close(fd);
    return busy;
}

/// The study of a study directory (its sweep.json names the study file).
Study study_of_dir(const std::string& dir) {
    const fs::path sj = fs::path(dir) / kSweepJson;
    std::error_code ec;
    if (!fs::is_regular_file(sj, ec)) {
        throw ConfigError(dir,
                          "is not a dnsim sweep directory (no sweep.json); give the study "
                          "file, or the --out directory of a sweep");
    }
    json j;
    try {
        j = json::parse(read_input_file(sj.string(), 1 << 20, "a sweep.json"));
    } catch (const json::exception&) {
        throw ConfigError(sj.string(), "is not a dnsim sweep's sweep.json (not JSON)");
    }
    const std::string file = j.value("study_file", "");
    if (!fs::is_regular_file(file, ec)) {
        throw ConfigError(sj.string(), fmt::format("names the study file '{}', which does not "
                                                   "exist here; give the study file: dnsim sweep "
                                                   "STUDY.ini --out {}",
                                                   printable(file), printable(dir)));
    }
    Study s = read_study(file);
    if (s.identity != j.value("identity", "")) {
        throw ConfigError(file, fmt::format("has changed since the sweep in '{}' started (it "
                                            "describes other points now); use another --out",
                                            printable(dir)));
    }
    return s;
}

std::pair<unsigned, unsigned> parse_shard(const std::string& text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string::npos)
        throw ConfigError("shard", fmt::format("'{}': expected K/N, e.g. 3/16", printable(text)));
    const auto n = static_cast<unsigned>(parse_integer("shard", text.substr(slash + 1), 1, 1000000,
                                                       "is not a shard count of 1 to 1000000"));
    const auto k =
        static_cast<unsigned>(parse_integer("shard", text.substr(0, slash), 1, n,
                                            "is not a shard number of 1 to N (K/N counts from 1)"));
    return {k, n};
}

void list_points(const Study& s, std::ostream& out) {
    out << fmt::format("study {} ({}): {} points, command {}\n", s.name, s.file, s.point_count(),
                       s.command);
    for (std::size_t i = 0; i < s.point_count(); ++i) {
        const StudyPoint p = s.point(i);
        out << fmt::format("{:>6}  {}  {}\n", i, p.config_hash.substr(0, 12), s.describe(p));
    }
}

int print_status(const std::string& dir, std::ostream& out) {
    const fs::path sj = fs::path(dir) / kSweepJson;
    std::error_code ec;
    if (!fs::is_regular_file(sj, ec))
        throw ConfigError(dir, "is not a dnsim sweep directory (no sweep.json)");
    json j;
    try {
        j = json::parse(read_input_file(sj.string(), 1 << 20, "a sweep.json"));
    } catch (const json::exception&) {
        throw ConfigError(sj.string(), "is not a dnsim sweep's sweep.json (not JSON)");
    }
    const std::size_t total = j.value("points", std::size_t{0});
    const bool busy = study_dir_busy(dir);
    std::size_t ok = 0, failed = 0;
    double wall = 0.0;
    std::string jobs = "1";
    const fs::path db = fs::path(dir) / kStudyDb;
    if (fs::exists(db, ec)) {
        SweepDb d(db.string());
        jobs = d.study_value("jobs");
        for (const auto& row : d.ok_rows({"wall_s"})) {
            ++ok;
            wall += row[0] ? std::strtod(row[0]->c_str(), nullptr) : 0.0;
        }
        failed = d.recorded().size() - ok;
    }
    std::size_t shard_points = 0;
    if (fs::is_directory(fs::path(dir) / kPoints, ec)) {
        for (const auto& e : fs::directory_iterator(fs::path(dir) / kPoints))
            shard_points += fs::exists(e.path() / "point.json") ? 1U : 0U;
    }
    const std::size_t left = total - std::min(total, ok + failed);
    out << fmt::format("study {} in {}: {} points: {} done, {} failed, {} left{}\n",
                       j.value("study", "?"), dir, total, ok, failed, left,
                       busy ? " (a sweep is running)" : "");
    if (shard_points > ok + failed) {
        out << fmt::format(
            "{} point directories are not in the database yet (shards): dnsim "
            "sweep {} --collect\n",
            shard_points - ok - failed, dir);
    }
    if (busy && ok > 0 && left > 0) {
        const double per = wall / static_cast<double>(ok);
        const double n = std::max(1.0, std::strtod(jobs.c_str(), nullptr));
        out << fmt::format("ETA about {} ({:.2f} s per point, {} at a time)\n",
                           duration_text(per * static_cast<double>(left) / n), per, jobs);
    }
    return 0;
}

}  // namespace

PointProcess start_point(const Study& study, const StudyPoint& point, const std::string& exe,
                         const std::string& work, int attempt) {
    PointProcess p;
    p.point = point;
    p.work = work;
    p.attempt = attempt;
    fs::remove_all(work);
    fs::create_directories(fs::path(work) / "out");
    {
        const fs::path path = fs::path(work) / "config.ini";
        std::ofstream ini(path);
        ini << fmt::format("; dnsim sweep {}: point {} ({})\n", study.name, point.index,
                           printable(study.describe(point)))
            << study.point_ini(point);
        ini.close();
        if (!ini)
            throw ConfigError(path.string(), "cannot write the point's configuration");
    }
    std::vector<std::string> args{exe};
    for (const std::string& a : study.point_args(point))
        args.push_back(a);
    for (const char* a :
         {"--config", "config.ini", "--out", "out", "--dump-config", "resolved.ini"})
        args.emplace_back(a);
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "DNSIM_SWEEP_PARENT=", 19) != 0)
            env_text.emplace_back(*e);
    }
    env_text.push_back(fmt::format("DNSIM_SWEEP_PARENT={}", ::getpid()));
    std::vector<char*> envp;
    for (std::string& e : env_text)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addchdir_np(&files, work.c_str());
    posix_spawn_file_actions_addopen(&files, 1, "dnsim.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    // Its own process group: a Ctrl-C at the terminal reaches the sweep, not its points, which
    // end with it (DNSIM_SWEEP_PARENT) and are not recorded.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    p.start = Clock::now();
    const int rc = posix_spawn(&pid, exe.c_str(), &files, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        throw ConfigError(exe,
                          fmt::format("cannot start a point's process: {}", std::strerror(rc)));
    p.pid = pid;
    return p;
}

PointOutcome finish_point(const Study& study, const PointProcess& p, int wait_status,
                          const std::string& worker) {
    PointOutcome o;
    o.index = p.point.index;
    o.config_hash = p.point.config_hash;
    o.attempts = p.attempt;
    o.worker = worker;
    o.wall_s = std::chrono::duration<double>(Clock::now() - p.start).count();
    const fs::path w(p.work);
    const std::string log = read_small(w / "dnsim.log", kMaxLogBytes);
    if (WIFEXITED(wait_status)) {
        o.exit_status = WEXITSTATUS(wait_status);
        o.ok = o.exit_status == 0;
        if (!o.ok) {
            o.error = error_line(log);
            if (o.error.empty())
                o.error = fmt::format("exit status {}; dnsim.log is empty", o.exit_status);
        }
    } else {
        const int sig = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
        o.exit_status = -sig;
        o.error = fmt::format("ended by signal {} ({}); {}", sig, strsignal(sig), error_line(log));
    }
    const char* result = study.command == "denoiser" ? "denoiser.json" : "summary.json";
    if (o.ok && !fs::exists(w / "out" / result)) {
        o.ok = false;
        o.error = fmt::format("the process wrote no {}", result);
    }
    o.files.emplace_back("config.ini", read_small(w / "config.ini"));
    o.files.emplace_back("dnsim.log", log);
    for (const char* f : {"resolved.ini"}) {
        if (fs::exists(w / f))
            o.files.emplace_back(f, read_small(w / f));
    }
    for (const char* f : {"summary.json", "denoiser.json", "layers.csv"}) {
        if (fs::exists(w / "out" / f))
            o.files.emplace_back(f, read_small(w / "out" / f));
    }
    std::sort(o.files.begin(), o.files.end());
    std::error_code ec;
    fs::remove_all(w, ec);
    return o;
}

bool interrupted(const PointOutcome& o) {
    return o.exit_status == -SIGINT || o.exit_status == -SIGTERM || o.exit_status == -SIGHUP;
}

bool retry_point(const PointOutcome& o, unsigned retries) {
    return !o.ok && o.exit_status < 0 && !interrupted(o) &&
           static_cast<unsigned>(o.attempts) <= retries;
}

SweepCoordinator::SweepCoordinator(const SweepOptions& opt, Study study, std::ostream& err,
                                   unsigned workers)
    : m_opt(opt), m_study(std::move(study)), m_err(err), m_workers(std::max(1U, workers)) {
    m_dir = study_dir(opt, m_study);
    if (m_study.point_count() > kSweepSafetyPoints && !opt.yes) {
        throw ConfigError(m_study.file,
                          fmt::format("describes {} points, more than the safety limit of {}; "
                                      "check the axes (dnsim sweep {} --list) and give --yes to "
                                      "run them all",
                                      m_study.point_count(), kSweepSafetyPoints, m_study.file));
    }
    const bool shard = !opt.shard.empty();
    unsigned shard_k = 1, shard_n = 1;
    if (shard)
        std::tie(shard_k, shard_n) = parse_shard(opt.shard);
    check_study_dir(m_dir, m_study);
    m_lock_fd = lock_study_dir(m_dir, shard);
    write_file_atomically(m_dir, kSweepJson, json_text(sweep_json(m_study)), "out");
    write_file_atomically(m_dir, "study.ini", read_config_file(m_study.file), "out");
    std::map<std::size_t, RecordedPoint> recorded;
    if (!shard) {
        m_db = std::make_unique<SweepDb>((fs::path(m_dir) / kStudyDb).string(), m_study, true);
        m_db->set_study_value("jobs", std::to_string(m_workers));
        recorded = m_db->recorded();
        // Work directories of killed sweeps and shards (none runs now: the lock is exclusive).
        std::error_code ec;
        fs::remove_all(fs::path(m_dir) / kPoints / kWork, ec);
    }
    for (std::size_t i = 0; i < m_study.point_count(); ++i) {
        if (shard && i % shard_n != shard_k - 1)
            continue;
        const StudyPoint p = m_study.point(i);
        std::optional<bool> earlier;
        const auto r = recorded.find(i);
        if (r != recorded.end() && r->second.config_hash == p.config_hash) {
            earlier = r->second.ok;
        } else if (const auto o = read_point_dir(m_dir, m_study, p)) {
            // A shard's result not collected yet: a sweep takes it into the database.
            earlier = o->ok;
            if (m_db)
                m_db->record(m_study, p, *o);
        }
        if (earlier && *earlier) {
            ++m_skipped;
        } else if (earlier && !opt.resume) {
            ++m_kept_failed;
        } else {
            m_todo.push_back(p);
        }
    }
    m_total = m_todo.size();
    m_start = m_last_progress = Clock::now();
    m_err << fmt::format(
        "dnsim sweep {}: {} points{}; {} to run ({} done earlier{}), {} at a "
        "time; results in {}\n",
        m_study.name, m_study.point_count(),
        shard ? fmt::format(" (shard {}/{})", shard_k, shard_n) : "", m_total, m_skipped,
        m_kept_failed > 0 ? fmt::format(", {} failed earlier: --resume reruns them", m_kept_failed)
                          : "",
        m_workers, m_dir);
}

SweepCoordinator::~SweepCoordinator() {
    if (m_lock_fd >= 0)
        ::close(m_lock_fd);
}

StudyPoint SweepCoordinator::next() {
    StudyPoint p = m_todo.front();
    m_todo.pop_front();
    return p;
}

void SweepCoordinator::commit(const PointOutcome& outcome) {
    const StudyPoint p = m_study.point(outcome.index);
    PointOutcome o = outcome;
    if (o.config_hash != p.config_hash) {
        // A worker whose study or model file differs from the coordinator's ran another
        // configuration: its result is not this point's.
        o.ok = false;
        o.error = fmt::format(
            "{} ran configuration {}, not this point's {} (the study file or a "
            "model differs there)",
            o.worker, o.config_hash.substr(0, 12), p.config_hash.substr(0, 12));
        o.config_hash = p.config_hash;
        o.files.clear();
    }
    write_point_dir(m_dir, m_study, p, o);
    if (m_db)
        m_db->record(m_study, p, o);
    if (o.ok) {
        ++m_done;
    } else {
        ++m_failed;
        m_failures.push_back(
            fmt::format("point {} ({}): {}", o.index, m_study.describe(p), o.error));
        m_err << fmt::format("dnsim sweep: point {} failed ({}): {}\n", o.index,
                             m_study.describe(p), o.error);
    }
    progress(false);
}

void SweepCoordinator::interrupted(const PointOutcome& o) {
    ++m_interrupted;
    m_err << fmt::format(
        "dnsim sweep: point {} was interrupted ({}); not recorded, the next "
        "run of the study runs it\n",
        o.index, o.error);
}

void SweepCoordinator::progress(bool force) {
    const auto now = Clock::now();
    const std::size_t finished = m_done + m_failed + m_interrupted;
    if (finished == m_printed && m_printed > 0)
        return;  // (the last line already says so)
    if (!force && now - m_last_progress < std::chrono::seconds(2) && finished != m_total)
        return;
    m_last_progress = now;
    m_printed = finished;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    const std::size_t left = m_total - finished;
    std::string eta;
    if (finished > 0 && left > 0) {
        eta = fmt::format(", ETA {}", duration_text(elapsed / static_cast<double>(finished) *
                                                    static_cast<double>(left)));
    }
    // The rate as points per second, or seconds per point when points are slow.
    const double rate = elapsed > 0.0 ? static_cast<double>(finished) / elapsed : 0.0;
    const std::string speed = rate >= 1.0 || finished == 0
                                  ? fmt::format("{:.1f} points/s", rate)
                                  : fmt::format("{:.1f} s per point", 1.0 / rate);
    m_err << fmt::format("dnsim sweep {}: {}/{} done, {} failed, {} left, {}{}\n", m_study.name,
                         m_done, m_total, m_failed, left, speed, eta);
}

int SweepCoordinator::finish(std::ostream& out) {
    progress(true);
    const double elapsed = std::chrono::duration<double>(Clock::now() - m_start).count();
    out << fmt::format("dnsim sweep {}: ran {} points in {:.1f} s: {} ok, {} failed", m_study.name,
                       m_total, elapsed, m_done, m_failed);
    if (m_skipped > 0)
        out << fmt::format("; {} done earlier", m_skipped);
    if (m_kept_failed > 0)
        out << fmt::format("; {} failed earlier (--resume reruns them)", m_kept_failed);
    if (m_interrupted > 0)
        out << fmt::format("; {} interrupted, not recorded", m_interrupted);
    out << "\n";
    for (std::size_t i = 0; i < m_failures.size() && i < 10; ++i)
        out << "  " << m_failures[i] << "\n";
    if (m_failures.size() > 10)
        out << fmt::format("  ... and {} more (the points table has every error)\n",
                           m_failures.size() - 10);
    if (m_db) {
        write_file_atomically(m_dir, "results.csv", m_db->csv(), "out");
        out << fmt::format("results: {}, {}\n", (fs::path(m_dir) / kStudyDb).string(),
                           (fs::path(m_dir) / "results.csv").string());
    } else {
        out << fmt::format(
            "point results in {}; dnsim sweep {} --collect puts them in the "
            "database\n",
            (fs::path(m_dir) / kPoints).string(), m_dir);
    }
    return m_failed + m_kept_failed + m_interrupted > 0 ? 2 : 0;
}

namespace {

/// Runs the coordinator's points here, `jobs` processes at a time.
void run_local(SweepCoordinator& c, const std::string& exe, unsigned jobs, unsigned retries) {
    std::map<pid_t, PointProcess> running;
    const fs::path work = fs::path(c.dir()) / kPoints / kWork / std::to_string(::getpid());
    while (c.has_next() || !running.empty()) {
        while (c.has_next() && running.size() < jobs) {
            const StudyPoint p = c.next();
            const PointProcess proc =
                start_point(c.study(), p, exe, (work / fmt::format("{}", p.index)).string(), 1);
            running[proc.pid] = proc;
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            throw ConfigError("dnsim sweep", fmt::format("waitpid: {}", std::strerror(errno)));
        }
        const auto it = running.find(pid);
        if (it == running.end())
            continue;
        const PointProcess proc = it->second;
        running.erase(it);
        const PointOutcome o = finish_point(c.study(), proc, status, "local");
        if (interrupted(o)) {
            c.interrupted(o);
        } else if (retry_point(o, retries)) {
            // Rerun in the same slot: a killed or crashed process (OOM killer, a node problem)
            // is not the point's fault until it happens again.
            const PointProcess again =
                start_point(c.study(), proc.point, exe, proc.work, proc.attempt + 1);
            running[again.pid] = again;
        } else {
            c.commit(o);
        }
    }
    std::error_code ec;
    fs::remove_all(work, ec);
}

/// --collect: every point directory of the study into the database.
int collect(const SweepOptions& opt, const Study& s, std::ostream& out) {
    const std::string dir = study_dir(opt, s);
    check_study_dir(dir, s);
    const int fd = lock_study_dir(dir);
    SweepDb db((fs::path(dir) / kStudyDb).string(), s, true);
    const auto recorded = db.recorded();
    std::size_t added = 0, ok = 0, failed = 0, missing = 0;
    for (std::size_t i = 0; i < s.point_count(); ++i) {
        const StudyPoint p = s.point(i);
        const auto o = read_point_dir(dir, s, p);
        if (!o) {
            const auto r = recorded.find(i);
            missing += r == recorded.end() || r->second.config_hash != p.config_hash ? 1U : 0U;
            continue;
        }
        (o->ok ? ok : failed) += 1U;
        const auto r = recorded.find(i);
        if (r == recorded.end() || r->second.config_hash != p.config_hash ||
            r->second.ok != o->ok || !o->ok) {
            db.record(s, p, *o);
            ++added;
        }
    }
    write_file_atomically(dir, "results.csv", db.csv(), "out");
    out << fmt::format(
        "dnsim sweep {}: collected {} new point results ({} ok, {} failed in the "
        "point directories); {} points have no result yet\nresults: {}, {}\n",
        s.name, added, ok, failed, missing, (fs::path(dir) / kStudyDb).string(),
        (fs::path(dir) / "results.csv").string());
    ::close(fd);
    return failed + missing > 0 ? 2 : 0;
}

}  // namespace

int run_sweep(const SweepOptions& opt, std::ostream& out, std::ostream& err) {
    std::error_code ec;
    const bool target_is_dir = fs::is_directory(opt.target, ec);
    if (opt.status || !opt.pareto.empty()) {
        const std::string dir = target_is_dir ? opt.target : study_dir(opt, read_study(opt.target));
        if (opt.status)
            return print_status(dir, out);
        const fs::path db_path = fs::path(dir) / kStudyDb;
        if (!fs::exists(db_path, ec))
            throw ConfigError(dir,
                              "holds no study.db yet (no point has finished, or shards were "
                              "not collected: --collect)");
        SweepDb db(db_path.string());
        const std::string csv = pareto_front(db, opt.pareto, out);
        write_file_atomically(dir, "pareto.csv", csv, "pareto");
        out << "wrote " << (fs::path(dir) / "pareto.csv").string() << "\n";
        return 0;
    }
    SweepOptions o = opt;
    Study study;
    if (target_is_dir) {
        if (!o.out_dir.empty() &&
            fs::weakly_canonical(o.out_dir) != fs::weakly_canonical(o.target)) {
            throw ConfigError("out",
                              "a study directory is given: it is the results directory "
                              "(leave out --out)");
        }
        o.out_dir = o.target;
        study = study_of_dir(o.target);
    } else {
        study = read_study(o.target);
    }
    if (o.list) {
        list_points(study, out);
        return 0;
    }
    if (o.collect)
        return collect(o, study, out);
#ifdef DNSIM_HAVE_MPI
    if (launched_by_mpirun())
        return run_sweep_mpi(o, std::move(study), out, err);
#endif
    SweepCoordinator c(o, std::move(study), err, o.jobs);
    return run_sweep_local(c, o, out);
}

int run_sweep_local(SweepCoordinator& c, const SweepOptions& opt, std::ostream& out) {
    const std::string exe = opt.dnsim_exe.empty() ? current_executable() : opt.dnsim_exe;
    run_local(c, exe, std::max(1U, opt.jobs), opt.retries);
    return c.finish(out);
}

}  // namespace dnsim::tb
