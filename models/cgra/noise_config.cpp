// The noise.* keys, declared once: range, unit, help and source of every NoiseConfig field.
#include "models/cgra/noise_config.h"

#include <array>

#include "models/common/config_schema.h"

namespace dnsim::cgra {

namespace {

using config::EnumName;

constexpr std::array<EnumName<Fidelity>, 2> kFidelityNames{{
    {Fidelity::Activation, "activation", "float layers, noise on weights and outputs (fast)"},
    {Fidelity::BitSliced, "bitsliced",
     "cells, DAC passes, per-column ADC, shift-and-add (slow; for subsets)"},
}};

constexpr std::array<EnumName<Magnitude>, 3> kMagnitudeNames{{
    {Magnitude::Element, "element", "|y| of each element"},
    {Magnitude::Channel, "channel", "mean |y| over each channel of the image"},
    {Magnitude::Tensor, "tensor", "mean |y| over the image's whole layer output"},
}};

constexpr std::array<EnumName<Distribution>, 3> kDistributionNames{{
    {Distribution::Gaussian, "gaussian", "normal"},
    {Distribution::Uniform, "uniform", "uniform, same standard deviation"},
    {Distribution::Laplace, "laplace", "Laplace, same standard deviation"},
}};

const char* const kOff = "off by default: the paper's activation noise alone";

config::KeySet<NoiseConfig> declare() {
    using config::literature;
    using config::ours;
    using config::paper;
    config::KeySet<NoiseConfig> s;
    s.add_choice("noise.fidelity", &NoiseConfig::fidelity, kFidelityNames)
        .help("how analog layers are simulated")
        .origin(ours("docs/noise.md"))
        .plausible(
            "activation or bitsliced: a modelling choice (how analog layers are simulated), not a "
            "hardware value");
    s.add("noise.activation_k", &NoiseConfig::activation_k)
        .range(0.0, 10.0)
        .help("activation noise sigma = k x magnitude of the layer output (0: off)")
        .origin(paper("k = 2, 4, 6, 8 %; dnsim run and dnsim-train default to the shipped "
                      "models' 6 %, the library to 0 (ideal)"))
        .plausible(
            "0.02 to 0.08: the paper's sigma of 2, 4, 6 and 8 % of the feature map's magnitude");
    s.add_choice("noise.magnitude", &NoiseConfig::magnitude, kMagnitudeNames)
        .help("what 'magnitude of the feature map' means")
        .origin(ours("the paper does not say; docs/noise.md measures each reading"))
        .plausible(
            "element, channel or tensor: the paper does not say which it means; docs/noise.md "
            "measures each");
    s.add_choice("noise.distribution", &NoiseConfig::distribution, kDistributionNames)
        .help("shape of the activation noise")
        .origin(paper("Gaussian"))
        .plausible(
            "gaussian (the paper's); uniform and laplace to test the denoiser's Gaussian "
            "assumption (the paper's open question 3)");
    s.add("noise.programming_sigma", &NoiseConfig::programming_sigma)
        .range(0.0, 1.0)
        .help("relative conductance programming variation, drawn once per chip (0: off)")
        .origin(ours(std::string(kOff) + "; NeuroSim, aihwkit: 0.01 to 0.05"))
        .plausible(
            "0 to 0.05: NeuroSim and aihwkit programming-noise models, 1 to 5 % of the conductance "
            "range");
    s.add("noise.chip_seed", &NoiseConfig::chip_seed)
        .help("chip instance: seed of programming variation and stuck cells")
        .origin(ours("one chip instance; a study varies it to sample chips"))
        .plausible("any: selects one chip instance; a study varies it to sample chips");
    s.add("noise.stuck_fraction", &NoiseConfig::stuck_fraction)
        .range(0.0, 1.0)
        .help("fraction of weights stuck at zero conductance (0: off)")
        .origin(ours(kOff))
        .plausible("0 to 0.01: ReRAM arrays with 0.1 to 1 % stuck cells after yield repair");
    s.add("noise.drift_time_s", &NoiseConfig::drift_time_s)
        .range(0.0, 1e10)
        .unit("s")
        .help("deployment time since programming (0: no drift)")
        .origin(ours(kOff))
        .plausible("0 to 3.2e7 s: from programming to one year of deployment");
    s.add("noise.drift_nu", &NoiseConfig::drift_nu)
        .range(0.0, 1.0)
        .help("conductance drift exponent")
        .origin(literature("aihwkit PCM model: 0.05 to 0.1"))
        .plausible("0.05 to 0.1: aihwkit's PCM drift exponents");
    s.add("noise.drift_nu_sigma", &NoiseConfig::drift_nu_sigma)
        .range(0.0, 1.0)
        .help(
            "standard deviation of the drift exponent across cells, drawn once per weight per "
            "chip (0: every cell drifts alike, which global compensation undoes exactly)")
        .origin(ours(kOff))
        .plausible(
            "0.008 to 0.045: aihwkit's PCM model draws each device's exponent with a "
            "conductance-dependent spread in this range");
    s.add("noise.drift_t0_s", &NoiseConfig::drift_t0_s)
        .range(1e-6, 1e10)
        .unit("s")
        .help("drift reference time")
        .origin(literature("aihwkit PCM model"))
        .plausible("1 to 100 s: aihwkit's PCM reference time of 20 s");
    s.add("noise.drift_compensation", &NoiseConfig::drift_compensation)
        .help("1: rescale outputs by the mean drift")
        .origin(ours("off: the uncompensated drift is what a study of aging first asks about; "
                     "aihwkit offers global compensation"))
        .plausible("0 or 1: aihwkit's global drift compensation, on or off");
    s.add("noise.read_sigma", &NoiseConfig::read_sigma)
        .range(0.0, 10.0)
        .help("read noise per MVM output, relative to its RMS (0: off)")
        .origin(ours(std::string(kOff) + "; aihwkit, CrossSim: about 0.01 for ReRAM"))
        .plausible("0 to 0.05: aihwkit and CrossSim read noise, about 1 % for ReRAM");
    s.add("noise.adc_bits", &NoiseConfig::adc_bits)
        .off_at_zero()
        .range(2U, 24U)
        .doc_unit("bits")
        .help("layer-output quantisation")
        .origin(ours(std::string(kOff) + "; NeuroSim, aihwkit: 5 to 9 bits"))
        .plausible("0 (off) or 5 to 9 bits: NeuroSim and aihwkit output quantisation");
    s.add("noise.adc_clip", &NoiseConfig::adc_clip)
        .range(1e-6, 100.0)
        .help("ADC full scale as a fraction of the layer output's max |y|")
        .origin(ours("full scale at the largest output: nothing clips"))
        .plausible("0.5 to 1: full scale at the layer's maximum (1) or clipping its tail");
    return s;
}

}  // namespace

const config::KeySet<NoiseConfig>& NoiseConfig::keys() {
    static const config::KeySet<NoiseConfig> k = declare();
    return k;
}

bool NoiseConfig::ideal() const {
    return activation_k == 0.0 && programming_sigma == 0.0 && stuck_fraction == 0.0 &&
           drift_time_s == 0.0 && read_sigma == 0.0 && adc_bits == 0;
}

void NoiseConfig::validate() const {
    keys().check(*this);
}

Fidelity parse_fidelity(const std::string& key, const std::string& text) {
    return config::parse_enum(kFidelityNames, key, text);
}

const char* to_string(Fidelity f) {
    return config::name_of(kFidelityNames, f);
}

Magnitude parse_magnitude(const std::string& key, const std::string& text) {
    return config::parse_enum(kMagnitudeNames, key, text);
}

Distribution parse_distribution(const std::string& key, const std::string& text) {
    return config::parse_enum(kDistributionNames, key, text);
}

const char* to_string(Magnitude m) {
    return config::name_of(kMagnitudeNames, m);
}

const char* to_string(Distribution d) {
    return config::name_of(kDistributionNames, d);
}

}  // namespace dnsim::cgra
