// On-chip SRAM (WeightSram and ActivationSram are two instances): a Memory whose accesses take
// one cycle plus one per bank-port beat (width-bit words), with DMI for the units and the
// control unit and read/write counters in 16-bit words.
// Models no bank conflicts beyond the aggregate bandwidth, no ECC, no retention faults.
#pragma once

#include <cstdint>
#include <systemc>

#include "models/common/memory.h"
#include "models/common/sim_time.h"
#include "models/common/stats.h"
#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

class Sram : public Memory {
  public:
    Sram(const sc_core::sc_module_name& name, const SramConfig& cfg, const Clock& clock);

    const SramConfig& config() const { return m_cfg; }
    std::int16_t* words() { return reinterpret_cast<std::int16_t*>(data()); }

    /// Counters the units bump for accesses they make through DMI.
    void count_reads(std::uint64_t words) { m_reads += words; }
    void count_writes(std::uint64_t words) { m_writes += words; }
    /// Cycles the SRAM's bandwidth needs for `words` accesses.
    std::uint64_t access_cycles(std::uint64_t words) const;

    const StatGroup& stats() const { return m_stats; }

  private:
    sc_core::sc_time access_delay(bool read, std::uint64_t bytes) override;

    SramConfig m_cfg;
    Clock m_clock;
    StatGroup m_stats;
    Counter& m_reads;
    Counter& m_writes;
};

}  // namespace dnsim::denoiser
