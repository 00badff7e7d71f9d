// Noise of the analog layers at the activation level: the paper's activation noise
// (sigma = k x magnitude of the feature map), conductance programming variation drawn once per
// chip, conductance drift with deployment time, stuck cells, read noise per MVM and ADC
// quantisation of the layer output. Each has an ideal switch (its parameter at 0) and draws
// from streams keyed by (seed, image, layer, kind), so results do not depend on batching.
#pragma once

#include <cstdint>

#include "models/cgra/noise_config.h"

namespace dnsim::cgra {

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
