// Activation-level analog noise models: weight perturbation, and the run-time
// choice of the per-image kernels' copy (analog_noise_kernels.cpp, one per vector ISA).
#include "models/cgra/analog_noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "models/cgra/analog_noise_isa.h"
#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"
#include "models/common/ziggurat.h"

namespace dnsim::cgra {

namespace {

using streams::kDriftExponent;
using streams::kProgramming;
using streams::kStuckCells;

}  // namespace

double perturb_weights(float* w, std::int64_t count, std::uint64_t layer, const NoiseConfig& cfg) {
    double out_scale = 1.0;
    if (cfg.drift_time_s > 0.0) {
        // G(t) = G0 ((t + t0) / t0)^-nu; compensation rescales the outputs by the inverse.
        const double ratio = (cfg.drift_time_s + cfg.drift_t0_s) / cfg.drift_t0_s;
        const double d = std::pow(ratio, -cfg.drift_nu);
        if (cfg.drift_nu_sigma == 0.0) {
            for (std::int64_t i = 0; i < count; ++i)
                w[i] = static_cast<float>(w[i] * d);
            if (cfg.drift_compensation)
                out_scale = 1.0 / d;
        } else {
            // Each weight its own exponent (not below 0: no cell gains conductance).
            // Global compensation (aihwkit's) reads the layer's total conductance before and
            // after: the |w|-weighted mean drift, which leaves each weight's own deviation.
            Rng rng(cfg.chip_seed, {layer, kDriftExponent});
            const auto& zig = Ziggurat::tables();
            double before = 0.0;
            double after = 0.0;
            for (std::int64_t i = 0; i < count; ++i) {
                const double nu =
                    std::max(0.0, cfg.drift_nu + cfg.drift_nu_sigma * zig.sample(rng));
                const double drifted = w[i] * std::pow(ratio, -nu);
                before += std::fabs(w[i]);
                after += std::fabs(drifted);
                w[i] = static_cast<float>(drifted);
            }
            if (cfg.drift_compensation)
                out_scale = after > 0.0 ? before / after : 1.0 / d;
        }
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
