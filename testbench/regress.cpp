// dnsim regress: cases, metrics and tolerances, parallel case processes, JUnit XML.
#include "testbench/regress.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/input_files.h"
#include "models/common/output_files.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"

extern char** environ;

namespace dnsim::tb {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr std::int64_t kMaxCaseFileBytes = std::int64_t{1} << 20;
const char* const kResultFiles[] = {"summary.json", "denoiser.json", "layers.csv"};

std::string case_error(const std::string& name, const std::string& what) {
    return fmt::format("case {}: {}", name, what);
}

std::vector<std::string> read_args(const RegressCase& c) {
    const std::string path = (fs::path(c.dir) / "args").string();
    if (!fs::exists(path)) {
        throw ConfigError(path, case_error(c.name,
                                           "no 'args' file: the dnsim command and its "
                                           "arguments, one per line"));
    }
    std::vector<std::string> args;
    std::istringstream in(read_input_file(path, kMaxCaseFileBytes, "a case's args file"));
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (!line.empty() && line[0] != '#')
            args.push_back(line);
    }
    if (args.empty())
        throw ConfigError(path, case_error(c.name, "names no command (run, denoiser, eval)"));
    for (const std::string& a : args) {
        if (a == "--out" || a.rfind("--out=", 0) == 0 || a == "--config") {
            throw ConfigError(path, case_error(c.name, fmt::format("'{}' is set by dnsim regress "
                                                                   "(results directory, "
                                                                   "config.ini)",
                                                                   a)));
        }
    }
    if (args[0] != "run" && args[0] != "denoiser" && args[0] != "eval") {
        throw ConfigError(path, case_error(c.name, fmt::format("'{}' is not a command with "
                                                               "result files; accepted: run, "
                                                               "denoiser, eval",
                                                               printable(args[0]))));
    }
    return args;
}

/// A tolerance field: a finite, non-negative number.
double tolerance_of(const json& spec, const char* field, const std::string& where) {
    const json& v = spec.at(field);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0.0) {
        throw ConfigError(where, fmt::format("\"{}\" is {}; expected a non-negative number", field,
                                             printable(v.dump())));
    }
    return v.get<double>();
}

Metric read_metric(const std::string& name, const json& spec, const std::string& where) {
    Metric m;
    m.name = name;
    const std::string at = fmt::format("{} (metric \"{}\")", where, printable(name));
    const std::size_t hash = name.find('#');
    const std::string file = name.substr(0, hash);
    if (hash == std::string::npos || std::find(std::begin(kResultFiles), std::end(kResultFiles),
                                               file) == std::end(kResultFiles)) {
        throw ConfigError(at,
                          "expected FILE#PLACE with FILE one of summary.json, denoiser.json, "
                          "layers.csv");
    }
    if (file != "layers.csv" && (hash + 1 >= name.size() || name[hash + 1] != '/'))
        throw ConfigError(at, "the place in a JSON file is a JSON pointer starting with '/'");
    if (file == "layers.csv" && name.find('/', hash) == std::string::npos)
        throw ConfigError(at, "the place in layers.csv is LAYER/COLUMN");
    if (!spec.is_object() || !spec.contains("value"))
        throw ConfigError(at, "expected an object with \"value\" and optional tolerances");
    for (const auto& [key, v] : spec.items()) {
        if (key != "value" && key != "abs" && key != "rel" && key != "images") {
            throw ConfigError(at, fmt::format("unknown field \"{}\"; accepted: value, abs, rel, "
                                              "images",
                                              printable(key)));
        }
    }
    m.expected = spec.at("value");
    if (!m.expected.is_number() && !m.expected.is_string())
        throw ConfigError(at, "\"value\" must be a number or a string");
    if (spec.contains("abs"))
        m.abs = tolerance_of(spec, "abs", at);
    if (spec.contains("rel"))
        m.rel = tolerance_of(spec, "rel", at);
    if (spec.contains("images"))
        m.images = tolerance_of(spec, "images", at);
    m.has_tolerance = spec.contains("abs") || spec.contains("rel") || spec.contains("images");
    if (m.has_tolerance && !m.expected.is_number())
        throw ConfigError(at, "a tolerance needs a number \"value\"");
    return m;
}

std::string number_text(const json& v) {
    return v.is_number_float() ? fmt::format("{:.17g}", v.get<double>()) : v.dump();
}

struct CaseResult {
    enum class Status { Pass, Fail, Error } status = Status::Pass;
    std::vector<std::string> failures;  ///< one line per metric out of tolerance
    std::string error;
    double seconds = 0.0;
    json results;  ///< metric -> value (for --update)
};

