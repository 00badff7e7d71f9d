// The provenance block of result files.
#include "testbench/provenance.h"

#include <unistd.h>

#include <array>
#include <ctime>
#include <filesystem>

#include "models/common/build_info.h"
#include "models/common/config_error.h"
#include "models/common/isa.h"
#include "models/common/sha256.h"
#include "models/common/version.h"

namespace dnsim::tb {

namespace {

std::string host_name() {
    std::array<char, 256> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0)
        return "unknown";
    return buf.data();
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf.data();
}

/// The keys that seed random streams (run.chips: which chip seeds and run seeds are drawn):
/// with them, the run is reproduced bit for bit.
bool is_seed_key(const std::string& key) {
    const std::string tail = key.substr(key.rfind('.') + 1);  // npos + 1 == 0: the whole key
    return tail == "seed" || tail == "seeds" || tail == "chip_seed" || tail == "chips";
}

}  // namespace

std::string config_sha256(const std::vector<std::pair<std::string, std::string>>& config) {
    Sha256 h;
    for (const auto& [key, value] : config)
        h.update(key + " = " + value + "\n");
    return h.hex_digest();
}

nlohmann::ordered_json provenance_json(const ProvenanceInputs& in) {
    nlohmann::ordered_json p;
    const BuildInfo& b = build_info();
    p["dnsim_version"] = kVersion;
    p["git_commit"] = b.git_commit;
    p["git_dirty"] = b.git_dirty;
    p["compiler"] = b.compiler;
    p["build_type"] = b.build_type;
    p["kernels_isa"] = isa::name(isa::active());
    p["command"] = in.command;
    if (!in.model.empty()) {
        nlohmann::ordered_json m;
        if (in.model_builtin) {
            m["builtin"] = in.model;
        } else {
            m["path"] = in.model;
            m["sha256"] = sha256_file(in.model);
        }
        p["model"] = m;
    }
    nlohmann::ordered_json data = nlohmann::ordered_json::array();
    for (const std::string& f : in.dataset_files)
        data.push_back({{"path", f}, {"sha256", sha256_file(f)}});
    p["dataset"] = data;
    p["config_sha256"] = config_sha256(in.config);
    nlohmann::ordered_json seeds = nlohmann::ordered_json::object();
    for (const auto& [key, value] : in.config) {
        if (is_seed_key(key))
            seeds[key] = value;
    }
    p["seeds"] = seeds;
    p["host"] = host_name();
    p["date_utc"] = utc_now();
    p["wall_time_s"] = in.wall_time_s;
    return p;
}

std::string command_line(int argc, const char* const* argv) {
    std::string out;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        const bool plain =
            !a.empty() && a.find_first_of(" \t\n'\"\\$`;&|<>()*?") == std::string::npos;
        if (!out.empty())
            out += ' ';
        if (plain) {
            out += a;
        } else {
            out += '\'';
            for (const char c : a)
                out += c == '\'' ? std::string("'\\''") : std::string(1, c);
            out += '\'';
        }
    }
    return out;
}

std::string current_executable() {
    std::error_code ec;
    const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw ConfigError("dnsim", "cannot find its own executable (/proc/self/exe)");
    return p.string();
}

}  // namespace dnsim::tb
