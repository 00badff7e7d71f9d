// Training loops on the LibTorch back end: mini-batch Adam with cross-entropy over a Dataset,
// optional activation-noise injection (the platform's model), per-epoch evaluation and
// callbacks for progress and checkpoints. Which tensors train is set on the TorchGraph
// (backbone, denoiser blocks, or both for NIT).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "workloads/datasets/dataset.h"
#include "workloads/training/torch_graph.h"

namespace dnsim::training {

struct TrainOptions {
    int epochs = 5;
    double lr = 1e-3;  ///< Adam learning rate
    std::int64_t batch = 128;
    std::uint64_t seed = 1;  ///< shuffling, initial torch seed, noise
    TorchNoise noise;        ///< injected while training (k = 0: none)
    TorchNoise eval_noise;   ///< used for the per-epoch test accuracy
    /// BatchNorm on batch statistics (false when the backbone is frozen).
    bool train_mode_bn = true;
    /// Directory for optimizer_<epoch>.pt after every epoch (empty: none).
    std::string checkpoint_dir;
    /// Continue after this finished epoch: loads optimizer_<epoch>.pt from checkpoint_dir (the
    /// caller loads the model of that epoch). 0: start from scratch.
    int resume_after_epoch = 0;
};

struct EpochResult {
    int epoch = 0;
    double loss = 0.0;  ///< mean training cross-entropy
    double train_accuracy_pct = 0.0;
    double test_accuracy_pct = 0.0;
    double seconds = 0.0;
};

/// Top-1 accuracy in %, BatchNorm in inference mode, denoiser epsilon drawn from torch's
/// generator (zero when `zero_epsilon`).
double evaluate(TorchGraph& model, const workloads::Dataset& data, const TorchNoise& noise,
                std::int64_t batch = 256, bool zero_epsilon = false);

/// Trains the tensors that require grad; calls `on_epoch` after each epoch (checkpoints,
/// progress) and `on_batch(done, total)` during it.
std::vector<EpochResult> train(
    TorchGraph& model, const workloads::Dataset& train_set, const workloads::Dataset& test_set,
    const TrainOptions& opt, const std::function<void(const EpochResult&)>& on_epoch = {},
    const std::function<void(std::int64_t, std::int64_t)>& on_batch = {});

}  // namespace dnsim::training
