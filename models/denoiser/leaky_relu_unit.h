// LeakyReLU unit: slope 2^-k as an arithmetic shift, `elements_per_cycle` wide, 1-cycle latency.
// A passive TLM target working in place on a region of the activation SRAM per transaction.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/sim_time.h"
#include "models/common/stats.h"
#include "models/denoiser/commands.h"

namespace dnsim::denoiser {

class LeakyReluUnit : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<LeakyReluUnit> socket;

    LeakyReluUnit(const sc_core::sc_module_name& name, unsigned elements_per_cycle,
                  const Clock& clock);
    const StatGroup& stats() const { return m_stats; }
    /// Cycles for `count` elements: ceil(count / width) + 1 pipeline cycle.
    std::uint64_t cycles_for(std::uint64_t count) const;

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    unsigned m_width;
    Clock m_clock;
    StatGroup m_stats;
    Counter& m_elements;
    Counter& m_busy_cycles;
};

}  // namespace dnsim::denoiser
