// libFuzzer harness: ONNX model bytes through import_onnx_bytes and the per-layer counts
// `dnsim inspect` prints. Findings are recorded in tests/fuzz/findings/ and docs/reliability.md.
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "onnx/onnx_io.h"

using namespace dnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string source = "fuzz.onnx";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        const workloads::Graph g = workloads::import_onnx_bytes(bytes, source);
        g.node_stats();
        g.parameter_count();
    } catch (const ConfigError& e) {
        fuzz::check_error(e, {&source});
    }
    return 0;
}
