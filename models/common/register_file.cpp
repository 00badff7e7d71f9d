// Register file decoding.
#include "models/common/register_file.h"

#include <cstring>

namespace dnsim {

Register& RegisterFile::add(const RegisterSpec& spec) {
    m_regs.push_back(Register{spec, spec.reset, {}, {}});
    return m_regs.back();
}

void RegisterFile::reset() {
    for (auto& r : m_regs) {
        r.value = r.spec.reset;
    }
}

Register* RegisterFile::find(std::uint64_t offset) {
    for (auto& r : m_regs) {
        if (r.spec.offset == offset) {
            return &r;
        }
    }
    return nullptr;
}

void RegisterFile::access(tlm::tlm_generic_payload& trans) {
    const std::uint64_t addr = trans.get_address();
    if (trans.get_data_length() != 4 || addr % 4 != 0 || trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    Register* r = find(addr);
    if (r == nullptr) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    std::uint32_t v = 0;
    if (trans.is_read()) {
        if (r->spec.access == Access::write_only) {
            trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        v = r->on_read ? r->on_read() : r->value;
        std::memcpy(trans.get_data_ptr(), &v, 4);
    } else if (trans.is_write()) {
        if (r->spec.access == Access::read_only) {
            trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        std::memcpy(&v, trans.get_data_ptr(), 4);
        r->value = v;
        if (r->on_write) {
            r->on_write(v);
        }
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int RegisterFile::debug_access(tlm::tlm_generic_payload& trans) {
    Register* r = trans.get_data_length() == 4 ? find(trans.get_address()) : nullptr;
    if (r == nullptr) {
        return 0;
    }
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), &r->value, 4);
    } else if (trans.is_write()) {
        std::memcpy(&r->value, trans.get_data_ptr(), 4);
    }
    return 4;
}

}  // namespace dnsim
