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

namespace {

/// draw_round_robin() for L lanes, L known at compile time: the 2 L registers in locals.
template <unsigned L>
void draw_lanes(NoiseLaneKernel* lanes, std::size_t n, std::uint32_t* u1, std::uint16_t* u2,
                const Lfsr::LeapTables& t1, const Lfsr::LeapTables& t2) {
    std::array<std::uint32_t, L> a{};
    std::array<std::uint32_t, L> b{};
    for (unsigned l = 0; l < L; ++l) {
        a[l] = lanes[l].u1_state();
        b[l] = lanes[l].u2_state();
    }
    std::size_t g = 0;
    for (; g + L <= n; g += L) {
#pragma GCC unroll 8
        for (unsigned l = 0; l < L; ++l) {
            a[l] = Lfsr::leap(t1, a[l]);
            b[l] = Lfsr::leap(t2, b[l]);
            u1[g + l] = a[l];
            u2[g + l] = static_cast<std::uint16_t>(b[l] >> 15);
        }
    }
    for (unsigned l = 0; g + l < n; ++l) {
        a[l] = Lfsr::leap(t1, a[l]);
        b[l] = Lfsr::leap(t2, b[l]);
        u1[g + l] = a[l];
        u2[g + l] = static_cast<std::uint16_t>(b[l] >> 15);
    }
    for (unsigned l = 0; l < L; ++l)
        lanes[l].set_states(a[l], b[l]);
}

}  // namespace

void NoiseLaneKernel::draw_round_robin(NoiseLaneKernel* lanes, unsigned count, std::size_t n,
                                       std::uint32_t* u1, std::uint16_t* u2) {
    if (count == 0)
        throw std::invalid_argument("NoiseLaneKernel::draw_round_robin: no lanes");
    const Lfsr::LeapTables& t1 = lanes[0].m_u1.leap_tables();
    const Lfsr::LeapTables& t2 = lanes[0].m_u2.leap_tables();
    switch (count) {
        case 1:
            return draw_lanes<1>(lanes, n, u1, u2, t1, t2);
        case 2:
            return draw_lanes<2>(lanes, n, u1, u2, t1, t2);
        case 4:
            return draw_lanes<4>(lanes, n, u1, u2, t1, t2);
        case 8:
            return draw_lanes<8>(lanes, n, u1, u2, t1, t2);
        default:
            for (std::size_t g = 0; g < n; ++g)
                lanes[g % count].next_uniforms(u1[g], u2[g]);
    }
}

void NoiseLaneKernel::reseed(std::uint64_t seed, unsigned lane) {
    const LaneSeeds s = lane_seeds(seed, lane);
    m_u1.reseed(s.u1);
    m_u2.reseed(s.u2);
}

}  // namespace dnsim::denoiser
