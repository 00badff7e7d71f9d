// One conv core: a 3x3 (configurable) input-stationary systolic array. A passive TLM target
// that executes its share of a conv phase per transaction (ConvCommand), computes the outputs
// with the exact-integer kernels and annotates folds x (2 R_a + C_a + T - 2) cycles.
// Leaves out: intra-fold stalls (operands are assumed delivered by the SRAM ports the control
// unit accounts for), clock gating granularity below one phase.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/sim_time.h"
#include "models/common/stats.h"
#include "models/denoiser/commands.h"

namespace dnsim::denoiser {

class ConvCore : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<ConvCore> socket;

    ConvCore(const sc_core::sc_module_name& name, ArrayDims dims, const Clock& clock);
    const StatGroup& stats() const { return m_stats; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    ArrayDims m_dims;
    Clock m_clock;
    /// The counters that total the FoldWork of every transaction (add_work adds to them).
    struct WorkCounters {
        Counter& cycles;
        Counter& folds;
        Counter& macs;
        Counter& input_reads;
        Counter& weight_reads;
        Counter& psum_updates;
        Counter& outputs;
    };

    StatGroup m_stats;
    WorkCounters m_work;
    Counter& m_saturated;
};

}  // namespace dnsim::denoiser
