// How a Graph runs on the platform: each node becomes a step on the MX-CGRA (analog crossbar
// layer or digital work), a denoiser invocation, or nothing (a reshape of the same data).
// Costs per step come from the CGRA's analytic model (models/cgra/layer_cost.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/cgra/layer_cost.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

enum class StepKind {
    Analog,    ///< conv / fully connected layer on crossbars (its output is noisy)
    Digital,   ///< digital tiles: BN, activations, pools, add, concat, digital depthwise
    Denoiser,  ///< the denoiser accelerator
    Free,      ///< Flatten / Reshape: a view of the same data, no work
};
const char* to_string(StepKind k);

struct Step {
    std::size_t node = 0;  ///< index in Graph::nodes
    std::string name;
    std::string op;
    StepKind kind = StepKind::Free;
    /// Key of the layer's random streams (noise, programming variation, denoiser lanes): a hash
    /// of its name, so a layer draws the same numbers whatever blocks are inserted before it,
    /// and models that share a backbone see the same noisy pass (paired comparisons).
    std::uint64_t key = 0;
    workloads::Dims out_dims;           ///< batch 1
    std::int64_t macs = 0;              ///< multiply-accumulates per image (Graph::node_stats)
    cgra::AnalogLayer analog;           ///< Analog steps
    cgra::DigitalWork digital;          ///< Digital steps
    cgra::LayerCost cost;               ///< CGRA steps (per image)
    std::int64_t reduced_channels = 0;  ///< Denoiser steps: C_r
};

struct ReplayPlan {
    std::vector<Step> steps;
    std::int64_t crossbars_used = 0;
    std::int64_t analog_layers = 0;
    std::int64_t denoisers = 0;
    cgra::CgraConfig cgra;  ///< the platform the plan was made for
};

/// Maps every node; plans replication (ConfigError "cgra.crossbars" when the model does not
/// fit); refuses nodes the platform cannot run (ConfigError naming the node).
ReplayPlan make_replay_plan(const workloads::Graph& g, const cgra::CgraConfig& cfg);

}  // namespace dnsim::platform
