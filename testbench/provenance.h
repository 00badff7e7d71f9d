// Where a result came from, written into every result file (summary.json of dnsim run and
// dnsim eval, denoiser.json of dnsim denoiser): which dnsim (version, commit, compiler, build
// type, the vector ISA its kernels ran with), which inputs (the model file's SHA-256 or the
// built-in's name, the dataset files' SHA-256), the fully resolved configuration's hash, the
// seeds, and where and when it ran. A regression case (dnsim regress) or a reader of an old
// result can tell from it whether two results are comparable.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dnsim::tb {

/// The version of the result files' layout; raised when a field changes meaning or moves.
inline constexpr int kResultSchemaVersion = 3;

struct ProvenanceInputs {
    std::string command;  ///< the command line as given
    std::string model;    ///< a model file, a built-in network's name, or empty (none)
    bool model_builtin = false;
    std::vector<std::string> dataset_files;  ///< what the dataset was read from (none: empty)
    /// Every configuration key with its resolved value, in declaration order.
    std::vector<std::pair<std::string, std::string>> config;
    double wall_time_s = 0.0;
};

/// SHA-256 of the resolved configuration: of its lines "key = value\n" in the order given.
std::string config_sha256(const std::vector<std::pair<std::string, std::string>>& config);

/// The provenance block: {"dnsim_version", "git_commit", "git_dirty", "compiler",
/// "build_type", "kernels_isa", "command", "model": {"builtin"|"path", "sha256"}, "dataset":
/// [{"path", "sha256"}], "config_sha256", "seeds": {key: value}, "host", "date_utc",
/// "wall_time_s"}. Hashes the model and dataset files (ConfigError naming one it cannot read).
nlohmann::ordered_json provenance_json(const ProvenanceInputs& in);

/// The command line as one string, each argument quoted when it needs to be.
std::string command_line(int argc, const char* const* argv);

/// The path of this process's executable (/proc/self/exe): what dnsim regress and dnsim sweep
/// run their cases and points with. ConfigError when it cannot be read.
std::string current_executable();

}  // namespace dnsim::tb
