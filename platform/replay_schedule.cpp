// Passes and jobs of a replay.
#include "platform/replay_schedule.h"

#include <algorithm>
#include <map>

#include "models/common/config_error.h"

namespace dnsim::platform {

using workloads::Dims;
using workloads::Graph;
using workloads::Node;

Schedule make_schedule(const Graph& g, const ReplayPlan& plan, std::int64_t images,
                       std::uint64_t seed, unsigned seeds, std::int64_t batch) {
    Schedule s;
    s.jobs.push_back({1, -1, 0});
    if (images == 0)
        return s;  // timing only: the timing job alone
    s.passes.push_back({"clean", false, false, seed});
    for (unsigned k = 0; k < seeds; ++k) {
        s.passes.push_back({"noisy", true, false, seed + k});
        if (plan.denoisers > 0)
            s.passes.push_back({"denoised", true, true, seed + k});
    }
    // A graph whose tensors do not all keep the images along dimension 0 (a transformer's
    // token-major layout, a model exported for a fixed batch) is replayed one image per job.
    const std::int64_t job_batch = images_along_dim0(g) ? batch : 1;
    for (std::size_t p = 0; p < s.passes.size(); ++p) {
        for (std::int64_t first = 0; first < images; first += job_batch) {
            const auto count = static_cast<std::uint32_t>(std::min(job_batch, images - first));
            s.jobs.push_back({count, static_cast<int>(p), first});
        }
    }
    s.images = images * static_cast<std::int64_t>(s.passes.size());
    return s;
}

bool images_along_dim0(const Graph& g) {
    if (g.inputs.size() != 1 || g.inputs[0].dims.empty() ||
        (g.inputs[0].dims[0] != -1 && g.inputs[0].dims[0] != 1))
        return false;
    std::map<std::string, Dims> one;
    std::map<std::string, Dims> two;
    for (const auto& [name, t] : g.initializers) {
        one[name] = t.dims;
        two[name] = t.dims;
    }
    Dims d = g.inputs[0].dims;
    d[0] = 1;
    one[g.inputs[0].name] = d;
    d[0] = 2;
    two[g.inputs[0].name] = d;
    try {
        std::vector<Dims> in1;
        std::vector<Dims> in2;
        for (const Node& n : g.nodes) {
            in1.clear();
            in2.clear();
            for (const auto& t : n.inputs) {
                in1.push_back(one.at(t));
                in2.push_back(two.at(t));
            }
            const Dims a = workloads::infer_node_shape(g, n, in1, 1);
            Dims b = workloads::infer_node_shape(g, n, in2, 2);
            if (a.empty() || b[0] != 2 * a[0])
                return false;
            one[n.outputs[0]] = a;
            two[n.outputs[0]] = b;
            b[0] = a[0];
            if (a != b)
                return false;
        }
    } catch (const ConfigError&) {
        return false;
    }
    return true;
}

}  // namespace dnsim::platform
