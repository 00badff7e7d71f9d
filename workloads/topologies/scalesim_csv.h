// Import of SCALE-Sim topology CSV files (layer name, IFMAP height/width, filter height/width,
// channels, filters, stride) as a conv-only graph for timing studies.
#pragma once

#include <cstdint>
#include <string>

#include "graph/graph.h"

namespace dnsim::workloads {

/// Limits of one file: sizes a timing study can mean, far inside 64-bit arithmetic downstream.
struct ScaleSimLimits {
    /// Elements of one tensor (IFMAP, weights or OFMAP at batch 1): 2^30, 4 GiB as float32.
    std::int64_t tensor_elements = std::int64_t{1} << 30;
    /// Weight elements of all layers together (the graph holds them, as zeros, in memory).
    std::int64_t weight_elements = std::int64_t{1} << 30;
    /// MACs of one layer per image: 2^48, about 2.8 x 10^14 (ResNet-18 has 1.8 x 10^9 in all).
    std::int64_t macs = std::int64_t{1} << 48;
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
