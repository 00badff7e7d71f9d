// Denoiser control unit (DCU): the register file behind a TLM target socket and the phase
// sequencer. On START it plans the block (tiles, weight groups), then for each tile enables one
// unit at a time as the paper describes: load weights (if not resident), load the X tile,
// PW-reduce, LeakyReLU, depthwise 3x3, LeakyReLU, PW-mean, PW-variance, noise cancellation,
// store X_hat. Parallel units (10 cores, 4 lanes) are dispatched at the same local time; a phase
// ends at the latest unit or when the SRAM ports have served its traffic, whichever is later.
// It also owns the DMA initiator towards host memory (DMI when granted, else b_transport).
// Leaves out: double buffering (DMA and compute do not overlap), interrupts (STATUS is polled;
// its value is computed from the reader's local time).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>

#include "common/register_file.h"
#include "common/sim_time.h"
#include "common/stats.h"
#include "denoiser_config.h"
#include "tile_plan.h"

namespace dnsim::denoiser {

class Sram;

/// Register offsets (bytes) of the control unit; docs/denoiser.md has the full map.
namespace reg {
inline constexpr std::uint64_t ctrl = 0x00;        ///< W: bit0 START, bit1 WAIT, bit2 FLUSH_WEIGHTS
inline constexpr std::uint64_t status = 0x04;      ///< R: bit0 BUSY, bit1 DONE, bit2 ERROR
inline constexpr std::uint64_t error_code = 0x08;  ///< R: ErrorCode of the last START
inline constexpr std::uint64_t channels = 0x0C;
inline constexpr std::uint64_t height = 0x10;
inline constexpr std::uint64_t width = 0x14;
inline constexpr std::uint64_t ratio = 0x18;  ///< Q0.16
inline constexpr std::uint64_t format =
    0x1C;  ///< [3:0] act frac, [11:8] wgt frac, [19:16] leaky shift
inline constexpr std::uint64_t seed_lo = 0x20;
inline constexpr std::uint64_t seed_hi = 0x24;
inline constexpr std::uint64_t block_id = 0x28;
inline constexpr std::uint64_t wsram_base = 0x2C;  ///< bytes
inline constexpr std::uint64_t asram_base = 0x30;  ///< bytes
inline constexpr std::uint64_t src_lo = 0x34;
inline constexpr std::uint64_t src_hi = 0x38;
inline constexpr std::uint64_t dst_lo = 0x3C;
inline constexpr std::uint64_t dst_hi = 0x40;
inline constexpr std::uint64_t wgt_lo = 0x44;
inline constexpr std::uint64_t wgt_hi = 0x48;
inline constexpr std::uint64_t cycles_lo = 0x4C;  ///< R: cycles of the last block
inline constexpr std::uint64_t cycles_hi = 0x50;
inline constexpr std::uint64_t id = 0x54;  ///< R: 0xD0150001

inline constexpr std::uint32_t ctrl_start = 1U << 0;
inline constexpr std::uint32_t ctrl_wait = 1U << 1;
inline constexpr std::uint32_t ctrl_flush_weights = 1U << 2;
inline constexpr std::uint32_t status_busy = 1U << 0;
inline constexpr std::uint32_t status_done = 1U << 1;
inline constexpr std::uint32_t status_error = 1U << 2;
inline constexpr std::uint32_t id_value = 0xD0150001U;
}  // namespace reg

enum class ErrorCode : std::uint32_t {
    none = 0,
    bad_shape = 1,
    bad_ratio = 2,
    bad_format = 3,
    activation_sram_too_small = 4,
    weight_sram_too_small = 5,
    dma_error = 6,
    busy = 7,
    unit_error = 8,
};

enum class Phase : unsigned {
    weight_load,
    input_load,
    pw_reduce,
    leaky_relu_1,
    depthwise,
    leaky_relu_2,
    pw_mean,
    pw_var,
    noise_cancel,
    output_store,
    count
};
const char* phase_name(Phase p);
inline constexpr std::size_t kPhaseCount = static_cast<std::size_t>(Phase::count);

class ControlUnit : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<ControlUnit> reg_socket;
    tlm_utils::simple_initiator_socket<ControlUnit> dma_socket;
    sc_core::sc_vector<tlm_utils::simple_initiator_socket<ControlUnit>> core_sockets;
    sc_core::sc_vector<tlm_utils::simple_initiator_socket<ControlUnit>> lane_sockets;
    tlm_utils::simple_initiator_socket<ControlUnit> relu_socket;

