// MODEL argument resolution.
#include "model_loader.h"

#include <filesystem>

#include <fmt/format.h>

#include "onnx/onnx_io.h"
#include "topologies/scalesim_csv.h"
#include "topologies/topologies.h"

namespace dnsim::tb {

workloads::Graph load_model(const std::string& model, const std::string& key) {
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

}  // namespace dnsim::tb
