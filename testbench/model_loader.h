// Resolves the MODEL argument of the dnsim commands: an .onnx file, a SCALE-Sim topology .csv,
// or the name of a built-in topology.
#pragma once

#include <string>

#include "workloads/graph/graph.h"

namespace dnsim::tb {

/// Loads `model`; `key` names the option in errors (e.g. "model"). A model with a node, tensor,
/// input or output name that is not valid UTF-8 is refused (ConfigError naming the node):
/// ONNX names are UTF-8 strings, and dnsim writes them into CSV, JSON and ONNX files. A built-in
/// model is built with `weights` (ShapesOnly for a timing study); files keep their values.
workloads::Graph load_model(const std::string& model, const std::string& key = "model",
                            workloads::Weights weights = workloads::Weights::Drawn);

/// Throws ConfigError(`key`) naming the first node, tensor, input or output of `g` whose name
/// is not valid UTF-8; `model` names the model.
void check_names_utf8(const workloads::Graph& g, const std::string& model, const std::string& key);

/// The directory of the shipped trained models: $DNSIM_MODELS_DIR when set, else the
/// source tree's workloads/models (fixed at configure time).
std::string shipped_models_dir();

/// The model `dnsim run` replays when no MODEL is given: the shipped denoised ResNet-18-28
/// (budget 4 %, trained at sigma 6 %). Throws ConfigError("model") when the file is missing.
std::string default_run_model();

}  // namespace dnsim::tb
