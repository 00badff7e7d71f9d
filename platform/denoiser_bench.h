// A complete loosely-timed bench around one Denoiser: host memory and a host driver (the only
// SC_THREAD, owning a quantum keeper) that loads tensors and weights, programs each block
// through the DenoiserDriver, starts it with WAIT, checks STATUS and collects the denoised
// tensors. Used by the `dnsim denoiser` command, the module tests and the benchmark.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/denoiser/block.h"
#include "models/denoiser/denoiser.h"
#include "platform/bus_master.h"
#include "platform/denoiser_driver.h"
#include "platform/host_memory.h"

namespace dnsim::platform {

/// One block invocation.
struct DenoiserJob {
    std::vector<std::int16_t> x;  ///< noisy input, C x H x W raw (activation format)
    std::uint64_t seed = 0;       ///< SEED register
    std::uint32_t block_id = 0;   ///< BLOCK_ID register (weights stay resident per id)
};

struct DenoiserJobResult {
    std::vector<std::int16_t> out;
    std::uint64_t cycles = 0;     ///< CYCLES register
    sc_core::sc_time start, end;  ///< local times around the START|WAIT write
    std::uint32_t status = 0;
    std::uint32_t error_code = 0;
};

struct BenchOptions {
    denoiser::DenoiserConfig config;
    denoiser::BlockShape shape;
    denoiser::BlockFormat format;
    std::uint64_t asram_base = 0;  ///< ASRAM_BASE register, bytes
    std::uint64_t wsram_base = 0;  ///< WSRAM_BASE register, bytes
    bool host_dmi = true;          ///< host memory grants DMI
    sc_core::sc_time host_latency = sc_core::sc_time(10, sc_core::SC_NS);
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
};

class DenoiserBench : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(DenoiserBench);
    DenoiserBench(const sc_core::sc_module_name& name, BenchOptions options,
                  denoiser::BlockWeights weights, std::vector<DenoiserJob> jobs);

    denoiser::Denoiser& denoiser() { return m_denoiser; }
    const denoiser::Denoiser& denoiser() const { return m_denoiser; }
    const std::vector<DenoiserJobResult>& results() const { return m_results; }
    /// Local time of the driver when it finished (the simulated end of the run).
    sc_core::sc_time finish_time() const { return m_finish; }

    /// Host memory map used by the driver.
    static constexpr std::uint64_t kWeightAddr = 0x0;
    std::uint64_t input_addr() const;
    std::uint64_t output_addr() const;

  private:
    void driver();

    BenchOptions m_opt;
    denoiser::BlockWeights m_weights;
    std::vector<DenoiserJob> m_jobs;
    std::vector<DenoiserJobResult> m_results;
    denoiser::Denoiser m_denoiser;
    HostMemory m_memory;
    tlm_utils::simple_initiator_socket<DenoiserBench> m_socket;
    BusMaster m_bus;
    DenoiserDriver m_driver;
    sc_core::sc_time m_finish;
};

}  // namespace dnsim::platform
