// Noise lane: walks its interleaved share of the tile in (h, c, w) order.
#include "models/denoiser/noise_lane.h"

namespace dnsim::denoiser {

NoiseLane::NoiseLane(const sc_core::sc_module_name& name, unsigned index, unsigned pipeline_latency,
                     const Clock& clock)
    : sc_core::sc_module(name),
      socket("socket"),
      m_index(index),
      m_latency(pipeline_latency),
      m_clock(clock),
      m_stats(std::string(this->name())),
      m_samples(m_stats.add("samples", "samples", "normal samples drawn")),
      m_elements(m_stats.add("elements", "elements", "elements denoised")),
      m_busy_cycles(m_stats.add("busy_cycles", "cycles", "cycles the lane pipeline was busy")) {
    socket.register_b_transport(this, &NoiseLane::b_transport);
}

void NoiseLane::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    NoiseCommand* cmd = command_of<NoiseCommand>(trans);
    if (cmd == nullptr) {
        return;
    }
    const std::uint64_t C = cmd->channels;
    const std::uint64_t W = cmd->width;
    const std::uint64_t L = cmd->lanes;
    const std::size_t tile_plane = std::size_t{cmd->r1 - cmd->r0} * W;
    const std::size_t x_plane = std::size_t{cmd->x_rows} * W;
    // First global index g >= start of this tile with g mod L == lane.
    const std::uint64_t g_begin = std::uint64_t{cmd->r0} * C * W;
    const std::uint64_t g_end = std::uint64_t{cmd->r1} * C * W;
    std::uint64_t g = g_begin + (m_index + L - g_begin % L) % L;
    const std::uint64_t elements = g < g_end ? (g_end - g - 1) / L + 1 : 0;
    for (; cmd->x != nullptr && g < g_end; g += L) {
        const std::uint64_t y = g / (C * W);
        const std::uint64_t c = (g / W) % C;
        const std::uint64_t x = g % W;
        const std::size_t t = c * tile_plane + (y - cmd->r0) * W + x;
        std::int16_t& xv = cmd->x[c * x_plane + (y - cmd->x_row0) * W + x];
        xv = cmd->mean_only ? saturate16(std::int64_t{xv} - cmd->mean[t])
                            : m_kernel.cancel(xv, cmd->mean[t], cmd->var[t], cmd->frac_bits);
    }
    // Mean only: the subtract stage alone, one cycle deep; the LFSRs do not advance.
    const std::uint64_t samples = cmd->mean_only ? 0 : elements;
    const std::uint64_t latency = cmd->mean_only ? 1 : m_latency;
    cmd->elements = elements;
    cmd->samples = samples;
    const std::uint64_t cycles = elements == 0 ? 0 : elements + latency;
    m_samples += samples;
    m_elements += elements;
    m_busy_cycles += cycles;
    delay += m_clock.cycles_to_time(cycles);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace dnsim::denoiser
