// On-chip SRAM (WeightSram and ActivationSram are two instances): storage, a TLM target with
// timed b_transport (one access per cycle per bank port, width-bit words), DMI for the units
// and the control unit, transport_dbg for bulk loading, and read/write counters in 16-bit words.
// Models no bank conflicts beyond the aggregate bandwidth, no ECC, no retention faults.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "common/sim_time.h"
#include "common/stats.h"
#include "denoiser_config.h"

namespace dnsim::denoiser {

class Sram : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Sram> socket;

    Sram(const sc_core::sc_module_name& name, const SramConfig& cfg, const Clock& clock);

    const SramConfig& config() const { return m_cfg; }
    std::uint8_t* data() { return m_mem.data(); }
    std::int16_t* words() { return reinterpret_cast<std::int16_t*>(m_mem.data()); }

    /// Counters the units bump for accesses they make through DMI.
    void count_reads(std::uint64_t words) { m_reads += words; }
    void count_writes(std::uint64_t words) { m_writes += words; }
    /// Cycles the SRAM's bandwidth needs for `words` accesses.
    std::uint64_t access_cycles(std::uint64_t words) const;

    const StatGroup& stats() const { return m_stats; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    bool check(tlm::tlm_generic_payload& trans) const;

    SramConfig m_cfg;
    Clock m_clock;
    std::vector<std::uint8_t> m_mem;
    StatGroup m_stats;
    Counter& m_reads;
    Counter& m_writes;
};

}  // namespace dnsim::denoiser
