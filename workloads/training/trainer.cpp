// Training loops.
#include "workloads/training/trainer.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <sstream>

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

}  // namespace

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

std::vector<EpochResult> train(TorchGraph& model, const workloads::Dataset& train_set,
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
    torch::optim::Adam adam(params, torch::optim::AdamOptions(opt.lr));
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
    std::vector<EpochResult> out;
    const std::int64_t n = train_set.size();
    for (int epoch = opt.resume_after_epoch + 1; epoch <= opt.epochs; ++epoch) {
        // Every epoch's randomness depends on (seed, epoch) only, so a resumed run continues
        // exactly as an uninterrupted one would.
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
            const torch::Tensor x = images_of(train_set, idx, b, e);
            const torch::Tensor y = labels_of(train_set, idx, b, e);
            adam.zero_grad();
            const torch::Tensor logits = model.forward(x, opt.train_mode_bn, opt.noise);
            const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
            loss.backward();
            adam.step();
            loss_sum += loss.item<double>() * static_cast<double>(e - b);
            correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
            if (on_batch)
                on_batch(e, n);
        }
        EpochResult r;
        r.epoch = epoch;
        r.loss = loss_sum / static_cast<double>(n);
        r.train_accuracy_pct = 100.0 * static_cast<double>(correct) / static_cast<double>(n);
        r.test_accuracy_pct = evaluate(model, test_set, opt.eval_noise);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