/// Starts one case's dnsim process with its output in `out` (stdout and stderr to files there).
pid_t start_case(const RegressCase& c, const std::string& exe, const std::string& out) {
    fs::create_directories(out);
    std::vector<std::string> args{exe};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (c.has_config) {
        args.push_back("--config");
        args.push_back((fs::path(c.dir) / "config.ini").string());
    }
    args.push_back("--out");
    args.push_back(out);
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    const std::string log = (fs::path(out) / "dnsim.log").string();
    posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, exe.c_str(), &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (rc != 0)
        throw ConfigError(exe, fmt::format("cannot start: {}", std::strerror(rc)));
    return pid;
}

/// The last lines of a case's log, indented, for an ERROR line.
std::string log_tail(const std::string& out) {
    std::ifstream in(fs::path(out) / "dnsim.log");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    std::string text;
    for (std::size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
        text += "\n    " + printable(lines[i]);
    return text;
}

/// Compares a finished case's results with its metrics.
void check_case(const RegressCase& c, const std::string& out, CaseResult& r) {
    double images = 0.0;
    const fs::path summary = fs::path(out) / "summary.json";
    if (fs::exists(summary)) {
        const json s =
            json::parse(read_input_file(summary.string(), std::int64_t{1} << 30, "a summary.json"));
        if (s.contains("accuracy") && s["accuracy"].contains("images"))
            images = s["accuracy"]["images"].get<double>();
    }
    for (const Metric& m : c.metrics) {
        const json got = metric_value(out, c.name, m.name);
        r.results[m.name] = got;
        std::string why;
        if (!within_tolerance(m, got, images, why)) {
            r.status = CaseResult::Status::Fail;
            r.failures.push_back(fmt::format("{}: {}", m.name, why));
        }
    }
}

std::string junit_text(const std::vector<RegressCase>& cases,
                       const std::vector<CaseResult>& results, double seconds) {
    std::size_t failures = 0, errors = 0;
    for (const CaseResult& r : results) {
        failures += r.status == CaseResult::Status::Fail ? 1 : 0;
        errors += r.status == CaseResult::Status::Error ? 1 : 0;
    }
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += fmt::format(
        "<testsuites name=\"dnsim regress\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
        "time=\"{:.3f}\">\n",
        cases.size(), failures, errors, seconds);
    x += fmt::format(
        "  <testsuite name=\"dnsim regress\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
        "time=\"{:.3f}\">\n",
        cases.size(), failures, errors, seconds);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const CaseResult& r = results[i];
        x += fmt::format("    <testcase classname=\"regress\" name=\"{}\" time=\"{:.3f}\"",
                         markup_text(cases[i].name), r.seconds);
        if (r.status == CaseResult::Status::Pass) {
            x += "/>\n";
            continue;
        }
        x += ">\n";
        if (r.status == CaseResult::Status::Fail) {
            std::string body;
            for (const std::string& f : r.failures)
                body += f + "\n";
            x += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                             markup_text(r.failures[0]), markup_text(body));
        } else {
            x += fmt::format("      <error message=\"{}\">{}</error>\n", markup_text(r.error),
                             markup_text(r.error));
        }
        x += "    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

/// --update: the expected values of `c` from its results; prints what changed.
void update_case(const RegressCase& c, const CaseResult& r, std::ostream& out) {
    const std::string path = (fs::path(c.dir) / "expected.json").string();
    json doc = json::parse(read_input_file(path, kMaxCaseFileBytes, "an expected.json"));
    bool changed = false;
    for (const Metric& m : c.metrics) {
        const json& got = r.results.at(m.name);
        if (got == m.expected)
            continue;
        out << fmt::format("  {}: {} -> {}\n", m.name, number_text(m.expected), number_text(got));
        doc["metrics"][m.name]["value"] = got;
        changed = true;
    }
    if (changed)
        write_file_atomically(c.dir, "expected.json", json_text(doc), "update");
}

}  // namespace

RegressCase read_case(const std::string& dir) {
    RegressCase c;
    c.dir = dir;
    c.name = fs::path(dir).filename().string();
    c.args = read_args(c);
    c.has_config = fs::exists(fs::path(dir) / "config.ini");
    const std::string path = (fs::path(dir) / "expected.json").string();
    if (!fs::exists(path))
        throw ConfigError(path, case_error(c.name, "no expected.json"));
    json doc;
    try {
        doc = json::parse(read_input_file(path, kMaxCaseFileBytes, "an expected.json"));
    } catch (const json::parse_error& e) {
        throw ConfigError(path, case_error(c.name, fmt::format("not valid JSON: {}", e.what())));
    }
    if (!doc.is_object() || !doc.contains("metrics") || !doc["metrics"].is_object() ||
        doc["metrics"].empty()) {
        throw ConfigError(path, case_error(c.name,
                                           "expected {\"about\": \"...\", \"metrics\": "
                                           "{METRIC: {\"value\": ...}, ...}} with at "
                                           "least one metric"));
    }
    if (doc.contains("about") && doc["about"].is_string())
        c.about = doc["about"].get<std::string>();
    for (const auto& [name, spec] : doc["metrics"].items())
        c.metrics.push_back(read_metric(name, spec, path));
    return c;
}

