// Validation of the denoiser configuration: every message names the key and accepted range.
#include "denoiser_config.h"

#include <cmath>

#include "common/config_error.h"

namespace dnsim::denoiser {

void SramConfig::validate(const std::string& prefix) const {
    require_range<std::uint64_t>(prefix + ".size_bytes", size_bytes, 64, std::uint64_t{1} << 32,
                                 " bytes");
    require_range(prefix + ".width_bits", width_bits, 16U, 1024U, " bits");
    if (width_bits % 16 != 0) {
        throw ConfigError(prefix + ".width_bits",
                          fmt::format("{} bits is not a multiple of the 16-bit word", width_bits));
    }
    require_range(prefix + ".banks", banks, 1U, 64U);
    require_range(prefix + ".ports", ports, 1U, 4U);
    if (size_bytes % (std::uint64_t{banks} * (width_bits / 8U)) != 0) {
        throw ConfigError(prefix + ".size_bytes",
                          fmt::format("{} bytes is not a whole number of rows across {} banks of "
                                      "{}-bit words",
                                      size_bytes, banks, width_bits));
    }
}

void DenoiserConfig::validate() const {
    if (!std::isfinite(clock_mhz) || clock_mhz < 1.0 || clock_mhz > 10000.0) {
        throw ConfigError(
            "denoiser.clock_mhz",
            fmt::format("{} MHz is out of range; accepted: 1 to 10000 MHz", clock_mhz));
    }
    require_range("denoiser.cores", cores, 1U, 256U);
    require_range("denoiser.array_rows", array_rows, 1U, 64U);
    require_range("denoiser.array_cols", array_cols, 1U, 64U);
    require_range("denoiser.lanes", lanes, 1U, 64U);
    require_range("denoiser.box_muller_latency_cycles", box_muller_latency_cycles, 1U, 1000U,
                  " cycles");
    require_range("denoiser.lane_post_latency_cycles", lane_post_latency_cycles, 0U, 1000U,
                  " cycles");
    require_range("denoiser.leaky_relu_elements_per_cycle", leaky_relu_elements_per_cycle, 1U,
                  1024U);
    require_range("denoiser.interface_words_per_cycle", interface_words_per_cycle, 1U, 1024U);
    require_range("denoiser.interface_latency_cycles", interface_latency_cycles, 0U, 100000U,
                  " cycles");
    require_range("denoiser.register_access_cycles", register_access_cycles, 0U, 1000U, " cycles");
    weight_sram.validate("weight_sram");
    activation_sram.validate("activation_sram");
}

double BlockFormat::leaky_slope() const {
    return std::ldexp(1.0, -leaky_shift);
}

void BlockFormat::validate() const {
    if (!std::isfinite(bottleneck_ratio) || bottleneck_ratio <= 0.0 || bottleneck_ratio > 1.0) {
        throw ConfigError(
            "block.bottleneck_ratio",
            fmt::format("{} is out of range; accepted: 0 < ratio <= 1", bottleneck_ratio));
    }
    require_range("block.activation_frac_bits", activation_frac_bits, 0, 15, " bits");
    require_range("block.weight_frac_bits", weight_frac_bits, 0, 15, " bits");
    require_range("block.leaky_shift", leaky_shift, 0, 15, " bits");
}

void BlockShape::validate() const {
    require_range("block.channels", channels, 1U, 65535U);
    require_range("block.height", height, 1U, 65535U);
    require_range("block.width", width, 1U, 65535U);
}

std::uint32_t ratio_to_q16(double ratio) {
    return static_cast<std::uint32_t>(std::llround(ratio * 65536.0));
}

unsigned reduced_channels(const BlockShape& shape, double ratio) {
    const std::uint64_t cr = (std::uint64_t{shape.channels} * ratio_to_q16(ratio) + 32768U) >> 16U;
    if (cr < 1) {
        throw ConfigError("block.bottleneck_ratio",
                          fmt::format("{} leaves no bottleneck channel for {} channels; accepted: "
                                      "ratio >= 1/(2 x channels) = {:.6g}",
                                      ratio, shape.channels, 0.5 / shape.channels));
    }
    return static_cast<unsigned>(cr);
}

}  // namespace dnsim::denoiser
