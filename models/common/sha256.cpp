// SHA-256 as FIPS 180-4 specifies it (sections 4.1.2, 4.2.2, 5.1.1, 6.2).
#include "models/common/sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim {

namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
alignas(16) constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, unsigned n) {
    return (x >> n) | (x << (32U - n));
}

void compress_portable(std::array<std::uint32_t, 8>& hash, const std::uint8_t* p) {
    std::array<std::uint32_t, 64> w{};
    for (std::size_t t = 0; t < 16; ++t) {
        w[t] = std::uint32_t{p[4 * t]} << 24 | std::uint32_t{p[4 * t + 1]} << 16 |
               std::uint32_t{p[4 * t + 2]} << 8 | std::uint32_t{p[4 * t + 3]};
    }
    for (std::size_t t = 16; t < 64; ++t) {
        const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    auto [a, b, c, d, e, f, g, h] = hash;
    for (std::size_t t = 0; t < 64; ++t) {
        const std::uint32_t t1 =
            h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[t] + w[t];
        const std::uint32_t t2 =
            (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    const std::array<std::uint32_t, 8> add{a, b, c, d, e, f, g, h};
    for (std::size_t i = 0; i < 8; ++i)
        hash[i] += add[i];
}

#if defined(__x86_64__)

bool cpu_has_sha() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && (b & bit_SHA) != 0;
}

/// The same compression with the SHA extensions (SHA-NI: AMD since Zen, Intel since Goldmont
/// and Ice Lake): SHA256RNDS2 does two rounds on the state held as ABEF / CDGH, SHA256MSG1 and
/// SHA256MSG2 extend the message schedule four words at a time (Intel, "New Instructions
/// Supporting the Secure Hash Algorithm on Intel Architecture Processors", 2013).
__attribute__((target("sha,sse4.1"))) void compress_sha_ni(std::array<std::uint32_t, 8>& hash,
                                                           const std::uint8_t* p,
                                                           std::size_t blocks) {
    const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    const auto load = [](const void* at) {
        return _mm_loadu_si128(static_cast<const __m128i*>(at));
    };
    const __m128i dcba = _mm_shuffle_epi32(load(&hash[0]), 0xB1);
    __m128i cdgh = _mm_shuffle_epi32(load(&hash[4]), 0x1B);
    __m128i abef = _mm_alignr_epi8(dcba, cdgh, 8);
    cdgh = _mm_blend_epi16(cdgh, dcba, 0xF0);
    for (; blocks > 0; --blocks, p += 64) {
        const __m128i abef_in = abef;
        const __m128i cdgh_in = cdgh;
        // m[k % 4]: message words 4k .. 4k + 3, extended in place for k = 4 .. 15.
        __m128i m[4];  // (std::array drops the vector type's attributes)
        for (std::size_t k = 0; k < 4; ++k)
            m[k] = _mm_shuffle_epi8(load(p + 16 * k), big_endian);
#pragma GCC unroll 16
        for (std::size_t k = 0; k < 16; ++k) {
            const __m128i wk = _mm_add_epi32(m[k % 4], load(&kRound[4 * k]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            if (k >= 3 && k <= 14) {
                __m128i& next = m[(k + 1) % 4];
                next = _mm_add_epi32(next, _mm_alignr_epi8(m[k % 4], m[(k + 3) % 4], 4));
                next = _mm_sha256msg2_epu32(next, m[k % 4]);
            }
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
            if (k >= 1 && k <= 12)
                m[(k + 3) % 4] = _mm_sha256msg1_epu32(m[(k + 3) % 4], m[k % 4]);
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&hash[0]), _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&hash[4]), _mm_alignr_epi8(dchg, feba, 8));
}

#else

bool cpu_has_sha() {
    return false;
}

void compress_sha_ni(std::array<std::uint32_t, 8>&, const std::uint8_t*, std::size_t) {}

#endif

}  // namespace

bool Sha256::cpu_extensions() {
    static const bool has = cpu_has_sha();
    return has;
}

// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
Sha256::Sha256(Code code)
    : m_cpu(code == Code::Fastest && cpu_extensions()), m_h{0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                                            0xa54ff53a, 0x510e527f, 0x9b05688c,
                                                            0x1f83d9ab, 0x5be0cd19} {}

void Sha256::compress(const std::uint8_t* p, std::size_t blocks) {
    if (m_cpu) {
        compress_sha_ni(m_h, p, blocks);
        return;
    }
    for (; blocks > 0; --blocks, p += 64)
        compress_portable(m_h, p);
}

void Sha256::update(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    m_bytes += n;
    if (m_used > 0) {
        const std::size_t take = std::min(n, m_buf.size() - m_used);
        std::memcpy(m_buf.data() + m_used, p, take);
        m_used += take;
        p += take;
        n -= take;
        if (m_used < m_buf.size())
            return;
        compress(m_buf.data(), 1);
        m_used = 0;
    }
    // Whole blocks straight from the input; the rest waits in the buffer.
    const std::size_t whole = n / m_buf.size();
    compress(p, whole);
    p += whole * m_buf.size();
    n -= whole * m_buf.size();
    std::memcpy(m_buf.data(), p, n);
    m_used = n;
}

std::string Sha256::hex_digest() {
    // Padding: a 1 bit, zeros up to 56 bytes mod 64, then the length in bits, big-endian.
    const std::uint64_t bits = m_bytes * 8;
    const std::uint8_t one = 0x80;
    update(&one, 1);
    const std::uint8_t zero = 0;
    while (m_used != 56)
        update(&zero, 1);
    std::array<std::uint8_t, 8> len{};
    for (int i = 0; i < 8; ++i)
        len[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
    update(len.data(), len.size());
    std::string out;
    for (const std::uint32_t v : m_h)
        out += fmt::format("{:08x}", v);
    return out;
}

std::string sha256_hex(const std::string& data) {
    Sha256 s;
    s.update(data);
    return s.hex_digest();
}

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(path, fmt::format("cannot open file: {}", std::strerror(errno)));
    Sha256 s;
    std::vector<char> buf(std::size_t{1} << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        s.update(buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad())
        throw ConfigError(path, "read error");
    return s.hex_digest();
}

}  // namespace dnsim
