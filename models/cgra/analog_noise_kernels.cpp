// The per-image analog noise kernels (activation noise, read noise, output quantisation),
// compiled once per vector ISA into DNSIM_ISA_NS (cmake/DnsimIsa.cmake). The random draws are
// sequential and the float arithmetic is not contracted (-ffp-contract=off), so every copy
// gives the same bits.
#include <algorithm>
#include <cmath>
#include <vector>

#include "models/cgra/analog_noise_isa.h"
#include "models/common/rng.h"
#include "models/common/ziggurat.h"

#if !defined(DNSIM_ISA_NS)
#error "analog_noise_kernels.cpp is compiled through dnsim_add_isa_sources (cmake/DnsimIsa.cmake)"
#endif

namespace dnsim::cgra::DNSIM_ISA_NS {

namespace {

using streams::kActivationNoise;
using streams::kReadNoise;

/// A sample with mean 0 and standard deviation 1 of the chosen distribution.
double unit_sample(Rng& rng, Distribution d) {
    switch (d) {
        case Distribution::Gaussian:
            return Ziggurat::tables().sample(rng);
        case Distribution::Uniform:
            return (2.0 * rng.uniform() - 1.0) * std::sqrt(3.0);
        case Distribution::Laplace: {
            // Inverse CDF with scale b = 1/sqrt(2) (variance 2 b^2 = 1).
            const double u = rng.uniform() - 0.5;
            const double mag = -std::log(1.0 - 2.0 * std::abs(u));
            return (u < 0 ? -mag : mag) / std::sqrt(2.0);
        }
    }
    return 0.0;
}

}  // namespace

void add_activation_noise(float* y, std::int64_t channels, std::int64_t pixels, std::uint64_t seed,
                          std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg) {
    if (cfg.activation_k == 0.0)
        return;
    Rng rng(seed, {image, layer, kActivationNoise});
    const std::int64_t count = channels * pixels;
    // The unit samples, in element order, are drawn first (Gaussian ones by the ziggurat's fill,
    // which keeps the stream state in registers); the scaling loops below have no RNG in them,
    // so they vectorise.
    thread_local std::vector<double> z;
    z.resize(static_cast<std::size_t>(count));
    double tensor_mag = 0.0;
    if (cfg.distribution == Distribution::Gaussian) {
        if (cfg.magnitude == Magnitude::Tensor) {
            Ziggurat::tables().fill(rng, z.data(), count,
                                    [&](std::int64_t i) { tensor_mag += std::abs(y[i]); });
        } else {
            Ziggurat::tables().fill(rng, z.data(), count);
        }
    } else {
        if (cfg.magnitude == Magnitude::Tensor) {
            for (std::int64_t i = 0; i < count; ++i)
                tensor_mag += std::abs(y[i]);
        }
        for (std::int64_t i = 0; i < count; ++i)
            z[static_cast<std::size_t>(i)] = unit_sample(rng, cfg.distribution);
    }
    if (cfg.magnitude == Magnitude::Tensor)
        tensor_mag /= static_cast<double>(std::max<std::int64_t>(count, 1));
    const double k = cfg.activation_k;
    for (std::int64_t c = 0; c < channels; ++c) {
        float* yc = y + c * pixels;
        const double* zc = z.data() + c * pixels;
        if (cfg.magnitude == Magnitude::Element) {
            // sigma_i = k |y_i|
            for (std::int64_t i = 0; i < pixels; ++i) {
                const double s = k * std::abs(yc[i]);
                yc[i] = static_cast<float>(yc[i] + s * zc[i]);
            }
            continue;
        }
        double mag = tensor_mag;
        if (cfg.magnitude == Magnitude::Channel) {
            mag = 0.0;
            for (std::int64_t i = 0; i < pixels; ++i)
                mag += std::abs(yc[i]);
            mag /= static_cast<double>(std::max<std::int64_t>(pixels, 1));
        }
        const double sigma = k * mag;
        for (std::int64_t i = 0; i < pixels; ++i)
            yc[i] = static_cast<float>(yc[i] + sigma * zc[i]);
    }
}

void add_read_noise(float* y, const float* rms, std::int64_t count, std::uint64_t seed,
                    std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg) {
    if (cfg.read_sigma == 0.0)
        return;
    Rng rng(seed, {image, layer, kReadNoise});
    for (std::int64_t i = 0; i < count; ++i) {
        y[i] = static_cast<float>(y[i] + cfg.read_sigma * rms[i] * Ziggurat::tables().sample(rng));
    }
}

void quantise_output(float* y, std::int64_t count, const NoiseConfig& cfg) {
    if (cfg.adc_bits == 0 || count == 0)
        return;
    float peak = 0.0f;
    for (std::int64_t i = 0; i < count; ++i)
        peak = std::max(peak, std::abs(y[i]));
    const double range = cfg.adc_clip * peak;
    if (range <= 0.0)
        return;
    // Mid-tread quantiser with 2^bits - 1 levels over [-range, range].
    const double levels = std::ldexp(1.0, static_cast<int>(cfg.adc_bits) - 1) - 1.0;
    const double step = range / levels;
    for (std::int64_t i = 0; i < count; ++i) {
        const double q = std::clamp(std::round(y[i] / step), -levels, levels);
        y[i] = static_cast<float>(q * step);
    }
}

}  // namespace dnsim::cgra::DNSIM_ISA_NS
