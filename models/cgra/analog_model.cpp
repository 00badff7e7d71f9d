// The analog-layer model factory and the activation noise the models share.
#include "models/cgra/analog_model.h"

#include <array>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"

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
    : m_cfg(cfg), m_seed(seed), m_key(key), m_layout(activation_noise_layout(n, y_dims, images)) {
    if (m_layout.channels_last)
        m_t.resize(static_cast<std::size_t>(m_layout.channels * m_layout.pixels));
}

void ActivationNoise::apply(float* yi, std::uint64_t image) {
    const std::int64_t channels = m_layout.channels;
    if (!m_layout.channels_last) {
        add_activation_noise(yi, channels, m_layout.pixels, m_seed, image, m_key, m_cfg);
        return;
    }
    const std::int64_t rows = m_layout.pixels;
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < channels; ++c)
            m_t[static_cast<std::size_t>(c * rows + r)] = yi[r * channels + c];
    }
    add_activation_noise(m_t.data(), channels, rows, m_seed, image, m_key, m_cfg);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < channels; ++c)
            yi[r * channels + c] = m_t[static_cast<std::size_t>(c * rows + r)];
    }
}

}  // namespace dnsim::cgra
