// The SoC interconnect: one target socket for the host, one initiator socket per slave, an
// address map of (base, size) windows. Addresses are rebased to the slave; a fixed hop latency
// is added per transaction; an unmapped address gets TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace dnsim::platform {

struct AddressWindow {
    std::string name;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
};

class Interconnect : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Interconnect> target;
    tlm_utils::multi_passthrough_initiator_socket<Interconnect> initiator;

    /// Window i is served by the i-th binding of `initiator`.
    Interconnect(const sc_core::sc_module_name& name, std::vector<AddressWindow> map,
                 sc_core::sc_time hop_latency);

    const std::vector<AddressWindow>& address_map() const { return m_map; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    int decode(std::uint64_t address, std::uint64_t length) const;

    std::vector<AddressWindow> m_map;
    sc_core::sc_time m_hop;
};

}  // namespace dnsim::platform
