// A byte-addressable memory behind a TLM target socket: the storage, the bus checks (range,
// byte enables), debug transport and DMI that every memory of the platform shares. A derived
// memory says what one access costs (access_delay) and counts what it needs to; HostMemory and
// the denoiser's SRAMs are the two kinds. Models no bank conflicts, ECC or retention faults.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

namespace dnsim {

class Memory : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Memory> socket;

    /// `dmi_latency` is what a DMI user is told one access costs; `allow_dmi` false refuses DMI
    /// (initiators then take the b_transport path).
    Memory(const sc_core::sc_module_name& name, std::uint64_t size_bytes, bool allow_dmi,
           sc_core::sc_time dmi_latency);

    std::uint8_t* data() { return m_mem.data(); }
    const std::uint8_t* data() const { return m_mem.data(); }
    std::uint64_t size() const { return m_mem.size(); }
    /// b_transport calls so far, refused ones included.
    std::uint64_t transactions() const { return m_transactions; }

  protected:
    /// The delay of one checked read or write of `bytes` bytes; counts it where the memory
    /// keeps statistics.
    virtual sc_core::sc_time access_delay(bool read, std::uint64_t bytes) = 0;

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

    std::vector<std::uint8_t> m_mem;
    bool m_allow_dmi;
    sc_core::sc_time m_dmi_latency;
    std::uint64_t m_transactions = 0;
};

}  // namespace dnsim
