// Noise lane seeding from the block seed register.
#include "noise_cancel.h"

#include "common/rng.h"

namespace dnsim::denoiser {

LaneSeeds lane_seeds(std::uint64_t seed, unsigned lane) {
    // Distinct, non-zero seeds per lane and per LFSR, derived from the one seed register.
    auto u1 = static_cast<std::uint32_t>(derive_key(seed, {lane, 1}) & 0xFFFFFFFFULL);
    auto u2 = static_cast<std::uint32_t>(derive_key(seed, {lane, 2}) & 0x7FFFFFFFULL);
    return {u1 == 0 ? 1U : u1, u2 == 0 ? 1U : u2};
}

void NoiseLaneKernel::reseed(std::uint64_t seed, unsigned lane) {
    const LaneSeeds s = lane_seeds(seed, lane);
    m_u1.reseed(s.u1);
    m_u2.reseed(s.u2);
}

}  // namespace dnsim::denoiser
