// MX-CGRA configuration validation.
#include "cgra/cgra_config.h"

#include <fmt/format.h>

#include "common/config_error.h"
#include "common/config_text.h"

namespace dnsim::cgra {

void CgraConfig::validate() const {
    require_range("cgra.clock_mhz", clock_mhz, 1.0, 10000.0, " MHz");
    const AnalogConfig& a = analog;
    require_range("cgra.crossbar_rows", a.crossbar_rows, 1u, 4096u);
    require_range("cgra.crossbar_cols", a.crossbar_cols, 1u, 4096u);
    require_range("cgra.bits_per_cell", a.bits_per_cell, 1u, 8u);
    require_range("cgra.weight_bits", a.weight_bits, 1u, 32u);
    require_range("cgra.input_bits", a.input_bits, 1u, 32u);
    require_range("cgra.dac_bits", a.dac_bits, 1u, a.input_bits);
    require_range("cgra.adc_bits", a.adc_bits, 1u, 16u);
    require_range("cgra.pass_ns", a.pass_ns, 0.001, 1e6, " ns");
    require_range("cgra.pipeline_fill_passes", a.pipeline_fill_passes, 0u, 64u);
    require_range("cgra.crossbars", a.crossbars, 1u, 100000000u);
    require_range("cgra.replication", a.replication, 1u, 1000000u);
    require_range("cgra.digital_tiles", digital.tiles, 1u, 100000u);
    require_range("cgra.digital_lanes_per_tile", digital.lanes_per_tile, 1u, 4096u);
    require_range("cgra.digital_macs_per_tile", digital.macs_per_tile, 1u, 4096u);
    require_range("cgra.scratchpad_words_per_cycle", digital.scratchpad_words_per_cycle, 1u,
                  65536u);
}

DepthwiseMapping parse_depthwise_mapping(const std::string& key, const std::string& text) {
    if (text == "digital")
        return DepthwiseMapping::Digital;
    if (text == "block_diagonal")
        return DepthwiseMapping::BlockDiagonal;
    throw ConfigError(key,
                      fmt::format("'{}' is not one of digital, block_diagonal", printable(text)));
}

ReplicationPolicy parse_replication_policy(const std::string& key, const std::string& text) {
    if (text == "uniform")
        return ReplicationPolicy::Uniform;
    if (text == "balanced")
        return ReplicationPolicy::Balanced;
    throw ConfigError(key, fmt::format("'{}' is not one of uniform, balanced", printable(text)));
}

const char* to_string(DepthwiseMapping m) {
    return m == DepthwiseMapping::Digital ? "digital" : "block_diagonal";
}

const char* to_string(ReplicationPolicy p) {
    return p == ReplicationPolicy::Uniform ? "uniform" : "balanced";
}

}  // namespace dnsim::cgra
