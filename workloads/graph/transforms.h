// Graph rewrites: inserting denoiser blocks after named layers, folding BatchNorm into the
// preceding convolution.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

/// Channels of the denoiser bottleneck: round(C x ratio), at least 1.
std::int64_t denoiser_bottleneck(std::int64_t channels, double ratio);

/// Inserts a denoiser block after node `layer`: its output (4-D, C channels) feeds the block and
/// every former reader of it (and the graph output, if it was one) reads the block's output
/// instead. The block is named "<layer>.denoiser", its output "<layer>.denoised", its weights
/// "<layer>.denoiser.<role>" (kDenoiserWeightRoles), drawn from streams keyed by seed — small
/// values, so the block starts near the identity minus a small mean. Throws ConfigError(key)
/// when the layer does not exist or its output is not N x C x H x W. Returns the node name.
std::string insert_denoiser(Graph& g, const std::string& layer, double ratio = 0.25,
                            std::uint64_t seed = 0, const std::string& key = "denoisers");

/// Removes every denoiser node and its weights, reconnecting its readers to the layer output
/// it cleaned: the backbone alone. Returns the number of blocks removed.
int remove_denoisers(Graph& g);

/// FNV-1a of a name, the same on every platform: keys the random streams of a named weight or
/// layer (denoiser initial weights, the replay's noise streams).
std::uint64_t stable_hash(const std::string& s);

/// Total parameters of the denoiser nodes of a graph.
std::int64_t denoiser_parameter_count(const Graph& g);

/// Folds every BatchNormalization whose input is a Conv read by nothing else into that conv's
/// weights and bias (the conv gains a bias). Returns the number of BatchNorm nodes removed.
int fold_batch_norms(Graph& g);

}  // namespace dnsim::workloads
