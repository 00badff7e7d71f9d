// libFuzzer harness: ONNX model bytes through import_onnx_bytes and the per-layer counts
// `dnsim inspect` prints. workloads/onnx and workloads/graph are not changed for what this
// finds: findings are recorded in tests/fuzz/findings/ and docs/reliability.md, and the known
// ones are stepped around here so that the fuzzer keeps looking for new ones.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <onnx/onnx_pb.h>

#include "common/checked_math.h"
#include "fuzz_common.h"
#include "onnx/onnx_io.h"

using namespace dnsim;

namespace {

bool overflows(const google::protobuf::RepeatedField<std::int64_t>& dims) {
    return !checked_product(dims.begin(), dims.end()).has_value();
}

bool overflows(const onnx::ValueInfoProto& v) {
    std::int64_t n = 1;
    for (const auto& d : v.type().tensor_type().shape().dim()) {
        if (__builtin_mul_overflow(n, d.dim_value(), &n))
            return true;
    }
    return false;
}

/// Known finding onnx-2: the import multiplies the dimensions of tensors and shapes without
/// checking for overflow (workloads/graph/tensor.cpp numel, signed overflow). Models with such
/// shapes are skipped until it is fixed.
bool known_finding_onnx_2(const std::string& bytes) {
    onnx::ModelProto m;
    if (!m.ParseFromString(bytes))
        return false;
    const onnx::GraphProto& g = m.graph();
    for (const auto& t : g.initializer()) {
        if (overflows(t.dims()))
            return true;
    }
    for (const auto& n : g.node()) {
        for (const auto& a : n.attribute()) {
            if (a.has_t() && overflows(a.t().dims()))
                return true;
            for (const auto& t : a.tensors()) {
                if (overflows(t.dims()))
                    return true;
            }
        }
    }
    for (const auto* list : {&g.input(), &g.output(), &g.value_info()}) {
        for (const auto& v : *list) {
            if (overflows(v))
                return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string source = "fuzz.onnx";
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    // DNSIM_FUZZ_KNOWN=1 runs the known findings too (to reproduce them).
    static const bool skip_known = std::getenv("DNSIM_FUZZ_KNOWN") == nullptr;
    if (skip_known && known_finding_onnx_2(bytes))
        return 0;
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
