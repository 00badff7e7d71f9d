// Noise lane seeding from the block seed register.
#include "models/denoiser/noise_cancel.h"

#include <array>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/random_streams.h"
#include "models/common/rng.h"

namespace dnsim::denoiser {

LaneSeeds lane_seeds(std::uint64_t seed, unsigned lane) {
    // Distinct, non-zero seeds per lane and per LFSR, derived from the one seed register.
    auto u1 =
        static_cast<std::uint32_t>(derive_key(seed, {lane, streams::kLaneU1}) & 0xFFFFFFFFULL);
    auto u2 =
        static_cast<std::uint32_t>(derive_key(seed, {lane, streams::kLaneU2}) & 0x7FFFFFFFULL);
    return {u1 == 0 ? 1U : u1, u2 == 0 ? 1U : u2};
}

const std::int16_t* sigma_table(int frac_bits) {
    if (frac_bits < 0 || frac_bits > 15) {
        throw std::invalid_argument("sigma_table: " + std::to_string(frac_bits) +
                                    " fraction bits, expected 0 .. 15");
    }
    static std::array<std::vector<std::int16_t>, 16> tables;
    static std::array<std::once_flag, 16> built;
    const auto f = static_cast<std::size_t>(frac_bits);
    std::call_once(built[f], [f, frac_bits] {
        std::vector<std::int16_t>& t = tables[f];
        t.resize(32768);
        for (int v = 0; v < 32768; ++v)
            t[static_cast<std::size_t>(v)] =
                sigma_from_variance(static_cast<std::int16_t>(v), frac_bits);
    });
    return tables[f].data();
}

void NoiseLaneKernel::reseed(std::uint64_t seed, unsigned lane) {
    const LaneSeeds s = lane_seeds(seed, lane);
    m_u1.reseed(s.u1);
    m_u2.reseed(s.u2);
}

}  // namespace dnsim::denoiser
