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

/// Where an SRAM's cells are while the denoiser is idle under power gating (docs/energy.md):
/// retention keeps the content at a reduced supply, gated cuts the supply and loses it.
enum class SramIdleState { retention, gated };

/// Power gating of the denoiser between uses (docs/energy.md, "Power states").
enum class PowerGating {
    always_on,           ///< logic and SRAMs on for the whole inference
    between_blocks,      ///< on while a block runs; logic gated, SRAMs in their idle state between
    between_inferences,  ///< on for an inference that runs blocks, gated between inferences
    logic_only,          ///< the accounting before issue 16: logic ideally gated, SRAMs always on
};
const char* to_string(PowerGating g);
const char* to_string(SramIdleState s);

/// One on-chip SRAM. Bandwidth = banks x ports x width_bits / 16 words per cycle.
struct SramConfig {
    std::uint64_t size_bytes = 64 * 1024;  ///< capacity, bytes
    unsigned width_bits = 128;             ///< word line width, bits (multiple of 16)
    unsigned banks = 4;                    ///< independently addressed banks
    unsigned ports = 1;                    ///< accesses per bank per cycle
    SramIdleState idle_state = SramIdleState::retention;  ///< between blocks (between_blocks)

    std::uint64_t size_words() const { return size_bytes / 2; }
    std::uint64_t words_per_cycle() const {
        return std::uint64_t{banks} * ports * (width_bits / 16U);
    }
    /// 16-bit words in one width_bits row (one access of one bank port).
    std::uint64_t words_per_row() const { return width_bits / 16U; }
    /// Capacity of one bank (one SRAM macro), bytes.
    std::uint64_t bank_bytes() const { return size_bytes / banks; }
    double size_kib() const { return static_cast<double>(size_bytes) / 1024.0; }
    /// Throws ConfigError naming `prefix`.<key>.
    void validate(const std::string& prefix) const;
    /// size_bytes, width_bits, banks, ports (DenoiserConfig::keys() puts them under
    /// weight_sram. and activation_sram.).
    static const config::KeySet<SramConfig>& keys();
};

/// Power states of the denoiser and the gating policy (docs/energy.md, "Power states"). The
/// wake-up energies are energy-table entries (energy.*_wake*).
struct PowerConfig {
    PowerGating gating = PowerGating::between_blocks;
    unsigned logic_wake_cycles = 10;          ///< gated -> on, cores, lanes and control
    unsigned sram_gated_wake_cycles = 50;     ///< gated -> on, an SRAM
    unsigned sram_retention_wake_cycles = 2;  ///< retention -> on, an SRAM
    double sram_retention_leakage = 0.25;     ///< retention leakage / on leakage
    double gated_leakage = 0.03;              ///< gated leakage / on leakage (logic and SRAM)

    /// Cycles a block waits at START for the accelerator to wake (between_blocks: the longest
    /// of the logic's and both SRAMs' wake-ups, which wake in parallel; else 0).
    std::uint64_t block_wake_cycles(const SramConfig& weight, const SramConfig& activation) const;
    /// Leakage of an SRAM in `state` over its on-leakage.
    double sram_idle_leakage(SramIdleState state) const {
        return state == SramIdleState::retention ? sram_retention_leakage : gated_leakage;
    }
    unsigned sram_wake_cycles(SramIdleState state) const {
        return state == SramIdleState::retention ? sram_retention_wake_cycles
                                                 : sram_gated_wake_cycles;
    }
    /// denoiser.power_gating and the wake-up and leakage-fraction keys.
    static const config::KeySet<PowerConfig>& keys();
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
    SramConfig weight_sram{64 * 1024, 128, 4, 1, SramIdleState::retention};
    SramConfig activation_sram{256 * 1024, 128, 8, 1, SramIdleState::gated};
    PowerConfig power;

    /// Cycles every block waits at START under the gating policy (PowerConfig).
    std::uint64_t block_wake_cycles() const {
        return power.block_wake_cycles(weight_sram, activation_sram);
    }

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
    /// Subtract sigma_hat * epsilon + mu (the paper); false: mu alone, the variance head and the
    /// lanes' random draw idle (the ablation of the stochastic term).
    bool stochastic = true;

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
