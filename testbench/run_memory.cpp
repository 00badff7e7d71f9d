#include "testbench/run_memory.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "models/common/checked_math.h"
#include "models/common/config_error.h"
#include "models/common/config_schema.h"
#include "workloads/exec/executor.h"
#include "workloads/exec/kernels.h"

namespace dnsim::tb {

namespace {

constexpr std::int64_t kFloatBytes = 4;
constexpr std::int64_t kMiB = std::int64_t{1} << 20;
std::int64_t g_max_memory_mib = MemoryLimit{}.max_memory_mib;

/// a x b x c bytes; a product past 2^63 saturates (it is above any limit anyway).
std::int64_t bytes(std::int64_t elements, std::int64_t times = 1) {
    const auto e = checked_product({elements, times, kFloatBytes});
    return e ? *e : std::numeric_limits<std::int64_t>::max();
}

/// b x n, saturating like bytes().
std::int64_t times(std::int64_t b, std::int64_t n) {
    const auto e = checked_product({b, n});
    return e ? *e : std::numeric_limits<std::int64_t>::max();
}

std::int64_t sum(std::initializer_list<std::int64_t> parts) {
    std::int64_t s = 0;
    for (const std::int64_t p : parts) {
        const auto r = checked_add(s, p);
        s = r ? *r : std::numeric_limits<std::int64_t>::max();
    }
    return s;
}

double mib(std::int64_t b) {
    return static_cast<double>(b) / static_cast<double>(kMiB);
}

}  // namespace

std::int64_t MemoryEstimate::total_bytes() const {
    return sum({weights_bytes, dataset_bytes, activations_bytes, scratch_bytes, outputs_bytes});
}

std::string MemoryEstimate::describe() const {
    return fmt::format(
        "{:.1f} MiB (weights {:.1f}, dataset {:.1f}, activations {:.1f}, "
        "conv buffers {:.1f}, outputs {:.1f})",
        mib(total_bytes()), mib(weights_bytes), mib(dataset_bytes), mib(activations_bytes),
        mib(scratch_bytes), mib(outputs_bytes));
}

MemoryEstimate estimate_eval_memory(const workloads::GraphFootprint& f, std::int64_t images,
                                    std::int64_t batch, std::int64_t threads,
                                    std::int64_t group_images) {
    const std::int64_t per_call = std::min(batch, images);
    const std::int64_t workers = std::max<std::int64_t>(1, std::min(threads, per_call));
    // Each worker evaluates a group of images at once (Executor::run_batch), at most its share.
    const std::int64_t group = std::clamp<std::int64_t>(
        std::min(group_images, (per_call + workers - 1) / workers), 1, workloads::kExecGroupImages);
    MemoryEstimate m;
    m.weights_bytes = bytes(f.weight_elements);
    m.dataset_bytes = bytes(f.input_elements, images);
    m.activations_bytes = times(bytes(f.peak_live_executor_elements, group), workers);
    m.scratch_bytes =
        times(sum({workloads::kernels::conv_scratch_bytes(f.max_conv_work_elements, group),
                   workloads::kernels::conv_weight_cache_bytes(f.weight_elements, 1)}),
              workers);
    // The call's copy of its images and its stacked outputs.
    m.outputs_bytes = sum({bytes(f.input_elements, per_call), bytes(f.output_elements, per_call)});
    return m;
}

MemoryEstimate estimate_run_memory(const workloads::GraphFootprint& f, std::int64_t images,
                                   std::int64_t batch, std::int64_t threads,
                                   std::int64_t weight_copies, std::int64_t kept_passes) {
    MemoryEstimate m;
    m.weights_bytes = bytes(f.weight_elements, weight_copies);
    if (images == 0)
        return m;
    const std::int64_t job = std::min(batch, images);
    m.dataset_bytes = bytes(f.input_elements, images);
    m.activations_bytes = bytes(f.peak_live_elements, job);
    const std::int64_t workers = std::max<std::int64_t>(1, std::min(threads, job));
    // The packed-weight cache sees the graph's weights (clean pass) and the crossbars' copy.
    m.scratch_bytes =
        times(sum({workloads::kernels::conv_scratch_bytes(f.max_conv_work_elements,
                                                          (job + workers - 1) / workers),
                   workloads::kernels::conv_weight_cache_bytes(f.weight_elements, 2)}),
              workers);
    m.outputs_bytes = bytes(f.output_elements, times(images, kept_passes));
    return m;
}

std::int64_t run_weight_copies(bool values, bool timing_only, std::int64_t slices) {
    const std::int64_t loaded = values ? 1 : 0;
    return timing_only ? loaded : loaded + 1 + slices;
}

std::int64_t max_memory_mib() {
    return g_max_memory_mib;
}
void set_max_memory_mib(std::int64_t v) {
    g_max_memory_mib = v;
}

const config::KeySet<MemoryLimit>& MemoryLimit::keys() {
    static const config::KeySet<MemoryLimit> k = [] {
        config::KeySet<MemoryLimit> s;
        s.add("run.max_memory_mib", &MemoryLimit::max_memory_mib)
            .range(std::int64_t{1}, std::int64_t{1} << 40)
            .doc_unit("MiB")
            .help(
                "most memory a run may need, estimated from the model's shapes and the run's "
                "settings before any work starts")
            .origin(config::ours("16 GiB: a workstation; docs/reliability.md"));
        return s;
    }();
    return k;
}

void bind_memory_limit(ConfigBinder& b) {
    b.bind_global<MemoryLimit>(
        MemoryLimit::keys(), [] { return MemoryLimit{g_max_memory_mib}; },
        [](const MemoryLimit& m) { g_max_memory_mib = m.max_memory_mib; });
}

void check_memory(const MemoryEstimate& m, const std::string& what, const std::string& advice) {
    const std::int64_t limit = g_max_memory_mib * kMiB;
    if (m.total_bytes() > limit) {
        throw ConfigError("run.max_memory_mib",
                          fmt::format("'{}' would need about {}, more than run.max_memory_mib = "
                                      "{} MiB; {}, or raise run.max_memory_mib",
                                      what, m.describe(), g_max_memory_mib, advice));
    }
}

}  // namespace dnsim::tb
