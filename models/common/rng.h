// Deterministic random numbers keyed by (seed, stream ids): the same key always yields the same
// stream, whatever the batch size, thread count or order in which streams are created.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace dnsim {

/// SplitMix64 finaliser: a bijective 64-bit mixer.
inline constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// Derives a 64-bit key from a seed and a list of stream ids (image, layer, lane, ...).
inline constexpr std::uint64_t derive_key(std::uint64_t seed,
                                          std::initializer_list<std::uint64_t> ids) {
    std::uint64_t k = splitmix64(seed);
    for (const std::uint64_t id : ids) {
        k = splitmix64(k ^ splitmix64(id + 0x632BE59BD9B4E019ULL));
    }
    return k;
}

/// xoshiro256** generator seeded from a derived key.
class Rng {
  public:
    Rng(std::uint64_t seed, std::initializer_list<std::uint64_t> ids) {
        std::uint64_t k = derive_key(seed, ids);
        for (auto& s : m_s) {
            k = splitmix64(k);
            s = k;
        }
    }

    std::uint64_t next_u64() {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    /// Standard normal (Box-Muller on two uniforms; U1 taken from (0, 1]).
    double normal() {
        const double u1 = 1.0 - uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
    }

  private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
    }
    std::uint64_t m_s[4]{};
};

}  // namespace dnsim
