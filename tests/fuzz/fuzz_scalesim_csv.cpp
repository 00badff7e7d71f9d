// libFuzzer harness: SCALE-Sim topology CSV text, then the per-layer counts `dnsim inspect`
// prints (which must not overflow for any graph the import accepts).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_common.h"
#include "workloads/topologies/scalesim_csv.h"

using namespace dnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string source = "fuzz.csv";
    // Small limits keep each run fast (the checks are the same at any size).
    workloads::ScaleSimLimits limits;
    limits.tensor_elements = 1 << 20;
    limits.weight_elements = 1 << 16;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const workloads::Graph g =
            workloads::import_scalesim_csv_text(text, source, "fuzz", limits);
        std::int64_t macs = 0;
        for (const auto& s : g.node_stats()) {
            if (s.macs < 0 || __builtin_add_overflow(macs, s.macs, &macs))
                std::abort();
        }
        if (g.parameter_count() < 0)
            std::abort();
    } catch (const ConfigError& e) {
        fuzz::check_error(e, {&source});
    }
    return 0;
}
