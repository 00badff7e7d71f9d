// Training loops.
#include "workloads/training/trainer.h"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <sstream>

#include <ATen/Version.h>
#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/output_files.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"

namespace dnsim::training {

namespace {

torch::Tensor images_of(const workloads::Dataset& d, const std::vector<std::int64_t>& idx,
                        std::int64_t begin, std::int64_t end) {
    const std::int64_t per = d.images.numel() / d.size();
    std::vector<std::int64_t> dims(d.images.dims.begin(), d.images.dims.end());
    dims[0] = end - begin;
    torch::Tensor x = torch::empty(dims, torch::kFloat32);
    float* dst = x.data_ptr<float>();
    for (std::int64_t i = begin; i < end; ++i) {
        std::copy_n(d.images.ptr() + idx[static_cast<std::size_t>(i)] * per, per,
                    dst + (i - begin) * per);
    }
    return x;
}

torch::Tensor labels_of(const workloads::Dataset& d, const std::vector<std::int64_t>& idx,
                        std::int64_t begin, std::int64_t end) {
    torch::Tensor y = torch::empty({end - begin}, torch::kInt64);
    for (std::int64_t i = begin; i < end; ++i) {
        y[i - begin] = static_cast<std::int64_t>(
            d.labels[static_cast<std::size_t>(idx[static_cast<std::size_t>(i)])]);
    }
    return y;
}

/// Augment::CropFlip on a batch: each image shifted by up to kShift pixels in each direction
/// (the edge pixels replicated into the gap) and mirrored left-right with probability 1/2, from
/// torch's generator (seeded per epoch).
torch::Tensor crop_flip(const torch::Tensor& x) {
    constexpr std::int64_t kShift = 2;
    const std::int64_t n = x.size(0);
    const std::int64_t h = x.size(2);
    const std::int64_t w = x.size(3);
    namespace F = torch::nn::functional;
    const torch::Tensor padded =
        F::pad(x, F::PadFuncOptions({kShift, kShift, kShift, kShift}).mode(torch::kReplicate));
    const torch::Tensor offsets = torch::randint(0, 2 * kShift + 1, {n, 2}, torch::kInt64);
    const torch::Tensor flips = torch::rand({n}).lt(0.5);
    const auto off = offsets.accessor<std::int64_t, 2>();
    const auto flip = flips.accessor<bool, 1>();
    torch::Tensor out = torch::empty_like(x);
    for (std::int64_t i = 0; i < n; ++i) {
        torch::Tensor crop = padded[i].narrow(1, off[i][0], h).narrow(2, off[i][1], w);
        out[i].copy_(flip[i] ? crop.flip({2}) : crop);
    }
    return out;
}

}  // namespace

std::string torch_cpu_kernels() {
    // LibTorch 1.13 does not export at::native::get_cpu_capability(); its configuration report
    // carries the same value as a line "CPU capability usage: AVX2".
    static const std::string level = [] {
        const std::string config = at::show_config();
        const std::string key = "CPU capability usage: ";
        const std::size_t found = config.find(key);
        if (found == std::string::npos)
            return std::string("unknown");
        const std::size_t begin = found + key.size();
        const std::size_t end = config.find_first_of("\r\n", begin);
        return config.substr(begin, end == std::string::npos ? end : end - begin);
    }();
    return level;
}

std::string onednn_cpu_isa() {
    // Debian's LibTorch links the system's libdnnl; its public C functions answer without
    // oneDNN's headers, and a LibTorch that hides its own copy leaves them absent.
    using EffectiveIsa = int (*)();
    using IsaName = const char* (*)(int);
    EffectiveIsa effective = nullptr;
    IsaName name = nullptr;
    *reinterpret_cast<void**>(&effective) = dlsym(RTLD_DEFAULT, "dnnl_get_effective_cpu_isa");
    *reinterpret_cast<void**>(&name) = dlsym(RTLD_DEFAULT, "dnnl_cpu_isa2str");
    if (effective == nullptr || name == nullptr)
        return "unknown";
    const char* text = name(effective());
    if (text == nullptr)
        return "unknown";
    std::string isa = text;
    const std::string prefix = "cpu_isa_";
    return isa.rfind(prefix, 0) == 0 ? isa.substr(prefix.size()) : isa;
}

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

/// Sets `variable` to `value`, or throws when the environment already asks for something else.
/// oneDNN reads its variables without case; ATen compares ATEN_CPU_CAPABILITY exactly (it
/// ignores "AVX2" with a warning and then picks the level from the CPU), so `exact` refuses
/// any other spelling.
void require_environment(const char* variable, const std::string& value, bool exact) {
    if (const char* set = std::getenv(variable)) {
        if (exact ? std::string(set) != value : lower(set) != lower(value)) {
            throw ConfigError(
                variable,
                fmt::format("is '{}' in the environment, but --cpu-kernels avx2 (the default) "
                            "caps LibTorch's and oneDNN's kernels at AVX2; unset it, set it to "
                            "'{}', or pass --cpu-kernels native to let the environment choose",
                            set, value));
        }
        return;
    }
    ::setenv(variable, value.c_str(), 1);
}

}  // namespace

