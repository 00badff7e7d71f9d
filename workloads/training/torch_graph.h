// The graph IR on LibTorch: the same Graph the platform replays, with its initializers as torch
// tensors, for training (backbones, denoisers, NIT) and for the LibTorch reference of the
// noisy float inference. One graph, two back ends: a test checks both give the same logits.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "workloads/graph/graph.h"

namespace dnsim::training {

/// Activation noise during a forward pass: the platform's activation-level model (sigma = k x
/// magnitude at the output of every layer the MX-CGRA computes on crossbars, with the same
/// readings of "magnitude" and the same distributions; docs/noise.md).
struct TorchNoise {
    double k = 0.0;  ///< 0: no noise
    cgra::Magnitude magnitude = cgra::Magnitude::Tensor;
    cgra::Distribution distribution = cgra::Distribution::Gaussian;
    /// The analog layers' weights as the chip of TorchGraph::set_chip() holds them (no effect
    /// before set_chip()). Off for a clean pass: the platform's clean pass has no chip.
    bool chip = false;
};

/// Weights on a grid with constant scaling factors (quantization-aware training after Wang et
/// al. 2025): every weight tensor of an analog layer (Conv, Gemm, MatMul that the MX-CGRA
/// computes on crossbars) gets the symmetric grid step x {-L, ..., L}, L = 2^(bits-1) - 1,
/// with step = max |w| / L of the weights it was made from, fixed once (not learned, not
/// updated as the weights train).
struct WeightQuantization {
    int bits = 0;
    std::map<std::string, float> step;  ///< weight initializer -> grid step
    float levels() const { return bits > 0 ? static_cast<float>((1 << (bits - 1)) - 1) : 0.0f; }
};

class TorchGraph {
  public:
    /// Copies every initializer of `g` into a tensor; `g` must outlive the TorchGraph. `cgra`
    /// is the platform configuration trained for: its mapping (cgra::analog_nodes) decides
    /// which node outputs carry activation noise, as in the replay.
    TorchGraph(const workloads::Graph& g, const cgra::CgraConfig& cgra);

    /// Logits for images x (N x C x H x W). `train` uses batch statistics in BatchNorm (and
    /// updates the running ones); `noise` adds activation noise at analog outputs; denoiser
    /// blocks draw epsilon ~ N(0, 1) unless `zero_epsilon`.
    torch::Tensor forward(const torch::Tensor& x, bool train = false, const TorchNoise& noise = {},
                          bool zero_epsilon = false);

    /// Outputs of the named nodes from the last forward pass (kept with their graph, for
    /// gradients w.r.t. layer outputs); set the names before the pass.
    void capture(std::vector<std::string> node_names) { m_capture = std::move(node_names); }
    const std::map<std::string, torch::Tensor>& captured() const { return m_captured; }

    /// Trainable tensors of the backbone (everything but denoiser blocks) or of the blocks.
    std::vector<torch::Tensor> backbone_parameters();
    std::vector<torch::Tensor> denoiser_parameters();
    /// Sets requires_grad on the backbone's / the blocks' trainable tensors.
    void set_trainable(bool backbone, bool denoisers);

    /// For each node: whether the noise of forward() is added to its output.
    const std::vector<bool>& analog_nodes() const { return m_analog; }

    /// Quantization-aware training: from now on forward() uses every weight of `steps` (see
    /// weight_quantization()) rounded to its grid, with the gradient passed straight through
    /// to the float weight (the straight-through estimator).
    void set_weight_quantization(const WeightQuantization& q);

    /// One chip: from now on a forward pass with TorchNoise::chip multiplies every analog
    /// layer's weight by the factors cgra::perturb_weights applies to that layer on the chip of
    /// `noise` (its programming variation and stuck cells, drawn from noise.chip_seed and the
    /// layer's name as in the replay), so the weights train as stored and are used as the chip
    /// holds them. Drift is not applied. Gradients pass through the factors.
    void set_chip(const cgra::NoiseConfig& noise);

    /// All tensors by initializer name (parameters and BN running statistics).
    std::map<std::string, torch::Tensor>& tensors() { return m_tensors; }
    /// Writes the current values back into `g`'s initializers (same names and shapes).
    void write_back(workloads::Graph& g) const;

  private:
    const workloads::Graph& m_graph;
    std::vector<bool> m_analog;
    std::map<std::string, float> m_weight_step;          ///< quantised weights: name -> grid step
    float m_weight_levels = 0.0f;                        ///< the largest |integer| of the grid
    std::map<std::string, torch::Tensor> m_chip_factor;  ///< weight -> the chip's factors
    std::map<std::string, torch::Tensor> m_tensors;
    std::vector<std::string> m_capture;
    std::map<std::string, torch::Tensor> m_captured;
};

/// The grid of every analog layer's weights of `g` (its current values set the steps).
WeightQuantization analog_weight_grid(const workloads::Graph& g, const cgra::CgraConfig& cgra,
                                      int bits);

/// Rounds the weights of `q` in `g` to their grid (round half to even, clamped to +-L).
void quantize_weights(workloads::Graph& g, const WeightQuantization& q);

/// The denoiser block's variance head made non-negative the way the hardware does it:
/// sqrt(max(v, 0)), with a small epsilon inside the root for finite gradients at 0.
/// N(0, 1) float samples shaped like `like`, as the training's noise draws them: the replay's
/// ziggurat over streams keyed by one draw of torch's generator (torch::manual_seed decides
/// every value) and the block of 4096 elements, blocks filled in parallel; no value depends on
/// the thread count.
torch::Tensor standard_normal_like(const torch::Tensor& like);
torch::Tensor denoiser_sigma(const torch::Tensor& v);

}  // namespace dnsim::training
