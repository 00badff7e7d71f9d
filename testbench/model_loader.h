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

/// The main job, `dnsim run` without MODEL: the shipped ResNet-18-28 with the denoisers trained
/// at the noise where noise costs it about 5 points (k = 0.20), replayed with the keys of
/// kMainJobConfig (that noise) under whatever the command line, --config and --preset give.
inline constexpr const char* kMainJobModel = "resnet18_28_denoised_k20.onnx";
inline constexpr const char* kMainJobConfig = "main-job.ini";

/// The main job's model in shipped_models_dir(). Throws ConfigError("model") when missing.
std::string default_run_model();

/// The model of a sweep study of `run` that names none: the shipped ResNet-18-28 denoised at
/// the paper's 6 % (a study sets its own noise; it does not read main-job.ini). Throws
/// ConfigError("model") when missing.
inline constexpr const char* kStudyDefaultModel = "resnet18_28_denoised.onnx";
std::string default_study_model();

/// The main job's settings file in shipped_models_dir(). Throws ConfigError("model") when
/// missing.
std::string main_job_config();

}  // namespace dnsim::tb
