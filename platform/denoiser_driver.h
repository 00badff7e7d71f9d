// The host's driver of the denoiser accelerator: the one place that programs its registers
// (denoiser/registers.h). A block is programmed with program(), started with start() and read
// back with status(), error_code() and cycles(); the SoC's host driver and the denoiser bench
// both go through it.
#pragma once

#include <cstdint>
#include <systemc>

#include "models/denoiser/denoiser_config.h"
#include "platform/bus_master.h"

namespace dnsim::platform {

/// The settings of one block, as the host writes them.
struct BlockProgram {
    denoiser::BlockShape shape;
    denoiser::BlockFormat format;  ///< FORMAT; its bottleneck_ratio goes to RATIO (Q0.16)
    std::uint64_t seed = 0;        ///< SEED_LO/HI: the lanes' LFSR seed
    std::uint32_t block_id = 0;    ///< weights stay resident while it repeats
    std::uint32_t wsram_base = 0;  ///< bytes reserved below the weights in the weight SRAM
    std::uint32_t asram_base = 0;  ///< bytes reserved below the activations
    std::uint64_t src = 0;         ///< host address of X
    std::uint64_t dst = 0;         ///< host address of X_hat
    std::uint64_t weights = 0;     ///< host address of the packed parameters
};

class DenoiserDriver {
  public:
    /// The denoiser's registers sit at `base` of what `bus` reaches.
    DenoiserDriver(BusMaster& bus, std::uint64_t base) : m_bus(bus), m_base(base) {}

    /// Writes every setting register, in register-map order.
    void program(const BlockProgram& p, sc_core::sc_time& delay);
    /// CTRL = START, with WAIT the write returns when the block is done.
    void start(bool wait, sc_core::sc_time& delay);
    std::uint32_t status(sc_core::sc_time& delay);
    std::uint32_t error_code(sc_core::sc_time& delay);
    /// CYCLES_LO, then CYCLES_HI: the cycles of the last block.
    std::uint64_t cycles(sc_core::sc_time& delay);

  private:
    BusMaster& m_bus;
    std::uint64_t m_base;
};

}  // namespace dnsim::platform
