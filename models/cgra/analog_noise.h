// Noise of the analog layers at the activation level: the paper's activation noise
// (sigma = k x magnitude of the feature map), conductance programming variation drawn once per
// chip, conductance drift with deployment time, stuck cells, read noise per MVM and ADC
// quantisation of the layer output. Each has an ideal switch (its parameter at 0) and draws
// from streams keyed by (seed, image, layer, kind), so results do not depend on batching.
#pragma once

#include <cstdint>
#include <string>

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
    double programming_sigma = 0.0;   ///< relative conductance variation, once per chip; 0: ideal
    std::uint64_t chip_seed = 1;      ///< chip instance (programming variation, stuck cells)
    double stuck_fraction = 0.0;      ///< fraction of weights stuck at zero conductance; 0: ideal
    double drift_time_s = 0.0;        ///< deployment time since programming, s; 0: ideal
    double drift_nu = 0.06;           ///< drift exponent (aihwkit PCM: 0.05 to 0.1)
    double drift_t0_s = 20.0;         ///< drift reference time, s (aihwkit: 20 s)
    bool drift_compensation = false;  ///< undo the mean drift with one global output scale
    double read_sigma = 0.0;          ///< read noise per MVM output, relative to its RMS; 0: ideal
    unsigned adc_bits = 0;            ///< layer-output quantisation bits; 0: ideal
    double adc_clip = 1.0;            ///< ADC full scale as a fraction of the output's max |y|

    /// True when no noise source is active.
    bool ideal() const;
    /// Throws ConfigError naming the noise.* key of an out-of-range value.
    void validate() const;
};

Fidelity parse_fidelity(const std::string& key, const std::string& text);
const char* to_string(Fidelity f);
Magnitude parse_magnitude(const std::string& key, const std::string& text);
Distribution parse_distribution(const std::string& key, const std::string& text);
const char* to_string(Magnitude m);
const char* to_string(Distribution d);

/// Perturbs a layer's weights the way one chip holds them: drift scaling, stuck cells and
/// programming variation, from streams keyed by (chip_seed, layer). Returns the scale that
/// drift compensation applies to the outputs (1 without compensation).
double perturb_weights(float* w, std::int64_t count, std::uint64_t layer, const NoiseConfig& cfg);

/// Adds the paper's activation noise to one image's layer output y (channels x pixels).
void add_activation_noise(float* y, std::int64_t channels, std::int64_t pixels, std::uint64_t seed,
                          std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg);

/// Adds read noise: element i gets N(0, (read_sigma x rms[i])^2), rms[i] = sqrt(sum_k (w_k x_k)^2)
/// of the MVM that produced it.
void add_read_noise(float* y, const float* rms, std::int64_t count, std::uint64_t seed,
                    std::uint64_t image, std::uint64_t layer, const NoiseConfig& cfg);

/// Quantises one image's layer output to adc_bits over [-R, R], R = adc_clip x max |y|,
/// clipping outside. Ideal when adc_bits is 0.
void quantise_output(float* y, std::int64_t count, const NoiseConfig& cfg);

}  // namespace dnsim::cgra
