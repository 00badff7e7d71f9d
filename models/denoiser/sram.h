// On-chip SRAM (WeightSram and ActivationSram are two instances): a Memory whose accesses take
// one cycle plus one per bank-port beat (width-bit words), with DMI for the units and the
// control unit and read/write counters in 16-bit words and in width_bits rows (the accesses
// energy is charged for: each transfer of n words moves ceil(n / words_per_row) rows, the count
// behind access_cycles).
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
    void count_reads(std::uint64_t words) {
        m_reads += words;
        m_read_rows += rows_of(words);
    }
    void count_writes(std::uint64_t words) {
        m_writes += words;
        m_write_rows += rows_of(words);
    }
    /// width_bits rows one transfer of `words` 16-bit words moves.
    std::uint64_t rows_of(std::uint64_t words) const;
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
    Counter& m_read_rows;
    Counter& m_write_rows;
};

}  // namespace dnsim::denoiser
