// The assembled platform: host driver (the only SC_THREAD, owning the quantum keeper), an
// interconnect with the address map, the MX-CGRA, the denoiser accelerator and host memory.
// The driver walks a ReplayPlan once per job: a command to the CGRA per layer step, pointing to
// the job's buffers (JobData); for a denoiser step it puts the block's input into host memory,
// programs the denoiser through the DenoiserDriver and starts it with WAIT (the paper's
// sequential mode; with soc.denoiser_overlap dependence without WAIT, going on with the steps
// that do not read the block's output and waiting only before one that does), then reads the
// result back — or, for the fast accuracy passes, sends all
// the job's images to the denoiser's functional port. The modules compute; the driver moves
// data and sequences.
//
// Address map (host side):
//   0x0000_0000 .. 0x3FFF_FFFF  denoiser (registers, weight SRAM, activation SRAM windows,
//                               functional port)
//   0x4000_0000 .. 0x4000_00FF  MX-CGRA command window
// The denoiser's DMA port reaches host memory directly.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "models/cgra/mx_cgra.h"
#include "models/common/interconnect.h"
#include "models/common/worker_pool.h"
#include "models/denoiser/block.h"
#include "models/denoiser/denoiser.h"
#include "platform/bus_master.h"
#include "platform/denoiser_driver.h"
#include "platform/host_memory.h"
#include "platform/job_data.h"
#include "platform/replay_plan.h"
#include "platform/timeline.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

inline constexpr std::uint64_t kDenoiserBase = 0x00000000;
inline constexpr std::uint64_t kDenoiserSize = 0x40000000;
inline constexpr std::uint64_t kCgraBase = 0x40000000;
inline constexpr std::uint64_t kCgraSize = 0x100;

/// soc.denoiser_overlap: whether the host waits for a denoiser block before its next step.
enum class DenoiserOverlap {
    Off,         ///< START with WAIT: every step after the block waits for it (sequential)
    Dependence,  ///< START without WAIT; wait only before a step that reads the block's output,
                 ///< before the next block, and at the end of the job
};

struct SocConfig {
    cgra::CgraConfig cgra;
    denoiser::DenoiserConfig denoiser;
    denoiser::BlockFormat format;  ///< fixed-point format of denoiser blocks
    DenoiserOverlap denoiser_overlap = DenoiserOverlap::Off;
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    sc_core::sc_time bus_latency = sc_core::sc_time(2, sc_core::SC_NS);    ///< per hop
    sc_core::sc_time host_latency = sc_core::sc_time(10, sc_core::SC_NS);  ///< host memory access
};

/// One pass of the driver over the plan.
struct ReplayJob {
    std::uint32_t images = 1;   ///< images processed back to back in every step
    bool denoisers = true;      ///< run the denoiser steps (false: skip them, as without blocks)
    bool tlm_denoisers = true;  ///< every image's block goes through the denoiser's registers;
                                ///< false: the job's images go to its functional port (untimed)
    bool record = false;        ///< add this job's step times to step_ns()
    std::uint64_t seed = 1;     ///< run seed: the blocks' SEED registers
    JobData* data = nullptr;    ///< the job's buffers; null: timing only (zero inputs)
};

/// Gives the driver its next job; nullopt ends the simulation.
using JobSource = std::function<std::optional<ReplayJob>()>;

