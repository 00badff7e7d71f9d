// The settings of dnsim-train and their keys. What dnsim-train shares with dnsim run has the
// same key (cgra.*, noise.activation_k, noise.magnitude, noise.distribution, run.seed,
// exec.threads, dataset.*, --denoiser-ratio, --denoisers); what only training has keeps its
// option (--epochs, --lr, ...).
// Plain C++: dnsim lists these keys too (dnsim keys, docs/keys.md).
#pragma once

#include <cstdint>

#include "models/cgra/cgra_config.h"
#include "models/cgra/noise_config.h"
#include "models/denoiser/denoiser_config.h"
#include "testbench/config_binder.h"
#include "workloads/datasets/dataset.h"
#include "workloads/training/placement_method.h"
#include "workloads/training/recipe.h"

namespace dnsim::tb {

struct TrainSettings {
    int epochs = 5;
    double lr = 1e-3;
    training::LrSchedule lr_schedule = training::LrSchedule::Constant;
    int lr_patience = 2;
    double lr_factor = 0.2;
    int patience = 0;  ///< early stopping (0: off)
    training::Augment augment = training::Augment::None;
    training::KeepCheckpoints keep_checkpoints = training::KeepCheckpoints::Needed;
    /// Training images held out (the last ones of the training split) to choose the epoch.
    std::int64_t validation = 0;
    std::int64_t batch = 128;
    int qat_bits = 4;  ///< qat: the weights' grid
    std::int64_t test_limit = 0;
    std::int64_t calibration = 512;
    double budget = 0.04;
    training::PlacementMethod placement = training::PlacementMethod::GradNorm;
    double denoiser_ratio = 0.25;  ///< --denoiser-ratio
    /// denoisers: weight of the feature-reconstruction term (0: the task loss alone).
    double reconstruction_weight = 0.0;
    /// block.stochastic: whether the blocks draw epsilon (the rest of the format is the
    /// replay's).
    denoiser::BlockFormat block;
    std::uint64_t seed = 1;  ///< run.seed
    unsigned threads = 2;    ///< exec.threads
    /// Which CPU kernels LibTorch and oneDNN may run (--cpu-kernels).
    training::CpuKernels cpu_kernels = training::CpuKernels::Avx2;
    /// The platform trained for: its mapping decides which layers are analog (noisy).
    cgra::CgraConfig cgra;
    /// The noise trained against: noise.activation_k, magnitude, distribution, and one chip
    /// (noise.programming_sigma, stuck_fraction, chip_seed; TorchGraph::set_chip).
    cgra::NoiseConfig noise;
    /// Whether the noise includes a chip (programming variation or stuck cells).
    bool on_chip() const { return noise.programming_sigma > 0.0 || noise.stuck_fraction > 0.0; }
    workloads::DatasetSpec data;  ///< dataset.* (split: train)
};

/// The defaults of a stage: epochs, the noise (the paper's 6 %) and the training split.
TrainSettings train_defaults(const std::string& stage);

/// Binds the keys and options of `dnsim-train STAGE`, the old spellings of the shared ones
/// (--sigma, --magnitude, --seed, --threads, --ratio, --layers) as deprecated aliases.
void bind_train_keys(ConfigBinder& b, TrainSettings& s);

/// Whether `key` is one of the platform keys a trained model replays with (cgra.* and the
/// noise.* keys of training, block.stochastic): what dnsim-train writes to platform.ini for
/// `dnsim run --config`.
bool is_platform_key(const std::string& key);

}  // namespace dnsim::tb