std::vector<RegressCase> find_cases(const std::string& dir, const std::string& filter) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw ConfigError(dir, "is not a directory of regression cases");
    std::vector<std::string> dirs;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.is_directory() &&
            (fs::exists(e.path() / "expected.json") || fs::exists(e.path() / "args"))) {
            const std::string name = e.path().filename().string();
            if (filter.empty() || fnmatch(filter.c_str(), name.c_str(), 0) == 0)
                dirs.push_back(e.path().string());
        }
    }
    std::sort(dirs.begin(), dirs.end());
    if (dirs.empty()) {
        throw ConfigError(dir, filter.empty()
                                   ? std::string("holds no case (a directory with args and "
                                                 "expected.json)")
                                   : fmt::format("holds no case matching '{}'", printable(filter)));
    }
    std::vector<RegressCase> cases;
    for (const std::string& d : dirs)
        cases.push_back(read_case(d));
    return cases;
}

json metric_value(const std::string& out, const std::string& case_name, const std::string& metric) {
    const std::size_t hash = metric.find('#');
    const std::string file = metric.substr(0, hash);
    const std::string place = metric.substr(hash + 1);
    const fs::path path = fs::path(out) / file;
    const auto missing = [&](const std::string& what) {
        return ConfigError(metric,
                           fmt::format("not among the results of case {} ({})", case_name, what));
    };
    if (!fs::exists(path))
        throw missing(fmt::format("the command wrote no {}", file));
    const std::string text = read_input_file(path.string(), std::int64_t{1} << 30, "a result");
    if (file == "layers.csv") {
        const std::size_t slash = place.rfind('/');
        const std::string layer = place.substr(0, slash);
        const std::string column = place.substr(slash + 1);
        std::istringstream in(text);
        std::string line;
        std::getline(in, line);
        const std::vector<std::string> header = csv_split_line(line);
        const auto col = std::find(header.begin(), header.end(), column);
        const auto name_col = std::find(header.begin(), header.end(), "layer");
        if (col == header.end() || name_col == header.end())
            throw missing(fmt::format("layers.csv has no column '{}'", printable(column)));
        while (std::getline(in, line)) {
            const std::vector<std::string> row = csv_split_line(line);
            const auto at = [&](auto it) {
                const auto i = static_cast<std::size_t>(it - header.begin());
                return i < row.size() ? row[i] : std::string();
            };
            if (at(name_col) == layer)
                return csv_cell_json<json>(at(col));
        }
        throw missing(fmt::format("layers.csv has no layer '{}'", printable(layer)));
    }
    const json doc = json::parse(text);
    try {
        const json::json_pointer ptr(place);
        if (!doc.contains(ptr))
            throw missing(fmt::format("{} has no {}", file, printable(place)));
        return doc.at(ptr);
    } catch (const json::exception& e) {
        throw missing(fmt::format("'{}' is not a JSON pointer into {} ({})", printable(place), file,
                                  e.what()));
    }
}

bool within_tolerance(const Metric& m, const json& got, double images, std::string& why) {
    const json& want = m.expected;
    if (!want.is_number() || !got.is_number()) {
        if (got == want)
            return true;
        why = fmt::format("expected {}, got {}", want.dump(), got.dump());
        return false;
    }
    const double e = want.get<double>();
    const double g = got.get<double>();
    const bool integers = want.is_number_integer() && got.is_number_integer();
    double allowed = 0.0;
    std::string tolerance;
    if (m.has_tolerance) {
        allowed = std::max(m.abs, m.rel * std::abs(e));
        if (m.images > 0.0 && images > 0.0)
            allowed = std::max(allowed, 100.0 * m.images / images);
        std::vector<std::string> parts;
        if (m.abs > 0.0)
            parts.push_back(fmt::format("abs {}", m.abs));
        if (m.rel > 0.0)
            parts.push_back(fmt::format("rel {}", m.rel));
        if (m.images > 0.0)
            parts.push_back(fmt::format("{} images", m.images));
        tolerance = parts.empty() ? "exact" : fmt::format("{}", fmt::join(parts, ", "));
    } else if (integers) {
        tolerance = "exact";
    } else {
        allowed = 1e-9 * std::abs(e);
        tolerance = "rel 1e-09 (default)";
    }
    const bool ok = integers && allowed == 0.0 ? got.get<std::int64_t>() == want.get<std::int64_t>()
                                               : std::abs(g - e) <= allowed;
    if (!ok) {
        const std::string change =
            e != 0.0 ? fmt::format(" ({:+.4g} %)", 100.0 * (g - e) / std::abs(e)) : "";
        why = fmt::format("expected {}, got {}{}, tolerance {}", number_text(want),
                          number_text(got), change, tolerance);
    }
    return ok;
}

