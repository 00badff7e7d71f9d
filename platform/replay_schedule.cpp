// Passes and jobs of a replay.
#include "platform/replay_schedule.h"

#include <algorithm>
#include <map>

#include "models/common/config_error.h"

namespace dnsim::platform {

using workloads::Dims;
using workloads::Graph;
using workloads::Node;

std::vector<Pass> make_passes(const PassSeeds& seeds, bool denoisers, PassSelection selected) {
    std::vector<Pass> passes;
    if (selected.clean)
        passes.push_back({"clean", false, false, seeds.seed, std::nullopt});
    for (unsigned c = 0; c < seeds.chips; ++c) {
        const ChipId chip{c, seeds.chip_seed + c};
        for (unsigned k = 0; k < seeds.seeds; ++k) {
            const std::uint64_t seed = seeds.seed + static_cast<std::uint64_t>(c) * seeds.seeds + k;
            if (selected.noisy)
                passes.push_back({"noisy", true, false, seed, chip});
            if (denoisers && selected.denoised)
                passes.push_back({"denoised", true, true, seed, chip});
        }
    }
    return passes;
}

Schedule make_schedule(const Graph& g, const ReplayPlan& plan, std::int64_t images,
                       const PassSeeds& seeds, std::int64_t batch, PassSelection selected) {
    Schedule s;
    s.jobs.push_back({1, -1, 0});
    if (images == 0)
        return s;  // timing only: the timing job alone
    s.passes = make_passes(seeds, plan.denoisers > 0, selected);
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

}  // namespace dnsim::platform
