// The memory a study would need, estimated from the graph's shapes and the run's settings
// before any work starts, and checked against run.max_memory_mib (docs/reliability.md). The
// estimate counts the large buffers (weights, dataset, activations, convolution buffers, kept
// outputs) as float32; bookkeeping and the program itself (tens of MiB) are left out.
#pragma once

#include <cstdint>
#include <string>

#include "testbench/config_binder.h"
#include "workloads/graph/footprint.h"

namespace dnsim::tb {

struct MemoryEstimate {
    std::int64_t weights_bytes = 0;      ///< every copy of the weights the study holds
    std::int64_t dataset_bytes = 0;      ///< the images, as loaded
    std::int64_t activations_bytes = 0;  ///< activations alive at once, all workers together
    std::int64_t scratch_bytes = 0;      ///< convolution buffers, all workers together
    std::int64_t outputs_bytes = 0;      ///< outputs kept (logits, batch copies)
    std::int64_t total_bytes() const;
    /// "1234.5 MiB (weights 40.1, dataset 29.9, ...)" for messages and inspect.
    std::string describe() const;
};

/// `dnsim eval`: the float executor over `images` images, `batch` per call, `threads` workers
/// each evaluating `group` images at once (workloads::exec_group of the graph).
MemoryEstimate estimate_eval_memory(const workloads::GraphFootprint& f, std::int64_t images,
                                    std::int64_t batch, std::int64_t threads, std::int64_t group);

/// `dnsim run`: the platform replay; jobs of `batch` images (all their activations alive at
/// once, split over the workers, each with its convolution buffers),
/// `weight_copies` copies of the weights (run_weight_copies; one chip's at a time, whatever
/// run.chips), the logits of `kept_passes` passes (0 without --save-logits). `images` 0: a
/// timing-only run, which holds no data.
MemoryEstimate estimate_run_memory(const workloads::GraphFootprint& f, std::int64_t images,
                                   std::int64_t batch, std::int64_t threads,
                                   std::int64_t weight_copies, std::int64_t kept_passes);

/// Copies of the weights a replay holds: as loaded (none when `values` is false: a built-in model
/// of a timing-only run holds their shapes only) and, for the accuracy passes (not
/// `timing_only`), as programmed into the noisy crossbars, plus one per bit slice of the cells at
/// the bit-sliced fidelity (`slices`, 0 otherwise).
std::int64_t run_weight_copies(bool values, bool timing_only, std::int64_t slices);

/// run.max_memory_mib, a process-wide setting (max_memory_mib()).
struct MemoryLimit {
    std::int64_t max_memory_mib = 16384;  ///< MiB
    static const config::KeySet<MemoryLimit>& keys();
};

/// The limit, in MiB (run.max_memory_mib).
std::int64_t max_memory_mib();
void set_max_memory_mib(std::int64_t mib);
/// Binds run.max_memory_mib.
void bind_memory_limit(ConfigBinder& b);

/// Throws ConfigError naming run.max_memory_mib and `what` (the model) when the estimate
/// is above the limit; `advice` says which settings lower it.
void check_memory(const MemoryEstimate& m, const std::string& what, const std::string& advice);

}  // namespace dnsim::tb
