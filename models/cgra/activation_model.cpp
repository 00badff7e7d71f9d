// The activation-level analog-layer model ("activation", the fast fidelity level): the layer as
// the float executor computes it, on the weights as one chip holds them (programming
// variation, stuck cells and drift, drawn once per chip and layer), then per image the output
// scale of drift compensation, read noise per MVM, the paper's activation noise and the output
// quantisation (analog_noise.h; docs/noise.md).
#include <algorithm>
#include <cmath>

#include "models/cgra/analog_model.h"
#include "workloads/exec/executor.h"
#include "workloads/exec/kernels.h"

namespace dnsim::cgra {

namespace {

using workloads::Dims;
using workloads::Node;
using workloads::Op;
using workloads::Tensor;

class ActivationModel : public AnalogLayerModel {
  public:
    ActivationModel(const AnalogLayerSpec& layer, const NoiseConfig& noise)
        : m_layer(layer),
          m_node(layer.graph->nodes[layer.node]),
          m_noise(noise),
          m_weights(layer.graph->initializer(m_node.inputs[1])) {
        m_out_scale = perturb_weights(m_weights.ptr(), m_weights.numel(), layer.key, noise);
    }

    Tensor forward(const std::vector<const Tensor*>& in, std::int64_t first_image,
                   std::int64_t images, std::uint64_t seed) const override {
        std::vector<const Tensor*> x = in;
        x[1] = &m_weights;
        workloads::ExecOptions opts;
        opts.batch = images;
        Tensor y = workloads::evaluate_node(*m_layer.graph, m_layer.node, x,
                                            static_cast<std::uint64_t>(first_image), opts);
        if (m_out_scale != 1.0) {
            for (float& v : y.data)
                v = static_cast<float>(v * m_out_scale);
        }
        Tensor rms;
        if (m_noise.read_sigma > 0.0)
            rms = read_rms(x, y.dims);
        ActivationNoise activation(m_node, y.dims, images, m_noise, seed, m_layer.key);
        const std::int64_t per = y.numel() / images;
        for (std::int64_t i = 0; i < images; ++i) {
            float* yi = y.ptr() + i * per;
            const auto image = static_cast<std::uint64_t>(first_image + i);
            if (m_noise.read_sigma > 0.0) {
                add_read_noise(yi, rms.ptr() + i * per, per, seed, image, m_layer.key, m_noise);
            }
            activation.apply(yi, image);
            quantise_output(yi, per, m_noise);
        }
        return y;
    }

  private:
    /// sqrt(sum_k (w_k x_k)^2) of every output: the same layer on squared inputs and weights.
    Tensor read_rms(const std::vector<const Tensor*>& in, const Dims& out_dims) const {
        Tensor x2 = *in[0];
        for (float& v : x2.data)
            v *= v;
        Tensor w2 = *in[1];
        for (float& v : w2.data)
            v *= v;
        namespace k = workloads::kernels;
        Tensor r = m_node.op == Op::Conv     ? k::conv2d(x2, w2, nullptr, m_node.attrs)
                   : m_node.op == Op::MatMul ? k::matmul(x2, w2, out_dims)
                                             : k::gemm(x2, w2, nullptr, m_node.attrs, out_dims);
        for (float& v : r.data)
            v = std::sqrt(std::max(v, 0.0f));
        return r;
    }

    AnalogLayerSpec m_layer;
    const Node& m_node;
    const NoiseConfig m_noise;
    Tensor m_weights;  ///< as programmed on the chip
    double m_out_scale = 1.0;
};

}  // namespace

std::unique_ptr<AnalogLayerModel> make_activation_model(const AnalogLayerSpec& layer,
                                                        const AnalogConfig& /*analog*/,
                                                        const NoiseConfig& noise) {
    return std::make_unique<ActivationModel>(layer, noise);
}

}  // namespace dnsim::cgra
