// Register file decoding.
#include "register_file.h"

#include <cstring>
#include <stdexcept>

namespace dnsim {

RegisterFile::Register& RegisterFile::add(std::string name, std::uint64_t offset,
                                          std::uint32_t reset, Access access) {
    m_regs.push_back(Register{std::move(name), offset, reset, access, reset, {}, {}});
    return m_regs.back();
}

RegisterFile::Register& RegisterFile::at(const std::string& name) {
    for (auto& r : m_regs) {
        if (r.name == name) {
            return r;
        }
    }
    throw std::out_of_range("no register '" + name + "'");
}

std::uint32_t RegisterFile::value(const std::string& name) const {
    for (const auto& r : m_regs) {
        if (r.name == name) {
            return r.value;
        }
    }
    throw std::out_of_range("no register '" + name + "'");
}

void RegisterFile::reset() {
    for (auto& r : m_regs) {
        r.value = r.reset;
    }
}

void RegisterFile::access(tlm::tlm_generic_payload& trans) {
    const std::uint64_t addr = trans.get_address();
    if (trans.get_data_length() != 4 || addr % 4 != 0 || trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    for (auto& r : m_regs) {
        if (r.offset != addr) {
            continue;
        }
        std::uint32_t v = 0;
        if (trans.is_read()) {
            if (r.access == Access::write_only) {
                trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                return;
            }
            v = r.on_read ? r.on_read() : r.value;
            std::memcpy(trans.get_data_ptr(), &v, 4);
        } else if (trans.is_write()) {
            if (r.access == Access::read_only) {
                trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                return;
            }
            std::memcpy(&v, trans.get_data_ptr(), 4);
            r.value = v;
            if (r.on_write) {
                r.on_write(v);
            }
        }
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace dnsim
