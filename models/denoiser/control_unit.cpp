// Denoiser control unit: register decoding, block planning and the phase sequencer.
#include "models/denoiser/control_unit.h"

#include <algorithm>
#include <cstring>

#include "models/common/config_error.h"
#include "models/denoiser/block.h"
#include "models/denoiser/commands.h"
#include "models/denoiser/sram.h"

namespace dnsim::denoiser {

namespace {

/// Unwinds a block run when a host-memory transfer fails.
struct DmaFailure {
    std::string message;
};

}  // namespace

const char* phase_name(Phase p) {
    static constexpr std::array<const char*, kPhaseCount> names = {
        "wake_up",      "weight_load", "input_load", "pw_reduce",    "leaky_relu_1", "depthwise",
        "leaky_relu_2", "pw_mean",     "pw_var",     "noise_cancel", "output_store"};
    return names[static_cast<std::size_t>(p)];
}

ControlUnit::ControlUnit(const sc_core::sc_module_name& name, const DenoiserConfig& cfg,
                         Sram& weight_sram, Sram& activation_sram)
    : sc_core::sc_module(name),
      reg_socket("reg_socket"),
      dma_socket("dma_socket"),
      core_sockets("core_socket", cfg.cores),
      lane_sockets("lane_socket", cfg.lanes),
      relu_socket("relu_socket"),
      m_cfg(cfg),
      m_clock(cfg.clock_mhz),
      m_wsram(weight_sram),
      m_asram(activation_sram),
      m_stats(std::string(this->name())),
      m_blocks(m_stats.add("blocks", "blocks", "denoiser blocks completed")),
      m_errors(m_stats.add("errors", "starts", "STARTs rejected with an error code")),
      m_tiles(m_stats.add("tiles", "tiles", "row tiles processed")),
      m_total_cycles(m_stats.add("cycles", "cycles", "cycles of all blocks, all phases")),
      m_interface_in(
          m_stats.add("interface_read_words", "words",
                      "16-bit words read from host memory (X tiles with halo, weights)")),
      m_interface_out(
          m_stats.add("interface_write_words", "words", "16-bit words written to host memory")),
      m_weight_loads(m_stats.add("weight_load_words", "words", "weight words loaded into SRAM")),
      m_halo_rows(m_stats.add("halo_rows", "rows", "X rows fetched twice because of tiling")),
      m_register_accesses(m_stats.add("register_accesses", "accesses", "register reads/writes")),
      m_saturated(m_stats.add("saturated", "outputs", "conv outputs that saturated")),
      m_wake_ups(m_stats.add("wake_ups", "wake-ups",
                             "power-gating wake-ups at START (denoiser.power_gating)")),
      m_dma_hidden(
          m_stats.add("dma_hidden_cycles", "cycles",
                      "X loads and X_hat stores hidden behind compute (double buffering)")),
      m_single_buffered(m_stats.add("single_buffered_blocks", "blocks",
                                    "blocks run single-buffered although "
                                    "denoiser.dma_double_buffer is 1 (two X buffers do not fit, "
                                    "or the weights are streamed)")) {
    reg_socket.register_b_transport(this, &ControlUnit::reg_b_transport);
    reg_socket.register_transport_dbg(this, &ControlUnit::reg_transport_dbg);
    dma_socket.register_invalidate_direct_mem_ptr(this, &ControlUnit::invalidate_host_dmi);
    m_regs.status.on_read = [this]() -> std::uint32_t {
        if (m_error) {
            return reg::status_error(1);
        }
        if (!m_done) {
            return 0;
        }
        return m_access_time < m_done_time ? reg::status_busy(1) : reg::status_done(1);
    };
}

void ControlUnit::reg_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ++m_register_accesses;
    m_access_time = sc_core::sc_time_stamp() + delay;
    m_regs.file.access(trans);
    delay += m_clock.cycles_to_time(m_cfg.register_access_cycles);
    if (trans.is_write() && trans.get_address() == reg::ctrl.offset &&
        trans.get_response_status() == tlm::TLM_OK_RESPONSE) {
        const std::uint32_t v = m_regs.ctrl.value;
        if (reg::ctrl_flush_weights.in(v)) {
            m_weights_valid = false;
        }
        if (reg::ctrl_start.in(v)) {
            start(delay, reg::ctrl_wait.in(v));
        }
    }
}

