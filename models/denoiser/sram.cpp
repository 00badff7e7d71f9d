// SRAM target: timed accesses, DMI and debug transport.
#include "sram.h"

#include <cstring>

#include "systolic.h"

namespace dnsim::denoiser {

Sram::Sram(const sc_core::sc_module_name& name, const SramConfig& cfg, const Clock& clock)
    : sc_core::sc_module(name),
      socket("socket"),
      m_cfg(cfg),
      m_clock(clock),
      m_mem(cfg.size_bytes, 0),
      m_stats(std::string(this->name())),
      m_reads(m_stats.add("reads", "words", "16-bit words read")),
      m_writes(m_stats.add("writes", "words", "16-bit words written")) {
    socket.register_b_transport(this, &Sram::b_transport);
    socket.register_get_direct_mem_ptr(this, &Sram::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &Sram::transport_dbg);
}

std::uint64_t Sram::access_cycles(std::uint64_t words) const {
    return ceil_div(words, m_cfg.words_per_cycle());
}

bool Sram::check(tlm::tlm_generic_payload& trans) const {
    const std::uint64_t addr = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    if (addr > m_mem.size() || len > m_mem.size() - addr) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return false;
    }
    return true;
}

void Sram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    if (!check(trans)) {
        return;
    }
    const std::uint64_t addr = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const std::uint64_t words = ceil_div(len, 2);
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), m_mem.data() + addr, len);
        m_reads += words;
    } else {
        std::memcpy(m_mem.data() + addr, trans.get_data_ptr(), len);
        m_writes += words;
    }
    delay += m_clock.cycles_to_time(1 + access_cycles(words));
    trans.set_dmi_allowed(true);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Sram::get_direct_mem_ptr(tlm::tlm_generic_payload& /*trans*/, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(m_mem.data());
    dmi.set_start_address(0);
    dmi.set_end_address(m_mem.size() - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(m_clock.period());
    dmi.set_write_latency(m_clock.period());
    return true;
}

unsigned int Sram::transport_dbg(tlm::tlm_generic_payload& trans) {
    const std::uint64_t addr = trans.get_address();
    if (addr >= m_mem.size()) {
        return 0;
    }
    const auto len = static_cast<unsigned int>(
        std::min<std::uint64_t>(trans.get_data_length(), m_mem.size() - addr));
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), m_mem.data() + addr, len);
    } else if (trans.is_write()) {
        std::memcpy(m_mem.data() + addr, trans.get_data_ptr(), len);
    }
    return len;
}

}  // namespace dnsim::denoiser
