// The batch Box-Muller converter (BoxMuller::normals), compiled once per vector ISA into
// DNSIM_ISA_NS (cmake/DnsimIsa.cmake): eight samples per step where AVX2 is available, the
// same integer results as the scalar datapath in every copy.
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "models/denoiser/block_reference_isa.h"

#if !defined(DNSIM_ISA_NS)
#error "box_muller_batch.cpp is compiled through dnsim_add_isa_sources (cmake/DnsimIsa.cmake)"
#endif

namespace dnsim::denoiser::DNSIM_ISA_NS {

void box_muller_normals(const BoxMuller& bm, const std::uint32_t* s1, const std::uint16_t* p,
                        std::int16_t* out, std::size_t n) {
    std::size_t i = 0;
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
