// `dnsim denoiser --vcd FILE.vcd`: the cycle-stepped PE-level reference of one conv core's
// systolic array (models/denoiser/systolic_cycle_model.h) running a block's four convolutions
// one after the other — PW-reduce, the depthwise 3x3 channel by channel, PW-mean, PW-variance (not
// with block.stochastic 0), each over the whole plane, on the block's input and weights — with
// every PE's registers and the array's control signals dumped once per clock through SystemC's
// sc_trace, for GTKWave. Leaves out: the split over the cores and row tiles (the whole plane runs
// on one array), fold pipelining (refused), and the LeakyReLU and noise stages (computed between
// the convolutions, not traced).
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "models/denoiser/block.h"
#include "models/denoiser/denoiser_config.h"
#include "models/denoiser/systolic.h"
#include "models/denoiser/systolic_cycle_model.h"

namespace dnsim::tb {

/// The most PE-cycles (array cycles x PEs) a VCD may hold. The dump grows with both: about
/// 37 bytes per PE and cycle on a 3x3 array (a 16x8x8 block: 5588 cycles, 1.8 MB), fewer on
/// large arrays whose PEs change less often (a 16x16 array about 13, a 64x64 one about 2), so
/// this bounds a dump to about 33 MB at the densest; a big block would be gigabytes.
inline constexpr std::uint64_t kMaxVcdPeCycles = 900000;

/// Cycles of the block's four convolutions on one array, from the fold formula (systolic.h).
std::uint64_t vcd_block_cycles(const denoiser::BlockShape& shape, unsigned reduced,
                               denoiser::ArrayDims dims);

/// Refuses a VCD of this block: fold pipelining on (denoiser.fold_pipelining), or more than
/// kMaxVcdPeCycles PE-cycles (naming the block's shape and the array's keys). ConfigError.
void check_vcd_block(const denoiser::BlockShape& shape, unsigned reduced,
                     const denoiser::DenoiserConfig& config);

/// `vcd` with the body of its `$date` section replaced by a fixed text, so that the same
/// block gives the same bytes (SystemC writes the wall-clock date there).
std::string vcd_without_date(std::string vcd);

/// Runs the block's convolutions through the cycle-stepped array from time 0, one clock of
/// `clock_mhz` per array cycle, driving the signals traced into `tf` (set up in the
/// constructor, before the simulation starts).
class SystolicVcd : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(SystolicVcd);
    SystolicVcd(const sc_core::sc_module_name& name, const denoiser::DenoiserConfig& config,
                const denoiser::BlockShape& shape, const denoiser::BlockWeights& weights,
                const denoiser::BlockFormat& format, std::vector<std::int16_t> x,
                sc_core::sc_trace_file* tf);
    /// Array cycles run (valid once the simulation ended).
    std::uint64_t cycles() const { return m_cycles; }

  private:
    void run();
    /// Runs one convolution, a clock per array cycle; returns its results (T x pixels).
    std::vector<std::int16_t> convolve(unsigned conv, unsigned channel,
                                       const denoiser::ConvJob& job);

    denoiser::ArrayDims m_dims;
    sc_core::sc_time m_period;
    denoiser::BlockShape m_shape;
    denoiser::BlockWeights m_weights;
    denoiser::BlockFormat m_format;
    std::vector<std::int16_t> m_x;
    std::uint64_t m_cycles = 0;

    sc_core::sc_signal<bool> m_clk;
    sc_core::sc_signal<std::uint64_t> m_cycle;
    sc_core::sc_signal<unsigned> m_conv;     ///< 0 PW-reduce, 1 depthwise, 2 PW-mean, 3 PW-var
    sc_core::sc_signal<unsigned> m_channel;  ///< the depthwise channel
    sc_core::sc_signal<std::uint64_t> m_fold;
    sc_core::sc_signal<bool> m_loading;  ///< inputs shifting into the PEs
    sc_core::sc_vector<sc_core::sc_signal<std::int16_t>> m_x_reg;
    sc_core::sc_vector<sc_core::sc_signal<std::int16_t>> m_w_reg;
    sc_core::sc_vector<sc_core::sc_signal<bool>> m_w_valid;
    sc_core::sc_vector<sc_core::sc_signal<std::int64_t>> m_psum;
    sc_core::sc_vector<sc_core::sc_signal<bool>> m_psum_valid;
};

}  // namespace dnsim::tb
