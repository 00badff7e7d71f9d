// LFSR leap tables and the GF(2) order test for maximal length.
#include "models/denoiser/lfsr.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace dnsim::denoiser {

namespace {
std::uint32_t width_mask(unsigned n) {
    return n == 32 ? 0xFFFFFFFFU : ((1U << n) - 1U);
}
}  // namespace

Gf2Matrix Gf2Matrix::identity(unsigned n) {
    Gf2Matrix m(n);
    for (unsigned j = 0; j < n; ++j) {
        m.m_cols[j] = 1U << j;
    }
    return m;
}

std::uint32_t Gf2Matrix::apply(std::uint32_t v) const {
    std::uint32_t out = 0;
    for (unsigned j = 0; j < m_n; ++j) {
        if ((v >> j) & 1U) {
            out ^= m_cols[j];
        }
    }
    return out;
}

Gf2Matrix Gf2Matrix::operator*(const Gf2Matrix& rhs) const {
    Gf2Matrix out(m_n);
    for (unsigned j = 0; j < m_n; ++j) {
        out.m_cols[j] = apply(rhs.m_cols[j]);
    }
    return out;
}

Gf2Matrix Gf2Matrix::power(std::uint64_t e) const {
    Gf2Matrix result = identity(m_n);
    Gf2Matrix base = *this;
    while (e != 0) {
        if (e & 1U) {
            result = result * base;
        }
        base = base * base;
        e >>= 1U;
    }
    return result;
}

Lfsr::Lfsr(unsigned width, const std::vector<unsigned>& taps, std::uint32_t seed)
    : m_width(width), m_mask(0) {
    if (width < 2 || width > 32) {
        throw std::invalid_argument("LFSR width must be 2..32");
    }
    for (const unsigned t : taps) {
        if (t < 1 || t > width) {
            throw std::invalid_argument("LFSR tap out of range");
        }
        m_mask |= 1U << (t - 1);
    }
    static std::mutex mutex;
    static std::map<std::pair<unsigned, std::uint32_t>, std::unique_ptr<LeapTables>> shared;
    const std::lock_guard<std::mutex> lock(mutex);
    auto& tables = shared[{width, m_mask}];
    if (!tables) {
        tables = std::make_unique<LeapTables>();
        const Gf2Matrix leap_matrix = step_matrix().power(width);
        for (unsigned byte = 0; byte < 4; ++byte) {
            for (unsigned v = 0; v < 256; ++v) {
                (*tables)[byte][v] = leap_matrix.apply((v << (8 * byte)) & width_mask(width));
            }
        }
    }
    m_leap = tables.get();
    reseed(seed);
}

void Lfsr::reseed(std::uint32_t seed) {
    m_state = seed & width_mask(m_width);
    if (m_state == 0) {
        m_state = 1;
    }
}

Gf2Matrix Lfsr::step_matrix() const {
    Gf2Matrix m(m_width);
    for (unsigned j = 0; j < m_width; ++j) {
        const std::uint32_t e = 1U << j;
        m.col(j) = (e >> 1) ^ ((0U - (e & 1U)) & m_mask);
    }
    return m;
}

bool is_maximal_length(const Lfsr& lfsr, const std::vector<std::uint64_t>& prime_factors) {
    const unsigned n = lfsr.width();
    const std::uint64_t period = (std::uint64_t{1} << n) - 1;
    const Gf2Matrix m = lfsr.step_matrix();
    const Gf2Matrix id = Gf2Matrix::identity(n);
    if (!(m.power(period) == id)) {
        return false;
    }
    std::uint64_t rest = period;
    for (const std::uint64_t q : prime_factors) {
        if (period % q != 0 || m.power(period / q) == id) {
            return false;
        }
        while (rest % q == 0) {
            rest /= q;
        }
    }
    return rest == 1;  // the factor list was complete
}

}  // namespace dnsim::denoiser
