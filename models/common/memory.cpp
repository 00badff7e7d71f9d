// Byte-addressable memory target: bus checks, copies, DMI and debug transport.
#include "models/common/memory.h"

#include <algorithm>
#include <cstring>

namespace dnsim {

Memory::Memory(const sc_core::sc_module_name& name, std::uint64_t size_bytes, bool allow_dmi,
               sc_core::sc_time dmi_latency)
    : sc_core::sc_module(name),
      socket("socket"),
      m_mem(size_bytes, 0),
      m_allow_dmi(allow_dmi),
      m_dmi_latency(dmi_latency) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
}

void Memory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ++m_transactions;
    const std::uint64_t addr = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    if (addr > m_mem.size() || len > m_mem.size() - addr) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), m_mem.data() + addr, len);
    } else {
        std::memcpy(m_mem.data() + addr, trans.get_data_ptr(), len);
    }
    delay += access_delay(trans.is_read(), len);
    trans.set_dmi_allowed(m_allow_dmi);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& /*trans*/, tlm::tlm_dmi& dmi) {
    if (!m_allow_dmi) {
        dmi.allow_none();
        return false;
    }
    dmi.set_dmi_ptr(m_mem.data());
    dmi.set_start_address(0);
    dmi.set_end_address(m_mem.size() - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(m_dmi_latency);
    dmi.set_write_latency(m_dmi_latency);
    return true;
}

unsigned int Memory::transport_dbg(tlm::tlm_generic_payload& trans) {
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

}  // namespace dnsim
