// Denoiser control unit (DCU): the register file behind a TLM target socket and the phase
// sequencer. On START it plans the block (tiles, weight groups), then for each tile enables one
// unit at a time as the paper describes: load weights (if not resident), load the X tile,
// PW-reduce, LeakyReLU, depthwise 3x3, LeakyReLU, PW-mean, PW-variance, noise cancellation,
// store X_hat. Parallel units (10 cores, 4 lanes) are dispatched at the same local time; a phase
// ends at the latest unit or when the SRAM ports have served its traffic, whichever is later.
// It also owns the DMA initiator towards host memory (DMI when granted, else b_transport).
// Under denoiser.power_gating = between_blocks every START first waits for the wake-up
// (phase wake_up); a weight SRAM gated between blocks has lost its resident weights.
// With denoiser.dma_double_buffer the X tiles are double-buffered: the next tile's load and the
// previous tile's store share the external interface while a tile computes, and the input_load
// and output_store phases count only the cycles compute does not hide (dma_hidden_cycles the
// rest). Leaves out: interrupts (STATUS is polled; its value is computed from the reader's
// local time).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <systemc>
#include <tlm>

#include "models/common/register_file.h"
#include "models/common/sim_time.h"
#include "models/common/stats.h"
#include "models/denoiser/denoiser_config.h"
#include "models/denoiser/registers.h"
#include "models/denoiser/tile_plan.h"

namespace dnsim::denoiser {

class Sram;

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
    wake_up,  ///< power gating: the accelerator wakes at START (PowerConfig)
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

/// One interval of a block as the control unit times it, for a timeline
/// (ControlUnit::set_activity_listener): a phase of the sequence, or one unit busy within a
/// phase. Times in cycles of the denoiser clock from the block's START (wake-up included).
struct Activity {
    enum class Unit : unsigned {
        phase,                 ///< the sequencer's phase `phase`
        conv_core,             ///< conv core `index`
        noise_lane,            ///< noise-cancellation lane `index`
        leaky_relu,            ///< the LeakyReLU unit
        dma_in,                ///< the external interface reading host memory (X, weights)
        dma_out,               ///< the external interface writing host memory (X_hat)
        weight_sram_port,      ///< the weight SRAM's ports serving the phase's words
        activation_sram_port,  ///< the activation SRAM's ports serving the phase's words
    };
    Unit unit = Unit::phase;
    unsigned index = 0;  ///< core or lane number
    Phase phase = Phase::wake_up;
    std::uint32_t tile = 0;  ///< row tile of the plan
    std::uint64_t start_cycles = 0;
    std::uint64_t cycles = 0;
    /// What the interval moved or computed: MACs (conv core), samples (noise lane), elements
    /// (LeakyReLU), 16-bit words (DMA, SRAM ports, a weight_load phase); 0 for other phases.
    std::uint64_t amount = 0;
};
using ActivityListener = std::function<void(const Activity&)>;

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
    /// When the last block started completes (simulation time; valid once it started without
    /// error). A host that overlaps its own work with a block waits until then, as a DONE
    /// interrupt would wake it, and confirms with a STATUS read.
    sc_core::sc_time done_time() const { return m_done_time; }
    /// Human-readable reason of the last error (empty if none).
    const std::string& last_error() const { return m_last_error; }
    /// Lanes to reseed at START, wired by the Denoiser.
    void set_lane_reseed(std::function<void(std::uint64_t)> fn) { m_reseed = std::move(fn); }
    /// False: the blocks started from now on are timed and counted exactly as usual (DMA,
    /// cycles, every action count, energy) but their units compute nothing (commands.h), so
    /// X_hat is not produced. For a host that reads only the timing (a replay's timing job); a
    /// simulation switch, not a register.
    void set_compute(bool compute) { m_compute = compute; }
    /// Reports every phase and every unit's busy interval of the blocks started from now on
    /// (null, the default: nothing is reported and nothing costs).
    void set_activity_listener(ActivityListener listener) { m_listener = std::move(listener); }
    /// When the last block started (its cycle 0; valid as done_time()).
    sc_core::sc_time start_time() const { return m_start_time; }

