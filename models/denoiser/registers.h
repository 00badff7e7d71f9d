// The denoiser's register map (ext_socket offsets 0x00..0xFF, docs/denoiser.md), declared once:
// the control unit instantiates these registers, the host driver (platform/denoiser_driver.h)
// programs them, tests address them. Each register is a RegisterSpec (name, offset, reset,
// access); its bit fields are Field values next to it.
#pragma once

#include <cstdint>

#include "models/common/register_file.h"
#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser::reg {

/// W: starts a block, makes the write wait for it, or drops the resident weights.
inline constexpr RegisterSpec ctrl{"CTRL", 0x00, 0, Access::write_only};
inline constexpr Field ctrl_start{0, 1};
inline constexpr Field ctrl_wait{1, 1};  ///< the START write returns when the block is done
inline constexpr Field ctrl_flush_weights{2, 1};

/// R: computed from the reader's local time.
inline constexpr RegisterSpec status{"STATUS", 0x04, 0, Access::read_only};
inline constexpr Field status_busy{0, 1};
inline constexpr Field status_done{1, 1};
inline constexpr Field status_error{2, 1};

/// R: ErrorCode of the last START.
inline constexpr RegisterSpec error_code{"ERROR_CODE", 0x08, 0, Access::read_only};

inline constexpr RegisterSpec channels{"CHANNELS", 0x0C, 64, Access::read_write};
inline constexpr RegisterSpec height{"HEIGHT", 0x10, 56, Access::read_write};
inline constexpr RegisterSpec width{"WIDTH", 0x14, 56, Access::read_write};
/// Bottleneck ratio, Q0.16 (ratio_to_q16).
inline constexpr RegisterSpec ratio{"RATIO", 0x18, 0x4000, Access::read_write};

/// Fixed-point format of the block.
inline constexpr Field format_activation_frac{0, 4};
inline constexpr Field format_weight_frac{8, 4};
inline constexpr Field format_leaky_shift{16, 4};
/// 1: the lanes subtract the mean alone (BlockFormat::stochastic false); the variance head and
/// the lanes' LFSRs and Box-Muller stay idle.
inline constexpr Field format_mean_only{20, 1};
/// The FORMAT value of a block format (its ratio goes to RATIO).
constexpr std::uint32_t format_value(const BlockFormat& f) {
    return format_activation_frac(static_cast<std::uint32_t>(f.activation_frac_bits)) |
           format_weight_frac(static_cast<std::uint32_t>(f.weight_frac_bits)) |
           format_leaky_shift(static_cast<std::uint32_t>(f.leaky_shift)) |
           format_mean_only(f.stochastic ? 0U : 1U);
}
inline constexpr RegisterSpec format{"FORMAT", 0x1C, format_value(BlockFormat{}),
                                     Access::read_write};

/// Seeds every lane's LFSRs at START.
inline constexpr RegisterSpec seed_lo{"SEED_LO", 0x20, 0, Access::read_write};
inline constexpr RegisterSpec seed_hi{"SEED_HI", 0x24, 0, Access::read_write};
/// Weights stay resident while the id repeats.
inline constexpr RegisterSpec block_id{"BLOCK_ID", 0x28, 0, Access::read_write};
/// Bytes reserved below the block's weights / activations in the SRAMs.
inline constexpr RegisterSpec wsram_base{"WSRAM_BASE", 0x2C, 0, Access::read_write};
inline constexpr RegisterSpec asram_base{"ASRAM_BASE", 0x30, 0, Access::read_write};
/// Host addresses of X (C x H x W int16), X_hat and the packed parameters.
inline constexpr RegisterSpec src_lo{"SRC_LO", 0x34, 0, Access::read_write};
inline constexpr RegisterSpec src_hi{"SRC_HI", 0x38, 0, Access::read_write};
inline constexpr RegisterSpec dst_lo{"DST_LO", 0x3C, 0, Access::read_write};
inline constexpr RegisterSpec dst_hi{"DST_HI", 0x40, 0, Access::read_write};
inline constexpr RegisterSpec wgt_lo{"WGT_LO", 0x44, 0, Access::read_write};
inline constexpr RegisterSpec wgt_hi{"WGT_HI", 0x48, 0, Access::read_write};
/// R: cycles of the last block.
inline constexpr RegisterSpec cycles_lo{"CYCLES_LO", 0x4C, 0, Access::read_only};
inline constexpr RegisterSpec cycles_hi{"CYCLES_HI", 0x50, 0, Access::read_only};
/// R: identification.
inline constexpr RegisterSpec id{"ID", 0x54, 0xD0150001U, Access::read_only};

}  // namespace dnsim::denoiser::reg

namespace dnsim::denoiser {

/// The block format held in FORMAT and RATIO.
inline BlockFormat format_of(std::uint32_t format_reg, std::uint32_t ratio_reg) {
    BlockFormat f;
    f.activation_frac_bits = static_cast<int>(reg::format_activation_frac.get(format_reg));
    f.weight_frac_bits = static_cast<int>(reg::format_weight_frac.get(format_reg));
    f.leaky_shift = static_cast<int>(reg::format_leaky_shift.get(format_reg));
    f.stochastic = reg::format_mean_only.get(format_reg) == 0;
    f.bottleneck_ratio = ratio_reg / 65536.0;
    return f;
}

}  // namespace dnsim::denoiser