unsigned int ControlUnit::reg_transport_dbg(tlm::tlm_generic_payload& trans) {
    // Debug reads/writes of plain registers, without side effects or timing.
    return m_regs.file.debug_access(trans);
}

void ControlUnit::fail(ErrorCode code, const std::string& message) {
    m_error = true;
    m_done = false;
    m_last_error = message;
    m_regs.error_code.value = static_cast<std::uint32_t>(code);
    ++m_errors;
}

void ControlUnit::start(sc_core::sc_time& delay, bool wait) {
    const sc_core::sc_time now = sc_core::sc_time_stamp() + delay;
    if (m_done && now < m_done_time) {
        fail(ErrorCode::busy, "START while the previous block is still running");
        return;
    }
    m_error = false;
    m_done = false;
    m_last_error.clear();
    m_regs.error_code.value = 0;

    BlockShape shape{m_regs.channels.value, m_regs.height.value, m_regs.width.value};
    const BlockFormat fmt = format_of(m_regs.format.value, m_regs.ratio.value);
    unsigned reduced = 0;
    try {
        shape.validate();
    } catch (const ConfigError& e) {
        fail(ErrorCode::bad_shape, e.what());
        return;
    }
    try {
        fmt.validate();
        reduced = reduced_channels(shape, fmt.bottleneck_ratio);
    } catch (const ConfigError& e) {
        fail(e.key() == "block.bottleneck_ratio" ? ErrorCode::bad_ratio : ErrorCode::bad_format,
             e.what());
        return;
    }
    try {
        m_plan =
            plan_block(m_cfg, shape, reduced, m_regs.asram_base.value, m_regs.wsram_base.value);
    } catch (const ConfigError& e) {
        fail(e.key().rfind("activation", 0) == 0 ? ErrorCode::activation_sram_too_small
                                                 : ErrorCode::weight_sram_too_small,
             e.what());
        return;
    }
    if (m_plan.double_buffer_fallback) {
        ++m_single_buffered;
    }
    if (m_reseed) {
        m_reseed(Registers::value64(m_regs.seed_lo, m_regs.seed_hi));
    }
    // Power gating between blocks: the accelerator wakes before the block runs, and a weight
    // SRAM that was gated has lost the weights it held.
    m_start_time = sc_core::sc_time_stamp() + delay;
    m_tile_index = 0;
    std::uint64_t cycles = 0;
    if (m_cfg.power.gating == PowerGating::between_blocks) {
        cycles = m_cfg.block_wake_cycles();
        m_phase_cycles[static_cast<std::size_t>(Phase::wake_up)] += cycles;
        report(Activity::Unit::phase, 0, Phase::wake_up, 0, cycles, 0);
        ++m_wake_ups;
        if (m_cfg.weight_sram.idle_state == SramIdleState::gated)
            m_weights_valid = false;
    }
    try {
        cycles += run_block(shape, fmt, delay + m_clock.cycles_to_time(cycles), cycles);
    } catch (const DmaFailure& e) {
        m_weights_valid = false;
        fail(ErrorCode::dma_error, e.message);
        return;
    }
    m_total_cycles += cycles;
    ++m_blocks;
    m_regs.cycles_lo.value = static_cast<std::uint32_t>(cycles & 0xFFFFFFFFU);
    m_regs.cycles_hi.value = static_cast<std::uint32_t>(cycles >> 32);
    m_done_time = sc_core::sc_time_stamp() + delay + m_clock.cycles_to_time(cycles);
    m_done = true;
    if (wait) {
        delay += m_clock.cycles_to_time(cycles);
    }
}

bool ControlUnit::dma(bool write, std::uint64_t addr, void* buf, std::uint64_t bytes,
                      std::uint64_t& cycles) {
    const std::uint64_t words = ceil_div(bytes, 2);
    cycles += m_cfg.interface_latency_cycles + ceil_div(words, m_cfg.interface_words_per_cycle);
    (write ? m_interface_out : m_interface_in) += words;
    tlm::tlm_generic_payload trans;
    trans.set_address(addr);
    trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_data_ptr(static_cast<unsigned char*>(buf));
    trans.set_data_length(static_cast<unsigned int>(bytes));
    trans.set_streaming_width(static_cast<unsigned int>(bytes));
    trans.set_byte_enable_ptr(nullptr);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (!m_host_dmi_valid) {
        tlm::tlm_dmi dmi;
        if (dma_socket->get_direct_mem_ptr(trans, dmi) && dmi.is_read_write_allowed()) {
            m_host_dmi = dmi;
            m_host_dmi_valid = true;
        }
    }
    if (m_host_dmi_valid && addr >= m_host_dmi.get_start_address() &&
        addr <= m_host_dmi.get_end_address() && bytes <= m_host_dmi.get_end_address() - addr + 1) {
        unsigned char* p = m_host_dmi.get_dmi_ptr() + (addr - m_host_dmi.get_start_address());
        if (write) {
            std::memcpy(p, buf, bytes);
        } else {
            std::memcpy(buf, p, bytes);
        }
        return true;
    }
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    dma_socket->b_transport(trans, d);
    if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) {
        throw DmaFailure{fmt::format("DMA {} of {} bytes at host address 0x{:x} failed: {}",
                                     write ? "write" : "read", bytes, addr,
                                     trans.get_response_string())};
    }
    cycles += m_clock.time_to_cycles(d);
    return true;
}

