// Denoiser top level: netlist and the energy roll-up.
#include "models/denoiser/denoiser.h"

#include <algorithm>

#include "models/common/tlm_command.h"
#include "models/denoiser/block.h"
#include "models/denoiser/block_batch.h"
#include "models/denoiser/block_reference.h"
#include "models/denoiser/sram_energy.h"

namespace dnsim::denoiser {

Denoiser::Denoiser(const sc_core::sc_module_name& name, const DenoiserConfig& cfg)
    : sc_core::sc_module(name),
      ext_socket("ext_socket"),
      dma_socket("dma_socket"),
      m_cfg(cfg),
      m_clock(cfg.clock_mhz),
      m_wsram("weight_sram", cfg.weight_sram, m_clock),
      m_asram("activation_sram", cfg.activation_sram, m_clock),
      m_cores("core", cfg.cores,
              [this](const char* nm, std::size_t) {
                  return new ConvCore(
                      nm, ArrayDims{m_cfg.array_rows, m_cfg.array_cols, m_cfg.fold_pipelining},
                      m_clock);
              }),
      m_lanes("lane", cfg.lanes,
              [this](const char* nm, std::size_t i) {
                  return new NoiseLane(
                      nm, static_cast<unsigned>(i),
                      m_cfg.box_muller_latency_cycles + m_cfg.lane_post_latency_cycles, m_clock);
              }),
      m_relu("leaky_relu", cfg.leaky_relu_elements_per_cycle, m_clock),
      m_control("control", cfg, m_wsram, m_asram),
      m_batch_port("batch_port"),
      m_decoder("decoder",
                {{"registers", addr::registers, addr::registers_size},
                 {"weight_sram", addr::weight_sram, cfg.weight_sram.size_bytes},
                 {"activation_sram", addr::activation_sram, cfg.activation_sram.size_bytes},
                 {"batch", addr::batch, addr::batch_size}},
                sc_core::SC_ZERO_TIME) {
    ext_socket.bind(m_decoder.target);
    m_decoder.initiator.bind(m_control.reg_socket);
    m_decoder.initiator.bind(m_wsram.socket);
    m_decoder.initiator.bind(m_asram.socket);
    m_decoder.initiator.bind(m_batch_port);
    m_batch_port.register_b_transport(this, &Denoiser::batch_b_transport);
    m_control.dma_socket.bind(dma_socket);
    for (std::size_t i = 0; i < m_cores.size(); ++i) {
        m_control.core_sockets[i].bind(m_cores[i].socket);
    }
    for (std::size_t i = 0; i < m_lanes.size(); ++i) {
        m_control.lane_sockets[i].bind(m_lanes[i].socket);
    }
    m_control.relu_socket.bind(m_relu.socket);
    m_control.set_lane_reseed([this](std::uint64_t seed) {
        for (auto& lane : m_lanes) {
            lane.reseed(seed);
        }
    });
}

void Denoiser::batch_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& /*delay*/) {
    BlockBatchCommand* cmd = command_of<BlockBatchCommand>(trans);
    if (cmd == nullptr) {
        return;
    }
    const unsigned c = cmd->shape.channels;
    const unsigned cr = cmd->reduced;
    // The parameters, read from host memory as the weight-load DMA would (untimed).
    std::vector<std::int16_t> packed(packed_words(c, cr));
    tlm::tlm_generic_payload fetch;
    fetch.set_command(tlm::TLM_READ_COMMAND);
    fetch.set_address(cmd->weights);
    fetch.set_data_ptr(reinterpret_cast<unsigned char*>(packed.data()));
    fetch.set_data_length(static_cast<unsigned int>(packed.size() * 2));
    if (dma_socket->transport_dbg(fetch) != packed.size() * 2) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const BlockWeights w = unpack_block(c, cr, packed.data(), packed.size());
    const auto slice = [&](std::size_t i) {
        // One trace per thread, reused block after block; each image takes its output vector.
        thread_local ReferenceTrace trace;
        for (BatchImage& image : cmd->slices[i]) {
            reference_block(image.x, cmd->shape, w, cmd->format, image.seed, m_cfg.lanes, trace);
            std::swap(image.out, trace.out);
        }
    };
    if (m_pool != nullptr) {
        m_pool->run(cmd->slices.size(), slice);
    } else {
        for (std::size_t i = 0; i < cmd->slices.size(); ++i) {
            slice(i);
        }
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

double Denoiser::on_leakage_mW(const EnergyTable& table) const {
    const double uw = static_cast<double>(m_cores.size()) * table.leakage_uw("conv_core_leakage") +
                      static_cast<double>(m_lanes.size()) * table.leakage_uw("noise_lane_leakage") +
                      table.leakage_uw("control_leakage") +
                      (m_cfg.weight_sram.size_kib() + m_cfg.activation_sram.size_kib()) *
                          table.leakage_uw("sram_leakage_per_kib");
    return uw * 1e-3;
}

EnergyAccount Denoiser::energy(const EnergyTable& table, double active_ns,
                               double elapsed_ns) const {
    EnergyAccount acc(charged_energy_table(table, m_cfg));
    std::uint64_t macs = 0, psums = 0;
    for (const auto& core : m_cores) {
        macs += core.stats().value("macs");
        psums += core.stats().value("psum_updates");
    }
    acc.add_dynamic("conv_cores", "mac_16b", static_cast<double>(macs));
    // Per MAC a 16-bit weight and a 32-bit partial sum move one PE: 48 register bits.
    acc.add_dynamic("conv_cores", "reg_bit", 48.0 * static_cast<double>(macs));
    acc.add_dynamic("conv_cores", "add_32b", static_cast<double>(psums));
    acc.add_dynamic("leaky_relu", "add_16b", static_cast<double>(m_relu.stats().value("elements")));
    std::uint64_t samples = 0, elements = 0;
    for (const auto& lane : m_lanes) {
        samples += lane.stats().value("samples");
        elements += lane.stats().value("elements");
    }
    // Per normal sample drawn: the LFSRs, Box-Muller, the square root and z * sigma + mu; per
    // element denoised the subtraction (the only work without the stochastic term).
    const auto s = static_cast<double>(samples);
    acc.add_dynamic("noise_lanes", "box_muller_sample", s);
    acc.add_dynamic("noise_lanes", "lfsr_update_16b", s * (32.0 + 31.0) / 16.0);
    acc.add_dynamic("noise_lanes", "sqrt_32b", s);
    acc.add_dynamic("noise_lanes", "mac_16b", s);                              // z * sigma + mu
    acc.add_dynamic("noise_lanes", "add_16b", static_cast<double>(elements));  // X - Y
    for (const Sram* sram : {&m_wsram, &m_asram}) {
        const std::string component = sram == &m_wsram ? "weight_sram" : "activation_sram";
        // One access per width_bits row moved (the count behind the bandwidth model).
        acc.add_dynamic(component, component + "_row",
                        static_cast<double>(sram->stats().value("read_rows") +
                                            sram->stats().value("write_rows")));
    }
    acc.add_dynamic("interface", "interface_word",
                    static_cast<double>(m_control.stats().value("interface_read_words") +
                                        m_control.stats().value("interface_write_words")));

    // Leakage and wake-ups under the gating policy (docs/energy.md, "Power states"): each
    // part is on for `on_ns`, in its idle state (leakage x fraction) for the rest of the window,
    // and wakes `wakes` times.
    const PowerConfig& pw = m_cfg.power;
    const bool ran = m_control.stats().value("blocks") > 0;
    const double idle_ns = std::max(0.0, elapsed_ns - active_ns);
    double logic_on_ns = elapsed_ns, sram_on_ns = elapsed_ns, idle_window_ns = 0.0;
    double wakes = 0.0;
    bool sram_idle_gated = false;  // between_inferences: SRAMs gated, not in their idle_state
    switch (pw.gating) {
        case PowerGating::always_on:
            break;
        case PowerGating::between_blocks:
            logic_on_ns = sram_on_ns = std::min(active_ns, elapsed_ns);
            idle_window_ns = idle_ns;
            wakes = static_cast<double>(m_control.stats().value("wake_ups"));
            break;
        case PowerGating::between_inferences:
            // An inference without blocks never wakes the denoiser.
            if (!ran) {
                logic_on_ns = sram_on_ns = 0.0;
                idle_window_ns = elapsed_ns;
            }
            wakes = ran ? 1.0 : 0.0;
            sram_idle_gated = true;
            break;
        case PowerGating::logic_only:
            logic_on_ns = std::min(active_ns, elapsed_ns);
            break;
    }
    const auto logic = [&](const char* component, const char* leak, const char* wake, double n) {
        acc.add_leakage(component, leak, n, logic_on_ns);
        if (idle_window_ns > 0.0 && pw.gated_leakage > 0.0)
            acc.add_leakage(component, leak, n * pw.gated_leakage, idle_window_ns);
        if (wakes > 0.0)
            acc.add_dynamic(component, wake, n * wakes);
    };
    logic("conv_cores", "conv_core_leakage", "conv_core_wake", static_cast<double>(m_cores.size()));
    logic("noise_lanes", "noise_lane_leakage", "noise_lane_wake",
          static_cast<double>(m_lanes.size()));
    logic("control", "control_leakage", "control_wake", 1.0);
    for (const Sram* sram : {&m_wsram, &m_asram}) {
        const std::string component = sram == &m_wsram ? "weight_sram" : "activation_sram";
        const SramIdleState state =
            sram_idle_gated ? SramIdleState::gated : sram->config().idle_state;
        const double kib = sram->config().size_kib();
        acc.add_leakage(component, "sram_leakage_per_kib", kib, sram_on_ns);
        const double fraction = pw.sram_idle_leakage(state);
        if (idle_window_ns > 0.0 && fraction > 0.0)
            acc.add_leakage(component, "sram_leakage_per_kib", kib * fraction, idle_window_ns);
        if (wakes > 0.0) {
            acc.add_dynamic(component,
                            state == SramIdleState::gated ? "sram_wake_gated_per_kib"
                                                          : "sram_wake_retention_per_kib",
                            kib * wakes);
        }
    }
    return acc;
}

}  // namespace dnsim::denoiser
