// A host memory for testbenches and platforms: byte storage behind a TLM target with a fixed
// access latency, DMI (switchable, to exercise both DMA paths) and debug transport.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

namespace dnsim::platform {

class HostMemory : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<HostMemory> socket;

    HostMemory(const sc_core::sc_module_name& name, std::uint64_t size_bytes,
               sc_core::sc_time latency, bool allow_dmi);

    std::uint8_t* data() { return m_mem.data(); }
    std::uint64_t size() const { return m_mem.size(); }
    std::uint64_t transactions() const { return m_transactions; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

    std::vector<std::uint8_t> m_mem;
    sc_core::sc_time m_latency;
    bool m_allow_dmi;
    std::uint64_t m_transactions = 0;
};

}  // namespace dnsim::platform
