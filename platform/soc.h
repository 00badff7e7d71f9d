// The assembled platform: host driver (the only SC_THREAD, owning the quantum keeper), an
// interconnect with the address map, the MX-CGRA, the denoiser accelerator and host memory.
// The driver walks a ReplayPlan: a command to the CGRA per layer step; for a denoiser step it
// loads the block's weights and input, programs the denoiser's registers and starts it with
// WAIT (the paper's sequential mode), then reads the result back.
//
// Address map (host side):
//   0x0000_0000 .. 0x3FFF_FFFF  denoiser (registers, weight SRAM, activation SRAM windows)
//   0x4000_0000 .. 0x4000_00FF  MX-CGRA command window
// The denoiser's DMA port reaches host memory directly.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "cgra/cgra_config.h"
#include "cgra/mx_cgra.h"
#include "denoiser/block.h"
#include "denoiser/denoiser.h"
#include "graph/graph.h"
#include "host_memory.h"
#include "interconnect.h"
#include "replay_plan.h"

namespace dnsim::platform {

inline constexpr std::uint64_t kDenoiserBase = 0x00000000;
inline constexpr std::uint64_t kDenoiserSize = 0x40000000;
inline constexpr std::uint64_t kCgraBase = 0x40000000;
inline constexpr std::uint64_t kCgraSize = 0x100;

struct SocConfig {
    cgra::CgraConfig cgra;
    denoiser::DenoiserConfig denoiser;
    denoiser::BlockFormat format;  ///< fixed-point format of denoiser blocks
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    sc_core::sc_time bus_latency = sc_core::sc_time(2, sc_core::SC_NS);   ///< per hop
    sc_core::sc_time host_latency = sc_core::sc_time(10, sc_core::SC_NS); ///< host memory access
};

/// Denoiser work of one image for the functional replay: fills `x` (C x H x W raw) before the
/// block runs and receives the output after it.
struct DenoiserIo {
    std::function<void(std::size_t step, std::vector<std::int16_t>& x)> input;
    std::function<void(std::size_t step, const std::vector<std::int16_t>& y)> output;
};

class Soc : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Soc);
    /// `plan` must come from make_replay_plan(graph, config.cgra); both must outlive the Soc.
    Soc(const sc_core::sc_module_name& name, const SocConfig& config,
        const workloads::Graph& graph, const ReplayPlan& plan, std::uint32_t images = 1,
        DenoiserIo io = {});

    cgra::MxCgra& cgra() { return m_cgra; }
    denoiser::Denoiser& denoiser() { return m_denoiser; }
    const denoiser::Denoiser& denoiser() const { return m_denoiser; }
    const cgra::MxCgra& cgra() const { return m_cgra; }

    /// Host-observed time of every step over all images, ns (register traffic included).
    const std::vector<double>& step_ns() const { return m_step_ns; }
    /// Denoiser CYCLES register summed per step.
    const std::vector<std::uint64_t>& denoiser_cycles() const { return m_denoiser_cycles; }
    sc_core::sc_time finish_time() const { return m_finish; }

  private:
    void driver();
    void run_denoiser(std::size_t step_index, std::uint32_t block_id, std::uint64_t seed,
                      sc_core::sc_time& delay);
    void write(std::uint64_t addr, const void* data, unsigned len, sc_core::sc_time& delay);
    std::uint32_t read32(std::uint64_t addr, sc_core::sc_time& delay);

    SocConfig m_cfg;
    const workloads::Graph& m_graph;
    const ReplayPlan& m_plan;
    std::uint32_t m_images;
    DenoiserIo m_io;
    std::vector<std::uint64_t> m_weight_addr;  ///< per step (denoiser steps), host address
    std::uint64_t m_in_addr = 0;
    std::uint64_t m_out_addr = 0;
    std::uint64_t m_buffer_bytes = 0;

    cgra::MxCgra m_cgra;
    denoiser::Denoiser m_denoiser;
    HostMemory m_memory;
    Interconnect m_bus;
    tlm_utils::simple_initiator_socket<Soc> m_socket;
    std::vector<double> m_step_ns;
    std::vector<std::uint64_t> m_denoiser_cycles;
    sc_core::sc_time m_finish;
};

/// The denoiser node's float weights, quantised in the block format (C_r from the weights).
denoiser::BlockWeights denoiser_weights(const workloads::Graph& g, const workloads::Node& n,
                                        const denoiser::BlockFormat& format);

}  // namespace dnsim::platform
