// What a graph needs in memory to run, from its shapes alone: weights, the largest set of
// activations alive at once and the largest im2col buffer, per image. The studies turn it into
// an estimate of a whole run (images, batch, threads) and refuse a run that would need more
// than run.max_memory_mib before any work starts (docs/reliability.md).
#pragma once

#include <cstdint>
#include <string>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

struct GraphFootprint {
    std::int64_t weight_elements = 0;     ///< all initializers
    std::int64_t input_elements = 0;      ///< graph inputs, one image
    std::int64_t output_elements = 0;     ///< graph outputs, one image
    std::int64_t peak_live_elements = 0;  ///< most activations alive at once, one image
    /// The same walk for the float executor, which may hold an image tensor (rank 4) in two
    /// layouts at once: NCHW and channels-last with a border of kChannelsLastBorder = 1 pixel
    /// (workloads/exec/kernels.h). Each such tensor counts as both, an upper bound.
    std::int64_t peak_live_executor_elements = 0;
    std::string peak_node;                 ///< the node at which that peak is reached
    std::int64_t max_im2col_elements = 0;  ///< largest Conv im2col matrix, one image
    /// Largest of a Conv's patch matrix (where conv2d packs one), output and zero-bordered
    /// input, one image and group (what conv2d's per-thread buffers scale with;
    /// kernels::conv_scratch_bytes).
    std::int64_t max_conv_work_elements = 0;
};

/// Walks the nodes in order, as the executor and the replay do (an activation is freed after
/// its last reader). Element counts are overflow-checked (ConfigError naming the graph).
GraphFootprint graph_footprint(const Graph& g);

}  // namespace dnsim::workloads
