// Maximal-length LFSRs (Galois form) with a leap-forward update, and GF(2) matrices used both to
// build the leap (the XOR network that advances n steps in one clock) and to prove maximality.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace dnsim::denoiser {

/// An n x n matrix over GF(2), n <= 32; column j is the image of basis vector e_j.
class Gf2Matrix {
  public:
    explicit Gf2Matrix(unsigned n) : m_n(n) {}
    static Gf2Matrix identity(unsigned n);

    unsigned size() const { return m_n; }
    std::uint32_t apply(std::uint32_t v) const;
    Gf2Matrix operator*(const Gf2Matrix& rhs) const;  ///< (this * rhs) v = this(rhs v)
    Gf2Matrix power(std::uint64_t e) const;
    bool operator==(const Gf2Matrix& o) const { return m_n == o.m_n && m_cols == o.m_cols; }
    std::uint32_t& col(unsigned j) { return m_cols[j]; }

  private:
    unsigned m_n;
    std::array<std::uint32_t, 32> m_cols{};
};

/// A Galois LFSR of `width` bits whose feedback mask has bit (t-1) set for each tap t.
/// step() shifts once; leap() advances `width` steps at once (one hardware clock per sample),
/// so successive samples are disjoint windows of the m-sequence.
class Lfsr {
  public:
    Lfsr(unsigned width, const std::vector<unsigned>& taps, std::uint32_t seed);

    /// The 32-bit LFSR with taps 32,22,2,1 (U1 source) and the 31-bit one with taps 31,28 (U2).
    static Lfsr u1_source(std::uint32_t seed) { return Lfsr(32, {32, 22, 2, 1}, seed); }
    static Lfsr u2_source(std::uint32_t seed) { return Lfsr(31, {31, 28}, seed); }

    unsigned width() const { return m_width; }
    std::uint32_t state() const { return m_state; }
    std::uint32_t mask() const { return m_mask; }
    /// Reloads the state; a zero seed (which would lock the register) is replaced by 1.
    void reseed(std::uint32_t seed);

    void step() { m_state = (m_state >> 1) ^ ((0U - (m_state & 1U)) & m_mask); }
    void leap() { m_state = leap(*m_leap, m_state); }

    /// XOR network of the leap, one 256-entry table per state byte. Shared by every LFSR with
    /// the same width and taps (built once per process), so many lanes stay in the L1 cache.
    using LeapTables = std::array<std::array<std::uint32_t, 256>, 4>;
    const LeapTables& leap_tables() const { return *m_leap; }
    /// The state one leap after `s` through `t` (what leap() does to the register), for loops
    /// that keep several registers' states in local variables.
    static std::uint32_t leap(const LeapTables& t, std::uint32_t s) {
        return t[0][s & 0xFFU] ^ t[1][(s >> 8) & 0xFFU] ^ t[2][(s >> 16) & 0xFFU] ^
               t[3][(s >> 24) & 0xFFU];
    }

    /// One-step transition matrix of this LFSR (used to check maximality).
    Gf2Matrix step_matrix() const;

  private:
    unsigned m_width;
    std::uint32_t m_mask;
    std::uint32_t m_state = 1;
    const LeapTables* m_leap = nullptr;
};

/// True when x^(2^n - 1) = I and x^((2^n - 1)/q) != I for each prime factor q of 2^n - 1,
/// i.e. the LFSR visits all 2^n - 1 non-zero states. `prime_factors` must be those of 2^n - 1.
bool is_maximal_length(const Lfsr& lfsr, const std::vector<std::uint64_t>& prime_factors);

}  // namespace dnsim::denoiser
