// The batch Box-Muller converter (BoxMuller::normals), compiled once per vector ISA into
// DNSIM_ISA_NS (cmake/DnsimIsa.cmake): sixteen samples per step with AVX-512, eight with AVX2,
// the same integer results as the scalar datapath in every copy.
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "models/denoiser/block_reference_isa.h"

#if !defined(DNSIM_ISA_NS)
#error "box_muller_batch.cpp is compiled through dnsim_add_isa_sources (cmake/DnsimIsa.cmake)"
#endif

namespace dnsim::denoiser::DNSIM_ISA_NS {

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
namespace {

/// box_muller_normals() sixteen samples per step: the eight-sample path below in AVX-512
/// vectors (masks for its blends, 512-bit gathers), the same exact integer and double steps.
std::size_t normals16(const BoxMuller& bm, const std::uint32_t* s1, const std::uint16_t* p,
                      std::int16_t* out, std::size_t n) {
    const int* ln = bm.rom().ln32.data();
    const int* cs = bm.rom().cos.data();
    const __m512i ones = _mm512_set1_epi32(1);
    const __m512d two_ln2 = _mm512_set1_pd(2.0 * static_cast<double>(kLn2Q28));
    const __m512d two = _mm512_set1_pd(2.0);
    const __m512d half_q33 = _mm512_set1_pd(4294967296.0);       // 2^32
    const __m512d inv_q33 = _mm512_set1_pd(1.0 / 8589934592.0);  // 2^-33
    const __m512d lo16 = _mm512_set1_pd(-32768.0);
    const __m512d hi16 = _mm512_set1_pd(32767.0);
    constexpr int kFloor = _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i s = _mm512_loadu_si512(s1 + i);
        const __mmask16 big = _mm512_test_epi32_mask(s, _mm512_set1_epi32(-16777216));  // >= 2^24
        const __m512i y = _mm512_mask_blend_epi32(big, s, _mm512_srli_epi32(s, 8));
        const __m512i yexp =
            _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(_mm512_cvtepi32_ps(y)), 23),
                             _mm512_set1_epi32(127));
        const __m512i e = _mm512_mask_add_epi32(yexp, big, yexp, _mm512_set1_epi32(8));
        const __m512i f =
            _mm512_and_si512(_mm512_sllv_epi32(s, _mm512_sub_epi32(_mm512_set1_epi32(31), e)),
                             _mm512_set1_epi32(0x7FFFFFFF));
        const __m512i idx = _mm512_srli_epi32(f, 23);
        const __m512i t = _mm512_and_si512(f, _mm512_set1_epi32(0x7FFFFF));
        const __m512i l0 = _mm512_i32gather_epi32(idx, ln, 4);
        const __m512i l1 = _mm512_i32gather_epi32(_mm512_add_epi32(idx, ones), ln, 4);
        const __m512i d = _mm512_sub_epi32(l1, l0);  // > 0, < 2^21; d t < 2^44
        const __m512i pe = _mm512_srli_epi64(_mm512_mul_epu32(d, t), 23);
        const __m512i po = _mm512_srli_epi64(
            _mm512_mul_epu32(_mm512_srli_epi64(d, 32), _mm512_srli_epi64(t, 32)), 23);
        const __m512i interp = _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
        const __m512i ln_m = _mm512_add_epi32(l0, interp);
        const __m512i k32 = _mm512_sub_epi32(_mm512_set1_epi32(32), e);

