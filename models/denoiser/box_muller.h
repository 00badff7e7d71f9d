// Fixed-point Box-Muller uniform-to-normal converter (UNC), using only Z1 as in the paper:
//   Z1 = sqrt(-2 ln U1) * cos(2 pi U2).
// U1 = s1 / 2^32 from a 32-bit LFSR state (never 0, so ln is always finite); U2 = the top 16
// bits of a 31-bit LFSR state. ln uses a 256-segment table with linear interpolation over the
// normalised mantissa (Q28), sqrt is an exact integer square root (Q14 result), cos a
// 1024-segment quarter-wave table with linear interpolation (Q30). Output: int16 in Q4.11.
// Integer-only after construction, so results are bit-exact and platform independent.
#pragma once

#include <array>
#include <cstdint>

namespace dnsim::denoiser {

inline constexpr int kNormalFracBits = 11;  ///< Z1 output format: Q4.11, range +-16

/// floor(sqrt(n)) for any 64-bit n, exact.
std::uint64_t isqrt64(std::uint64_t n);

class BoxMuller {
  public:
    BoxMuller();
    /// -2 ln(s1 / 2^32) in Q28; s1 must be non-zero.
    std::int64_t minus_two_ln_q28(std::uint32_t s1) const;
    /// cos(2 pi p / 65536) in Q30.
    std::int32_t cos_q30(std::uint16_t p) const;
    /// Z1 in Q4.11 from U1 = s1 / 2^32 and U2 = p / 65536.
    std::int16_t normal(std::uint32_t s1, std::uint16_t p) const;

  private:
    std::int32_t quarter_cos(std::uint32_t x) const;  ///< cos(x/16384 * pi/2), x in [0, 16384]
    struct Tables {
        Tables();
        std::array<std::int64_t, 257> ln{};    ///< ln(1 + i/256) in Q28
        std::array<std::int32_t, 1025> cos{};  ///< cos(i/1024 * pi/2) in Q30
    };
    /// The ROM contents, built once per process and shared by every converter.
    static const Tables& tables();
    const Tables* m_t;
};

}  // namespace dnsim::denoiser