  private:
    void reg_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int reg_transport_dbg(tlm::tlm_generic_payload& trans);
    void start(sc_core::sc_time& delay, bool wait);
    /// Runs the block from simulation time `t0`, which is block cycle `base_cycles` (after the
    /// wake-up); returns its cycles from t0.
    std::uint64_t run_block(const BlockShape& shape, const BlockFormat& fmt, sc_core::sc_time t0,
                            std::uint64_t base_cycles);
    bool dma(bool write, std::uint64_t addr, void* buf, std::uint64_t bytes, std::uint64_t& cycles);
    /// Loads weights starting at block cycle `at_cycles` (for the activity report).
    std::uint64_t load_weights(std::uint64_t host_words_offset, std::uint64_t words,
                               std::uint64_t sram_word_offset, std::uint64_t at_cycles);
    /// Sends one phase `p` to the cores at simulation time `t`, block cycle `at_cycles`.
    std::uint64_t conv_phase(Phase p, std::uint64_t at_cycles, bool depthwise,
                             const std::int16_t* in, std::size_t in_stride, unsigned in_channels,
                             const std::int16_t* w, const std::int16_t* b, unsigned filters,
                             std::int16_t* out, std::size_t out_stride, std::size_t pixels,
                             const struct PlaneTile* plane, int wfrac, sc_core::sc_time t);
    std::uint64_t relu_phase(Phase p, std::uint64_t at_cycles, std::int16_t* data,
                             std::size_t count, int shift, sc_core::sc_time t);
    /// Calls the listener, if any, with the current tile.
    void report(Activity::Unit unit, unsigned index, Phase p, std::uint64_t start_cycles,
                std::uint64_t cycles, std::uint64_t amount) const {
        if (m_listener && cycles > 0)
            m_listener(Activity{unit, index, p, m_tile_index, start_cycles, cycles, amount});
    }
    void invalidate_host_dmi(sc_dt::uint64 /*start*/, sc_dt::uint64 /*end*/) {
        m_host_dmi_valid = false;
    }
    void fail(ErrorCode code, const std::string& message);

    /// The register map (registers.h), one typed reference per register.
    struct Registers {
        RegisterFile file;
        Register& ctrl = file.add(reg::ctrl);
        Register& status = file.add(reg::status);
        Register& error_code = file.add(reg::error_code);
        Register& channels = file.add(reg::channels);
        Register& height = file.add(reg::height);
        Register& width = file.add(reg::width);
        Register& ratio = file.add(reg::ratio);
        Register& format = file.add(reg::format);
        Register& seed_lo = file.add(reg::seed_lo);
        Register& seed_hi = file.add(reg::seed_hi);
        Register& block_id = file.add(reg::block_id);
        Register& wsram_base = file.add(reg::wsram_base);
        Register& asram_base = file.add(reg::asram_base);
        Register& src_lo = file.add(reg::src_lo);
        Register& src_hi = file.add(reg::src_hi);
        Register& dst_lo = file.add(reg::dst_lo);
        Register& dst_hi = file.add(reg::dst_hi);
        Register& wgt_lo = file.add(reg::wgt_lo);
        Register& wgt_hi = file.add(reg::wgt_hi);
        Register& cycles_lo = file.add(reg::cycles_lo);
        Register& cycles_hi = file.add(reg::cycles_hi);
        Register& id = file.add(reg::id);

        static std::uint64_t value64(const Register& lo, const Register& hi) {
            return (std::uint64_t{hi.value} << 32) | lo.value;
        }
    };

    DenoiserConfig m_cfg;
    Clock m_clock;
    Sram& m_wsram;
    Sram& m_asram;
    Registers m_regs;
    sc_core::sc_time m_access_time;  ///< local time of the register access being decoded
    sc_core::sc_time m_done_time;
    sc_core::sc_time m_start_time;
    ActivityListener m_listener;     ///< set_activity_listener
    std::uint32_t m_tile_index = 0;  ///< the tile being run, for report()
    bool m_done = false;
    bool m_error = false;
    bool m_weights_valid = false;
    bool m_compute = true;  ///< set_compute
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
    Counter& m_wake_ups;
    Counter& m_dma_hidden;
    Counter& m_single_buffered;
};

}  // namespace dnsim::denoiser
