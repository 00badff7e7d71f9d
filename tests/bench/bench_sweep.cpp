// dnsim sweep's throughput and its cost per point beyond the simulation (issue 15; figures in
// docs/benchmarks.md). Runs a timing-only study of ResNet-18 (ImageNet shape) with the paper's
// two denoiser blocks, --points points (default 1000), with 1, 2 and 4 local jobs and, with
// --mpi, under mpirun with 1, 2 and 4 worker ranks; and measures the parts of the overhead on
// their own: a dnsim process start, the database write of one point and the coordinator's
// whole work per point.
//   dnsim_bench_sweep build/testbench/dnsim [--points N] [--jobs 1,2,4] [--mpi] [--work DIR]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <systemc>

#include "testbench/sweep_db.h"
#include "testbench/sweep_run.h"
#include "testbench/sweep_study.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

int run(const std::string& command) {
    const int rc = std::system(command.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The study: cgra.pass_ns x denoiser.cores, `points` of them (a multiple of 10).
std::string study_text(int points) {
    return fmt::format(
        "[study]\nname = bench\nmodel = resnet18\ntiming_only = true\n"
        "denoisers = conv1,layer4.1.conv2\n[axes]\ncgra.pass_ns = range(50, {}, 1)\n"
        "denoiser.cores = range(1, 10, 1)\n",
        50 + points / 10 - 1);
}

struct SweepFigures {
    double elapsed_s = 0.0;
    double points_per_s = 0.0;
    double mean_point_wall_ms = 0.0;  ///< a point's process, as the coordinator saw it
    double mean_run_ms = 0.0;         ///< the run's own wall time (provenance.wall_time_s)
};

/// Runs `PREFIX dnsim sweep STUDY --out OUT SUFFIX` and reads its database.
SweepFigures sweep(const std::string& prefix, const std::string& dnsim, const fs::path& study,
                   const fs::path& out, const std::string& suffix, int points) {
    fs::remove_all(out);
    const auto t0 = Clock::now();
    const std::string cmd = fmt::format("{} {} sweep {} --out {} {} > {}.log 2>&1", prefix, dnsim,
                                        study.string(), out.string(), suffix, out.string());
    if (run(cmd) != 0) {
        std::cerr << "failed: " << cmd << "\n" << read(out.string() + ".log");
        std::exit(1);
    }
    SweepFigures f;
    f.elapsed_s = seconds_since(t0);
    f.points_per_s = points / f.elapsed_s;
    // The database's own figures, through the dnsim sweep reader.
    const dnsim::tb::SweepDb db((out / "study.db").string());
    double wall = 0.0, run_s = 0.0;
    int n = 0;
    for (const auto& row : db.ok_rows({"wall_s", "run_wall_s"})) {
        wall += std::stod(row[0].value_or("0"));
        run_s += std::stod(row[1].value_or("0"));
        ++n;
    }
    if (n != points) {
        std::cerr << fmt::format("{}: {} ok points, expected {}\n", out.string(), n, points);
        std::exit(1);
    }
    f.mean_point_wall_ms = 1e3 * wall / n;
    f.mean_run_ms = 1e3 * run_s / n;
    return f;
}

std::vector<int> parse_list(const std::string& s) {
    std::vector<int> v;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        v.push_back(std::stoi(item));
    return v;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    if (argc < 2) {
        std::cerr << "usage: dnsim_bench_sweep DNSIM [--points N] [--jobs 1,2,4] [--mpi] "
                     "[--work DIR]\n";
        return 1;
    }
    const std::string dnsim = fs::absolute(argv[1]).string();
    int points = 1000;
    std::vector<int> jobs{1, 2, 4};
    bool mpi = false;
    fs::path work = fs::temp_directory_path() / "dnsim_bench_sweep";
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--points" && i + 1 < argc)
            points = std::stoi(argv[++i]);
        else if (a == "--jobs" && i + 1 < argc)
            jobs = parse_list(argv[++i]);
        else if (a == "--mpi")
            mpi = true;
        else if (a == "--work" && i + 1 < argc)
            work = argv[++i];
        else {
            std::cerr << "unknown argument " << a << "\n";
            return 1;
        }
    }
    if (points < 10 || points % 10 != 0) {
        std::cerr << "--points: a multiple of 10\n";
        return 1;
    }
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path study = work / "bench.ini";
    std::ofstream(study) << study_text(points);
    std::cout << fmt::format("dnsim sweep benchmark: {} timing-only ResNet-18 points, {} cores\n",
                             points, std::thread::hardware_concurrency());

    // 1. A dnsim process start (exec, dynamic loading, static initialisation).
    constexpr int kStarts = 50;
    auto t0 = Clock::now();
    for (int i = 0; i < kStarts; ++i)
        run(dnsim + " --version > /dev/null");
    const double start_ms = 1e3 * seconds_since(t0) / kStarts;
    std::cout << fmt::format("process start (dnsim --version, {} runs): {:.1f} ms\n", kStarts,
                             start_ms);

    // 2. One point's database write: the same point recorded again and again.
    const dnsim::tb::Study s = dnsim::tb::read_study(study.string());
    const fs::path one = work / "one";
    {
        const std::string cmd = fmt::format(
            "{} run resnet18 --timing-only --denoisers "
            "conv1,layer4.1.conv2 --out {} > /dev/null",
            dnsim, one.string());
        if (run(cmd) != 0)
            return 1;
    }
    dnsim::tb::PointOutcome o;
    o.ok = true;
    o.files = {{"summary.json", read(one / "summary.json")},
               {"layers.csv", read(one / "layers.csv")}};
    double db_ms = 0.0;
    {
        dnsim::tb::SweepDb db((work / "write.db").string(), s, true);
        constexpr int kWrites = 200;
        t0 = Clock::now();
        for (int i = 0; i < kWrites; ++i) {
            const dnsim::tb::StudyPoint p = s.point(static_cast<std::size_t>(i % points));
            o.index = p.index;
            o.config_hash = p.config_hash;
            db.record(s, p, o);
        }
        db_ms = 1e3 * seconds_since(t0) / kWrites;
    }
    std::cout << fmt::format(
        "database write of one point (points row + {} layer rows, one "
        "transaction): {:.2f} ms\n",
        std::count(o.files[1].second.begin(), o.files[1].second.end(), '\n') - 1, db_ms);

    // 3. The coordinator's whole work for one finished point (what rank 0 does for each result
    // an MPI worker sends): the point directory written and renamed, the database row.
    double commit_ms = 0.0;
    {
        dnsim::tb::SweepOptions opt;
        opt.target = study.string();
        opt.out_dir = (work / "commit").string();
        std::ostringstream quiet;
        dnsim::tb::SweepCoordinator c(opt, s, quiet, 1);
        o.files.emplace_back("config.ini", std::string(400, 'k'));
        o.files.emplace_back("resolved.ini", std::string(4000, 'r'));
        o.files.emplace_back("dnsim.log", std::string(6000, 'l'));
        constexpr int kCommits = 200;
        t0 = Clock::now();
        for (int i = 0; i < kCommits; ++i) {
            o.index = static_cast<std::size_t>(i % points);
            c.commit(o);
        }
        commit_ms = 1e3 * seconds_since(t0) / kCommits;
    }
    std::cout << fmt::format(
        "coordinator's work per finished point (point directory + database "
        "row): {:.2f} ms, i.e. at most {:.0f} points/s through one "
        "coordinator\n",
        commit_ms, 1e3 / commit_ms);

    // 4. Whole sweeps.
    std::cout << fmt::format("\n{:<22} {:>9} {:>9} {:>11} {:>11} {:>12} {:>10}\n", "runner",
                             "wall s", "points/s", "point ms", "run ms", "overhead ms",
                             "efficiency");
    double base = 0.0;
    const auto report = [&](const std::string& name, int n, const SweepFigures& f) {
        if (n == 1)
            base = f.points_per_s;
        // Beyond the simulation: the wall time per point of each of the n slots, less the
        // run's own time.
        const double per_slot_ms = 1e3 * f.elapsed_s * n / points;
        std::cout << fmt::format(
            "{:<22} {:>9.1f} {:>9.2f} {:>11.1f} {:>11.1f} {:>12.1f} {:>9.0f}%\n", name, f.elapsed_s,
            f.points_per_s, f.mean_point_wall_ms, f.mean_run_ms, per_slot_ms - f.mean_run_ms,
            base > 0.0 ? 100.0 * f.points_per_s / (base * n) : 100.0);
        std::cout.flush();
        return f;
    };
    for (const int j : jobs) {
        report(fmt::format("local --jobs {}", j), j,
               sweep("", dnsim, study, work / fmt::format("jobs{}", j), fmt::format("--jobs {}", j),
                     points));
    }
    if (mpi) {
        base = 0.0;
        for (const int j : jobs) {
            // Rank 0 coordinates; j ranks run points.
            report(fmt::format("mpirun -np {}", j + 1), j,
                   sweep(fmt::format("mpirun -np {} --oversubscribe", j + 1), dnsim, study,
                         work / fmt::format("mpi{}", j), "", points));
        }
    }
    std::cout << "\n(point ms: a point's process as the coordinator timed it; run ms: the run's "
                 "own wall time; overhead ms: wall time x jobs / points - run ms, i.e. process "
                 "start, configuration, result files, coordination and the database write; "
                 "efficiency: points/s against n x the first row's)\n";
    fs::remove_all(work);
    return 0;
}
