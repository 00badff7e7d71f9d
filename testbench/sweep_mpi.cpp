// dnsim sweep under mpirun: rank 0 coordinates, the other ranks run points (sweep_mpi.h).
#include "testbench/sweep_mpi.h"

#include <cstdlib>

#ifdef DNSIM_HAVE_MPI
#include <mpi.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/sha256.h"
#include "testbench/provenance.h"
#endif

namespace dnsim::tb {

bool launched_by_mpirun() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
        const char* s = std::getenv(v);
        if (s != nullptr && *s != '\0')
            return true;
    }
    return false;
}

#ifdef DNSIM_HAVE_MPI

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

enum Tag : int { kReady = 1, kResult = 2, kWork = 3, kStop = 4 };

/// The study's identity and every model file's SHA-256, hashed: 64 hex digits on every rank.
std::string fingerprint(const Study& s) {
    std::string text = s.identity;
    for (const auto& [path, sha] : s.model_files)
        text += "\n" + path + " " + sha;
    return sha256_hex(text);
}

/// Waits for a message matching (source, tag) without spinning a core: MPI's blocking receive
/// polls, which would take a core from the points on a machine that runs ranks and points.
MPI_Status wait_message(int source, int tag) {
    MPI_Status st;
    int flag = 0;
    auto pause = std::chrono::microseconds(50);
    while (true) {
        MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &st);
        if (flag != 0)
            return st;
        std::this_thread::sleep_for(pause);
        // (At most 0.5 ms: each point waits for the coordinator's reply once; 2 ms cost a
        // timing-only point 30 % of its throughput.)
        pause = std::min(pause * 2, std::chrono::microseconds(500));
    }
}

std::string receive(const MPI_Status& st) {
    int count = 0;
    MPI_Get_count(&st, MPI_CHAR, &count);
    std::string buf(static_cast<std::size_t>(count), '\0');
    MPI_Recv(buf.data(), count, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return buf;
}

void send(const std::string& text, int dest, int tag) {
    MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

std::string outcome_text(const PointOutcome& o) {
    json files = json::array();
    for (const auto& [name, content] : o.files)
        files.push_back({name, content});
    const json j = {{"index", o.index},
                    {"config_hash", o.config_hash},
                    {"ok", o.ok},
                    {"exit", o.exit_status},
                    {"error", o.error},
                    {"wall_s", o.wall_s},
                    {"attempts", o.attempts},
                    {"worker", o.worker},
                    {"files", files}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

PointOutcome outcome_of(const std::string& text) {
    const json j = json::parse(text);
    PointOutcome o;
    o.index = j.at("index").get<std::size_t>();
    o.config_hash = j.at("config_hash").get<std::string>();
    o.ok = j.at("ok").get<bool>();
    o.exit_status = j.at("exit").get<int>();
    o.error = j.at("error").get<std::string>();
    o.wall_s = j.at("wall_s").get<double>();
    o.attempts = j.at("attempts").get<int>();
    o.worker = j.at("worker").get<std::string>();
    for (const json& f : j.at("files"))
        o.files.emplace_back(f.at(0).get<std::string>(), f.at(1).get<std::string>());
    return o;
}

void coordinate(SweepCoordinator& c, int workers) {
    int active = workers;
    while (active > 0) {
        const MPI_Status st = wait_message(MPI_ANY_SOURCE, MPI_ANY_TAG);
        const std::string msg = receive(st);
        if (st.MPI_TAG == kResult) {
            const PointOutcome o = outcome_of(msg);
            if (interrupted(o))
                c.interrupted(o);
            else
                c.commit(o);
        }
        if (c.has_next()) {
            send(std::to_string(c.next().index), st.MPI_SOURCE, kWork);
        } else {
            send("", st.MPI_SOURCE, kStop);
            --active;
        }
    }
}

void work(const Study& study, int rank, unsigned retries) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string worker = fmt::format("rank {} on {}", rank, host);
    const std::string exe = current_executable();
    const char* tmp = std::getenv("TMPDIR");
    std::string root =
        fmt::format("{}/dnsim-sweep-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
    if (::mkdtemp(root.data()) == nullptr)
        throw ConfigError(root, fmt::format("cannot create: {}", std::strerror(errno)));
    send("", 0, kReady);
    while (true) {
        const MPI_Status st = wait_message(0, MPI_ANY_TAG);
        const std::string msg = receive(st);
        if (st.MPI_TAG == kStop)
            break;
        const StudyPoint p = study.point(std::stoull(msg));
        const std::string dir = (fs::path(root) / msg).string();
        PointOutcome o;
        for (int attempt = 1;; ++attempt) {
            const PointProcess proc = start_point(study, p, exe, dir, attempt);
            int status = 0;
            while (::waitpid(proc.pid, &status, 0) < 0 && errno == EINTR) {
            }
            o = finish_point(study, proc, status, worker);
            if (!retry_point(o, retries))
                break;
        }
        send(outcome_text(o), 0, kResult);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
}

}  // namespace

int run_sweep_mpi(const SweepOptions& opt, Study study, std::ostream& out, std::ostream& err) {
    MPI_Init(nullptr, nullptr);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rc = 0;
    std::exception_ptr failure;
    if (size == 1) {
        // mpirun -np 1: the local runner, --jobs at a time, without MPI.
        MPI_Finalize();
        SweepCoordinator c(opt, std::move(study), err, opt.jobs);
        return run_sweep_local(c, opt, out);
    }
    std::unique_ptr<SweepCoordinator> c;
    int ready = 1;
    if (rank == 0) {
        try {
            c = std::make_unique<SweepCoordinator>(opt, study, err,
                                                   static_cast<unsigned>(size - 1));
        } catch (...) {
            failure = std::current_exception();
            ready = 0;
        }
    }
    // Every rank learns whether rank 0 could start, and which study it runs: the study's
    // identity and its model files' contents.
    MPI_Bcast(&ready, 1, MPI_INT, 0, MPI_COMM_WORLD);
    const std::string mine = fingerprint(study);
    std::string theirs = mine;
    MPI_Bcast(theirs.data(), static_cast<int>(theirs.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (ready == 1 && rank != 0 && theirs != mine) {
        err << fmt::format(
            "dnsim: error: rank {}: {} describes other points here than on rank "
            "0 (the study file or a model differs between the nodes)\n",
            rank, study.file);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    try {
        if (ready == 1 && rank == 0) {
            coordinate(*c, size - 1);
            rc = c->finish(out);
        } else if (ready == 1) {
            work(study, rank, opt.retries);
        } else if (rank == 0) {
            MPI_Finalize();
            std::rethrow_exception(failure);
        } else {
            rc = 1;
        }
    } catch (const std::exception& e) {
        if (ready == 1) {
            // A rank that cannot go on leaves the others waiting: end the job.
            err << fmt::format("dnsim: error: rank {}: {}; ending the MPI job\n", rank, e.what());
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        throw;
    }
    MPI_Finalize();
    return rc;
}

#endif  // DNSIM_HAVE_MPI

}  // namespace dnsim::tb
