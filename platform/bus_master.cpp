// Blocking host accesses.
#include "platform/bus_master.h"

#include <stdexcept>

#include <fmt/format.h>

namespace dnsim::platform {

void BusMaster::write(std::uint64_t addr, const void* data, unsigned len, sc_core::sc_time& delay) {
    transport(tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), len, delay);
}

void BusMaster::read(std::uint64_t addr, void* data, unsigned len, sc_core::sc_time& delay) {
    transport(tlm::TLM_READ_COMMAND, addr, data, len, delay);
}

void BusMaster::transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                          sc_core::sc_time& delay) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    m_socket->b_transport(t, delay);
    if (!t.is_response_ok()) {
        throw std::runtime_error(fmt::format("platform: {} of {} bytes at 0x{:08x} failed: {}",
                                             cmd == tlm::TLM_READ_COMMAND ? "read" : "write", len,
                                             addr, t.get_response_string()));
    }
}

}  // namespace dnsim::platform
