// The check of one ONNX model, shared by the ONNX harnesses (fuzz_onnx: bytes as libFuzzer
// mutates them; fuzz_onnx_structured: models mutated field by field): import_onnx_bytes and the
// per-layer counts `dnsim inspect` prints. Any crash, sanitizer report, uncaught exception or
// error message that is not one line naming the file is a finding (tests/fuzz/findings/,
// docs/reliability.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "workloads/onnx/onnx_io.h"

namespace dnsim::fuzz {

inline void check_onnx_model(const std::uint8_t* data, std::size_t size) {
    static const std::string source = "fuzz.onnx";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        const workloads::Graph g = workloads::import_onnx_bytes(bytes, source);
        g.node_stats();
        g.parameter_count();
    } catch (const ConfigError& e) {
        check_error(e, {&source});
    }
}

}  // namespace dnsim::fuzz
