// Which nodes of a graph the MX-CGRA computes on its crossbars (and so with analog noise), and
// how their activation noise groups an output into channels. Decided here once, for everyone
// who needs to know: the replay plan (platform/replay_plan.cpp), the analog-layer models
// (analog_model.cpp), the trainer's noise injection and the denoiser placement
// (workloads/training). A model trained for a configuration therefore replays on it with the
// same noisy layers, without extra flags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cgra/cgra_config.h"
#include "models/cgra/layer_cost.h"
#include "workloads/graph/graph.h"

namespace dnsim::cgra {

/// Where one node runs.
struct NodeMapping {
    /// On crossbars: its output carries the analog noise.
    bool analog = false;
    /// The layer as crossbars see it, for every convolution with constant weights and every
    /// Gemm / MatMul with a constant 2-D weight; also set for a depthwise convolution the
    /// configuration maps onto the digital tiles (its digital cost is counted from it).
    std::optional<AnalogLayer> layer;
};

/// Where node `n` of `g` runs under `cfg`. `shapes` are the graph's shapes for one image
/// (Graph::infer_shapes(1)). Throws ConfigError naming the graph and node for a Gemm whose
/// data input is not 2-D (it has no crossbar mapping).
NodeMapping map_node(const workloads::Graph& g, const workloads::Node& n,
                     const std::map<std::string, workloads::Dims>& shapes, const CgraConfig& cfg);

/// map_node() for every node of `g`, in node order.
std::vector<NodeMapping> map_graph(const workloads::Graph& g, const CgraConfig& cfg);

/// For each node of `g`: whether its output carries analog noise under `cfg`.
std::vector<bool> analog_nodes(const workloads::Graph& g, const CgraConfig& cfg);

/// How the activation noise reads one image's output of an analog layer: `channels` groups
/// of `pixels` values ("magnitude channel" averages |y| over a group). Channels come first
/// (N x C x ...: a convolution's feature maps, a Gemm's outputs) or last (a MatMul's tokens x
/// features output: the features are the channels, `channels_last`).
struct NoiseLayout {
    std::int64_t channels = 1;
    std::int64_t pixels = 1;
    bool channels_last = false;
};

/// The layout of node `n`'s output `y_dims` of `images` images (along dimension 0).
NoiseLayout activation_noise_layout(const workloads::Node& n, const workloads::Dims& y_dims,
                                    std::int64_t images);

}  // namespace dnsim::cgra
