// Import of SCALE-Sim topology CSV files (layer name, IFMAP height/width, filter height/width,
// channels, filters, stride) as a conv-only graph for timing studies.
#pragma once

#include <string>

#include "graph/graph.h"

namespace dnsim::workloads {

/// Each CSV row becomes a Conv node named after the layer, with its own graph input
/// "<layer>.ifmap" of shape N x channels x height x width (SCALE-Sim's IFMAP size already
/// includes any padding, so pads are 0) and its output as a graph output. The weights are zero:
/// the graph is for timing, not accuracy. Throws ConfigError naming the file and line for
/// malformed rows.
Graph import_scalesim_csv(const std::string& path);

}  // namespace dnsim::workloads
