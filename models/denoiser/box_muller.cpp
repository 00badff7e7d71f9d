// Fixed-point Box-Muller: table construction and the integer datapath.
#include "box_muller.h"

#include <cmath>

#include "common/fixed_point.h"

namespace dnsim::denoiser {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr std::int64_t kLn2Q28 = 186065279;  // round(ln 2 * 2^28)
}  // namespace

std::uint64_t isqrt64(std::uint64_t n) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && r * r > n) {
        --r;
    }
    while ((r + 1) * (r + 1) <= n) {
        ++r;
    }
    return r;
}

BoxMuller::Tables::Tables() {
    for (std::size_t i = 0; i < ln.size(); ++i) {
        ln[i] = std::llround(std::log1p(static_cast<double>(i) / 256.0) * 268435456.0);
    }
    for (std::size_t i = 0; i < cos.size(); ++i) {
        cos[i] = static_cast<std::int32_t>(
            std::llround(std::cos(static_cast<double>(i) / 1024.0 * kPi / 2.0) * 1073741824.0));
    }
    cos[1024] = 0;
}

const BoxMuller::Tables& BoxMuller::tables() {
    static const Tables t;
    return t;
}

BoxMuller::BoxMuller() : m_t(&tables()) {}

std::int64_t BoxMuller::minus_two_ln_q28(std::uint32_t s1) const {
    // s1 = 2^e * (1 + f / 2^31), e = index of the leading one.
    const int e = 31 - __builtin_clz(s1);  // s1 != 0
    const std::uint32_t f = (s1 << (31 - e)) & 0x7FFFFFFFU;
    const std::uint32_t i = f >> 23;
    const std::int64_t t = f & 0x7FFFFFU;
    const std::int64_t ln_m = m_t->ln[i] + (((m_t->ln[i + 1] - m_t->ln[i]) * t) >> 23);
    // ln U1 = (e - 32) ln 2 + ln m  =>  -2 ln U1 = 2 (32 - e) ln 2 - 2 ln m  (>= 0)
    return 2 * (32 - e) * kLn2Q28 - 2 * ln_m;
}

std::int32_t BoxMuller::quarter_cos(std::uint32_t x) const {
    const std::uint32_t i = x >> 4;
    if (i >= 1024) {
        return m_t->cos[1024];
    }
    const std::int64_t t = x & 15U;
    return static_cast<std::int32_t>(m_t->cos[i] +
                                     (((m_t->cos[i + 1] - std::int64_t{m_t->cos[i]}) * t) >> 4));
}

std::int32_t BoxMuller::cos_q30(std::uint16_t p) const {
    const std::uint32_t q = p >> 14;
    const std::uint32_t r = p & 0x3FFFU;
    switch (q) {
        case 0:
            return quarter_cos(r);
        case 1:
            return -quarter_cos(16384 - r);
        case 2:
            return -quarter_cos(r);
        default:
            return quarter_cos(16384 - r);
    }
}

std::int16_t BoxMuller::normal(std::uint32_t s1, std::uint16_t p) const {
    const std::int64_t e_q28 = minus_two_ln_q28(s1);
    const auto f_q14 = static_cast<std::int64_t>(isqrt64(static_cast<std::uint64_t>(e_q28)));
    const std::int64_t z_q44 = f_q14 * cos_q30(p);
    return saturate16(round_shift(z_q44, 44 - kNormalFracBits));
}

}  // namespace dnsim::denoiser
