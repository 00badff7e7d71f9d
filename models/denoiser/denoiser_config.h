// Parameters of the denoiser accelerator (defaults from ../shared/design/hardware-defaults.md,
// documented in docs/denoiser.md) and of one block run (shape, ratio, formats). Their keys
// (denoiser.*, weight_sram.*, activation_sram.*, block.*), with ranges and sources, are
// declared once in each struct's keys() (denoiser_config.cpp; docs/keys.md).
#pragma once

#include <cstdint>
#include <string>

#include "models/common/fixed_point.h"

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::denoiser {

/// One on-chip SRAM. Bandwidth = banks x ports x width_bits / 16 words per cycle.
struct SramConfig {
    std::uint64_t size_bytes = 64 * 1024;  ///< capacity, bytes
    unsigned width_bits = 128;             ///< word line width, bits (multiple of 16)
    unsigned banks = 4;                    ///< independently addressed banks
    unsigned ports = 1;                    ///< accesses per bank per cycle

    std::uint64_t size_words() const { return size_bytes / 2; }
    std::uint64_t words_per_cycle() const {
        return std::uint64_t{banks} * ports * (width_bits / 16U);
    }
    /// Throws ConfigError naming `prefix`.<key>.
    void validate(const std::string& prefix) const;
    /// size_bytes, width_bits, banks, ports (DenoiserConfig::keys() puts them under
    /// weight_sram. and activation_sram.).
    static const config::KeySet<SramConfig>& keys();
};

/// The accelerator: fixed at elaboration.
struct DenoiserConfig {
    double clock_mhz = 500.0;                    ///< MHz (paper: 45 nm NanGate, 500 MHz)
    unsigned cores = 10;                         ///< conv cores (paper: 10)
    unsigned array_rows = 3;                     ///< systolic array rows R_a (paper: 3x3)
    unsigned array_cols = 3;                     ///< systolic array columns C_a
    unsigned lanes = 4;                          ///< noise-cancellation lanes (paper: 4)
    unsigned box_muller_latency_cycles = 16;     ///< UNC pipeline depth (Lee et al. 2006)
    unsigned lane_post_latency_cycles = 3;       ///< sqrt, z*sigma+mu, subtract stages
    unsigned leaky_relu_elements_per_cycle = 8;  ///< LeakyReLU unit width, elements/cycle
    unsigned interface_words_per_cycle = 8;      ///< external interface, 16-bit words/cycle
    unsigned interface_latency_cycles = 8;       ///< per burst over the external interface
    unsigned register_access_cycles = 1;         ///< per register read/write
    /// Two X tile buffers in the activation SRAM: the next tile's load and the previous tile's
    /// store run on the external interface while this tile computes (docs/denoiser.md).
    bool dma_double_buffer = false;
    /// Shadow stationary registers in the systolic arrays: a core's next fold loads while the
    /// current one streams and drains (docs/denoiser.md).
    bool fold_pipelining = false;
    SramConfig weight_sram{64 * 1024, 128, 4, 1};
    SramConfig activation_sram{256 * 1024, 128, 8, 1};

    void validate() const;
    /// The denoiser.*, weight_sram.* and activation_sram.* keys.
    static const config::KeySet<DenoiserConfig>& keys();
};

/// Per-block settings the host writes into the register file.
struct BlockFormat {
    double bottleneck_ratio = 0.25;  ///< C_r = round(C x ratio) (paper: 1/4)
    int activation_frac_bits = 8;    ///< activations, biases, mean, variance: Q(15-F).F
    int weight_frac_bits = 12;       ///< weights: Q(15-F).F
    int leaky_shift = 7;             ///< LeakyReLU negative slope = 2^-leaky_shift

    FixedFormat activation() const { return FixedFormat(activation_frac_bits); }
    FixedFormat weight() const { return FixedFormat(weight_frac_bits); }
    double leaky_slope() const;
    void validate() const;
    /// The block.* keys of the format.
    static const config::KeySet<BlockFormat>& keys();
};

/// C x H x W of the tensor a block denoises.
struct BlockShape {
    unsigned channels = 64;
    unsigned height = 56;
    unsigned width = 56;

    std::uint64_t elements() const { return std::uint64_t{channels} * height * width; }
    std::uint64_t pixels() const { return std::uint64_t{height} * width; }
    /// Throws ConfigError naming channels/height/width (each 1..65535).
    void validate() const;
    /// block.channels, block.height, block.width.
    static const config::KeySet<BlockShape>& keys();
};

/// The ratio as held in the RATIO register: Q0.16 (0x10000 = 1.0), rounded to nearest.
std::uint32_t ratio_to_q16(double ratio);

/// Bottleneck channels C_r = round(C x ratio), the ratio taken as Q0.16 like the register.
/// Throws ConfigError("block.bottleneck_ratio") if that leaves no channel.
unsigned reduced_channels(const BlockShape& shape, double ratio);

}  // namespace dnsim::denoiser
