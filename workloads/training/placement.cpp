// Denoiser placement.
#include "workloads/training/placement.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "models/cgra/layer_mapping.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"
#include "workloads/graph/transforms.h"

namespace dnsim::training {

std::vector<std::string> candidate_layers(const workloads::Graph& g, const cgra::CgraConfig& cgra) {
    const auto shapes = g.infer_shapes(1);
    const std::vector<bool> analog = cgra::analog_nodes(g, cgra);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const auto& n = g.nodes[i];
        if (analog[i] && shapes.at(n.outputs[0]).size() == 4)
            out.push_back(n.name);
    }
    return out;
}

std::int64_t block_parameters(std::int64_t c, double ratio) {
    const std::int64_t cr = workloads::denoiser_bottleneck(c, ratio);
    return 3 * c * cr + 9 * cr + 2 * c + 2 * cr;
}

Placement place_denoisers(const workloads::Graph& g, const workloads::Dataset& calibration,
                          const PlacementOptions& opt) {
    require_range("budget", opt.budget, 0.0, 1.0);
    const auto cands = candidate_layers(g, opt.cgra);
    if (cands.empty()) {
        throw ConfigError(g.name, "has no analog layer with an N x C x H x W output to denoise");
    }
    const auto shapes = g.infer_shapes(1);
    Placement p;
    p.backbone_params = g.parameter_count() - workloads::denoiser_parameter_count(g);
    std::vector<double> score(cands.size(), 0.0);
    if (opt.method == PlacementMethod::GradNorm) {
        TorchGraph model(g, opt.cgra);
        model.set_chip(opt.chip);
        model.set_trainable(true, false);
        model.capture(cands);
        torch::manual_seed(opt.seed);
        const std::int64_t n = calibration.size();
        const std::int64_t per = calibration.images.numel() / std::max<std::int64_t>(n, 1);
        std::vector<std::int64_t> dims(calibration.images.dims.begin(),
                                       calibration.images.dims.end());
        for (std::int64_t b = 0; b < n; b += opt.batch) {
            const std::int64_t e = std::min(n, b + opt.batch);
            dims[0] = e - b;
            const torch::Tensor x =
                torch::from_blob(const_cast<float*>(calibration.images.ptr()) + b * per, dims,
                                 torch::kFloat32)
                    .clone();
            torch::Tensor y = torch::empty({e - b}, torch::kInt64);
            for (std::int64_t i = b; i < e; ++i)
                y[i - b] =
                    static_cast<std::int64_t>(calibration.labels[static_cast<std::size_t>(i)]);
            const torch::Tensor loss = torch::nn::functional::cross_entropy(
                model.forward(x, false, opt.noise), y,
                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
            std::vector<torch::Tensor> outs;
            for (const auto& c : cands)
                outs.push_back(model.captured().at(c));
            const auto grads = torch::autograd::grad({loss}, outs);
            for (std::size_t i = 0; i < cands.size(); ++i)
                score[i] += grads[i].pow(2).sum().item<double>();
        }
        for (double& s : score)
            s = std::sqrt(s);
    } else if (opt.method == PlacementMethod::Random) {
        Rng rng(opt.seed, {streams::kRandomPlacement});
        for (double& s : score)
            s = rng.uniform();
    }
    const double budget = opt.budget * static_cast<double>(p.backbone_params);
    const auto cost_of = [&](std::size_t i) {
        return block_parameters(shapes.at(g.find_node(cands[i])->outputs[0])[1], opt.ratio);
    };
    std::vector<bool> chosen(cands.size(), false);
    if (opt.method == PlacementMethod::All) {
        for (std::size_t i = 0; i < cands.size(); ++i) {
            chosen[i] = true;
            p.ranking.push_back({cands[i], 1.0});
            p.block_params += cost_of(i);
        }
    } else if (opt.method == PlacementMethod::Uniform) {
        // The most blocks that fit, spread evenly over the depth: candidate
        // floor((j + 1/2) n / m) for j = 0 .. m-1.
        const std::size_t n = cands.size();
        for (std::size_t m = n; m >= 1; --m) {
            std::int64_t total = 0;
            std::vector<std::size_t> pick;
            for (std::size_t j = 0; j < m; ++j)
                pick.push_back((2 * j + 1) * n / (2 * m));
            for (const auto i : pick)
                total += cost_of(i);
            if (static_cast<double>(total) <= budget) {
                for (const auto i : pick) {
                    chosen[i] = true;
                    p.ranking.push_back({cands[i], 1.0});
                }
                p.block_params = total;
                break;
            }
        }
    } else {
        std::vector<std::size_t> order(cands.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
        bool full = false;
        for (const std::size_t i : order) {
            p.ranking.push_back({cands[i], score[i]});
            if (full)
                continue;
            if (static_cast<double>(p.block_params + cost_of(i)) > budget) {
                full = true;  // greedy in rank order: stop at the first block that does not fit
                continue;
            }
            p.block_params += cost_of(i);
            chosen[i] = true;
        }
    }
    for (std::size_t i = 0; i < cands.size(); ++i) {
        if (chosen[i])
            p.layers.push_back(cands[i]);
    }
    return p;
}

}  // namespace dnsim::training
