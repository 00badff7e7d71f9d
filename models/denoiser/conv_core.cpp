// Conv core: decodes a ConvCommand, runs the kernel on its share, annotates the fold cycles.
#include "models/denoiser/conv_core.h"

namespace dnsim::denoiser {

ConvCore::ConvCore(const sc_core::sc_module_name& name, ArrayDims dims, const Clock& clock)
    : sc_core::sc_module(name),
      socket("socket"),
      m_dims(dims),
      m_clock(clock),
      m_stats(std::string(this->name())),
      // In the order the stats list them (a braced list is evaluated left to right).
      m_work{
          m_stats.add("busy_cycles", "cycles", "cycles spent computing folds"),
          m_stats.add("folds", "folds", "systolic folds executed"),
          m_stats.add("macs", "MACs", "useful 16x16-bit multiply-accumulates"),
          m_stats.add("input_reads", "words", "activation words loaded into PEs"),
          m_stats.add("weight_reads", "words", "weight words streamed into the array"),
          m_stats.add("psum_updates", "updates", "32-bit partial-sum accumulations across folds"),
          m_stats.add("outputs", "words", "16-bit results written")},
      m_saturated(
          m_stats.add("saturated", "outputs", "outputs that saturated (format too narrow)")) {
    socket.register_b_transport(this, &ConvCore::b_transport);
}

void ConvCore::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ConvCommand* cmd = command_of<ConvCommand>(trans);
    if (cmd == nullptr) {
        return;
    }
    const std::uint64_t col_folds = ceil_div(cmd->pixels, m_dims.cols);
    FoldWork work;
    std::uint64_t saturated = 0;
    if (cmd->kind == ConvCommand::Kind::pointwise) {
        const std::uint64_t p0 = cmd->unit0 * m_dims.cols;
        const std::uint64_t p1 = std::min<std::uint64_t>(cmd->unit1 * m_dims.cols, cmd->pixels);
        if (p1 > p0) {
            if (cmd->in != nullptr) {
                saturated = pointwise_conv(cmd->in, cmd->in_stride, cmd->in_channels, cmd->weights,
                                           cmd->bias, 0, cmd->filters, p0, p1, cmd->out,
                                           cmd->out_stride, cmd->weight_frac_bits);
            }
            work =
                fold_work(m_dims, cmd->in_channels, cmd->unit1 - cmd->unit0, p1 - p0, cmd->filters);
        }
    } else {
        // Depthwise: each (channel, column fold) unit is a conv with S_R = 9 and T = 1.
        for (const DepthwiseSlice& sl :
             depthwise_slices(cmd->unit0, cmd->unit1, col_folds, m_dims.cols, cmd->pixels)) {
            if (cmd->in != nullptr) {
                saturated +=
                    depthwise3x3(cmd->in + sl.channel * cmd->in_stride, cmd->plane,
                                 cmd->weights + sl.channel * 9, cmd->bias[sl.channel], sl.q0, sl.q1,
                                 cmd->out + sl.channel * cmd->out_stride, cmd->weight_frac_bits);
            }
            work += fold_work(m_dims, 9, sl.folds, sl.q1 - sl.q0, 1);
        }
        // The core's slices are one sequence of folds (T = 1 each): pipelined across channels.
        work.cycles = fold_sequence_cycles(m_dims, work.folds, 1);
    }
    cmd->work = work;
    cmd->saturated = saturated;
    add_work(m_work, work);
    m_saturated += saturated;
    delay += m_clock.cycles_to_time(work.cycles);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace dnsim::denoiser
