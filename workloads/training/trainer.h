// Training loops on the LibTorch back end: mini-batch Adam with cross-entropy over a Dataset,
// optional activation-noise injection (the platform's model) and augmentation, a learning-rate
// schedule and early stopping on a validation set (recipe.h), per-epoch evaluation and
// callbacks for progress and checkpoints. Which tensors train is set on the TorchGraph
// (backbone, denoiser blocks, or both for NIT).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "workloads/datasets/dataset.h"
#include "workloads/training/recipe.h"
#include "workloads/training/torch_graph.h"

namespace dnsim::training {

struct EpochResult {
    int epoch = 0;
    double lr = 0.0;    ///< the learning rate of the epoch
    double loss = 0.0;  ///< mean training cross-entropy
    double train_accuracy_pct = 0.0;
    /// On the held-out validation images (NaN without a validation set), under eval_noise with
    /// the same draws every epoch, so epochs compare on equal terms.
    double validation_accuracy_pct = 0.0;
    double test_accuracy_pct = 0.0;
    double seconds = 0.0;
    /// The vector level of LibTorch's CPU kernels the epoch ran with (torch_cpu_kernels());
    /// empty in records written before it was kept.
    std::string cpu_kernels;
    /// The instruction set of oneDNN's kernels the epoch ran with (onednn_cpu_isa()); empty in
    /// records written before it was kept.
    std::string onednn_isa;
};

/// The vector level LibTorch's (ATen's) CPU kernels dispatch to ("AVX512", "AVX2", or "NO AVX"
/// for its DEFAULT level; the environment variable ATEN_CPU_CAPABILITY sets it, and
/// limit_cpu_kernels() caps it). Kernels of another level round differently, so the same
/// command trains bit-identical models only with the same kernels (docs/training.md, "Threads
/// and machines").
std::string torch_cpu_kernels();

/// The instruction set oneDNN, LibTorch's convolution library, dispatches to ("avx2",
/// "avx512_core", "avx512_core_bf16", ...; "unknown" where LibTorch carries a copy of oneDNN
/// whose functions it does not export). oneDNN chooses by the CPU whatever
/// torch_cpu_kernels() is, so an AVX-512 machine whose LibTorch kernels are AVX2 still trains
/// other bytes than an AVX2 machine (docs/training.md, "Threads and machines").
std::string onednn_cpu_isa();

/// Caps both at AVX2 (CpuKernels::Avx2) or leaves them to the CPU and the environment
/// (Native), through the environment variables LibTorch and oneDNN read when they first run a
/// kernel: call it before any LibTorch operation. Throws ConfigError naming the variable when
/// the environment asks for another level than Avx2.
void limit_cpu_kernels(CpuKernels kernels);

struct TrainOptions {
    /// Epochs, learning rate and its schedule, early stopping (recipe.h).
    Recipe recipe;
    std::int64_t batch = 128;
    std::uint64_t seed = 1;  ///< shuffling, initial torch seed, noise, augmentation
    Augment augment = Augment::None;
    TorchNoise noise;       ///< injected while training (k = 0: none)
    TorchNoise eval_noise;  ///< used for the per-epoch validation and test accuracy
    /// BatchNorm on batch statistics (false when the backbone is frozen).
    bool train_mode_bn = true;
    /// Directory for optimizer_<epoch>.pt after every epoch (empty: none).
    std::string checkpoint_dir;
    /// Continue after this finished epoch: loads optimizer_<epoch>.pt from checkpoint_dir (the
    /// caller loads the model of that epoch and passes the finished epochs as `history`). 0:
    /// start from scratch.
    int resume_after_epoch = 0;
    /// The epochs finished before (resume): the schedule and early stopping read them.
    std::vector<EpochResult> history;
    /// Denoiser blocks subtract mu alone (block.stochastic 0), in training and evaluation.
    bool zero_epsilon = false;
    /// Feature reconstruction (issue 19's loss ablation): the loss adds weight x the mean over
    /// sites of ||block output - clean layer output||^2 / ||clean layer output||^2 over the
    /// batch. 0: the task loss alone (the paper).
    double reconstruction_weight = 0.0;
    /// The backbone without blocks: its noise-free outputs of the sites' layers are the targets.
    /// Required when reconstruction_weight > 0; train() sets its captures.
    TorchGraph* clean_backbone = nullptr;
    /// The sites: (layer, the block node that follows it).
    std::vector<std::pair<std::string, std::string>> reconstruction_sites;
};

/// The reconstruction term of TrainOptions for one batch: the mean over `sites` of
/// ||denoised[block] - clean[layer]||^2 / ||clean[layer]||^2 over the batch (a squared norm
/// below 1 counts as 1, so an all-zero target cannot divide by zero).
torch::Tensor reconstruction_loss(const std::map<std::string, torch::Tensor>& denoised,
                                  const std::map<std::string, torch::Tensor>& clean,
                                  const std::vector<std::pair<std::string, std::string>>& sites);

/// The validation accuracies of `history`, in order (empty when there was no validation set).
std::vector<double> validation_curve(const std::vector<EpochResult>& history);

/// Top-1 accuracy in %, BatchNorm in inference mode, denoiser epsilon drawn from torch's
/// generator (zero when `zero_epsilon`).
double evaluate(TorchGraph& model, const workloads::Dataset& data, const TorchNoise& noise,
                std::int64_t batch = 256, bool zero_epsilon = false);

/// Trains the tensors that require grad for up to recipe.epochs epochs, stopping early by the
/// recipe; calls `on_epoch` after each epoch (checkpoints, progress) and `on_batch(done,
/// total)` during it. `validation` may be empty (no schedule or stop that needs it). Returns
/// every epoch, those of opt.history first.
std::vector<EpochResult> train(
    TorchGraph& model, const workloads::Dataset& train_set, const workloads::Dataset& validation,
    const workloads::Dataset& test_set, const TrainOptions& opt,
    const std::function<void(const EpochResult&)>& on_epoch = {},
    const std::function<void(std::int64_t, std::int64_t)>& on_batch = {});

}  // namespace dnsim::training
