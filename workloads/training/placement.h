// Where denoisers go (the paper's method and two baselines): rank the candidate layers — the
// outputs of analog layers — by the norm of the loss gradient with respect to each output over
// a calibration set (gradnorm), or in a seeded random order (random), or spread evenly over the
// depth (uniform); add blocks in that order until the next would exceed the parameter budget
// (a fraction of the backbone's parameters).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "workloads/datasets/dataset.h"
#include "workloads/training/placement_method.h"
#include "workloads/training/torch_graph.h"

namespace dnsim::training {

struct PlacementOptions {
    PlacementMethod method = PlacementMethod::GradNorm;
    double budget = 0.04;    ///< eta: block parameters / backbone parameters
    double ratio = 0.25;     ///< bottleneck ratio of the blocks
    TorchNoise noise;        ///< noise during the gradient measurement
    cgra::NoiseConfig chip;  ///< the chip of noise.chip (TorchGraph::set_chip)
    cgra::CgraConfig cgra;   ///< the platform trained for: which layers are analog
    std::int64_t batch = 128;
    std::uint64_t seed = 1;
};

struct Placement {
    std::vector<std::string> layers;                      ///< chosen, in graph order
    std::vector<std::pair<std::string, double>> ranking;  ///< candidate and its score, best first
    std::int64_t block_params = 0;
    std::int64_t backbone_params = 0;
};

/// The layers `cgra` computes on crossbars (cgra::analog_nodes) with an N x C x H x W output:
/// where a denoiser block can go.
std::vector<std::string> candidate_layers(const workloads::Graph& g, const cgra::CgraConfig& cgra);

/// Parameters of a denoiser block on C channels at bottleneck ratio `ratio`.
std::int64_t block_parameters(std::int64_t channels, double ratio);

Placement place_denoisers(const workloads::Graph& g, const workloads::Dataset& calibration,
                          const PlacementOptions& opt);

}  // namespace dnsim::training
