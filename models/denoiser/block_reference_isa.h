// The fixed-point reference block, declared once per vector-ISA copy (common/isa.h).
#pragma once

#include "models/common/isa.h"
#include "models/denoiser/block_reference.h"
#include "models/denoiser/box_muller.h"

namespace dnsim::denoiser {

#define DNSIM_DENOISER_KERNELS(NS)                                                                \
    namespace NS {                                                                                \
    ReferenceTrace reference_block(const std::vector<std::int16_t>& x, const BlockShape& shape,   \
                                   const BlockWeights& w, const BlockFormat& fmt,                 \
                                   std::uint64_t seed, unsigned lanes);                           \
    void reference_block_into(const std::vector<std::int16_t>& x, const BlockShape& shape,        \
                              const BlockWeights& w, const BlockFormat& fmt, std::uint64_t seed,  \
                              unsigned lanes, ReferenceTrace& into);                              \
    void box_muller_normals(const BoxMuller& bm, const std::uint32_t* s1, const std::uint16_t* p, \
                            std::int16_t* out, std::size_t n);                                    \
    }
DNSIM_ISA_FOR_EACH(DNSIM_DENOISER_KERNELS)
#undef DNSIM_DENOISER_KERNELS

}  // namespace dnsim::denoiser
