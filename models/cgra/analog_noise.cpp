// Activation-level analog noise models: configuration, weight perturbation, and the run-time
// choice of the per-image kernels' copy (analog_noise_kernels.cpp, one per vector ISA).
#include "cgra/analog_noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "cgra/analog_noise_isa.h"
#include "common/config_error.h"
#include "common/config_text.h"
#include "common/random_streams.h"
#include "common/rng.h"
#include "common/ziggurat.h"

namespace dnsim::cgra {

namespace {

using streams::kProgramming;
using streams::kStuckCells;

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
    throw ConfigError(key,
                      fmt::format("'{}' is not one of activation, bitsliced", printable(text)));
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
    throw ConfigError(key,
                      fmt::format("'{}' is not one of element, channel, tensor", printable(text)));
}

Distribution parse_distribution(const std::string& key, const std::string& text) {
    if (text == "gaussian")
        return Distribution::Gaussian;
    if (text == "uniform")
        return Distribution::Uniform;
    if (text == "laplace")
        return Distribution::Laplace;
    throw ConfigError(
        key, fmt::format("'{}' is not one of gaussian, uniform, laplace", printable(text)));
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
        Rng rng(cfg.chip_seed, {layer, kStuckCells});
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
    DNSIM_ISA_SELECT(add_activation_noise)(y, channels, pixels, seed, image, layer, cfg);
}

void add_read_noise(float* y, const float* rms, std::int64_t count, std::uint64_t seed,
                    std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg) {
    DNSIM_ISA_SELECT(add_read_noise)(y, rms, count, seed, image, layer, cfg);
}

void quantise_output(float* y, std::int64_t count, const NoiseConfig& cfg) {
    DNSIM_ISA_SELECT(quantise_output)(y, count, cfg);
}

}  // namespace dnsim::cgra
