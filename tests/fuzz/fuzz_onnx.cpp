// libFuzzer harness: ONNX model bytes through import_onnx_bytes and the per-layer counts
// `dnsim inspect` prints. workloads/onnx and workloads/graph are not changed for what this
// finds: findings are recorded in tests/fuzz/findings/ and docs/reliability.md, and the open
// ones are stepped around here so that the fuzzer keeps looking for new ones.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_common.h"
#include "onnx/onnx_io.h"

using namespace dnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string source = "fuzz.onnx";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    // DNSIM_FUZZ_KNOWN=1 checks the known findings too (to reproduce them).
    static const bool skip_known = std::getenv("DNSIM_FUZZ_KNOWN") == nullptr;
    try {
        const workloads::Graph g = workloads::import_onnx_bytes(bytes, source);
        g.node_stats();
        g.parameter_count();
    } catch (const ConfigError& e) {
        // Known finding onnx-1: names from the model are echoed raw, so a name with a newline
        // makes a message of several lines. Not checked until the import escapes them; every
        // other kind of finding still fails.
        fuzz::check_error(e, {&source}, !skip_known);
    }
    return 0;
}
