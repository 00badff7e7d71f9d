// The MX-CGRA as a loosely-timed TLM target: the host writes one command per layer step; the
// CGRA charges that step's analytic cost (cycles x images, action counts for energy) and runs
// the platform's functional hook for the step. It leaves out the PE-level schedule and the
// context memory: the per-layer formulas in layer_cost.h stand for them (docs/cgra.md).
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "cgra/layer_cost.h"
#include "common/energy.h"
#include "common/sim_time.h"

namespace dnsim::cgra {

/// Written by the host to offset 0 of the CGRA's window.
struct CgraCommand {
    std::uint32_t step = 0;    ///< index into the loaded program
    std::uint32_t images = 1;  ///< images processed back to back
};

class MxCgra : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<MxCgra> socket;

    /// `cfg` must have passed validate().
    MxCgra(const sc_core::sc_module_name& name, const CgraConfig& cfg);

    /// The per-image cost of every step (non-CGRA steps: zero cost).
    void load_program(std::vector<LayerCost> program);
    /// Called inside b_transport for each command (functional work of the step).
    std::function<void(std::uint32_t step, std::uint32_t images)> on_execute;

    /// Cycles charged per step so far (all images).
    const std::vector<std::uint64_t>& step_cycles() const { return m_step_cycles; }
    std::uint64_t busy_cycles() const { return m_busy_cycles; }
    /// Energy of the actions charged so far.
    EnergyAccount energy(const EnergyTable& table) const;

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    CgraConfig m_cfg;
    Clock m_clock;
    std::vector<LayerCost> m_program;
    std::vector<std::uint64_t> m_step_cycles;
    std::vector<std::uint64_t> m_step_images;
    std::uint64_t m_busy_cycles = 0;
};

}  // namespace dnsim::cgra
