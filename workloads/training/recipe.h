// A training recipe's decisions that depend only on the epochs already trained: the learning
// rate of the next epoch, whether to stop early, which epoch's weights to keep. Plain C++ (no
// LibTorch) so that the options are declared, and the rules unit-tested, without it. Every rule
// is a function of the validation history, so a run resumed from a checkpoint takes the same
// decisions as an uninterrupted one.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "models/common/config_schema.h"

namespace dnsim::training {

enum class LrSchedule { Constant, Plateau, Cosine };

inline constexpr std::array<config::EnumName<LrSchedule>, 3> kLrScheduleNames{{
    {LrSchedule::Constant, "constant", "--lr in every epoch"},
    {LrSchedule::Plateau, "plateau",
     "--lr, multiplied by --lr-factor each time the validation accuracy has not improved for "
     "--lr-patience epochs"},
    {LrSchedule::Cosine, "cosine", "--lr x (1 + cos(pi (e - 1) / --epochs)) / 2 in epoch e"},
}};

enum class Augment { None, CropFlip };

inline constexpr std::array<config::EnumName<Augment>, 2> kAugmentNames{{
    {Augment::None, "none", "the training images as they are"},
    {Augment::CropFlip, "crop-flip",
     "each training image shifted by up to 2 pixels (edges replicated) and mirrored left-right "
     "with probability 1/2, drawn anew every epoch"},
}};

/// Which epoch files a stage keeps in its output directory.
enum class KeepCheckpoints { All, Needed };

inline constexpr std::array<config::EnumName<KeepCheckpoints>, 2> kKeepCheckpointsNames{{
    {KeepCheckpoints::All, "all",
     "every epoch's weights (epoch_K.onnx) and optimizer state (optimizer_K.pt)"},
    {KeepCheckpoints::Needed, "needed",
     "what a resume and the final choice need: the last epoch's weights and optimizer state, "
     "and the weights of the epoch the validation accuracy keeps so far"},
}};

/// Which CPU kernels LibTorch (ATen) and oneDNN, its convolution library, may run. Each picks
/// the widest vector level the CPU has, independently of the other, and kernels of another
/// level round differently: the same command then trains other bytes on another machine.
enum class CpuKernels { Avx2, Native };

inline constexpr std::array<config::EnumName<CpuKernels>, 2> kCpuKernelsNames{{
    {CpuKernels::Avx2, "avx2",
     "both capped at AVX2, so that every x86-64 machine with AVX2 and FMA runs the same "
     "kernels (the environment's ATEN_CPU_CAPABILITY must be unset or avx2, its "
     "ONEDNN_MAX_CPU_ISA and DNNL_MAX_CPU_ISA unset or AVX2)"},
    {CpuKernels::Native, "native",
     "the widest kernels the CPU has, as LibTorch and oneDNN choose them (the environment "
     "variables above can lower them): an AVX-512 machine runs other kernels than an AVX2 one "
     "and trains other bytes"},
}};

inline const char* to_string(LrSchedule s) {
    return config::name_of(kLrScheduleNames, s);
}
inline const char* to_string(Augment a) {
    return config::name_of(kAugmentNames, a);
}
inline const char* to_string(KeepCheckpoints k) {
    return config::name_of(kKeepCheckpointsNames, k);
}
inline const char* to_string(CpuKernels k) {
    return config::name_of(kCpuKernelsNames, k);
}

/// The recipe's epoch-level rules.
struct Recipe {
    int epochs = 5;  ///< the most epochs
    double lr = 1e-3;
    LrSchedule schedule = LrSchedule::Constant;
    int lr_patience = 2;     ///< plateau: epochs without improvement before the rate drops
    double lr_factor = 0.2;  ///< plateau: the drop
    int patience = 0;        ///< stop after this many epochs without improvement (0: never)
};

/// The learning rate of epoch `epoch` (1-based) after the epochs whose validation accuracies
/// (%) are `validation` (one per finished epoch, in order; plateau needs them).
double learning_rate(const Recipe& r, const std::vector<double>& validation, int epoch);

/// Epochs since the best validation accuracy so far (0: the last epoch was the best).
int epochs_since_best(const std::vector<double>& validation);

/// Whether to stop early, before the next epoch: no improvement for --patience epochs.
bool stop_early(const Recipe& r, const std::vector<double>& validation);

/// The epoch (1-based) to keep: the first with the highest validation accuracy; the last
/// epoch when there is no validation history (`epochs` finished).
int selected_epoch(const std::vector<double>& validation, int epochs);

/// Whether the weights of epoch `epoch` are still needed after `epochs` finished epochs with
/// the validation accuracies `validation`: under KeepCheckpoints::Needed, those of the last
/// epoch (a resume continues from them) and of the epoch selected_epoch keeps so far (the
/// final model is reloaded from it; a later epoch only replaces it by being better). The
/// optimizer state is needed for the last epoch only.
bool weights_needed(KeepCheckpoints keep, const std::vector<double>& validation, int epochs,
                    int epoch);

}  // namespace dnsim::training
