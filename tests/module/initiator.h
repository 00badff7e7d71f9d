// A bare TLM initiator for module tests: its one thread runs `body`, which drives a target
// through `socket` with access() and command() and records what came back.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>

namespace dnsim::test {

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
    std::function<void(Initiator&)> body;

    SC_HAS_PROCESS(Initiator);
    explicit Initiator(const sc_core::sc_module_name& n) : sc_core::sc_module(n) { SC_THREAD(run); }
    void run() { body(*this); }

    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, void* data,
                                    unsigned len, sc_core::sc_time& delay,
                                    unsigned char* byte_enables = nullptr) {
        tlm::tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(addr);
        t.set_data_ptr(static_cast<unsigned char*>(data));
        t.set_data_length(len);
        t.set_streaming_width(len);
        t.set_byte_enable_ptr(byte_enables);
        t.set_byte_enable_length(byte_enables != nullptr ? len : 0);
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(t, delay);
        return t.get_response_status();
    }
    /// A typed command (common/tlm_command.h) written to `addr`, `len` bytes of it.
    template <typename Command>
    tlm::tlm_response_status command(std::uint64_t addr, Command& cmd, sc_core::sc_time& delay,
                                     unsigned len = sizeof(Command)) {
        return access(tlm::TLM_WRITE_COMMAND, addr, &cmd, len, delay);
    }
};

}  // namespace dnsim::test
