// MODEL argument resolution.
#include "model_loader.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "onnx/onnx_io.h"
#include "topologies/scalesim_csv.h"
#include "topologies/topologies.h"

namespace dnsim::tb {

namespace {

workloads::Graph load_unchecked(const std::string& model, const std::string& key) {
    namespace fs = std::filesystem;
    const std::string ext = fs::path(model).extension().string();
    if (ext == ".onnx") {
        return workloads::import_onnx(model);
    }
    if (ext == ".csv") {
        return workloads::import_scalesim_csv(model);
    }
    if (workloads::is_builtin_model(model)) {
        return workloads::builtin_model(model);
    }
    if (fs::exists(model)) {
        throw ConfigError(key, fmt::format("'{}': unknown model file type '{}'; expected .onnx "
                                           "or a SCALE-Sim .csv",
                                           model, ext));
    }
    return workloads::builtin_model(model, 0, key);
}

}  // namespace

workloads::Graph load_model(const std::string& model, const std::string& key) {
    // ONNX import validates as it builds; built-in and SCALE-Sim graphs are checked here, so
    // every model meets the same rules and limits (GraphLimits) before any work starts.
    workloads::Graph g = load_unchecked(model, key);
    g.validate(model);
    return g;
}

std::string shipped_models_dir() {
    const char* env = std::getenv("DNSIM_MODELS_DIR");
    if (env != nullptr && *env != '\0')
        return env;
    return DNSIM_SOURCE_MODELS_DIR;
}

std::string default_run_model() {
    const std::string path =
        (std::filesystem::path(shipped_models_dir()) / "resnet18_28_denoised.onnx").string();
    if (!std::filesystem::exists(path)) {
        throw ConfigError("model", fmt::format("no MODEL given and the shipped default '{}' is "
                                               "missing; give a model (dnsim run MODEL) or set "
                                               "DNSIM_MODELS_DIR to the shipped models' directory",
                                               path));
    }
    return path;
}

}  // namespace dnsim::tb
