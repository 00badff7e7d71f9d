// Checked integer arithmetic for sizes, shapes and counts read from files: a result that does
// not fit in 64 bits is reported to the caller instead of wrapping around.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>

namespace dnsim {

/// a * b, or nothing if the product does not fit in std::int64_t.
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r))
        return std::nullopt;
    return r;
}

/// a + b, or nothing if the sum does not fit in std::int64_t.
inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r))
        return std::nullopt;
    return r;
}

/// Product of [first, last) (1 for an empty range), or nothing on overflow.
template <typename It>
std::optional<std::int64_t> checked_product(It first, It last) {
    std::int64_t r = 1;
    for (; first != last; ++first) {
        const std::optional<std::int64_t> next = checked_mul(r, static_cast<std::int64_t>(*first));
        if (!next)
            return std::nullopt;
        r = *next;
    }
    return r;
}

inline std::optional<std::int64_t> checked_product(std::initializer_list<std::int64_t> factors) {
    return checked_product(factors.begin(), factors.end());
}

}  // namespace dnsim