void limit_cpu_kernels(CpuKernels kernels) {
    if (kernels == CpuKernels::Native)
        return;
    // oneDNN 2.x reads ONEDNN_MAX_CPU_ISA, then DNNL_MAX_CPU_ISA, when it first dispatches; a
    // maximum, harmless on a CPU without AVX2.
    require_environment("ONEDNN_MAX_CPU_ISA", "AVX2", false);
    // Its older name, read when the above is not set: refused too if it asks for another level.
    if (std::getenv("DNNL_MAX_CPU_ISA") != nullptr) {
        require_environment("DNNL_MAX_CPU_ISA", "AVX2", false);
    }
    // ATen reads ATEN_CPU_CAPABILITY when it first dispatches and takes it as given, so it is
    // set (and checked) only where the CPU has AVX2 and FMA (elsewhere ATen already runs
    // below it).
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        require_environment("ATEN_CPU_CAPABILITY", "avx2", true);
#endif
}

torch::Tensor reconstruction_loss(const std::map<std::string, torch::Tensor>& denoised,
                                  const std::map<std::string, torch::Tensor>& clean,
                                  const std::vector<std::pair<std::string, std::string>>& sites) {
    torch::Tensor sum = torch::zeros({}, torch::kFloat32);
    for (const auto& [layer, block] : sites) {
        const torch::Tensor target = clean.at(layer).detach();
        const torch::Tensor norm = target.pow(2).sum().clamp_min(1.0);
        sum = sum + (denoised.at(block) - target).pow(2).sum() / norm;
    }
    return sum / static_cast<double>(std::max<std::size_t>(sites.size(), 1));
}

double evaluate(TorchGraph& model, const workloads::Dataset& data, const TorchNoise& noise,
                std::int64_t batch, bool zero_epsilon) {
    torch::NoGradGuard no_grad;
    std::vector<std::int64_t> idx(static_cast<std::size_t>(data.size()));
    std::iota(idx.begin(), idx.end(), 0);
    std::int64_t correct = 0;
    for (std::int64_t b = 0; b < data.size(); b += batch) {
        const std::int64_t e = std::min(data.size(), b + batch);
        const torch::Tensor logits =
            model.forward(images_of(data, idx, b, e), false, noise, zero_epsilon);
        correct += logits.argmax(1).eq(labels_of(data, idx, b, e)).sum().item<std::int64_t>();
    }
    return data.size() > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(data.size())
                           : 0.0;
}

std::vector<double> validation_curve(const std::vector<EpochResult>& history) {
    std::vector<double> v;
    for (const EpochResult& r : history) {
        if (!std::isnan(r.validation_accuracy_pct))
            v.push_back(r.validation_accuracy_pct);
    }
    return v;
}