int run_regress(const RegressOptions& opt, std::ostream& out) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<RegressCase> cases = find_cases(opt.cases_dir, opt.filter);
    if (!opt.junit.empty()) {
        // A CI job names a report path in its workspace: a missing directory is a typo there.
        const fs::path parent = fs::path(opt.junit).parent_path();
        std::error_code ec;
        if (!parent.empty() && !fs::is_directory(parent, ec)) {
            throw ConfigError(
                "junit", fmt::format("the directory of '{}' does not exist", printable(opt.junit)));
        }
        check_output_file(opt.junit, "junit");
    }
    const std::string exe = opt.dnsim_exe.empty() ? current_executable() : opt.dnsim_exe;
    std::string work = opt.work_dir;
    const bool own_work = work.empty();
    if (own_work) {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern =
            fmt::format("{}/dnsim-regress-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
        if (::mkdtemp(pattern.data()) == nullptr)
            throw ConfigError(pattern, fmt::format("cannot create: {}", std::strerror(errno)));
        work = pattern;
    } else {
        check_output_dir(work, {}, "work");
    }
    std::vector<CaseResult> results(cases.size());
    std::map<pid_t, std::size_t> running;
    std::map<std::size_t, std::chrono::steady_clock::time_point> started;
    std::size_t next = 0;
    const unsigned jobs = std::max(1U, opt.jobs);
    while (next < cases.size() || !running.empty()) {
        while (next < cases.size() && running.size() < jobs) {
            const std::string dir = (fs::path(work) / cases[next].name).string();
            started[next] = std::chrono::steady_clock::now();
            running[start_case(cases[next], exe, dir)] = next;
            ++next;
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0)
            break;
        const auto it = running.find(pid);
        if (it == running.end())
            continue;
        const std::size_t i = it->second;
        running.erase(it);
        CaseResult& r = results[i];
        r.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started[i]).count();
        const std::string dir = (fs::path(work) / cases[i].name).string();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            r.status = CaseResult::Status::Error;
            r.error = WIFEXITED(status) ? fmt::format("dnsim {} exited with {}", cases[i].args[0],
                                                      WEXITSTATUS(status))
                                        : fmt::format("dnsim {} ended by signal {}",
                                                      cases[i].args[0], WTERMSIG(status));
            r.error += log_tail(dir);
        } else {
            try {
                check_case(cases[i], dir, r);
            } catch (const std::exception& e) {
                r.status = CaseResult::Status::Error;
                r.error = e.what();
            }
        }
        const RegressCase& c = cases[i];
        switch (r.status) {
            case CaseResult::Status::Pass:
                out << fmt::format("pass   {} ({} metrics, {:.1f} s)\n", c.name, c.metrics.size(),
                                   r.seconds);
                break;
            case CaseResult::Status::Fail:
                out << fmt::format("FAIL   {} ({:.1f} s)\n", c.name, r.seconds);
                for (const std::string& f : r.failures)
                    out << "    " << f << "\n";
                break;
            case CaseResult::Status::Error:
                out << fmt::format("ERROR  {}: {}\n", c.name, r.error);
                break;
        }
        out.flush();
    }
    std::size_t passed = 0, failed = 0, errors = 0;
    for (const CaseResult& r : results) {
        passed += r.status == CaseResult::Status::Pass ? 1 : 0;
        failed += r.status == CaseResult::Status::Fail ? 1 : 0;
        errors += r.status == CaseResult::Status::Error ? 1 : 0;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out << fmt::format("{} passed, {} failed, {} errors ({:.1f} s)\n", passed, failed, errors,
                       seconds);
    if (opt.update) {
        for (std::size_t i = 0; i < cases.size(); ++i) {
            if (results[i].status == CaseResult::Status::Fail) {
                out << fmt::format("updated {}:\n", cases[i].name);
                update_case(cases[i], results[i], out);
            }
        }
    }
    if (!opt.junit.empty()) {
        write_output_file(opt.junit, junit_text(cases, results, seconds), "junit");
    }
    const bool keep = opt.keep || failed + errors > 0;
    if (own_work && !keep) {
        std::error_code ec;
        fs::remove_all(work, ec);
    } else {
        out << fmt::format("results of the cases: {}\n", work);
    }
    if (errors > 0)
        return 1;
    if (failed > 0 && !opt.update)
        return 2;
    return 0;
}

}  // namespace dnsim::tb
