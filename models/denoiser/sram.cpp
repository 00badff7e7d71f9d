// SRAM: bandwidth timing and word counters over the common memory target.
#include "models/denoiser/sram.h"

#include "models/denoiser/systolic.h"

namespace dnsim::denoiser {

Sram::Sram(const sc_core::sc_module_name& name, const SramConfig& cfg, const Clock& clock)
    : Memory(name, cfg.size_bytes, true, clock.period()),
      m_cfg(cfg),
      m_clock(clock),
      m_stats(std::string(this->name())),
      m_reads(m_stats.add("reads", "words", "16-bit words read")),
      m_writes(m_stats.add("writes", "words", "16-bit words written")),
      m_read_rows(m_stats.add("read_rows", "rows", "width_bits rows read (accesses)")),
      m_write_rows(m_stats.add("write_rows", "rows", "width_bits rows written (accesses)")) {}

std::uint64_t Sram::rows_of(std::uint64_t words) const {
    return ceil_div(words, m_cfg.words_per_row());
}

std::uint64_t Sram::access_cycles(std::uint64_t words) const {
    return ceil_div(words, m_cfg.words_per_cycle());
}

sc_core::sc_time Sram::access_delay(bool read, std::uint64_t bytes) {
    const std::uint64_t words = ceil_div(bytes, 2);
    if (read) {
        count_reads(words);
    } else {
        count_writes(words);
    }
    return m_clock.cycles_to_time(1 + access_cycles(words));
}

}  // namespace dnsim::denoiser
