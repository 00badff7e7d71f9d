// One noise-cancellation lane as a plain C++ kernel: two LFSRs (U1, U2) -> Box-Muller Z1 ->
// Y = Z1 * sigma + mu -> X - Y. sigma = sqrt(max(v, 0)) of the predicted variance v (exact
// integer square root, floor), so the variance head needs no extra non-linearity.
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/common/fixed_point.h"
#include "models/denoiser/box_muller.h"
#include "models/denoiser/lfsr.h"

namespace dnsim::denoiser {

/// sigma = floor(sqrt(max(v, 0))) in the same fixed-point format as v (frac_bits fraction bits).
inline std::int16_t sigma_from_variance(std::int16_t v, int frac_bits) {
    if (v <= 0) {
        return 0;
    }
    return saturate16(static_cast<std::int64_t>(
        isqrt64(static_cast<std::uint64_t>(v) << static_cast<unsigned>(frac_bits))));
}

/// sigma_from_variance(v, frac_bits) for v = 0 .. 32767 (negative v give 0): the lane's
/// square-root table for one format, built once per process. frac_bits must be in 0 .. 15.
const std::int16_t* sigma_table(int frac_bits);

/// Y = z * sigma + mu with z in Q4.11; sigma, mu and the result share `frac_bits`.
inline std::int16_t gaussian_sample(std::int16_t z, std::int16_t sigma, std::int16_t mu) {
    return saturate16(round_shift(std::int64_t{z} * sigma, kNormalFracBits) + mu);
}

/// The two LFSR seeds of `lane` for a block run with the 64-bit `seed` register.
struct LaneSeeds {
    std::uint32_t u1;
    std::uint32_t u2;
};
LaneSeeds lane_seeds(std::uint64_t seed, unsigned lane);

/// State and datapath of one lane. Not thread-safe; one object per lane.
class NoiseLaneKernel {
  public:
    NoiseLaneKernel() : m_u1(Lfsr::u1_source(1)), m_u2(Lfsr::u2_source(1)) {}

    void reseed(std::uint64_t seed, unsigned lane);

    /// Next standard-normal sample (Q4.11); advances both LFSRs by one leap.
    std::int16_t next_normal() {
        std::uint32_t u1 = 0;
        std::uint16_t u2 = 0;
        next_uniforms(u1, u2);
        return m_bm.normal(u1, u2);
    }

    /// The converter's inputs for the next sample (what next_normal() converts): advances both
    /// LFSRs by one leap and returns U1's 32-bit state and U2's top 16 bits.
    void next_uniforms(std::uint32_t& u1, std::uint16_t& u2) {
        m_u1.leap();
        m_u2.leap();
        u1 = m_u1.state();
        u2 = static_cast<std::uint16_t>(m_u2.state() >> 15);
    }

    /// X_hat = X - (Z1 * sqrt(max(v, 0)) + mu), all in `frac_bits`.
    std::int16_t cancel(std::int16_t x, std::int16_t mu, std::int16_t v, int frac_bits) {
        const std::int16_t z = next_normal();
        const std::int16_t y = gaussian_sample(z, sigma_from_variance(v, frac_bits), mu);
        return saturate16(std::int64_t{x} - y);
    }

    std::uint32_t u1_state() const { return m_u1.state(); }
    std::uint32_t u2_state() const { return m_u2.state(); }
    /// Loads both registers with states the lane reached (non-zero, as every leap keeps them).
    void set_states(std::uint32_t u1, std::uint32_t u2) {
        m_u1.reseed(u1);
        m_u2.reseed(u2);
    }

    /// The converter inputs of `n` samples drawn from `count` lanes in turn: sample g from lane
    /// g mod count, as next_uniforms() called on lanes[0], lanes[1], ... round and round would
    /// give (each lane advances by its share). The lanes' registers stay in local variables
    /// through the loop, so the lanes' leaps overlap.
    static void draw_round_robin(NoiseLaneKernel* lanes, unsigned count, std::size_t n,
                                 std::uint32_t* u1, std::uint16_t* u2);

  private:
    Lfsr m_u1;
    Lfsr m_u2;
    BoxMuller m_bm;
};

}  // namespace dnsim::denoiser
