// The bit-sliced analog-layer model ("bitsliced", the slow fidelity level): the layer's weights
// on crossbars (bitsliced.h: cells with the chip's programming variation, stuck cells and
// drift; 1-bit DAC passes; per-column ADCs with read noise; shift-and-add), one matrix per
// group, images one by one so that the read-noise streams are keyed by image; then the bias and
// the paper's activation noise (docs/noise.md).
#include "models/cgra/analog_model.h"
#include "models/cgra/bitsliced.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"
#include "workloads/exec/kernels.h"

namespace dnsim::cgra {

namespace {

using workloads::Dims;
using workloads::Node;
using workloads::Op;
using workloads::Tensor;

class BitSlicedModel : public AnalogLayerModel {
  public:
    BitSlicedModel(const AnalogLayerSpec& layer, const AnalogConfig& analog,
                   const NoiseConfig& noise)
        : m_layer(layer), m_node(layer.graph->nodes[layer.node]), m_noise(noise) {
        const Tensor& w = layer.graph->initializer(m_node.inputs[1]);
        if (m_node.op == Op::Conv) {
            const std::int64_t g = m_node.attrs.group;
            const std::int64_t per = w.numel() / g;
            const std::int64_t mg = w.dims[0] / g;
            for (std::int64_t gi = 0; gi < g; ++gi) {
                m_mats.emplace_back(w.ptr() + gi * per, mg, per / mg, analog, noise,
                                    layer.key * 4096 + static_cast<std::uint64_t>(gi));
            }
            return;
        }
        // Gemm / MatMul: the crossbars hold W as out x in.
        const bool tb = m_node.op == Op::Gemm && m_node.attrs.trans_b;
        const std::int64_t k = tb ? w.dims[1] : w.dims[0];
        const std::int64_t o = tb ? w.dims[0] : w.dims[1];
        std::vector<float> wt(static_cast<std::size_t>(o * k));
        for (std::int64_t i = 0; i < o; ++i) {
            for (std::int64_t j = 0; j < k; ++j) {
                wt[static_cast<std::size_t>(i * k + j)] =
                    tb ? w.ptr()[i * k + j] : w.ptr()[j * o + i];
            }
        }
        m_mats.emplace_back(wt.data(), o, k, analog, noise, layer.key * 4096);
    }

    Tensor forward(const std::vector<const Tensor*>& in, std::int64_t first_image,
                   std::int64_t images, std::uint64_t seed) const override {
        Tensor y = m_node.op == Op::Conv ? conv(in, first_image, images, seed)
                                         : matrix_product(in, first_image, images, seed);
        // Device effects are in the crossbars; only the paper's activation noise remains.
        ActivationNoise activation(m_node, y.dims, images, m_noise, seed, m_layer.key);
        const std::int64_t per = y.numel() / images;
        for (std::int64_t i = 0; i < images; ++i)
            activation.apply(y.ptr() + i * per, static_cast<std::uint64_t>(first_image + i));
        return y;
    }

  private:
    Tensor conv(const std::vector<const Tensor*>& in, std::int64_t first, std::int64_t images,
                std::uint64_t seed) const {
        const Tensor& x = *in[0];
        const workloads::NodeAttrs& a = m_node.attrs;
        const Dims& od = m_layer.out_dims;
        Tensor y({images, od[1], od[2], od[3]});
        const std::int64_t c = x.dims[1], h = x.dims[2], wd = x.dims[3];
        const std::int64_t g = a.group, cg = c / g, mg = od[1] / g;
        const std::int64_t pix = od[2] * od[3];
        std::vector<float> col(static_cast<std::size_t>(cg * a.kernel[0] * a.kernel[1] * pix));
        for (std::int64_t i = 0; i < images; ++i) {
            Rng rng(seed, {static_cast<std::uint64_t>(first + i), m_layer.key,
                           streams::kBitSlicedReadNoise});
            for (std::int64_t gi = 0; gi < g; ++gi) {
                workloads::kernels::im2col(x.ptr() + (i * c + gi * cg) * h * wd, col.data(), cg, h,
                                           wd, od[2], od[3], a);
                m_mats[static_cast<std::size_t>(gi)].multiply(
                    col.data(), pix, y.ptr() + (i * od[1] + gi * mg) * pix, rng);
            }
            if (m_node.inputs.size() > 2) {
                const Tensor& b = *in[2];
                for (std::int64_t o = 0; o < od[1]; ++o) {
                    float* yo = y.ptr() + (i * od[1] + o) * pix;
                    for (std::int64_t q = 0; q < pix; ++q)
                        yo[q] += b.ptr()[o];
                }
            }
        }
        return y;
    }

    /// Gemm / MatMul on rows of A (no transA): each image's rows (a MatMul's tokens) as the
    /// columns of one multiply.
    Tensor matrix_product(const std::vector<const Tensor*>& in, std::int64_t first,
                          std::int64_t images, std::uint64_t seed) const {
        const Tensor& x = *in[0];
        const BitSlicedWeights& m = m_mats[0];
        Dims yd = x.dims;
        yd.back() = m.out();
        Tensor y(yd);
        const std::int64_t rows = x.numel() / m.in() / images;
        std::vector<float> xt(static_cast<std::size_t>(m.in() * rows));
        std::vector<float> yt(static_cast<std::size_t>(m.out() * rows));
        for (std::int64_t i = 0; i < images; ++i) {
            Rng rng(seed, {static_cast<std::uint64_t>(first + i), m_layer.key,
                           streams::kBitSlicedReadNoise});
            const float* xi = x.ptr() + i * rows * m.in();
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t k = 0; k < m.in(); ++k)
                    xt[static_cast<std::size_t>(k * rows + r)] = xi[r * m.in() + k];
            }
            m.multiply(xt.data(), rows, yt.data(), rng);
            float* yi = y.ptr() + i * rows * m.out();
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t o = 0; o < m.out(); ++o)
                    yi[r * m.out() + o] = yt[static_cast<std::size_t>(o * rows + r)];
            }
        }
        if (m_node.op == Op::Gemm) {
            for (float& v : y.data)
                v *= m_node.attrs.alpha;
            if (m_node.inputs.size() > 2) {
                Tensor cb = *in[2];
                for (float& v : cb.data)
                    v *= m_node.attrs.beta;
                y = workloads::kernels::binary(Op::Add, y, cb, y.dims);
            }
        }
        return y;
    }

    AnalogLayerSpec m_layer;
    const Node& m_node;
    const NoiseConfig m_noise;
    std::vector<BitSlicedWeights> m_mats;  ///< one per group
};

}  // namespace

std::unique_ptr<AnalogLayerModel> make_bitsliced_model(const AnalogLayerSpec& layer,
                                                       const AnalogConfig& analog,
                                                       const NoiseConfig& noise) {
    return std::make_unique<BitSlicedModel>(layer, analog, noise);
}

}  // namespace dnsim::cgra
