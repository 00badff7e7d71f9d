// The per-image analog noise kernels, declared once per vector-ISA copy (common/isa.h). The
// stream tags that key every noise kind's random numbers are in common/random_streams.h.
#pragma once

#include <cstdint>

#include "models/cgra/analog_noise.h"
#include "models/common/isa.h"
#include "models/common/random_streams.h"

namespace dnsim::cgra {

#define DNSIM_NOISE_KERNELS(NS)                                                             \
    namespace NS {                                                                          \
    void add_activation_noise(float* y, std::int64_t channels, std::int64_t pixels,         \
                              std::uint64_t seed, std::uint64_t image, std::uint64_t layer, \
                              const NoiseConfig& cfg);                                      \
    void add_read_noise(float* y, const float* rms, std::int64_t count, std::uint64_t seed, \
                        std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg);  \
    void quantise_output(float* y, std::int64_t count, const NoiseConfig& cfg);             \
    }
DNSIM_ISA_FOR_EACH(DNSIM_NOISE_KERNELS)
#undef DNSIM_NOISE_KERNELS

}  // namespace dnsim::cgra
