// The analog-layer model factory and the activation noise the models share.
#include "cgra/analog_model.h"

#include <array>

#include <fmt/format.h>

#include "common/config_error.h"
#include "common/config_text.h"

namespace dnsim::cgra {

namespace {

using Factory = std::unique_ptr<AnalogLayerModel> (*)(const AnalogLayerSpec&, const AnalogConfig&,
                                                      const NoiseConfig&);
struct Entry {
    const char* name;
    Factory make;
};
constexpr std::array<Entry, 2> kModels = {
    {{"activation", &make_activation_model}, {"bitsliced", &make_bitsliced_model}}};

}  // namespace

std::vector<std::string> analog_model_names() {
    std::vector<std::string> names;
    for (const Entry& e : kModels)
        names.emplace_back(e.name);
    return names;
}

std::unique_ptr<AnalogLayerModel> make_analog_layer_model(const std::string& name,
                                                          const AnalogLayerSpec& layer,
                                                          const AnalogConfig& analog,
                                                          const NoiseConfig& noise) {
    for (const Entry& e : kModels) {
        if (name == e.name)
            return e.make(layer, analog, noise);
    }
    throw ConfigError("noise.fidelity",
                      fmt::format("'{}' is not one of activation, bitsliced", printable(name)));
}

ActivationNoise::ActivationNoise(const workloads::Node& n, const workloads::Dims& y_dims,
                                 std::int64_t images, const NoiseConfig& cfg, std::uint64_t seed,
                                 std::uint64_t key)
    : m_cfg(cfg),
      m_seed(seed),
      m_key(key),
      m_per(workloads::numel(y_dims) / images),
      m_channels(1),
      m_tokens(n.op == workloads::Op::MatMul && y_dims.size() >= 3) {
    m_channels = m_tokens ? y_dims.back() : y_dims.size() >= 2 ? y_dims[1] : 1;
    if (m_tokens)
        m_t.resize(static_cast<std::size_t>(m_per));
}

void ActivationNoise::apply(float* yi, std::uint64_t image) {
    if (!m_tokens) {
        add_activation_noise(yi, m_channels, m_per / m_channels, m_seed, image, m_key, m_cfg);
        return;
    }
    const std::int64_t rows = m_per / m_channels;
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < m_channels; ++c)
            m_t[static_cast<std::size_t>(c * rows + r)] = yi[r * m_channels + c];
    }
    add_activation_noise(m_t.data(), m_channels, rows, m_seed, image, m_key, m_cfg);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < m_channels; ++c)
            yi[r * m_channels + c] = m_t[static_cast<std::size_t>(c * rows + r)];
    }
}

}  // namespace dnsim::cgra
