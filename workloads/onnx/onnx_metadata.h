// dnsim's input normalisation in an ONNX model's metadata_props (docs/onnx.md, "Input
// normalisation"): the keys below, written on export and read on import, so that a model's
// preprocessing travels with it.
#pragma once

#include <string>

#include "workloads/graph/graph.h"

namespace onnx {
class ModelProto;
}

namespace dnsim::workloads {

inline constexpr const char* kMetaInputScale = "dnsim.input.scale";  ///< "1/255"
inline constexpr const char* kMetaInputMean = "dnsim.input.mean";    ///< "0.286" or "a,b,c"
inline constexpr const char* kMetaInputStd = "dnsim.input.std";      ///< "0.353" or "a,b,c"
inline constexpr const char* kMetaInputChannelOrder = "dnsim.input.channel_order";  ///< "gray"

/// Reads the dnsim.input.* entries of `model`'s metadata_props for the imported graph `g`.
/// Throws ConfigError naming `source` and the key for a malformed value, an unknown
/// dnsim.input.* key, a key given twice, or values that do not fit the input's channels.
InputNormalisation read_input_normalisation(const onnx::ModelProto& model, const Graph& g,
                                            const std::string& source);

/// Writes the recorded parts of `n` as dnsim.input.* entries, replacing earlier ones and
/// keeping every other metadata entry.
void write_input_normalisation(const InputNormalisation& n, onnx::ModelProto& model);

}  // namespace dnsim::workloads
