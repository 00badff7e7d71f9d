// Configuration of the analog noise models (docs/noise.md): which sources are on and how
// strong. The noise.* keys, with their ranges and sources, are declared once in
// NoiseConfig::keys() (noise_config.cpp; docs/keys.md).
#pragma once

#include <cstdint>
#include <string>

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::cgra {

/// What "magnitude of the feature map" means for the activation noise.
enum class Magnitude {
    Element,  ///< |y| of each element
    Channel,  ///< mean |y| over each channel of the image
    Tensor,   ///< mean |y| over the image's whole layer output (default, docs/noise.md)
};

/// Shape of the activation-noise distribution (all scaled to standard deviation sigma).
enum class Distribution { Gaussian, Uniform, Laplace };

/// How analog layers are simulated (docs/noise.md).
enum class Fidelity {
    Activation,  ///< float layer, noise sources applied to weights and outputs (fast)
    BitSliced,   ///< cells, 1-bit DAC passes, per-column ADC, shift-and-add (slow; subsets)
};

struct NoiseConfig {
    Fidelity fidelity = Fidelity::Activation;
    double activation_k = 0.0;  ///< sigma = k x magnitude (paper: 0.02 to 0.08); 0: ideal
    Magnitude magnitude = Magnitude::Tensor;
    Distribution distribution = Distribution::Gaussian;
    double programming_sigma = 0.0;  ///< relative conductance variation, once per chip; 0: ideal
    std::uint64_t chip_seed = 1;     ///< chip instance (programming variation, stuck cells)
    double stuck_fraction = 0.0;     ///< fraction of weights stuck at zero conductance; 0: ideal
    double drift_time_s = 0.0;       ///< deployment time since programming, s; 0: ideal
    double drift_nu = 0.06;          ///< drift exponent (aihwkit PCM: 0.05 to 0.1)
    /// Standard deviation of the drift exponent across cells (0: one exponent for all), drawn
    /// once per weight (cell, bit-sliced) per chip.
    double drift_nu_sigma = 0.0;
    double drift_t0_s = 20.0;         ///< drift reference time, s (aihwkit: 20 s)
    bool drift_compensation = false;  ///< undo the mean drift with one global output scale
    double read_sigma = 0.0;          ///< read noise per MVM output, relative to its RMS; 0: ideal
    unsigned adc_bits = 0;            ///< layer-output quantisation bits; 0: ideal
    double adc_clip = 1.0;            ///< ADC full scale as a fraction of the output's max |y|

    /// True when no noise source is active.
    bool ideal() const;
    /// Throws ConfigError naming the noise.* key of an out-of-range value.
    void validate() const;
    /// The noise.* keys: every field above with its range, unit, help and source.
    static const config::KeySet<NoiseConfig>& keys();
};

/// By the names of their tables in noise_config.cpp (the names of noise.fidelity,
/// noise.magnitude and noise.distribution).
Fidelity parse_fidelity(const std::string& key, const std::string& text);
const char* to_string(Fidelity f);
Magnitude parse_magnitude(const std::string& key, const std::string& text);
Distribution parse_distribution(const std::string& key, const std::string& text);
const char* to_string(Magnitude m);
const char* to_string(Distribution d);

}  // namespace dnsim::cgra
