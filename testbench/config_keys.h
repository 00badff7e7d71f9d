// The keys of each dnsim command, from the declarations next to the config structs
// (CgraConfig::keys(), NoiseConfig::keys(), DenoiserConfig::keys(), BlockFormat::keys(),
// BlockShape::keys(), DatasetSpec::keys(), GraphLimits::keys(), EnergyTable::keys(), the
// replay's run.* keys in platform/replay_keys.h) plus the keys of the commands' own settings
// (exec.threads, denoiser-ratio), declared here once and bound wherever a command has them.
// docs/keys.md is generated from these bindings (dnsim keys --markdown).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "models/cgra/cgra_config.h"
#include "models/cgra/noise_config.h"
#include "models/common/config_schema.h"
#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"
#include "platform/replay_keys.h"
#include "testbench/config_binder.h"
#include "testbench/run_memory.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

namespace dnsim::tb {

using platform::declare_run_seed;
using platform::denoiser_path_names;
using platform::replay_hardware_keys;
using platform::replay_run_keys;

/// exec.threads: workers of the computation outside the simulated platform.
template <class S, class Access>
void declare_exec_threads(config::KeySet<S>& s, Access access) {
    s.add("exec.threads", access)
        .range(1U, 256U)
        .help(
            "worker threads of the float computation (dnsim eval: the executor; dnsim-train: "
            "LibTorch)")
        .origin(config::ours("two: a small machine's cores"));
}

/// --denoiser-ratio: the bottleneck ratio of the blocks a command inserts (--denoisers).
inline constexpr const char* kDenoiserRatio = "denoiser-ratio";
template <class S, class Access>
void declare_denoiser_ratio(config::KeySet<S>& s, Access access) {
    s.add(kDenoiserRatio, access)
        .check_instead("above 0 to 1",
                       [access](const S& o, const std::string&) {
                           const double r = config::detail::accessor(access)(o);
                           if (!(r > 0.0 && r <= 1.0)) {
                               throw ConfigError(kDenoiserRatio,
                                                 fmt::format("{} is out of range; accepted: "
                                                             "above 0 up to 1",
                                                             r));
                           }
                       })
        .help("bottleneck ratio of the inserted denoiser blocks, C_r = round(C x ratio)")
        .origin(config::paper("1/4"));
}

/// model.max_tensor_elements and model.max_macs_per_image (workloads::GraphLimits): what a
/// loaded model may declare, checked before any work.
void bind_model_limits(ConfigBinder& b);

/// The keys of `dnsim run` (R: platform::ReplayConfig) in the order of its help.
template <class R>
void bind_run_keys(ConfigBinder& b, R& replay, workloads::DatasetSpec& dataset) {
    b.bind(replay_hardware_keys<R>(), replay);
    b.bind(workloads::DatasetSpec::keys(), dataset);
    bind_model_limits(b);
    bind_memory_limit(b);
    b.bind(replay_run_keys<R>(), replay);
}

/// The keys of `dnsim eval` (E: EvalOptions, or the fuzz harness's copy).
template <class E>
config::KeySet<E> eval_keys() {
    config::KeySet<E> s;
    declare_exec_threads(s, &E::threads);
    declare_run_seed(s, &E::seed);
    s.nest(denoiser::BlockFormat::keys().only({"block.stochastic"}), &E::block);
    return s;
}

/// Fills what the command line left open in `d` (scale, mean, std, channel order) from the
/// normalisation model `g` records (ONNX metadata dnsim.input.*). Returns one line to print
/// when neither gives the mean or the std, so the dataset's default is used (saying which, and
/// how to override it); an empty string otherwise.
std::string apply_model_normalisation(workloads::DatasetSpec& d, const workloads::Graph& g,
                                      const std::string& model);

}  // namespace dnsim::tb