        const __m512i pv =
            _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
        const __m512i q = _mm512_srli_epi32(pv, 14);
        const __m512i r = _mm512_and_si512(pv, _mm512_set1_epi32(0x3FFF));
        const __mmask16 odd = _mm512_test_epi32_mask(q, ones);
        const __m512i x =
            _mm512_mask_blend_epi32(odd, r, _mm512_sub_epi32(_mm512_set1_epi32(16384), r));
        const __m512i ci = _mm512_srli_epi32(x, 4);
        const __m512i ct = _mm512_and_si512(x, _mm512_set1_epi32(15));
        const __m512i c0 = _mm512_i32gather_epi32(ci, cs, 4);
        const __m512i c1 = _mm512_i32gather_epi32(_mm512_add_epi32(ci, ones), cs, 4);
        __m512i c = _mm512_add_epi32(
            c0, _mm512_srai_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(c1, c0), ct), 4));
        const __mmask16 neg =
            _mm512_test_epi32_mask(_mm512_xor_si512(q, _mm512_srli_epi32(q, 1)), ones);
        c = _mm512_mask_sub_epi32(c, neg, _mm512_setzero_si512(), c);

        __m256i z32[2];
        for (int h = 0; h < 2; ++h) {
            const __m256i k_h =
                h == 0 ? _mm512_castsi512_si256(k32) : _mm512_extracti64x4_epi64(k32, 1);
            const __m256i ln_h =
                h == 0 ? _mm512_castsi512_si256(ln_m) : _mm512_extracti64x4_epi64(ln_m, 1);
            const __m256i c_h =
                h == 0 ? _mm512_castsi512_si256(c) : _mm512_extracti64x4_epi64(c, 1);
            const __m512d e_q28 = _mm512_sub_pd(_mm512_mul_pd(_mm512_cvtepi32_pd(k_h), two_ln2),
                                                _mm512_mul_pd(_mm512_cvtepi32_pd(ln_h), two));
            const __m512d f_q14 = _mm512_roundscale_pd(_mm512_sqrt_pd(e_q28), kFloor);
            const __m512d z_q44 = _mm512_mul_pd(f_q14, _mm512_cvtepi32_pd(c_h));
            __m512d z = _mm512_roundscale_pd(_mm512_mul_pd(_mm512_add_pd(z_q44, half_q33), inv_q33),
                                             kFloor);
            z = _mm512_min_pd(_mm512_max_pd(z, lo16), hi16);
            z32[h] = _mm512_cvttpd_epi32(z);
        }
        const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(z32[0]), z32[1], 1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtsepi32_epi16(z));
    }
    return i;
}

}  // namespace
#endif