class Soc : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(Soc);
    /// `plan` must come from make_replay_plan(graph, config.cgra); both must outlive the Soc.
    /// `noise` is the chip's analog non-idealities; the CGRA and the denoiser split a job's
    /// images over `pool` (serially without one).
    Soc(const sc_core::sc_module_name& name, const SocConfig& config,
        const cgra::NoiseConfig& noise, const workloads::Graph& graph, const ReplayPlan& plan,
        JobSource jobs, WorkerPool* pool = nullptr);

    cgra::MxCgra& cgra() { return m_cgra; }
    denoiser::Denoiser& denoiser() { return m_denoiser; }
    const denoiser::Denoiser& denoiser() const { return m_denoiser; }
    const cgra::MxCgra& cgra() const { return m_cgra; }

    /// Host-observed time of every step, ns (register traffic included), summed over the
    /// recorded jobs. A CGRA step's time leaves out the host's wait for a block before it; a
    /// denoiser step's runs from its register programming to the block's completion plus the
    /// STATUS and CYCLES reads after it. Without overlap they add up to recorded_ns().
    const std::vector<double>& step_ns() const { return m_step_ns; }
    /// Simulated time from the start to the end of the recorded jobs, ns (summed over them):
    /// the latency, also when blocks overlap later steps.
    double recorded_ns() const { return m_recorded_ns; }
    /// Time the host spent waiting for a block before a step (soc.denoiser_overlap
    /// dependence; summed over the recorded jobs), ns.
    double block_wait_ns() const { return m_block_wait_ns; }
    /// Denoiser CYCLES register summed per step over the recorded jobs.
    const std::vector<std::uint64_t>& denoiser_cycles() const { return m_denoiser_cycles; }
    /// The cycles of each denoiser phase per step, summed over the recorded jobs' blocks (they
    /// add up to denoiser_cycles()).
    const std::vector<std::array<std::uint64_t, denoiser::kPhaseCount>>& denoiser_phase_cycles()
        const {
        return m_denoiser_phases;
    }
    /// Records the recorded jobs' timeline into `timeline` (before sc_start; it must outlive
    /// the simulation). Null, the default: nothing is recorded and nothing costs.
    void set_timeline(Timeline* timeline);
    sc_core::sc_time finish_time() const { return m_finish; }
    /// After sc_start: rethrows the bad-input error (ConfigError) that stopped the driver, e.g.
    /// a block the denoiser's SRAMs cannot hold. (Thrown inside the SystemC thread, it would
    /// reach the caller as SystemC's "uncaught exception" report, an internal error.)
    void rethrow_failure() const {
        if (m_failure)
            std::rethrow_exception(m_failure);
    }

  private:
    void driver();
    void drive_jobs();
    /// Programs and STARTs one image's block through the registers (WAIT: the write returns
    /// when it is done).
    void start_denoiser(std::size_t step_index, std::uint32_t image, std::uint32_t block_id,
                        const ReplayJob& job, bool wait, sc_core::sc_time& delay);
    /// Once the block is done: checks STATUS, reads CYCLES and the output.
    void finish_denoiser(std::size_t step_index, std::uint32_t image, const ReplayJob& job,
                         sc_core::sc_time& delay);
    /// All the job's images of a block through the functional port.
    void run_denoiser_batch(std::size_t step_index, JobData& data, sc_core::sc_time& delay);

    SocConfig m_cfg;
    const workloads::Graph& m_graph;
    const ReplayPlan& m_plan;
    JobSource m_jobs;
    std::vector<std::uint64_t> m_weight_addr;  ///< per step (denoiser steps), host address
    std::uint64_t m_in_addr = 0;
    std::uint64_t m_out_addr = 0;
    std::uint64_t m_buffer_bytes = 0;

    cgra::MxCgra m_cgra;
    denoiser::Denoiser m_denoiser;
    HostMemory m_memory;
    std::exception_ptr m_failure;
    Interconnect m_bus;
    tlm_utils::simple_initiator_socket<Soc> m_socket;
    BusMaster m_host;
    DenoiserDriver m_denoiser_driver;
    /// Per step, the earlier steps whose outputs it reads.
    std::vector<std::vector<std::size_t>> m_reads;
    std::vector<double> m_step_ns;
    double m_recorded_ns = 0.0;
    double m_block_wait_ns = 0.0;
    std::vector<std::uint64_t> m_denoiser_cycles;
    std::vector<std::array<std::uint64_t, denoiser::kPhaseCount>> m_denoiser_phases;
    sc_core::sc_time m_finish;
    Timeline* m_timeline = nullptr;  ///< set_timeline
    bool m_recording = false;        ///< the job being driven is recorded into m_timeline
    sc_core::sc_time m_job_start;    ///< of the job being driven
    /// ns from the start of the job being driven to simulation time `t`.
    double job_ns(const sc_core::sc_time& t) const { return (t - m_job_start).to_seconds() * 1e9; }
};

/// The denoiser node's float weights, quantised in the block format (C_r from the weights).
/// Throws ConfigError naming `source`, the node and the tensor when a weight or bias of the
/// Denoiser node `n` is not finite or outside the block's 16-bit format (it would saturate).
void check_denoiser_weights(const workloads::Graph& g, const workloads::Node& n,
                            const denoiser::BlockFormat& format, const std::string& source);

denoiser::BlockWeights denoiser_weights(const workloads::Graph& g, const workloads::Node& n,
                                        const denoiser::BlockFormat& format);

}  // namespace dnsim::platform
