// 16-bit fixed-point arithmetic shared by every digital block (denoiser, CGRA digital tiles).
//
// A value is an int16_t `raw` with `frac_bits` fraction bits: value = raw / 2^frac_bits.
// Rounding and saturation are defined once here so the SystemC models, the plain C++ reference
// and the tests agree bit for bit:
//   - quantize():   double -> raw, round to nearest with ties away from zero, then saturate to
//                   [-32768, 32767]; NaN quantizes to 0.
//   - round_shift(): arithmetic right shift with round-half-up: floor((v + 2^(s-1)) / 2^s).
//   - requantize(): a 32-bit-saturated accumulator with `shift` extra fraction bits is shifted
//                   back with round_shift() and saturated to 16 bits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace dnsim {

inline constexpr int kFixedBits = 16;
inline constexpr std::int32_t kFixedMax = std::numeric_limits<std::int16_t>::max();
inline constexpr std::int32_t kFixedMin = std::numeric_limits<std::int16_t>::min();

/// Saturates a wide integer to the int16 range.
inline std::int16_t saturate16(std::int64_t v) {
    return static_cast<std::int16_t>(std::clamp<std::int64_t>(v, kFixedMin, kFixedMax));
}

/// Saturates a wide integer to the int32 range (the accumulator width).
inline std::int32_t saturate32(std::int64_t v) {
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(
        v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

/// Arithmetic right shift by `shift` >= 0 bits with round-half-up.
inline std::int64_t round_shift(std::int64_t v, int shift) {
    if (shift <= 0) {
        return v;
    }
    return (v + (std::int64_t{1} << (shift - 1))) >> shift;
}

/// Accumulator (exact sum, saturated to 32 bits) -> 16-bit raw with `shift` fewer fraction bits.
inline std::int16_t requantize(std::int64_t acc, int shift) {
    return saturate16(round_shift(saturate32(acc), shift));
}

/// True when requantize(acc, shift) had to saturate (at 32 or at 16 bits).
inline bool requantize_saturates(std::int64_t acc, int shift) {
    const std::int64_t s32 = saturate32(acc);
    const std::int64_t r = round_shift(s32, shift);
    return s32 != acc || r < kFixedMin || r > kFixedMax;
}

/// std::round (nearest, ties away from zero) inline: glibc's round is a library call, this is
/// trunc (one instruction) and an exact test of the dropped fraction (v - trunc(v) is exact),
/// without a branch (the test goes either way at random on noisy data).
inline double round_half_away(double v) {
    const double t = std::trunc(v);
    const double up = std::abs(v - t) >= 0.5 ? 1.0 : 0.0;
    return t + std::copysign(up, v);
}

/// A 16-bit fixed-point format with a run-time number of fraction bits (0..15).
class FixedFormat {
  public:
    constexpr FixedFormat() = default;
    constexpr explicit FixedFormat(int frac_bits) : m_frac_bits(frac_bits) {}

    constexpr int frac_bits() const { return m_frac_bits; }
    double lsb() const { return std::ldexp(1.0, -m_frac_bits); }
    double max_value() const { return kFixedMax * lsb(); }
    double min_value() const { return kFixedMin * lsb(); }

    /// Round to nearest (ties away from zero) and saturate.
    std::int16_t quantize(double v) const {
        if (std::isnan(v)) {
            return 0;
        }
        // Multiplying by 2^f is exact in double (as ldexp is), and much faster in hot loops.
        const double scaled =
            round_half_away(v * static_cast<double>(std::int64_t{1} << m_frac_bits));
        if (scaled >= kFixedMax) {
            return static_cast<std::int16_t>(kFixedMax);
        }
        if (scaled <= kFixedMin) {
            return static_cast<std::int16_t>(kFixedMin);
        }
        return static_cast<std::int16_t>(scaled);
    }

    /// q[i] = quantize(x[i]) for i < n, in a loop the compiler vectorises: no branches or
    /// library calls, float arithmetic. It is exact as quantize()'s double is: x 2^f is a
    /// power-of-two scaling (an overflow to infinity saturates either way); a scaled value
    /// beyond +-40000 saturates either way, so it is clamped there first, after which the
    /// truncation to int32 and the fraction s - trunc(s) are exact; NaN gives 0.
    void quantize_all(const float* __restrict x, std::int16_t* __restrict q, std::size_t n) const {
        const float scale = static_cast<float>(std::int64_t{1} << m_frac_bits);
        for (std::size_t i = 0; i < n; ++i) {
            float s = x[i] * scale;
            s = s != s ? 0.0f : s;
            s = s > 40000.0f ? 40000.0f : s;
            s = s < -40000.0f ? -40000.0f : s;
            const auto t = static_cast<std::int32_t>(s);
            const float frac = s - static_cast<float>(t);
            std::int32_t r = t + (frac >= 0.5f ? 1 : 0) - (frac <= -0.5f ? 1 : 0);
            r = r > kFixedMax ? kFixedMax : r;
            r = r < kFixedMin ? kFixedMin : r;
            q[i] = static_cast<std::int16_t>(r);
        }
    }

    /// y[i] = to_double(q[i]) for i < n, as float (exact: 16 significant bits at most).
    void dequantize_all(const std::int16_t* __restrict q, float* __restrict y,
                        std::size_t n) const {
        const float lsb = std::ldexp(1.0f, -m_frac_bits);
        for (std::size_t i = 0; i < n; ++i)
            y[i] = static_cast<float>(q[i]) * lsb;
    }

    double to_double(std::int16_t raw) const {
        return static_cast<double>(raw) / static_cast<double>(std::int64_t{1} << m_frac_bits);
    }

    friend constexpr bool operator==(FixedFormat a, FixedFormat b) {
        return a.m_frac_bits == b.m_frac_bits;
    }

  private:
    int m_frac_bits = 8;
};

/// A value type pairing a raw int16 with its format, for readable code outside hot loops.
class Fixed16 {
  public:
    constexpr Fixed16() = default;
    constexpr Fixed16(std::int16_t raw, FixedFormat fmt) : m_raw(raw), m_fmt(fmt) {}
    static Fixed16 from_double(double v, FixedFormat fmt) { return {fmt.quantize(v), fmt}; }

    constexpr std::int16_t raw() const { return m_raw; }
    constexpr FixedFormat format() const { return m_fmt; }
    double to_double() const { return m_fmt.to_double(m_raw); }

    /// Saturating add/subtract; both operands must share a format.
    friend Fixed16 operator+(Fixed16 a, Fixed16 b) {
        return {saturate16(std::int64_t{a.m_raw} + b.m_raw), a.m_fmt};
    }
    friend Fixed16 operator-(Fixed16 a, Fixed16 b) {
        return {saturate16(std::int64_t{a.m_raw} - b.m_raw), a.m_fmt};
    }
    /// Product in the format of `a` (b's fraction bits are shifted out with round-half-up).
    friend Fixed16 operator*(Fixed16 a, Fixed16 b) {
        return {requantize(std::int64_t{a.m_raw} * b.m_raw, b.m_fmt.frac_bits()), a.m_fmt};
    }

  private:
    std::int16_t m_raw = 0;
    FixedFormat m_fmt{};
};

}  // namespace dnsim
