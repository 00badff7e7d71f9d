// Activation-level analog noise models.
#include "cgra/analog_noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/config_error.h"
#include "common/rng.h"
#include "common/ziggurat.h"

namespace dnsim::cgra {

namespace {

// Stream tags of the noise kinds (part of every RNG key).
constexpr std::uint64_t kActivation = 1;
constexpr std::uint64_t kProgramming = 2;
constexpr std::uint64_t kStuck = 3;
constexpr std::uint64_t kRead = 4;

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

bool NoiseConfig::ideal() const {
    return activation_k == 0.0 && programming_sigma == 0.0 && stuck_fraction == 0.0 &&
           drift_time_s == 0.0 && read_sigma == 0.0 && adc_bits == 0;
}

void NoiseConfig::validate() const {
    require_range("noise.activation_k", activation_k, 0.0, 10.0);
    require_range("noise.programming_sigma", programming_sigma, 0.0, 1.0);
    require_range("noise.stuck_fraction", stuck_fraction, 0.0, 1.0);
    require_range("noise.drift_time_s", drift_time_s, 0.0, 1e10, " s");
    require_range("noise.drift_nu", drift_nu, 0.0, 1.0);
    require_range("noise.drift_t0_s", drift_t0_s, 1e-6, 1e10, " s");
    require_range("noise.read_sigma", read_sigma, 0.0, 10.0);
    if (adc_bits != 0)
        require_range("noise.adc_bits", adc_bits, 2u, 24u);
    require_range("noise.adc_clip", adc_clip, 1e-6, 100.0);
}

Fidelity parse_fidelity(const std::string& key, const std::string& text) {
    if (text == "activation")
        return Fidelity::Activation;
    if (text == "bitsliced")
        return Fidelity::BitSliced;
    throw ConfigError(key, fmt::format("'{}' is not one of activation, bitsliced", text));
}

const char* to_string(Fidelity f) {
    return f == Fidelity::Activation ? "activation" : "bitsliced";
}

Magnitude parse_magnitude(const std::string& key, const std::string& text) {
    if (text == "element")
        return Magnitude::Element;
    if (text == "channel")
        return Magnitude::Channel;
    if (text == "tensor")
        return Magnitude::Tensor;
    throw ConfigError(key, fmt::format("'{}' is not one of element, channel, tensor", text));
}

Distribution parse_distribution(const std::string& key, const std::string& text) {
    if (text == "gaussian")
        return Distribution::Gaussian;
    if (text == "uniform")
        return Distribution::Uniform;
    if (text == "laplace")
        return Distribution::Laplace;
    throw ConfigError(key, fmt::format("'{}' is not one of gaussian, uniform, laplace", text));
}

const char* to_string(Magnitude m) {
    return m == Magnitude::Element ? "element" : m == Magnitude::Channel ? "channel" : "tensor";
}

const char* to_string(Distribution d) {
    return d == Distribution::Gaussian  ? "gaussian"
           : d == Distribution::Uniform ? "uniform"
                                        : "laplace";
}

double perturb_weights(float* w, std::int64_t count, std::uint64_t layer, const NoiseConfig& cfg) {
    double out_scale = 1.0;
    if (cfg.drift_time_s > 0.0) {
        // G(t) = G0 ((t + t0) / t0)^-nu; compensation rescales the outputs by the inverse.
        const double d =
            std::pow((cfg.drift_time_s + cfg.drift_t0_s) / cfg.drift_t0_s, -cfg.drift_nu);
        for (std::int64_t i = 0; i < count; ++i)
            w[i] = static_cast<float>(w[i] * d);
        if (cfg.drift_compensation)
            out_scale = 1.0 / d;
    }
    if (cfg.stuck_fraction > 0.0) {
        Rng rng(cfg.chip_seed, {layer, kStuck});
        for (std::int64_t i = 0; i < count; ++i) {
            if (rng.uniform() < cfg.stuck_fraction)
                w[i] = 0.0f;
        }
    }
    if (cfg.programming_sigma > 0.0) {
        Rng rng(cfg.chip_seed, {layer, kProgramming});
        for (std::int64_t i = 0; i < count; ++i) {
            w[i] = static_cast<float>(
                w[i] * (1.0 + cfg.programming_sigma * Ziggurat::tables().sample(rng)));
        }
    }
    return out_scale;
}

void add_activation_noise(float* y, std::int64_t channels, std::int64_t pixels, std::uint64_t seed,
                          std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg) {
    if (cfg.activation_k == 0.0)
        return;
    Rng rng(seed, {image, layer, kActivation});
    const std::int64_t count = channels * pixels;
    // The unit samples, in element order, are drawn first; for the tensor magnitude the draw
    // shares a loop with the sum of |y| (two independent dependency chains that overlap), and
    // the scaling loops below have no RNG in them, so they vectorise.
    thread_local std::vector<double> z;
    z.resize(static_cast<std::size_t>(count));
    double tensor_mag = 0.0;
    if (cfg.magnitude == Magnitude::Tensor && cfg.distribution == Distribution::Gaussian) {
        const auto& zig = Ziggurat::tables();
        for (std::int64_t i = 0; i < count; ++i) {
            tensor_mag += std::abs(y[i]);
            z[static_cast<std::size_t>(i)] = zig.sample(rng);
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
    Rng rng(seed, {image, layer, kRead});
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

}  // namespace dnsim::cgra
