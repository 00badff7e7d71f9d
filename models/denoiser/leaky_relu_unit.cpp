// LeakyReLU unit: in-place shift-based LeakyReLU with throughput timing.
#include "models/denoiser/leaky_relu_unit.h"

namespace dnsim::denoiser {

LeakyReluUnit::LeakyReluUnit(const sc_core::sc_module_name& name, unsigned elements_per_cycle,
                             const Clock& clock)
    : sc_core::sc_module(name),
      socket("socket"),
      m_width(elements_per_cycle),
      m_clock(clock),
      m_stats(std::string(this->name())),
      m_elements(m_stats.add("elements", "elements", "activations passed through LeakyReLU")),
      m_busy_cycles(m_stats.add("busy_cycles", "cycles", "cycles the unit was busy")) {
    socket.register_b_transport(this, &LeakyReluUnit::b_transport);
}

std::uint64_t LeakyReluUnit::cycles_for(std::uint64_t count) const {
    return count == 0 ? 0 : ceil_div(count, m_width) + 1;
}

void LeakyReluUnit::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    LeakyReluCommand* cmd = command_of<LeakyReluCommand>(trans);
    if (cmd == nullptr) {
        return;
    }
    if (cmd->data != nullptr) {
        for (std::size_t i = 0; i < cmd->count; ++i)
            cmd->data[i] = leaky_relu(cmd->data[i], cmd->shift);
    }
    const std::uint64_t cycles = cycles_for(cmd->count);
    m_elements += cmd->count;
    m_busy_cycles += cycles;
    delay += m_clock.cycles_to_time(cycles);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace dnsim::denoiser
