// Binding of the configuration keys shared by the dnsim commands: denoiser hardware
// (denoiser.*, weight_sram.*, activation_sram.*), block format (block.*), energy table
// (energy.*), datasets (dataset.*), MX-CGRA (cgra.*) and analog noise (noise.*).
#pragma once

#include <string>

#include "cgra/analog_noise.h"
#include "cgra/cgra_config.h"
#include "common/energy.h"
#include "config_binder.h"
#include "datasets/dataset.h"
#include "denoiser/denoiser_config.h"

namespace dnsim::tb {

void bind_denoiser_hardware(ConfigBinder& b, denoiser::DenoiserConfig& c);
void bind_block_format(ConfigBinder& b, denoiser::BlockFormat& f);
void bind_energy(ConfigBinder& b, EnergyTable& table);

/// Text-valued keys are parsed after binding (finish_*), so errors name the key.
struct DatasetKeys {
    std::string mean, std, scale;
};
void bind_dataset(ConfigBinder& b, workloads::DatasetSpec& d, DatasetKeys& text);
void finish_dataset(workloads::DatasetSpec& d, const DatasetKeys& text);

/// Fills what the command line left open in `d` (scale, mean, std, channel order) from the
/// normalisation model `g` records (ONNX metadata dnsim.input.*). Returns one line to print
/// when neither gives the mean or the std, so the dataset's default is used (saying which, and
/// how to override it); an empty string otherwise.
std::string apply_model_normalisation(workloads::DatasetSpec& d, const workloads::Graph& g,
                                      const std::string& model);

/// model.max_tensor_elements and model.max_macs_per_image (workloads::GraphLimits): what a
/// loaded model may declare, checked before any work.
void bind_model_limits(ConfigBinder& b);

struct CgraKeys {
    std::string policy = "uniform", depthwise = "digital";
};
void bind_cgra(ConfigBinder& b, cgra::CgraConfig& c, CgraKeys& text);
void finish_cgra(cgra::CgraConfig& c, const CgraKeys& text);

struct NoiseKeys {
    std::string magnitude = "tensor", distribution = "gaussian", fidelity = "activation";
};
void bind_noise(ConfigBinder& b, cgra::NoiseConfig& n, NoiseKeys& text);
void finish_noise(cgra::NoiseConfig& n, const NoiseKeys& text);

}  // namespace dnsim::tb