std::uint64_t ControlUnit::load_weights(std::uint64_t host_word_offset, std::uint64_t words,
                                        std::uint64_t sram_word_offset, std::uint64_t at_cycles) {
    std::uint64_t cycles = 0;
    const std::uint64_t base = m_regs.wsram_base.value / 2;
    dma(false, Registers::value64(m_regs.wgt_lo, m_regs.wgt_hi) + host_word_offset * 2,
        m_wsram.words() + base + sram_word_offset, words * 2, cycles);
    m_wsram.count_writes(words);
    m_weight_loads += words;
    const std::uint64_t port = m_wsram.access_cycles(words);
    report(Activity::Unit::dma_in, 0, Phase::weight_load, at_cycles, cycles, words);
    report(Activity::Unit::weight_sram_port, 0, Phase::weight_load, at_cycles, port, words);
    return std::max(cycles, port);
}

std::uint64_t ControlUnit::conv_phase(Phase p, std::uint64_t at_cycles, bool depthwise,
                                      const std::int16_t* in, std::size_t in_stride,
                                      unsigned in_channels, const std::int16_t* w,
                                      const std::int16_t* b, unsigned filters, std::int16_t* out,
                                      std::size_t out_stride, std::size_t pixels,
                                      const PlaneTile* plane, int wfrac, sc_core::sc_time t) {
    const unsigned cols = m_cfg.array_cols;
    const std::uint64_t col_folds = ceil_div(pixels, cols);
    const std::uint64_t units = depthwise ? std::uint64_t{filters} * col_folds : col_folds;
    const std::uint64_t n = core_sockets.size();
    std::uint64_t longest = 0, act = 0, wt = 0;
    std::uint64_t reads = 0, writes = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
        const auto [u0, u1] = core_share(units, k, n);
        if (u0 == u1) {
            continue;
        }
        ConvCommand cmd;
        cmd.kind = depthwise ? ConvCommand::Kind::depthwise : ConvCommand::Kind::pointwise;
        cmd.weight_frac_bits = wfrac;
        cmd.filters = filters;
        cmd.in = m_compute ? in : nullptr;
        cmd.in_stride = in_stride;
        cmd.in_channels = in_channels;
        cmd.weights = w;
        cmd.bias = b;
        cmd.out = out;
        cmd.out_stride = out_stride;
        cmd.pixels = pixels;
        cmd.unit0 = u0;
        cmd.unit1 = u1;
        if (plane != nullptr) {
            cmd.plane = *plane;
        }
        tlm::tlm_generic_payload trans;
        set_command(trans, cmd);
        sc_core::sc_time d = t;
        core_sockets[k]->b_transport(trans, d);
        if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) {
            throw DmaFailure{fmt::format("conv core {} rejected its command: {}", k,
                                         trans.get_response_string())};
        }
        const std::uint64_t core_cycles = m_clock.time_to_cycles(d - t);
        report(Activity::Unit::conv_core, static_cast<unsigned>(k), p, at_cycles, core_cycles,
               cmd.work.macs);
        longest = std::max(longest, core_cycles);
        reads += cmd.work.input_reads;
        writes += cmd.work.outputs;
        wt += cmd.work.weight_reads;
        m_saturated += cmd.saturated;
    }
    act = reads + writes;
    m_asram.count_reads(reads);
    m_asram.count_writes(writes);
    m_wsram.count_reads(wt);
    report(Activity::Unit::activation_sram_port, 0, p, at_cycles, m_asram.access_cycles(act), act);
    report(Activity::Unit::weight_sram_port, 0, p, at_cycles, m_wsram.access_cycles(wt), wt);
    return std::max({longest, m_asram.access_cycles(act), m_wsram.access_cycles(wt)});
}

