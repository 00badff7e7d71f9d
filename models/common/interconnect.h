// The one address decoder of the design: a target socket, one initiator binding per window of an
// address map, addresses rebased to the window. A fixed hop latency is added per transaction;
// an access that is not wholly inside one window gets TLM_ADDRESS_ERROR_RESPONSE. DMI requests
// are forwarded and the granted range translated back (and clipped to the window); DMI
// invalidations travel the other way. The SoC bus (2 ns per hop) and the denoiser's own
// register/SRAM decoding (no latency) are two instances.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace dnsim {

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
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
    /// The window holding [address, address + length), or -1.
    int decode(std::uint64_t address, std::uint64_t length) const;

    std::vector<AddressWindow> m_map;
    sc_core::sc_time m_hop;
};

}  // namespace dnsim
