// The host side of a TLM initiator socket: blocking reads and writes that annotate the local
// time; a refused transaction throws (the platform's own traffic never fails, so a failure is
// an internal error).
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>

namespace dnsim::platform {

class BusMaster {
  public:
    /// `socket` must be bound before the first access.
    explicit BusMaster(tlm::tlm_initiator_socket<>& socket) : m_socket(socket) {}

    void write(std::uint64_t addr, const void* data, unsigned len, sc_core::sc_time& delay);
    void read(std::uint64_t addr, void* data, unsigned len, sc_core::sc_time& delay);
    void write32(std::uint64_t addr, std::uint32_t value, sc_core::sc_time& delay) {
        write(addr, &value, 4, delay);
    }
    std::uint32_t read32(std::uint64_t addr, sc_core::sc_time& delay) {
        std::uint32_t v = 0;
        read(addr, &v, 4, delay);
        return v;
    }
    /// Writes a typed command (common/tlm_command.h) to `addr`; the target may fill in its
    /// result fields.
    template <typename Command>
    void command(std::uint64_t addr, Command& cmd, sc_core::sc_time& delay) {
        transport(tlm::TLM_WRITE_COMMAND, addr, &cmd, sizeof(Command), delay);
    }

  private:
    void transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                   sc_core::sc_time& delay);

    tlm::tlm_initiator_socket<>& m_socket;
};

}  // namespace dnsim::platform
