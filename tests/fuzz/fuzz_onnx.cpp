// libFuzzer harness: ONNX model bytes through import_onnx_bytes and the per-layer counts
// `dnsim inspect` prints (fuzz_onnx_input.h), mutated byte by byte by libFuzzer.
#include <cstdint>

#include "fuzz_onnx_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dnsim::fuzz::check_onnx_model(data, size);
    return 0;
}
