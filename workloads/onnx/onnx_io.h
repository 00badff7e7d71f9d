// ONNX import and export of the graph IR through Debian's libonnx (protobuf). Import accepts
// default-domain opsets 11 to 17 and dnsim's own domain "ai.dnsim" (the Denoiser node);
// anything else is an error naming the node and op. See docs/onnx.md.
#pragma once

#include <string>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

/// Domain and version of dnsim's own ops (the denoiser block).
inline constexpr const char* kDnsimDomain = "ai.dnsim";
inline constexpr int kDnsimDomainVersion = 1;
/// Opset the exporter writes.
inline constexpr int kExportOpset = 17;
inline constexpr int kMinImportOpset = 11;
inline constexpr int kMaxImportOpset = 17;

/// Graph inputs to freeze: input name -> file holding a serialised onnx.TensorProto. A frozen
/// input becomes a constant, as if it were an initializer (used for shape operands and clip
/// bounds that a model passes as inputs).
using FrozenInputs = std::map<std::string, std::string>;

/// Reads an ONNX model. Throws ConfigError (UnsupportedError for constructs dnsim does not
/// support) naming the file, and the node and op where one is at fault.
Graph import_onnx(const std::string& path, const FrozenInputs& frozen = {});

/// Parses an ONNX model held in memory; `source` names it in errors.
Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const FrozenInputs& frozen = {});

/// Serialises a graph to ONNX (opset 17; denoiser nodes in domain ai.dnsim).
std::string export_onnx_bytes(const Graph& graph);

/// Writes export_onnx_bytes(graph) to `path` atomically (no half-written file).
void export_onnx(const Graph& graph, const std::string& path);

/// Reads a serialised onnx.TensorProto (the backend test data format) as a float tensor.
Tensor read_onnx_tensor(const std::string& path);

}  // namespace dnsim::workloads
