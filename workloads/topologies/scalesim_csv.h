// Import of SCALE-Sim topology CSV files (layer name, IFMAP height/width, filter height/width,
// channels, filters, stride) as a conv-only graph for timing studies.
#pragma once

#include <cstdint>
#include <string>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

/// Limits of one file, checked row by row before anything is allocated. The first two are the
/// model limits every loaded graph meets (GraphLimits: model.max_tensor_elements and
/// model.max_macs_per_image, as set when the limits are made); here they name the row and fields.
struct ScaleSimLimits {
    /// Elements of one tensor (IFMAP, weights or OFMAP at batch 1).
    std::int64_t tensor_elements = graph_limits().max_tensor_elements;
    /// MACs per image of one layer (Graph::validate checks the sum over the layers).
    std::int64_t macs = graph_limits().max_macs_per_image;
    /// Weight elements of all layers together (the graph holds them, as zeros, in memory): 2^30.
    std::int64_t weight_elements = std::int64_t{1} << 30;
    /// Layer rows of one file.
    std::int64_t rows = 100000;
};
/// The most bytes of a topology file read.
inline constexpr std::int64_t kScaleSimMaxFileBytes = std::int64_t{16} << 20;

/// Each CSV row becomes a Conv node named after the layer, with its own graph input
/// "<layer>.ifmap" of shape N x channels x height x width (SCALE-Sim's IFMAP size already
/// includes any padding, so pads are 0) and its output as a graph output. The weights are zero:
/// the graph is for timing, not accuracy. Throws ConfigError naming the file and line for
/// malformed rows, and the row and fields of sizes beyond `limits`. Only a regular file of at
/// most kScaleSimMaxFileBytes is read.
Graph import_scalesim_csv(const std::string& path, const ScaleSimLimits& limits = {});

/// The same for CSV text held in memory; `source` names it in errors, `name` is the graph's.
Graph import_scalesim_csv_text(const std::string& text, const std::string& source,
                               const std::string& name, const ScaleSimLimits& limits = {});

}  // namespace dnsim::workloads
