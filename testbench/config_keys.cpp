// The keys of the dnsim commands: the model limits, and the model's input normalisation.
#include "testbench/config_keys.h"

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "workloads/topologies/topologies.h"

namespace dnsim::tb {

void bind_model_limits(ConfigBinder& b) {
    b.bind_global<workloads::GraphLimits>(
        workloads::GraphLimits::keys(), [] { return workloads::graph_limits(); },
        [](const workloads::GraphLimits& l) { workloads::set_graph_limits(l); });
}

std::string apply_model_normalisation(workloads::DatasetSpec& d, const workloads::Graph& g,
                                      const std::string& model) {
    const workloads::InputNormalisation& n = g.input_normalisation;
    if (!d.scale && n.scale)
        d.scale = n.scale;
    if (d.mean.empty())
        d.mean = n.mean;
    if (d.std.empty())
        d.std = n.std;
    if (d.channel_order.empty())
        d.channel_order = n.channel_order;
    if (!d.mean.empty() && !d.std.empty())
        return "";
    // The dataset's default fills in: say which, and how to override it.
    workloads::InputNormalisation used = workloads::default_normalisation(d);
    if (d.scale)
        used.scale = d.scale;
    if (!d.mean.empty())
        used.mean = d.mean;
    if (!d.std.empty())
        used.std = d.std;
    if (workloads::is_builtin_model(model)) {
        // A built-in network is built here, not read from a file: there is nothing it could
        // record; the default is the normalisation it is trained with (and its export records).
        return fmt::format(
            "note: built-in model '{}' uses the {} default input normalisation: "
            "{}; override with --dataset.mean/--dataset.std",
            model, d.format, workloads::describe(used));
    }
    const char* missing = n.empty()                         ? "normalisation"
                          : n.mean.empty() && n.std.empty() ? "mean and std"
                          : n.mean.empty()                  ? "mean"
                                                            : "std";
    return fmt::format(
        "note: model '{}' does not record its input {} (ONNX metadata dnsim.input.*, "
        "docs/onnx.md); using the {} default: {}; override with --dataset.mean/--dataset.std",
        model, missing, d.format, workloads::describe(used));
}

}  // namespace dnsim::tb