void box_muller_normals(const BoxMuller& bm, const std::uint32_t* s1, const std::uint16_t* p,
                        std::int16_t* out, std::size_t n) {
    std::size_t i = 0;
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
    i = normals16(bm, s1, p, out, n);
#endif
#if defined(__AVX2__)
    // Eight samples per step. The integer datapath of normal(), with two changes that keep
    // every value exact: the leading-one position comes from the exponent of a float that holds
    // at most 24 significant bits of s1, and -2 ln U1 (< 2^34), its square root, the product
    // with the cosine (< 2^48) and the final rounding shift are computed in double, where all
    // of them are exact integers (floor of a correctly rounded square root of an integer below
    // 2^52 is the integer square root).
    const int* ln = bm.rom().ln32.data();
    const int* cs = bm.rom().cos.data();
    const __m256i ones = _mm256_set1_epi32(1);
    const __m256d two_ln2 = _mm256_set1_pd(2.0 * static_cast<double>(kLn2Q28));
    const __m256d two = _mm256_set1_pd(2.0);
    const __m256d half_q33 = _mm256_set1_pd(4294967296.0);       // 2^32
    const __m256d inv_q33 = _mm256_set1_pd(1.0 / 8589934592.0);  // 2^-33
    const __m256d lo16 = _mm256_set1_pd(-32768.0);
    const __m256d hi16 = _mm256_set1_pd(32767.0);
    for (; i + 8 <= n; i += 8) {
        const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s1 + i));
        // e = index of the leading one: exponent of float(y), y = s1 or s1 >> 8 (< 2^24).
        const __m256i big = _mm256_cmpgt_epi32(_mm256_srli_epi32(s, 24), _mm256_setzero_si256());
        const __m256i y = _mm256_blendv_epi8(s, _mm256_srli_epi32(s, 8), big);
        const __m256i yexp =
            _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(y)), 23),
                             _mm256_set1_epi32(127));
        const __m256i e = _mm256_add_epi32(yexp, _mm256_and_si256(big, _mm256_set1_epi32(8)));
        const __m256i f =
            _mm256_and_si256(_mm256_sllv_epi32(s, _mm256_sub_epi32(_mm256_set1_epi32(31), e)),
                             _mm256_set1_epi32(0x7FFFFFFF));
        const __m256i idx = _mm256_srli_epi32(f, 23);
        const __m256i t = _mm256_and_si256(f, _mm256_set1_epi32(0x7FFFFF));
        const __m256i l0 = _mm256_i32gather_epi32(ln, idx, 4);
        const __m256i l1 = _mm256_i32gather_epi32(ln, _mm256_add_epi32(idx, ones), 4);
        const __m256i d = _mm256_sub_epi32(l1, l0);  // > 0, < 2^21; d t < 2^44
        const __m256i pe = _mm256_srli_epi64(_mm256_mul_epu32(d, t), 23);
        const __m256i po = _mm256_srli_epi64(
            _mm256_mul_epu32(_mm256_srli_epi64(d, 32), _mm256_srli_epi64(t, 32)), 23);
        const __m256i interp = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
        const __m256i ln_m = _mm256_add_epi32(l0, interp);
        const __m256i k32 = _mm256_sub_epi32(_mm256_set1_epi32(32), e);

        // cos(2 pi p / 65536) in Q30 (quarter-wave table, mirrored and negated by quadrant).
        const __m256i pv =
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
        const __m256i q = _mm256_srli_epi32(pv, 14);
        const __m256i r = _mm256_and_si256(pv, _mm256_set1_epi32(0x3FFF));
        const __m256i odd = _mm256_cmpeq_epi32(_mm256_and_si256(q, ones), ones);
        const __m256i x = _mm256_blendv_epi8(r, _mm256_sub_epi32(_mm256_set1_epi32(16384), r), odd);
        const __m256i ci = _mm256_srli_epi32(x, 4);
        const __m256i ct = _mm256_and_si256(x, _mm256_set1_epi32(15));
        const __m256i c0 = _mm256_i32gather_epi32(cs, ci, 4);
        const __m256i c1 = _mm256_i32gather_epi32(cs, _mm256_add_epi32(ci, ones), 4);
        __m256i c = _mm256_add_epi32(
            c0, _mm256_srai_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(c1, c0), ct), 4));
        const __m256i neg = _mm256_cmpeq_epi32(
            _mm256_and_si256(_mm256_xor_si256(q, _mm256_srli_epi32(q, 1)), ones), ones);
        c = _mm256_blendv_epi8(c, _mm256_sub_epi32(_mm256_setzero_si256(), c), neg);

        __m128i z16[2];
        for (int h = 0; h < 2; ++h) {
            const __m128i k_h =
                h == 0 ? _mm256_castsi256_si128(k32) : _mm256_extracti128_si256(k32, 1);
            const __m128i ln_h =
                h == 0 ? _mm256_castsi256_si128(ln_m) : _mm256_extracti128_si256(ln_m, 1);
            const __m128i c_h = h == 0 ? _mm256_castsi256_si128(c) : _mm256_extracti128_si256(c, 1);
            const __m256d e_q28 = _mm256_sub_pd(_mm256_mul_pd(_mm256_cvtepi32_pd(k_h), two_ln2),
                                                _mm256_mul_pd(_mm256_cvtepi32_pd(ln_h), two));
            const __m256d f_q14 =
                _mm256_round_pd(_mm256_sqrt_pd(e_q28), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
            const __m256d z_q44 = _mm256_mul_pd(f_q14, _mm256_cvtepi32_pd(c_h));
            __m256d z = _mm256_round_pd(_mm256_mul_pd(_mm256_add_pd(z_q44, half_q33), inv_q33),
                                        _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
            z = _mm256_min_pd(_mm256_max_pd(z, lo16), hi16);
            z16[h] = _mm256_cvttpd_epi32(z);
        }
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_packs_epi32(z16[0], z16[1]));
    }
#endif
    for (; i < n; ++i)
        out[i] = bm.normal(s1[i], p[i]);
}

}  // namespace dnsim::denoiser::DNSIM_ISA_NS
