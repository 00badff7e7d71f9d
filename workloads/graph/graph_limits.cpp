// The model.* keys, declared once: what a loaded model may declare.
#include <limits>

#include "models/common/config_schema.h"
#include "workloads/graph/graph.h"

namespace dnsim::workloads {

const config::KeySet<GraphLimits>& GraphLimits::keys() {
    static const config::KeySet<GraphLimits> k = [] {
        using config::ours;
        config::KeySet<GraphLimits> s;
        const std::int64_t most = std::numeric_limits<std::int64_t>::max();
        s.add("model.max_tensor_elements", &GraphLimits::max_tensor_elements)
            .range(std::int64_t{1}, most)
            .help(
                "largest tensor a model may declare, elements per image (a guard against "
                "malformed or hostile files; raise it for very large models)")
            .origin(ours("2^28: 1 GiB of float32, 50x the largest activation of the built-in "
                         "networks at 224x224"));
        s.add("model.max_macs_per_image", &GraphLimits::max_macs_per_image)
            .range(std::int64_t{1}, most)
            .help("most multiply-accumulates per image a model may declare")
            .origin(ours("10^12: 500x ResNet-18 at 224x224"));
        return s;
    }();
    return k;
}

}  // namespace dnsim::workloads
