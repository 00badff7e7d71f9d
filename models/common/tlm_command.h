// Typed commands carried in a TLM generic payload (NVDLA-style): the payload's data pointer
// points to a command struct written to offset 0 of a unit's target socket. The unit decodes it
// with command_of(), which sets the response status of a malformed transaction instead of
// asserting on bus input.
#pragma once

#include <tlm>

namespace dnsim {

/// The typed command carried by `trans`, or nullptr after setting an error response: a
/// command written anywhere but offset 0 is an address error, one of another length a burst
/// error, byte enables a byte-enable error, a read or a missing data pointer a command error.
template <typename Command>
Command* command_of(tlm::tlm_generic_payload& trans) {
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND || trans.get_data_ptr() == nullptr) {
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return nullptr;
    }
    if (trans.get_address() != 0) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return nullptr;
    }
    if (trans.get_data_length() != sizeof(Command)) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return nullptr;
    }
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return nullptr;
    }
    return reinterpret_cast<Command*>(trans.get_data_ptr());
}

/// Fills `trans` to carry `cmd` to offset 0 of a unit.
template <typename Command>
void set_command(tlm::tlm_generic_payload& trans, Command& cmd) {
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    trans.set_address(0);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&cmd));
    trans.set_data_length(sizeof(Command));
    trans.set_streaming_width(sizeof(Command));
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace dnsim