std::vector<EpochResult> train(TorchGraph& model, const workloads::Dataset& train_set,
                               const workloads::Dataset& validation,
                               const workloads::Dataset& test_set, const TrainOptions& opt,
                               const std::function<void(const EpochResult&)>& on_epoch,
                               const std::function<void(std::int64_t, std::int64_t)>& on_batch) {
    std::vector<torch::Tensor> params;
    for (auto& t : model.backbone_parameters()) {
        if (t.requires_grad())
            params.push_back(t);
    }
    for (auto& t : model.denoiser_parameters()) {
        if (t.requires_grad())
            params.push_back(t);
    }
    const Recipe& recipe = opt.recipe;
    torch::optim::Adam adam(params, torch::optim::AdamOptions(recipe.lr));
    const auto state_name = [](int epoch) { return "optimizer_" + std::to_string(epoch) + ".pt"; };
    const auto state_file = [&opt, &state_name](int epoch) {
        return opt.checkpoint_dir + "/" + state_name(epoch);
    };
    if (opt.resume_after_epoch > 0) {
        try {
            torch::load(adam, state_file(opt.resume_after_epoch));
        } catch (const std::exception& e) {
            throw ConfigError(
                state_file(opt.resume_after_epoch),
                std::string("cannot resume: optimizer state unreadable (") + e.what() + ")");
        }
    }
    std::vector<EpochResult> out = opt.history;
    const std::int64_t n = train_set.size();
    if (opt.augment == Augment::CropFlip && train_set.images.dims.size() != 4) {
        throw ConfigError("augment",
                          "crop-flip shifts and mirrors N x C x H x W images; these are " +
                              workloads::dims_str(train_set.images.dims));
    }
    const bool reconstruct = opt.reconstruction_weight > 0.0;
    if (reconstruct) {
        if (opt.clean_backbone == nullptr || opt.reconstruction_sites.empty())
            throw ConfigError("reconstruction-weight",
                              "needs denoiser sites and the backbone without them");
        std::vector<std::string> layers, blocks;
        for (const auto& [layer, block] : opt.reconstruction_sites) {
            layers.push_back(layer);
            blocks.push_back(block);
        }
        opt.clean_backbone->capture(layers);
        model.capture(blocks);
    }
    for (int epoch = opt.resume_after_epoch + 1; epoch <= recipe.epochs; ++epoch) {
        const std::vector<double> curve = validation_curve(out);
        if (stop_early(recipe, curve))
            break;
        // Every epoch's randomness and learning rate depend on (seed, epoch) and the finished
        // epochs only, so a resumed run continues exactly as an uninterrupted one would.
        const double lr = learning_rate(recipe, curve, epoch);
        for (auto& group : adam.param_groups())
            static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
        torch::manual_seed(derive_key(opt.seed, {static_cast<std::uint64_t>(epoch)}));
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
        std::iota(idx.begin(), idx.end(), 0);
        Rng rng(opt.seed, {static_cast<std::uint64_t>(epoch), streams::kEpochShuffle});
        for (std::size_t i = idx.size(); i > 1; --i) {  // Fisher-Yates
            std::swap(idx[i - 1], idx[static_cast<std::size_t>(rng.next_u64() % i)]);
        }
        double loss_sum = 0.0;
        std::int64_t correct = 0;
        for (std::int64_t b = 0; b < n; b += opt.batch) {
            const std::int64_t e = std::min(n, b + opt.batch);
            torch::Tensor x = images_of(train_set, idx, b, e);
            if (opt.augment == Augment::CropFlip)
                x = crop_flip(x);
            const torch::Tensor y = labels_of(train_set, idx, b, e);
            adam.zero_grad();
            const torch::Tensor logits =
                model.forward(x, opt.train_mode_bn, opt.noise, opt.zero_epsilon);
            torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
            if (reconstruct) {
                {
                    const torch::NoGradGuard no_grad;
                    opt.clean_backbone->forward(x, false);
                }
                loss =
                    loss + opt.reconstruction_weight *
                               reconstruction_loss(model.captured(), opt.clean_backbone->captured(),
                                                   opt.reconstruction_sites);
            }
            loss.backward();
            adam.step();
            loss_sum += loss.item<double>() * static_cast<double>(e - b);
            correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
            if (on_batch)
                on_batch(e, n);
        }
        EpochResult r;
        r.epoch = epoch;
        r.lr = lr;
        r.loss = loss_sum / static_cast<double>(n);
        r.train_accuracy_pct = 100.0 * static_cast<double>(correct) / static_cast<double>(n);
        r.validation_accuracy_pct = std::numeric_limits<double>::quiet_NaN();
        if (validation.size() > 0) {
            // Two parts: never the key of an epoch (one part).
            torch::manual_seed(
                derive_key(opt.seed, {streams::kValidationPass, streams::kValidationPass}));
            r.validation_accuracy_pct =
                evaluate(model, validation, opt.eval_noise, 256, opt.zero_epsilon);
        }
        r.test_accuracy_pct = evaluate(model, test_set, opt.eval_noise, 256, opt.zero_epsilon);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.cpu_kernels = torch_cpu_kernels();
        r.onednn_isa = onednn_cpu_isa();
        out.push_back(r);
        if (!opt.checkpoint_dir.empty()) {
            std::ostringstream state;
            torch::save(adam, state);
            write_file_atomically(opt.checkpoint_dir, state_name(epoch), state.str(), "out");
        }
        if (on_epoch)
            on_epoch(r);
    }
    return out;
}

}  // namespace dnsim::training
