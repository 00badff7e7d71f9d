// MX-CGRA TLM target.
#include "cgra/mx_cgra.h"

#include "common/tlm_command.h"

namespace dnsim::cgra {

MxCgra::MxCgra(const sc_core::sc_module_name& name, const CgraConfig& cfg)
    : sc_core::sc_module(name), socket("socket"), m_cfg(cfg), m_clock(cfg.clock_mhz) {
    socket.register_b_transport(this, &MxCgra::b_transport);
}

void MxCgra::load_program(std::vector<LayerCost> program) {
    m_program = std::move(program);
    m_step_cycles.assign(m_program.size(), 0);
    m_step_images.assign(m_program.size(), 0);
}

void MxCgra::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const CgraCommand* command = command_of<CgraCommand>(trans);
    if (command == nullptr)
        return;
    const CgraCommand cmd = *command;
    if (cmd.step >= m_program.size() || cmd.images == 0) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (on_execute)
        on_execute(cmd.step, cmd.images);
    const std::uint64_t cycles = m_program[cmd.step].cycles * cmd.images;
    m_step_cycles[cmd.step] += cycles;
    m_step_images[cmd.step] += cmd.images;
    m_busy_cycles += cycles;
    delay += m_clock.cycles_to_time(cycles);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

EnergyAccount MxCgra::energy(const EnergyTable& table) const {
    EnergyAccount account(table);
    for (std::size_t i = 0; i < m_program.size(); ++i) {
        if (m_step_images[i] == 0)
            continue;
        LayerCost scaled = m_program[i];
        const auto n = static_cast<double>(m_step_images[i]);
        for (auto& [component, actions] : scaled.actions) {
            for (auto& [action, count] : actions)
                count *= n;
        }
        scaled.crossbar_active_ns *= n;
        charge(scaled, account);
    }
    return account;
}

}  // namespace dnsim::cgra
