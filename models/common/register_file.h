// Memory-mapped 32-bit registers in VCML's shape: each register is declared once as a
// RegisterSpec (name, offset, reset value, access) with its bit fields as Field values; the
// model instantiates them in a RegisterFile and keeps a typed reference to each (no lookup by
// name at run time), the host driver writes the same declarations. The file decodes TLM
// accesses and sets the response status instead of asserting on bus input.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <tlm>

namespace dnsim {

enum class Access { read_only, write_only, read_write };

/// A register's declaration.
struct RegisterSpec {
    const char* name;
    std::uint64_t offset;  ///< bytes from the start of the register window
    std::uint32_t reset;
    Access access;
};

/// Bits [lsb, lsb + width) of a 32-bit register.
struct Field {
    unsigned lsb;
    unsigned width;

    constexpr std::uint32_t mask() const {
        return (width >= 32 ? ~std::uint32_t{0} : ((std::uint32_t{1} << width) - 1U)) << lsb;
    }
    /// The field's value in register value `reg`.
    constexpr std::uint32_t get(std::uint32_t reg) const { return (reg & mask()) >> lsb; }
    /// `value` placed in the field (the other bits zero): combine fields with |.
    constexpr std::uint32_t operator()(std::uint32_t value) const {
        return (value << lsb) & mask();
    }
    /// True when any bit of the field is set in `reg` (one-bit flags).
    constexpr bool in(std::uint32_t reg) const { return (reg & mask()) != 0; }
};

/// One register of a model: its declaration and current value.
struct Register {
    const RegisterSpec& spec;
    std::uint32_t value;
    std::function<std::uint32_t()> on_read;       ///< computes the value (e.g. from time)
    std::function<void(std::uint32_t)> on_write;  ///< side effects after the store

    std::uint32_t get(const Field& f) const { return f.get(value); }
};

class RegisterFile {
  public:
    /// Adds a register at its reset value; the reference stays valid. `spec` must outlive the
    /// file (the declarations are constants).
    Register& add(const RegisterSpec& spec);
    void reset();
    const std::deque<Register>& registers() const { return m_regs; }

    /// Decodes one TLM access (4-byte aligned, 4 bytes long, no byte enables); sets the
    /// response status.
    void access(tlm::tlm_generic_payload& trans);
    /// Debug access of one register (4 bytes), without callbacks or access checks; returns the
    /// bytes transferred (0 for an unknown offset or another length).
    unsigned int debug_access(tlm::tlm_generic_payload& trans);

  private:
    Register* find(std::uint64_t offset);

    std::deque<Register> m_regs;  // stable references for add()
};

}  // namespace dnsim
