// MODEL argument resolution.
#include "testbench/model_loader.h"

#include <cstdlib>
#include <filesystem>
#include <new>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/topologies/scalesim_csv.h"
#include "workloads/topologies/topologies.h"

namespace dnsim::tb {

namespace {

workloads::Graph load_unchecked(const std::string& model, const std::string& key,
                                workloads::Weights weights) {
    namespace fs = std::filesystem;
    const std::string ext = fs::path(model).extension().string();
    if (ext == ".onnx") {
        return workloads::import_onnx(model);
    }
    if (ext == ".csv") {
        return workloads::import_scalesim_csv(model);
    }
    if (workloads::is_builtin_model(model)) {
        return workloads::builtin_model(model, 0, key, weights);
    }
    if (fs::exists(model)) {
        throw ConfigError(key, fmt::format("'{}': unknown model file type '{}'; expected .onnx "
                                           "or a SCALE-Sim .csv",
                                           model, ext));
    }
    return workloads::builtin_model(model, 0, key);
}

}  // namespace

void check_names_utf8(const workloads::Graph& g, const std::string& model, const std::string& key) {
    // `what` says where the name is; it is formatted only for the error.
    const auto check = [&](const std::string& name, const auto& what) {
        if (const auto at = invalid_utf8_at(name)) {
            throw ConfigError(key, fmt::format("'{}': {} '{}' is not valid UTF-8 (byte 0x{:02x} "
                                               "at offset {}); names in a model must be UTF-8 "
                                               "text",
                                               printable(model), what(), printable(name),
                                               static_cast<unsigned char>(name[*at]), *at));
        }
    };
    for (const auto& v : g.inputs)
        check(v.name, [] { return "the name of graph input"; });
    for (const auto& v : g.outputs)
        check(v.name, [] { return "the name of graph output"; });
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const auto& n = g.nodes[i];
        check(n.name, [i] { return fmt::format("the name of node {}", i); });
        for (const auto& t : n.inputs)
            check(t, [&] { return fmt::format("node {} ('{}'): input", i, printable(n.name)); });
        for (const auto& t : n.outputs)
            check(t, [&] { return fmt::format("node {} ('{}'): output", i, printable(n.name)); });
    }
}

workloads::Graph load_model(const std::string& model, const std::string& key,
                            workloads::Weights weights) {
    // ONNX import validates as it builds; built-in and SCALE-Sim graphs are checked here, so
    // every model meets the same rules and limits (GraphLimits) before any work starts; and
    // every name must be UTF-8 (it goes into CSV, JSON and ONNX files).
    workloads::Graph g;
    try {
        g = load_unchecked(model, key, weights);
    } catch (const std::bad_alloc&) {
        // The declared sizes passed the model limits, yet the machine has less memory.
        throw ConfigError(key, fmt::format("'{}': out of memory while loading the model; it "
                                           "needs more memory than this machine has free",
                                           printable(model)));
    }
    check_names_utf8(g, model, key);
    g.validate(model);
    return g;
}

std::string shipped_models_dir() {
    const char* env = std::getenv("DNSIM_MODELS_DIR");
    if (env != nullptr && *env != '\0')
        return env;
    return DNSIM_SOURCE_MODELS_DIR;
}

namespace {

/// `file` in shipped_models_dir(); ConfigError("model") when it is missing.
std::string shipped_model(const char* file) {
    const std::string path = (std::filesystem::path(shipped_models_dir()) / file).string();
    if (!std::filesystem::exists(path)) {
        throw ConfigError("model", fmt::format("no MODEL given and the shipped default '{}' is "
                                               "missing; give a model (dnsim run MODEL) or set "
                                               "DNSIM_MODELS_DIR to the shipped models' directory",
                                               path));
    }
    return path;
}

}  // namespace

std::string default_run_model() {
    return shipped_model(kMainJobModel);
}

std::string default_study_model() {
    return shipped_model(kStudyDefaultModel);
}

std::string main_job_config() {
    const std::string path =
        (std::filesystem::path(shipped_models_dir()) / kMainJobConfig).string();
    if (!std::filesystem::exists(path)) {
        throw ConfigError("model", fmt::format("no MODEL given and the main job's settings '{}' "
                                               "are missing; give a model (dnsim run MODEL) or "
                                               "set DNSIM_MODELS_DIR to the shipped models' "
                                               "directory",
                                               path));
    }
    return path;
}

}  // namespace dnsim::tb