    ControlUnit(const sc_core::sc_module_name& name, const DenoiserConfig& cfg, Sram& weight_sram,
                Sram& activation_sram);

    const StatGroup& stats() const { return m_stats; }
    /// Cycles of each phase summed over all blocks run so far.
    const std::array<std::uint64_t, kPhaseCount>& phase_cycles() const { return m_phase_cycles; }
    std::uint64_t total_cycles() const { return m_total_cycles.value; }
    /// The plan of the last block started (valid when it had no error).
    const TilePlan& last_plan() const { return m_plan; }
    /// Human-readable reason of the last error (empty if none).
    const std::string& last_error() const { return m_last_error; }
    /// Lanes to reseed at START, wired by the Denoiser.
    void set_lane_reseed(std::function<void(std::uint64_t)> fn) { m_reseed = std::move(fn); }

  private:
    void reg_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int reg_transport_dbg(tlm::tlm_generic_payload& trans);
    void start(sc_core::sc_time& delay, bool wait);
    std::uint64_t run_block(const BlockShape& shape, const BlockFormat& fmt, sc_core::sc_time t0);
    bool dma(bool write, std::uint64_t addr, void* buf, std::uint64_t bytes, std::uint64_t& cycles);
    std::uint64_t load_weights(std::uint64_t host_words_offset, std::uint64_t words,
                               std::uint64_t sram_word_offset);
    std::uint64_t conv_phase(bool depthwise, const std::int16_t* in, std::size_t in_stride,
                             unsigned in_channels, const std::int16_t* w, const std::int16_t* b,
                             unsigned filters, std::int16_t* out, std::size_t out_stride,
                             std::size_t pixels, const struct PlaneTile* plane, int wfrac,
                             sc_core::sc_time t);
    std::uint64_t relu_phase(std::int16_t* data, std::size_t count, int shift, sc_core::sc_time t);
    void invalidate_host_dmi(sc_dt::uint64 /*start*/, sc_dt::uint64 /*end*/) {
        m_host_dmi_valid = false;
    }
    void fail(ErrorCode code, const std::string& message);
    std::uint64_t reg64(std::uint64_t lo) const;

    DenoiserConfig m_cfg;
    Clock m_clock;
    Sram& m_wsram;
    Sram& m_asram;
    RegisterFile m_regs;
    sc_core::sc_time m_access_time;  ///< local time of the register access being decoded
    sc_core::sc_time m_done_time;
    bool m_done = false;
    bool m_error = false;
    bool m_weights_valid = false;
    std::uint32_t m_resident_block = 0;
    TilePlan m_plan;
    std::string m_last_error;
    std::function<void(std::uint64_t)> m_reseed;
    tlm::tlm_dmi m_host_dmi;
    bool m_host_dmi_valid = false;

    std::array<std::uint64_t, kPhaseCount> m_phase_cycles{};
    StatGroup m_stats;
    Counter& m_blocks;
    Counter& m_errors;
    Counter& m_tiles;
    Counter& m_total_cycles;
    Counter& m_interface_in;
    Counter& m_interface_out;
    Counter& m_weight_loads;
    Counter& m_halo_rows;
    Counter& m_register_accesses;
    Counter& m_saturated;
};

}  // namespace dnsim::denoiser
