// One noise-cancellation lane: two LFSRs -> fixed-point Box-Muller (Z1 only) -> sigma*z + mu ->
// subtract from X. Pipelined: one element per cycle after a fill of box_muller_latency +
// post_latency cycles per transaction (one tile); mean only (block.stochastic 0): X - mu after
// a one-cycle fill, no draw. The LFSR state persists across tiles and is
// reloaded from the block seed at START. A passive TLM target (NoiseCommand).
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/sim_time.h"
#include "models/common/stats.h"
#include "models/denoiser/commands.h"
#include "models/denoiser/noise_cancel.h"

namespace dnsim::denoiser {

class NoiseLane : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<NoiseLane> socket;

    NoiseLane(const sc_core::sc_module_name& name, unsigned index, unsigned pipeline_latency,
              const Clock& clock);
    void reseed(std::uint64_t seed) { m_kernel.reseed(seed, m_index); }
    const StatGroup& stats() const { return m_stats; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    unsigned m_index;
    unsigned m_latency;
    Clock m_clock;
    NoiseLaneKernel m_kernel;
    StatGroup m_stats;
    Counter& m_samples;
    Counter& m_elements;
    Counter& m_busy_cycles;
};

}  // namespace dnsim::denoiser
