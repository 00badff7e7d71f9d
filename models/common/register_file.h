// A memory-mapped register file (VCML-style): 32-bit registers declared with name, offset,
// reset value, access rights and optional read/write callbacks; decodes TLM accesses and sets
// the response status instead of asserting on bus input.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <tlm>

namespace dnsim {

class RegisterFile {
  public:
    enum class Access { read_only, write_only, read_write };
    struct Register {
        std::string name;
        std::uint64_t offset = 0;
        std::uint32_t reset = 0;
        Access access = Access::read_write;
        std::uint32_t value = 0;
        std::function<std::uint32_t()> on_read;       ///< computes the value (e.g. from time)
        std::function<void(std::uint32_t)> on_write;  ///< side effects after the store
    };

    Register& add(std::string name, std::uint64_t offset, std::uint32_t reset, Access access);
    Register& at(const std::string& name);
    std::uint32_t value(const std::string& name) const;
    void reset();
    const std::deque<Register>& registers() const { return m_regs; }

    /// Decodes one TLM access (4-byte aligned, 4 bytes long); sets the response status.
    void access(tlm::tlm_generic_payload& trans);

  private:
    std::deque<Register> m_regs;  // stable references for add()
};

}  // namespace dnsim
