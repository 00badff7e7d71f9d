// Denoiser bench: host driver thread with a quantum keeper.
#include "platform/denoiser_bench.h"

#include <tlm_utils/tlm_quantumkeeper.h>
#include <cstring>

#include "models/denoiser/registers.h"

namespace dnsim::platform {

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
      m_socket("socket"),
      m_bus(m_socket),
      m_driver(m_bus, denoiser::addr::registers) {
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

void DenoiserBench::driver() {
    tlm_utils::tlm_quantumkeeper qk;
    qk.set_global_quantum(m_opt.quantum);
    qk.reset();
    const std::vector<std::int16_t> packed = denoiser::pack_block(m_weights);
    std::memcpy(m_memory.data() + kWeightAddr, packed.data(), packed.size() * 2);
    const std::uint64_t bytes = m_opt.shape.elements() * 2;
    for (const DenoiserJob& job : m_jobs) {
        // The host buffer is filled by whoever produced X; untimed here.
        std::memcpy(m_memory.data() + input_addr(), job.x.data(), bytes);
        sc_core::sc_time delay = qk.get_local_time();
        BlockProgram p;
        p.shape = m_opt.shape;
        p.format = m_opt.format;
        p.seed = job.seed;
        p.block_id = job.block_id;
        p.wsram_base = static_cast<std::uint32_t>(m_opt.wsram_base);
        p.asram_base = static_cast<std::uint32_t>(m_opt.asram_base);
        p.src = input_addr();
        p.dst = output_addr();
        p.weights = kWeightAddr;
        m_driver.program(p, delay);
        DenoiserJobResult r;
        r.start = sc_core::sc_time_stamp() + delay;
        m_driver.start(true, delay);
        r.end = sc_core::sc_time_stamp() + delay;
        r.status = m_driver.status(delay);
        r.error_code = m_driver.error_code(delay);
        r.cycles = m_driver.cycles(delay);
        if (denoiser::reg::status_done.in(r.status)) {
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

}  // namespace dnsim::platform
