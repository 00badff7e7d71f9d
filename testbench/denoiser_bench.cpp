// Denoiser bench: host driver thread with a quantum keeper.
#include "denoiser_bench.h"

#include <tlm_utils/tlm_quantumkeeper.h>
#include <cstring>
#include <stdexcept>

namespace dnsim::tb {

using denoiser::Denoiser;
namespace reg = denoiser::reg;

void configure_systemc_reporting() {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                            sc_core::SC_DISPLAY | sc_core::SC_THROW);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR,
                                            sc_core::SC_DISPLAY | sc_core::SC_THROW);
    // Debian's SystemC reports its deprecated sc_time(double, bool) use of default time units
    // only when asked; nothing here relies on it.
}

namespace {
std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) / a * a;
}
}  // namespace

DenoiserBench::DenoiserBench(const sc_core::sc_module_name& name, BenchOptions options,
                             denoiser::BlockWeights weights, std::vector<DenoiserJob> jobs)
    : sc_core::sc_module(name),
      m_opt(std::move(options)),
      m_weights(std::move(weights)),
      m_jobs(std::move(jobs)),
      m_denoiser("denoiser", m_opt.config),
      m_memory("host_memory",
               align_up(denoiser::packed_words(m_weights.channels, m_weights.reduced) * 2, 4096) +
                   2 * align_up(m_opt.shape.elements() * 2, 4096),
               m_opt.host_latency, m_opt.host_dmi),
      m_socket("socket") {
    m_socket.bind(m_denoiser.ext_socket);
    m_denoiser.dma_socket.bind(m_memory.socket);
    SC_THREAD(driver);
}

std::uint64_t DenoiserBench::input_addr() const {
    return align_up(denoiser::packed_words(m_weights.channels, m_weights.reduced) * 2, 4096);
}

std::uint64_t DenoiserBench::output_addr() const {
    return input_addr() + align_up(m_opt.shape.elements() * 2, 4096);
}

std::uint32_t DenoiserBench::read_reg(std::uint64_t offset, sc_core::sc_time& delay) {
    std::uint32_t v = 0;
    tlm::tlm_generic_payload trans;
    trans.set_command(tlm::TLM_READ_COMMAND);
    trans.set_address(denoiser::addr::registers + offset);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    trans.set_data_length(4);
    trans.set_streaming_width(4);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    m_socket->b_transport(trans, delay);
    if (!trans.is_response_ok()) {
        throw std::runtime_error("register read failed at offset " + std::to_string(offset));
    }
    return v;
}

void DenoiserBench::write_reg(std::uint64_t offset, std::uint32_t value, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload trans;
    trans.set_command(tlm::TLM_WRITE_COMMAND);
    trans.set_address(denoiser::addr::registers + offset);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    trans.set_data_length(4);
    trans.set_streaming_width(4);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    m_socket->b_transport(trans, delay);
    if (!trans.is_response_ok()) {
        throw std::runtime_error("register write failed at offset " + std::to_string(offset));
    }
}

void DenoiserBench::driver() {
    tlm_utils::tlm_quantumkeeper qk;
    qk.set_global_quantum(m_opt.quantum);
    qk.reset();
    const std::vector<std::int16_t> packed = denoiser::pack_block(m_weights);
    std::memcpy(m_memory.data() + kWeightAddr, packed.data(), packed.size() * 2);
    const std::uint64_t bytes = m_opt.shape.elements() * 2;
    for (const DenoiserJob& job : m_jobs) {
        // The host buffer is filled by whoever produced X (later: the CGRA); untimed here.
        std::memcpy(m_memory.data() + input_addr(), job.x.data(), bytes);
        sc_core::sc_time delay = qk.get_local_time();
        const auto& f = m_opt.format;
        write_reg(reg::channels, m_opt.shape.channels, delay);
        write_reg(reg::height, m_opt.shape.height, delay);
        write_reg(reg::width, m_opt.shape.width, delay);
        write_reg(reg::ratio, denoiser::ratio_to_q16(f.bottleneck_ratio), delay);
        write_reg(reg::format,
                  static_cast<std::uint32_t>(f.activation_frac_bits) |
                      (static_cast<std::uint32_t>(f.weight_frac_bits) << 8) |
                      (static_cast<std::uint32_t>(f.leaky_shift) << 16),
                  delay);
        write_reg(reg::seed_lo, static_cast<std::uint32_t>(job.seed & 0xFFFFFFFFU), delay);
        write_reg(reg::seed_hi, static_cast<std::uint32_t>(job.seed >> 32), delay);
        write_reg(reg::block_id, job.block_id, delay);
        write_reg(reg::wsram_base, static_cast<std::uint32_t>(m_opt.wsram_base), delay);
        write_reg(reg::asram_base, static_cast<std::uint32_t>(m_opt.asram_base), delay);
        write_reg(reg::src_lo, static_cast<std::uint32_t>(input_addr()), delay);
        write_reg(reg::src_hi, 0, delay);
        write_reg(reg::dst_lo, static_cast<std::uint32_t>(output_addr()), delay);
        write_reg(reg::dst_hi, 0, delay);
        write_reg(reg::wgt_lo, static_cast<std::uint32_t>(kWeightAddr), delay);
        write_reg(reg::wgt_hi, 0, delay);
        DenoiserJobResult r;
        r.start = sc_core::sc_time_stamp() + delay;
        write_reg(reg::ctrl, reg::ctrl_start | reg::ctrl_wait, delay);
        r.end = sc_core::sc_time_stamp() + delay;
        r.status = read_reg(reg::status, delay);
        r.error_code = read_reg(reg::error_code, delay);
        r.cycles = std::uint64_t{read_reg(reg::cycles_lo, delay)} |
                   (std::uint64_t{read_reg(reg::cycles_hi, delay)} << 32);
        if (r.status & reg::status_done) {
            r.out.resize(m_opt.shape.elements());
            std::memcpy(r.out.data(), m_memory.data() + output_addr(), bytes);
        }
        m_results.push_back(std::move(r));
        qk.set(delay);
        if (qk.need_sync()) {
            qk.sync();
        }
    }
    m_finish = sc_core::sc_time_stamp() + qk.get_local_time();
    qk.sync();
}

}  // namespace dnsim::tb
