// MX-CGRA TLM target.
#include "models/cgra/mx_cgra.h"

#include "models/cgra/adc_energy.h"
#include "models/cgra/bitsliced.h"
#include "models/common/tlm_command.h"
#include "workloads/exec/executor.h"

namespace dnsim::cgra {

MxCgra::MxCgra(const sc_core::sc_module_name& name, const CgraConfig& cfg, const NoiseConfig& noise)
    : sc_core::sc_module(name),
      socket("socket"),
      m_cfg(cfg),
      m_noise(noise),
      m_programmed_chip(noise.chip_seed),
      m_clock(cfg.clock_mhz) {
    socket.register_b_transport(this, &MxCgra::b_transport);
    // The crossbars are programmed on first use (analog_model): a configuration the fidelity
    // level cannot model is refused now, before the simulation.
    if (noise.fidelity == Fidelity::BitSliced)
        check_bitsliced_config(cfg.analog);
}

void MxCgra::load_program(const workloads::Graph& graph, std::vector<ProgramStep> program) {
    m_graph = &graph;
    m_program = std::move(program);
    m_models.clear();
    m_models.resize(m_program.size());
    m_step_cycles.assign(m_program.size(), 0);
    m_step_images.assign(m_program.size(), 0);
}

const AnalogLayerModel* MxCgra::analog_model(std::size_t step, std::uint64_t chip_seed) {
    const ProgramStep& p = m_program[step];
    if (!p.analog)
        return nullptr;
    if (chip_seed != m_programmed_chip) {
        // Another chip: the programmed one's weights go before the new chip's are made.
        for (auto& m : m_models)
            m.reset();
        m_programmed_chip = chip_seed;
    }
    if (!m_models[step]) {
        NoiseConfig chip = m_noise;
        chip.chip_seed = m_programmed_chip;
        m_models[step] = make_analog_layer_model(
            to_string(chip.fidelity), {m_graph, p.node, p.key, p.out_dims}, m_cfg.analog, chip);
    }
    return m_models[step].get();
}

void MxCgra::compute(std::size_t step, CgraOperands& ops) {
    const AnalogLayerModel* model =
        ops.analog_noise ? analog_model(step, ops.chip_seed.value_or(m_noise.chip_seed)) : nullptr;
    const std::size_t node = m_program[step].node;
    const auto slice = [&](std::size_t i) {
        CgraSlice& s = ops.slices[i];
        if (model != nullptr) {
            s.output = model->forward(s.inputs, s.first_image, s.images, ops.seed);
            return;
        }
        workloads::ExecOptions opts;
        opts.batch = s.images;
        s.output = workloads::evaluate_node(
            *m_graph, node, s.inputs, static_cast<std::uint64_t>(s.first_image), opts, s.into);
    };
    if (m_pool != nullptr) {
        m_pool->run(ops.slices.size(), slice);
    } else {
        for (std::size_t i = 0; i < ops.slices.size(); ++i)
            slice(i);
    }
}

void MxCgra::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const CgraCommand* cmd = command_of<CgraCommand>(trans);
    if (cmd == nullptr)
        return;
    if (cmd->step >= m_program.size() || cmd->images == 0) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (cmd->operands != nullptr)
        compute(cmd->step, *cmd->operands);
    const std::uint64_t cycles = m_program[cmd->step].cost.cycles * cmd->images;
    m_step_cycles[cmd->step] += cycles;
    m_step_images[cmd->step] += cmd->images;
    m_busy_cycles += cycles;
    delay += m_clock.cycles_to_time(cycles);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

EnergyAccount MxCgra::energy(const EnergyTable& table) const {
    EnergyAccount account(charged_energy_table(table, m_cfg.analog));
    for (std::size_t i = 0; i < m_program.size(); ++i) {
        if (m_step_images[i] == 0)
            continue;
        LayerCost scaled = m_program[i].cost;
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
