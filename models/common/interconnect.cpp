// Address-decoding interconnect.
#include "models/common/interconnect.h"

#include <algorithm>

namespace dnsim {

Interconnect::Interconnect(const sc_core::sc_module_name& name, std::vector<AddressWindow> map,
                           sc_core::sc_time hop_latency)
    : sc_core::sc_module(name),
      target("target"),
      initiator("initiator"),
      m_map(std::move(map)),
      m_hop(hop_latency) {
    target.register_b_transport(this, &Interconnect::b_transport);
    target.register_transport_dbg(this, &Interconnect::transport_dbg);
    target.register_get_direct_mem_ptr(this, &Interconnect::get_direct_mem_ptr);
    initiator.register_invalidate_direct_mem_ptr(this, &Interconnect::invalidate_direct_mem_ptr);
}

int Interconnect::decode(std::uint64_t address, std::uint64_t length) const {
    for (std::size_t i = 0; i < m_map.size(); ++i) {
        const AddressWindow& w = m_map[i];
        if (address >= w.base && length <= w.size && address - w.base <= w.size - length)
            return static_cast<int>(i);
    }
    return -1;
}

void Interconnect::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const std::uint64_t addr = trans.get_address();
    const int port = decode(addr, trans.get_data_length());
    if (port < 0) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    trans.set_address(addr - m_map[static_cast<std::size_t>(port)].base);
    delay += m_hop;
    initiator[port]->b_transport(trans, delay);
    trans.set_address(addr);
}

unsigned int Interconnect::transport_dbg(tlm::tlm_generic_payload& trans) {
    const std::uint64_t addr = trans.get_address();
    const int port = decode(addr, trans.get_data_length());
    if (port < 0)
        return 0;
    trans.set_address(addr - m_map[static_cast<std::size_t>(port)].base);
    const unsigned int n = initiator[port]->transport_dbg(trans);
    trans.set_address(addr);
    return n;
}

bool Interconnect::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const std::uint64_t addr = trans.get_address();
    const int port = decode(addr, 1);
    if (port < 0) {
        dmi.allow_none();
        return false;
    }
    const AddressWindow& w = m_map[static_cast<std::size_t>(port)];
    trans.set_address(addr - w.base);
    const bool ok = initiator[port]->get_direct_mem_ptr(trans, dmi);
    trans.set_address(addr);
    // The target's range, clipped to the window, in this side's addresses.
    const std::uint64_t start = dmi.get_start_address();
    const std::uint64_t end = std::min<std::uint64_t>(dmi.get_end_address(), w.size - 1);
    if (start > end) {
        dmi.allow_none();
        return false;
    }
    dmi.set_start_address(w.base + start);
    dmi.set_end_address(w.base + end);
    return ok;
}

void Interconnect::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    const AddressWindow& w = m_map[static_cast<std::size_t>(port)];
    if (start >= w.size)
        return;
    const std::uint64_t last = std::min<std::uint64_t>(end, w.size - 1);
    target->invalidate_direct_mem_ptr(w.base + start, w.base + last);
}

}  // namespace dnsim
