// What an analog layer of the MX-CGRA does to the data: the analog-layer model interface and the
// factory that picks an implementation by name (noise.fidelity, docs/noise.md):
//  - "activation" (activation_model.cpp): the float layer on the weights as one chip programmed
//    them (programming variation, stuck cells, drift), drift compensation, read noise per MVM,
//    the paper's activation noise and output quantisation;
//  - "bitsliced" (bitsliced_model.cpp): cells, 1-bit DAC passes, per-column ADCs and the
//    shift-and-add (bitsliced.h), then the activation noise.
// One model instance is one layer of one chip: it is programmed when it is made. MxCgra owns one
// per analog step and calls it inside the step's transaction; nothing else computes an analog
// layer's noisy output.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "models/cgra/layer_mapping.h"
#include "workloads/graph/graph.h"

namespace dnsim::cgra {

/// The layer a model stands for: a Conv, Gemm or MatMul node with constant weights.
struct AnalogLayerSpec {
    const workloads::Graph* graph =
        nullptr;  ///< holds the node and its weights; outlives the model
    std::size_t node = 0;
    std::uint64_t key = 0;     ///< the layer's stream key (a hash of its name)
    workloads::Dims out_dims;  ///< output shape for one image
};

class AnalogLayerModel {
  public:
    virtual ~AnalogLayerModel() = default;

    /// The layer's output for `images` images through the chip, with every non-ideality of the
    /// model. `in` are the node's inputs (images along dimension 0; the weights in[1] are the
    /// graph's: the chip computes with what it programmed from them). The random streams of
    /// image i are keyed by (seed, first_image + i, layer key), so results do not depend on
    /// how images are batched or split over threads. Safe to call from several threads.
    virtual workloads::Tensor forward(const std::vector<const workloads::Tensor*>& in,
                                      std::int64_t first_image, std::int64_t images,
                                      std::uint64_t seed) const = 0;
};

/// The names make_analog_layer_model() knows, in the order of noise.fidelity's help.
std::vector<std::string> analog_model_names();

/// The model named `name` for `layer`, programmed for the chip `noise` describes. Throws
/// ConfigError("noise.fidelity") for an unknown name.
std::unique_ptr<AnalogLayerModel> make_analog_layer_model(const std::string& name,
                                                          const AnalogLayerSpec& layer,
                                                          const AnalogConfig& analog,
                                                          const NoiseConfig& noise);

/// The implementations (behind make_analog_layer_model).
std::unique_ptr<AnalogLayerModel> make_activation_model(const AnalogLayerSpec& layer,
                                                        const AnalogConfig& analog,
                                                        const NoiseConfig& noise);
std::unique_ptr<AnalogLayerModel> make_bitsliced_model(const AnalogLayerSpec& layer,
                                                       const AnalogConfig& analog,
                                                       const NoiseConfig& noise);

/// The paper's activation noise on one image of a layer's output, shared by the models. A
/// MatMul's tokens x features output takes its features as the channels (the noise is drawn
/// feature-major).
class ActivationNoise {
  public:
    /// `y_dims`: the output of `images` images.
    ActivationNoise(const workloads::Node& n, const workloads::Dims& y_dims, std::int64_t images,
                    const NoiseConfig& cfg, std::uint64_t seed, std::uint64_t key);
    /// Adds the noise to image `image` (dataset index) at `yi`.
    void apply(float* yi, std::uint64_t image);

  private:
    const NoiseConfig& m_cfg;
    std::uint64_t m_seed, m_key;
    NoiseLayout m_layout;
    std::vector<float> m_t;
};

}  // namespace dnsim::cgra
