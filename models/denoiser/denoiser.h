// The denoiser accelerator of the paper (Fig. 2): control unit, conv cores, LeakyReLU unit,
// noise-cancellation lanes and the split weight/activation SRAMs, behind one external TLM
// target socket (registers + SRAM windows) and one DMA initiator socket to host memory.
//
// External address map (ext_socket), decoded by an Interconnect:
//   0x0000_0000 .. 0x0000_00FF  control registers (registers.h, docs/denoiser.md)
//   0x1000_0000 .. +size        weight SRAM window (timed access, DMI, debug transport)
//   0x2000_0000 .. +size        activation SRAM window
//   0x3000_0000 .. 0x3000_00FF  functional port (block_batch.h; simulation only, untimed)
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>

#include "models/common/energy.h"
#include "models/common/interconnect.h"
#include "models/common/sim_time.h"
#include "models/common/worker_pool.h"
#include "models/denoiser/control_unit.h"
#include "models/denoiser/conv_core.h"
#include "models/denoiser/denoiser_config.h"
#include "models/denoiser/leaky_relu_unit.h"
#include "models/denoiser/noise_lane.h"
#include "models/denoiser/sram.h"

namespace dnsim::denoiser {

namespace addr {
inline constexpr std::uint64_t registers = 0x00000000;
inline constexpr std::uint64_t registers_size = 0x100;
inline constexpr std::uint64_t weight_sram = 0x10000000;
inline constexpr std::uint64_t activation_sram = 0x20000000;
inline constexpr std::uint64_t batch = 0x30000000;
inline constexpr std::uint64_t batch_size = 0x100;
}  // namespace addr

class Denoiser : public sc_core::sc_module {
  public:
    tlm::tlm_target_socket<> ext_socket;  ///< bound to the internal address decoder
    tlm::tlm_initiator_socket<> dma_socket;

    /// `cfg` must have passed validate().
    Denoiser(const sc_core::sc_module_name& name, const DenoiserConfig& cfg);

    const DenoiserConfig& config() const { return m_cfg; }
    const Clock& clock() const { return m_clock; }
    ControlUnit& control() { return m_control; }
    const ControlUnit& control() const { return m_control; }
    const sc_core::sc_vector<ConvCore>& cores() const { return m_cores; }
    const sc_core::sc_vector<NoiseLane>& lanes() const { return m_lanes; }
    const LeakyReluUnit& leaky_relu() const { return m_relu; }
    const Sram& weight_sram() const { return m_wsram; }
    const Sram& activation_sram() const { return m_asram; }

    /// Energy of everything counted so far in a window of `elapsed_ns` in which blocks ran for
    /// `active_ns`, under the gating policy (config().power, docs/energy.md "Power states"):
    /// the actions (SRAM accesses per width_bits row), the wake-ups, and the leakage of every
    /// part on while it is powered and in its idle state for the rest of the window. Charged
    /// under charged_energy_table(table, config()) (sram_energy.h).
    EnergyAccount energy(const EnergyTable& table, double active_ns, double elapsed_ns) const;
    /// Leakage power with every part on (cores, lanes, control, both SRAMs), mW: the static
    /// power while a block runs.
    double on_leakage_mW(const EnergyTable& table) const;

    /// The functional port computes a command's slices in parallel on `pool` (serially
    /// without one).
    void set_worker_pool(WorkerPool* pool) { m_pool = pool; }

  private:
    /// The functional port: a BlockBatchCommand (block_batch.h).
    void batch_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    DenoiserConfig m_cfg;
    Clock m_clock;
    Sram m_wsram;
    Sram m_asram;
    sc_core::sc_vector<ConvCore> m_cores;
    sc_core::sc_vector<NoiseLane> m_lanes;
    LeakyReluUnit m_relu;
    ControlUnit m_control;
    tlm_utils::simple_target_socket<Denoiser> m_batch_port;
    Interconnect m_decoder;  ///< ext_socket's address map
    WorkerPool* m_pool = nullptr;
};

}  // namespace dnsim::denoiser
