// Resolves the MODEL argument of the dnsim commands: an .onnx file, a SCALE-Sim topology .csv,
// or the name of a built-in topology.
#pragma once

#include <string>

#include "graph/graph.h"

namespace dnsim::tb {

/// Loads `model`; `key` names the option in errors (e.g. "model").
workloads::Graph load_model(const std::string& model, const std::string& key = "model");

}  // namespace dnsim::tb
