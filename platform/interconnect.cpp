// Address-decoding interconnect.
#include "interconnect.h"

namespace dnsim::platform {

Interconnect::Interconnect(const sc_core::sc_module_name& name, std::vector<AddressWindow> map,
                           sc_core::sc_time hop_latency)
    : sc_core::sc_module(name),
      target("target"),
      initiator("initiator"),
      m_map(std::move(map)),
      m_hop(hop_latency) {
    target.register_b_transport(this, &Interconnect::b_transport);
    target.register_transport_dbg(this, &Interconnect::transport_dbg);
}

int Interconnect::decode(std::uint64_t address, std::uint64_t length) const {
    for (std::size_t i = 0; i < m_map.size(); ++i) {
        const AddressWindow& w = m_map[i];
        if (address >= w.base && address - w.base + length <= w.size)
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
    const std::uint64_t base = m_map[static_cast<std::size_t>(port)].base;
    trans.set_address(addr - base);
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

}  // namespace dnsim::platform
