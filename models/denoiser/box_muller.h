// Fixed-point Box-Muller uniform-to-normal converter (UNC), using only Z1 as in the paper:
//   Z1 = sqrt(-2 ln U1) * cos(2 pi U2).
// U1 = s1 / 2^32 from a 32-bit LFSR state (never 0, so ln is always finite); U2 = the top 16
// bits of a 31-bit LFSR state. ln uses a 256-segment table with linear interpolation over the
// normalised mantissa (Q28), sqrt is an exact integer square root (Q14 result), cos a
// 1024-segment quarter-wave table with linear interpolation (Q30). Output: int16 in Q4.11.
// Integer-only after construction, so results are bit-exact and platform independent.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "models/common/fixed_point.h"

namespace dnsim::denoiser {

inline constexpr int kNormalFracBits = 11;          ///< Z1 output format: Q4.11, range +-16
inline constexpr std::int64_t kLn2Q28 = 186065279;  ///< round(ln 2 * 2^28)

/// floor(sqrt(n)) for any 64-bit n, exact: a floating-point estimate (single precision below
/// 2^40, where its error is under 0.1) is corrected either way with integer squares.
inline std::uint64_t isqrt64(std::uint64_t n) {
    // Below 2^40 both conversions go through signed integers (one instruction each). Above,
    // the estimate is capped at the largest root, 2^32 - 1, so no square below overflows.
    constexpr std::uint64_t kMaxRoot = 0xFFFFFFFFULL;
    auto r = n < (std::uint64_t{1} << 40)
                 ? static_cast<std::uint64_t>(static_cast<std::int32_t>(
                       std::sqrt(static_cast<float>(static_cast<std::int64_t>(n)))))
                 : std::min<std::uint64_t>(
                       static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n))), kMaxRoot);
    while (r * r > n) {
        --r;
    }
    while (r < kMaxRoot && (r + 1) * (r + 1) <= n) {
        ++r;
    }
    return r;
}

class BoxMuller {
  public:
    BoxMuller();
    /// -2 ln(s1 / 2^32) in Q28; s1 must be non-zero.
    std::int64_t minus_two_ln_q28(std::uint32_t s1) const;
    /// cos(2 pi p / 65536) in Q30.
    std::int32_t cos_q30(std::uint16_t p) const;
    /// Z1 in Q4.11 from U1 = s1 / 2^32 and U2 = p / 65536.
    std::int16_t normal(std::uint32_t s1, std::uint16_t p) const;
    /// out[i] = normal(s1[i], p[i]) for i < n, eight at a time where AVX2 is available (the
    /// same integer results: every intermediate is exact in the vector path).
    void normals(const std::uint32_t* s1, const std::uint16_t* p, std::int16_t* out,
                 std::size_t n) const;

    /// The ROM contents, built once per process and shared by every converter.
    struct Tables {
        Tables();
        std::array<std::int64_t, 257> ln{};    ///< ln(1 + i/256) in Q28
        std::array<std::int32_t, 257> ln32{};  ///< the same values (all < 2^28) for gathers
        std::array<std::int32_t, 1026> cos{};  ///< cos(i/1024 * pi/2) in Q30, guard entry 0
    };
    const Tables& rom() const { return *m_t; }

  private:
    std::int32_t quarter_cos(std::uint32_t x) const;  ///< cos(x/16384 * pi/2), x in [0, 16384]
    static const Tables& tables();
    const Tables* m_t;
};

// The datapath is inline: the replay draws ~10^5 samples per image and block.

inline std::int64_t BoxMuller::minus_two_ln_q28(std::uint32_t s1) const {
    // s1 = 2^e * (1 + f / 2^31), e = index of the leading one.
    const int e = 31 - __builtin_clz(s1);  // s1 != 0
    const std::uint32_t f = (s1 << (31 - e)) & 0x7FFFFFFFU;
    const std::uint32_t i = f >> 23;
    const std::int64_t t = f & 0x7FFFFFU;
    const std::int64_t ln_m = m_t->ln[i] + (((m_t->ln[i + 1] - m_t->ln[i]) * t) >> 23);
    // ln U1 = (e - 32) ln 2 + ln m  =>  -2 ln U1 = 2 (32 - e) ln 2 - 2 ln m  (>= 0)
    return 2 * (32 - e) * kLn2Q28 - 2 * ln_m;
}

inline std::int32_t BoxMuller::quarter_cos(std::uint32_t x) const {
    // x = 16384 reads entry 1024 with weight 0 on the guard entry 1025: no branch needed.
    const std::uint32_t i = x >> 4;
    const std::int64_t t = x & 15U;
    return static_cast<std::int32_t>(m_t->cos[i] +
                                     (((m_t->cos[i + 1] - std::int64_t{m_t->cos[i]}) * t) >> 4));
}

inline std::int32_t BoxMuller::cos_q30(std::uint16_t p) const {
    const std::uint32_t q = p >> 14;
    const std::uint32_t r = p & 0x3FFFU;
    // Quadrants 1 and 3 read the quarter wave backwards, 1 and 2 are negative. Selects, not a
    // switch: the quadrant is random, so a branch on it would be mispredicted most of the time.
    const std::int32_t c = quarter_cos((q & 1U) != 0 ? 16384 - r : r);
    return q == 1 || q == 2 ? -c : c;
}

inline std::int16_t BoxMuller::normal(std::uint32_t s1, std::uint16_t p) const {
    const std::int64_t e_q28 = minus_two_ln_q28(s1);
    const auto f_q14 = static_cast<std::int64_t>(isqrt64(static_cast<std::uint64_t>(e_q28)));
    const std::int64_t z_q44 = f_q14 * cos_q30(p);
    return saturate16(round_shift(z_q44, 44 - kNormalFracBits));
}

}  // namespace dnsim::denoiser
