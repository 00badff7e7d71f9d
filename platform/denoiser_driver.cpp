// Denoiser register programming.
#include "platform/denoiser_driver.h"

#include "models/denoiser/registers.h"

namespace dnsim::platform {

namespace reg = denoiser::reg;

void DenoiserDriver::program(const BlockProgram& p, sc_core::sc_time& delay) {
    const auto w = [&](const RegisterSpec& r, std::uint64_t v) {
        m_bus.write32(m_base + r.offset, static_cast<std::uint32_t>(v), delay);
    };
    w(reg::channels, p.shape.channels);
    w(reg::height, p.shape.height);
    w(reg::width, p.shape.width);
    w(reg::ratio, denoiser::ratio_to_q16(p.format.bottleneck_ratio));
    w(reg::format, reg::format_value(p.format));
    w(reg::seed_lo, p.seed & 0xFFFFFFFFU);
    w(reg::seed_hi, p.seed >> 32);
    w(reg::block_id, p.block_id);
    w(reg::wsram_base, p.wsram_base);
    w(reg::asram_base, p.asram_base);
    w(reg::src_lo, p.src & 0xFFFFFFFFU);
    w(reg::src_hi, p.src >> 32);
    w(reg::dst_lo, p.dst & 0xFFFFFFFFU);
    w(reg::dst_hi, p.dst >> 32);
    w(reg::wgt_lo, p.weights & 0xFFFFFFFFU);
    w(reg::wgt_hi, p.weights >> 32);
}

void DenoiserDriver::start(bool wait, sc_core::sc_time& delay) {
    m_bus.write32(m_base + reg::ctrl.offset, reg::ctrl_start(1) | reg::ctrl_wait(wait ? 1U : 0U),
                  delay);
}

std::uint32_t DenoiserDriver::status(sc_core::sc_time& delay) {
    return m_bus.read32(m_base + reg::status.offset, delay);
}

std::uint32_t DenoiserDriver::error_code(sc_core::sc_time& delay) {
    return m_bus.read32(m_base + reg::error_code.offset, delay);
}

std::uint64_t DenoiserDriver::cycles(sc_core::sc_time& delay) {
    const std::uint64_t lo = m_bus.read32(m_base + reg::cycles_lo.offset, delay);
    const std::uint64_t hi = m_bus.read32(m_base + reg::cycles_hi.offset, delay);
    return lo | (hi << 32);
}

}  // namespace dnsim::platform
