// The keys of dnsim-train: the shared ones from their declarations, the training options here.
#include "testbench/train_keys.h"

#include <limits>

#include "models/common/config_schema.h"
#include "testbench/config_keys.h"

namespace dnsim::tb {

namespace {

const config::KeySet<TrainSettings>& train_options() {
    static const config::KeySet<TrainSettings> k = [] {
        using config::ours;
        using S = TrainSettings;
        const std::int64_t most = std::numeric_limits<std::int64_t>::max();
        config::KeySet<S> s;
        s.add("epochs", &S::epochs)
            .range(1, 10000)
            .help("epochs")
            .origin(ours("backbone, place and denoisers 5, nit and qat 2"));
        s.add("lr", &S::lr)
            .range(1e-9, 10.0)
            .help("Adam learning rate")
            .origin(ours("Adam at 1e-3: the paper's learning rate for the denoiser blocks, the "
                         "usual one for the rest"));
        s.add_choice("lr-schedule", &S::lr_schedule, training::kLrScheduleNames)
            .help("how the learning rate changes over the epochs")
            .origin(ours("constant: the paper's fixed Adam rate for the denoiser blocks; the "
                         "backbone recipes of scripts/train-models.sh use plateau"));
        s.add("lr-patience", &S::lr_patience)
            .range(1, 10000)
            .help("plateau: epochs without a better validation accuracy before the rate drops")
            .origin(ours("2 epochs: a drop soon after progress stalls, as commonly used with "
                         "reduce-on-plateau schedules"));
        s.add("lr-factor", &S::lr_factor)
            .range(1e-6, 1.0)
            .help("plateau: what the learning rate is multiplied by at each drop")
            .origin(ours("0.2: a common reduce-on-plateau factor"));
        s.add("patience", &S::patience)
            .range(0, 10000)
            .help(
                "stop after this many epochs without a better validation accuracy (0: run "
                "every epoch)")
            .origin(ours("0: every --epochs epoch runs unless a recipe asks for early stopping"));
        s.add_choice("augment", &S::augment, training::kAugmentNames)
            .help("augmentation of the training images")
            .origin(ours("none: the images as the platform sees them; the backbone recipes use "
                         "crop-flip"));
        s.add_choice("keep-checkpoints", &S::keep_checkpoints, training::kKeepCheckpointsNames)
            .help("which epoch files stay in --out while and after training")
            .origin(ours("needed: a 60-epoch run of a 1M-parameter network would otherwise "
                         "leave about 800 MB of epoch files; all keeps them for study"));
        s.add_choice("cpu-kernels", &S::cpu_kernels, training::kCpuKernelsNames)
            .help("which vector level LibTorch's and oneDNN's CPU kernels may use")
            .origin(ours("avx2: an AVX2 machine and an AVX-512 one run the same kernels "
                         "(docs/training.md, \"Threads and machines\"); on an AVX-512 machine "
                         "one epoch of DenseNet-121-28 took as long capped as native"));
        s.add("validation", &S::validation)
            .range(std::int64_t{0}, most)
            .help(
                "the last N images of the training split are held out: their accuracy after "
                "every epoch chooses the epoch kept (model.onnx) and drives --lr-schedule "
                "plateau and --patience (0: none, the last epoch is kept)")
            .origin(ours("0: every training image trains and the last epoch is kept, as before "
                         "this option; the recipes of scripts/train-models.sh hold out 5 000 of "
                         "Fashion-MNIST's 60 000 (the test images never choose)"));
        s.add("qat-bits", &S::qat_bits)
            .range(2, 16)
            .help(
                "qat: bits of the analog layers' weight grid (symmetric, 2^(b-1) - 1 levels "
                "each side, a constant scale per layer)")
            .origin(ours("4 bits: coarse enough that training on the grid changes the weights; "
                         "Wang et al. 2025 compare quantization-aware training with constant "
                         "scaling factors against noise-injection training"));
        s.add("batch", &S::batch)
            .range(std::int64_t{1}, std::int64_t{65536})
            .help("mini-batch size")
            .origin(ours(
                "128: a common mini-batch for 28x28 images that fits a small machine's memory"));
        s.add("test-limit", &S::test_limit)
            .range(std::int64_t{0}, most)
            .help("evaluate on the first N test images (0: all)")
            .origin(ours("0: accuracy over the whole test set"));
        s.add("calibration", &S::calibration)
            .range(std::int64_t{1}, std::int64_t{1000000})
            .help("images for the gradient-norm ranking")
            .origin(ours("512 images: enough for a stable ranking of the layers' gradient norms at "
                         "a few seconds of CPU"));
        s.add("budget", &S::budget)
            .range(0.0, 1.0)
            .help("denoiser parameters / backbone parameters")
            .origin(ours("the shipped models' 4 % (docs/results.md)"));
        s.add_choice("placement", &S::placement, training::kPlacementNames)
            .help("how denoiser sites are chosen (without --denoisers)")
            .origin(config::paper("gradient norm"));
        declare_denoiser_ratio(s, &S::denoiser_ratio);
        s.add("reconstruction-weight", &S::reconstruction_weight)
            .range(0.0, 1e6)
            .help(
                "denoisers: adds this weight x the mean over the blocks of ||block output - the "
                "noise-free backbone's output of its layer||^2 / ||that output||^2 to the "
                "cross-entropy (0: the task loss alone)")
            .origin(ours("0: the paper trains the blocks on the task loss; > 0 is issue 19's "
                         "ablation of the training loss"));
        return s;
    }();
    return k;
}

const config::KeySet<TrainSettings>& train_shared_keys() {
    static const config::KeySet<TrainSettings> k = [] {
        config::KeySet<TrainSettings> s;
        s.nest(cgra::CgraConfig::keys(), &TrainSettings::cgra);
        s.nest(cgra::NoiseConfig::keys().only({"noise.activation_k", "noise.magnitude",
                                               "noise.distribution", "noise.programming_sigma",
                                               "noise.stuck_fraction", "noise.chip_seed"}),
               &TrainSettings::noise);
        declare_run_seed(s, &TrainSettings::seed);
        declare_exec_threads(s, &TrainSettings::threads);
        s.nest(workloads::DatasetSpec::keys(), &TrainSettings::data);
        s.nest(denoiser::BlockFormat::keys().only({"block.stochastic"}), &TrainSettings::block);
        return s;
    }();
    return k;
}

}  // namespace

TrainSettings train_defaults(const std::string& stage) {
    TrainSettings s;
    s.epochs = stage == "nit" || stage == "qat" ? 2 : 5;
    s.noise.activation_k = 0.06;
    s.data.split = "train";
    return s;
}

void bind_train_keys(ConfigBinder& b, TrainSettings& s) {
    b.bind_options(train_options(), s);
    b.bind(train_shared_keys(), s);
    b.alias("sigma", "noise.activation_k", true);
    b.alias("magnitude", "noise.magnitude", true);
    b.alias("seed", "run.seed", true);
    b.alias("threads", "exec.threads", true);
    b.alias("ratio", kDenoiserRatio, true);
}

bool is_platform_key(const std::string& key) {
    return key.rfind("cgra.", 0) == 0 || key.rfind("noise.", 0) == 0 || key == "block.stochastic";
}

}  // namespace dnsim::tb