std::uint64_t ControlUnit::relu_phase(Phase p, std::uint64_t at_cycles, std::int16_t* data,
                                      std::size_t count, int shift, sc_core::sc_time t) {
    LeakyReluCommand cmd{m_compute ? data : nullptr, count, shift};
    tlm::tlm_generic_payload trans;
    set_command(trans, cmd);
    sc_core::sc_time d = t;
    relu_socket->b_transport(trans, d);
    m_asram.count_reads(count);
    m_asram.count_writes(count);
    const std::uint64_t unit = m_clock.time_to_cycles(d - t);
    report(Activity::Unit::leaky_relu, 0, p, at_cycles, unit, count);
    report(Activity::Unit::activation_sram_port, 0, p, at_cycles, m_asram.access_cycles(2 * count),
           2 * count);
    return std::max(unit, m_asram.access_cycles(2 * count));
}

std::uint64_t ControlUnit::run_block(const BlockShape& shape, const BlockFormat& fmt,
                                     sc_core::sc_time t0, std::uint64_t base_cycles) {
    const TilePlan& plan = m_plan;
    const unsigned C = shape.channels;
    const unsigned Cr = plan.reduced;
    const std::size_t W = shape.width;
    const std::size_t HW = shape.pixels();
    const int wf = fmt.weight_frac_bits;
    const PackedLayout layout = packed_layout(C, Cr);
    std::int16_t* aw = m_asram.words() + m_regs.asram_base.value / 2;
    std::int16_t* ww = m_wsram.words() + m_regs.wsram_base.value / 2;
    const std::uint64_t src = Registers::value64(m_regs.src_lo, m_regs.src_hi);
    const std::uint64_t dst = Registers::value64(m_regs.dst_lo, m_regs.dst_hi);
    const std::uint32_t block_id = m_regs.block_id.value;

    std::uint64_t total = 0;
    // `amount`: the words a weight_load moves (for a timeline's SRAM occupancy).
    const auto add = [&](Phase p, std::uint64_t cycles, std::uint64_t amount = 0) {
        m_phase_cycles[static_cast<std::size_t>(p)] += cycles;
        report(Activity::Unit::phase, 0, p, base_cycles + total, cycles, amount);
        total += cycles;
    };
    const auto now = [&]() { return t0 + m_clock.cycles_to_time(total); };
    const auto at = [&]() { return base_cycles + total; };

    if (plan.weights_resident) {
        if (!(m_weights_valid && m_resident_block == block_id)) {
            add(Phase::weight_load, load_weights(0, layout.total, 0, at()), layout.total);
            m_weights_valid = true;
            m_resident_block = block_id;
        }
    } else {
        m_weights_valid = false;
    }
    // Weights of filters [g0, g1) of one phase: resident pointers, or streamed into the SRAM.
    const auto group = [&](std::uint64_t w_off, std::uint64_t b_off, std::uint64_t fan_in,
                           unsigned g0,
                           unsigned g1) -> std::pair<const std::int16_t*, const std::int16_t*> {
        if (plan.weights_resident) {
            return {ww + w_off + g0 * fan_in, ww + b_off + g0};
        }
        const std::uint64_t nw = (g1 - g0) * fan_in;
        const std::uint64_t w_cycles = load_weights(w_off + g0 * fan_in, nw, 0, at());
        const std::uint64_t b_cycles = load_weights(b_off + g0, g1 - g0, nw, at() + w_cycles);
        add(Phase::weight_load, w_cycles + b_cycles, nw + (g1 - g0));
        return {ww, ww + nw};
    };

    // Double buffering (plan.double_buffered): tile i computes from c_i for K_i cycles while the
    // one external interface stores tile i-1 (S_{i-1}) and then loads tile i+1 (L_{i+1}) into the
    // buffer tile i-1 used, so c_{i+1} = c_i + max(K_i, S_{i-1} + L_{i+1}), c_0 = L_0, and the
    // block ends at c_{n-1} + max(K_{n-1}, S_{n-2}) + S_{n-1}. The part of the interface's work
    // that compute does not cover is charged to input_load (the load, last on the port) and then
    // output_store; the rest is counted in dma_hidden_cycles. The data moves in tile order.
    const bool overlap = plan.double_buffered;
    std::uint64_t k_prev = 0;       // K_{i-1}
    std::uint64_t s_prev = 0;       // S_{i-1}
    std::uint64_t s_prev_prev = 0;  // S_{i-2}
    std::uint64_t tile_start = 0;   // total at the start of this tile's compute
    // A tile's transfer on the external interface, for the activity report: its DMA and SRAM
    // port cycles, words, and tile (a store of the double-buffered schedule is placed later).
    struct Transfer {
        std::uint64_t dma_cycles = 0, port_cycles = 0, words = 0;
        std::uint32_t tile = 0;
        bool valid = false;
    };
    Transfer store_prev, store_prev_prev;
    const auto report_transfer = [&](const Transfer& x, bool out, std::uint64_t at_cycles) {
        if (!m_listener || !x.valid)
            return;
        const std::uint32_t current = m_tile_index;
        m_tile_index = x.tile;
        const Phase p = out ? Phase::output_store : Phase::input_load;
        report(out ? Activity::Unit::dma_out : Activity::Unit::dma_in, 0, p, at_cycles,
               x.dma_cycles, x.words);
        report(Activity::Unit::activation_sram_port, 0, p, at_cycles, x.port_cycles, x.words);
        m_tile_index = current;
    };
    const auto charge_port = [&](std::uint64_t load, std::uint64_t store, std::uint64_t compute) {
        const std::uint64_t port = load + store;
        const std::uint64_t exposed = port > compute ? port - compute : 0;
        const std::uint64_t on_load = std::min(exposed, load);
        add(Phase::input_load, on_load);
        add(Phase::output_store, exposed - on_load);
        m_dma_hidden += port - exposed;
    };
    for (std::size_t ti = 0; ti < plan.tiles.size(); ++ti) {
        const RowTile& tile = plan.tiles[ti];
        m_tile_index = static_cast<std::uint32_t>(ti);
        ++m_tiles;
        m_halo_rows += tile.in_rows() - tile.rows();
        const std::size_t p_in = std::size_t{tile.in_rows()} * W;
        const std::size_t p_out = std::size_t{tile.rows()} * W;
        std::int16_t* x = aw + plan.x_offset + (overlap ? (ti % 2) * plan.x_words : 0);
        std::int16_t* h1 = aw + plan.h1_offset;
        std::int16_t* h2 = aw + plan.h2_offset;
        std::int16_t* mean = aw + plan.mean_offset;
        std::int16_t* var = aw + plan.var_offset;

        std::uint64_t cycles = 0;
        for (unsigned c = 0; c < C; ++c) {
            dma(false, src + (c * HW + std::size_t{tile.in_r0} * W) * 2, x + c * p_in, p_in * 2,
                cycles);
        }
        m_asram.count_writes(C * p_in);
        const std::uint64_t load = std::max(cycles, m_asram.access_cycles(C * p_in));
        const Transfer load_x{cycles, m_asram.access_cycles(C * p_in), C * p_in,
                              static_cast<std::uint32_t>(ti), true};
        if (overlap && ti > 0) {
            // On the port during the previous tile's compute: its predecessor's store, then
            // this load.
            report_transfer(store_prev_prev, true, base_cycles + tile_start);
            report_transfer(load_x, false, base_cycles + tile_start + s_prev_prev);
            charge_port(load, s_prev_prev, k_prev);
        } else {
            report_transfer(load_x, false, at());
            add(Phase::input_load, load);
        }
        tile_start = total;

        for (unsigned g0 = 0; g0 < Cr; g0 += plan.reduce_group) {
            const unsigned g1 = std::min(Cr, g0 + plan.reduce_group);
            const auto [w, b] = group(layout.reduce_w, layout.reduce_b, C, g0, g1);
            add(Phase::pw_reduce,
                conv_phase(Phase::pw_reduce, at(), false, x, p_in, C, w, b, g1 - g0, h1 + g0 * p_in,
                           p_in, p_in, nullptr, wf, now()));
        }
        add(Phase::leaky_relu_1,
            relu_phase(Phase::leaky_relu_1, at(), h1, Cr * p_in, fmt.leaky_shift, now()));

        const PlaneTile plane{shape.height, shape.width, tile.in_r0, tile.in_rows(), tile.r0};
        for (unsigned g0 = 0; g0 < Cr; g0 += plan.depthwise_group) {
            const unsigned g1 = std::min(Cr, g0 + plan.depthwise_group);
            const auto [w, b] = group(layout.dw_w, layout.dw_b, 9, g0, g1);
            add(Phase::depthwise,
                conv_phase(Phase::depthwise, at(), true, h1 + g0 * p_in, p_in, 1, w, b, g1 - g0,
                           h2 + g0 * p_out, p_out, p_out, &plane, wf, now()));
        }
        add(Phase::leaky_relu_2,
            relu_phase(Phase::leaky_relu_2, at(), h2, Cr * p_out, fmt.leaky_shift, now()));

        for (unsigned g0 = 0; g0 < C; g0 += plan.head_group) {
            const unsigned g1 = std::min(C, g0 + plan.head_group);
            const auto [w, b] = group(layout.mean_w, layout.mean_b, Cr, g0, g1);
            add(Phase::pw_mean,
                conv_phase(Phase::pw_mean, at(), false, h2, p_out, Cr, w, b, g1 - g0,
                           mean + g0 * p_out, p_out, p_out, nullptr, wf, now()));
        }
        // Without the stochastic term (FORMAT.MEAN_ONLY) the variance head is not computed.
        for (unsigned g0 = 0; fmt.stochastic && g0 < C; g0 += plan.head_group) {
            const unsigned g1 = std::min(C, g0 + plan.head_group);
            const auto [w, b] = group(layout.var_w, layout.var_b, Cr, g0, g1);
            add(Phase::pw_var, conv_phase(Phase::pw_var, at(), false, h2, p_out, Cr, w, b, g1 - g0,
                                          var + g0 * p_out, p_out, p_out, nullptr, wf, now()));
        }

        std::uint64_t longest = 0;
        const sc_core::sc_time t = now();
        for (unsigned l = 0; l < lane_sockets.size(); ++l) {
            NoiseCommand cmd;
            cmd.x = m_compute ? x : nullptr;
            cmd.x_row0 = tile.in_r0;
            cmd.x_rows = tile.in_rows();
            cmd.mean = mean;
            cmd.var = var;
            cmd.channels = C;
            cmd.width = shape.width;
            cmd.r0 = tile.r0;
            cmd.r1 = tile.r1;
            cmd.lanes = static_cast<unsigned>(lane_sockets.size());
            cmd.frac_bits = fmt.activation_frac_bits;
            cmd.mean_only = !fmt.stochastic;
            tlm::tlm_generic_payload trans;
            set_command(trans, cmd);
            sc_core::sc_time d = t;
            lane_sockets[l]->b_transport(trans, d);
            const std::uint64_t lane_cycles = m_clock.time_to_cycles(d - t);
            report(Activity::Unit::noise_lane, l, Phase::noise_cancel, at(), lane_cycles,
                   cmd.elements);
            longest = std::max(longest, lane_cycles);
        }
        // Per element the lanes read X, mu and (with the stochastic term) v, and write X_hat.
        const std::uint64_t n = C * p_out;
        const std::uint64_t reads = (fmt.stochastic ? 3 : 2) * n;
        m_asram.count_reads(reads);
        m_asram.count_writes(n);
        report(Activity::Unit::activation_sram_port, 0, Phase::noise_cancel, at(),
               m_asram.access_cycles(reads + n), reads + n);
        add(Phase::noise_cancel, std::max(longest, m_asram.access_cycles(reads + n)));

        cycles = 0;
        const std::size_t interior = std::size_t{tile.r0 - tile.in_r0} * W;
        for (unsigned c = 0; c < C; ++c) {
            dma(true, dst + (c * HW + std::size_t{tile.r0} * W) * 2, x + c * p_in + interior,
                p_out * 2, cycles);
        }
        m_asram.count_reads(n);
        const std::uint64_t store = std::max(cycles, m_asram.access_cycles(n));
        const Transfer store_x{cycles, m_asram.access_cycles(n), n, static_cast<std::uint32_t>(ti),
                               true};
        if (overlap) {
            k_prev = total - tile_start;
            s_prev_prev = s_prev;
            s_prev = store;
            store_prev_prev = store_prev;
            store_prev = store_x;
        } else {
            report_transfer(store_x, true, at());
            add(Phase::output_store, store);
        }
    }
    if (overlap) {
        report_transfer(store_prev_prev, true, base_cycles + tile_start);
        charge_port(0, s_prev_prev, k_prev);
        report_transfer(store_prev, true, at());
        add(Phase::output_store, s_prev);
    }
    return total;
}

}  // namespace dnsim::denoiser
