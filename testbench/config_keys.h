// The keys of each dnsim command, from the declarations next to the config structs
// (CgraConfig::keys(), NoiseConfig::keys(), DenoiserConfig::keys(), BlockFormat::keys(),
// BlockShape::keys(), DatasetSpec::keys(), GraphLimits::keys(), EnergyTable::keys()) plus the
// keys of the commands' own settings (run.*, exec.threads, denoiser-ratio), declared here once
// and bound wherever a command has them. docs/keys.md is generated from these bindings
// (dnsim keys --markdown).
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
#include "testbench/config_binder.h"
#include "testbench/run_memory.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

namespace dnsim::tb {

/// run.seed: the first seed of every random stream a command draws.
template <class S, class Access>
void declare_run_seed(config::KeySet<S>& s, Access access) {
    s.add("run.seed", access)
        .help(
            "seed of the command's random streams: analog noise, denoiser lanes, weights and "
            "inputs of new blocks (common/random_streams.h)")
        .origin(config::ours());
}

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

/// The names of run.denoiser_path (`Path` is platform::DenoiserPath; a template so that the
/// configuration fuzz harness, which has no SystemC, declares the same keys).
template <class Path>
constexpr std::array<config::EnumName<Path>, 2> denoiser_path_names() {
    return {{{Path::Kernel, "kernel", "the bit-exact fixed-point kernel, images in parallel"},
             {Path::Tlm, "tlm", "every block of every image through the SystemC denoiser (slow)"}}};
}

/// The hardware keys of a replay (R: platform::ReplayConfig): cgra.*, noise.*, denoiser.*,
/// weight_sram.*, activation_sram.*, block.*.
template <class R>
config::KeySet<R> replay_hardware_keys() {
    config::KeySet<R> s;
    s.nest(
        cgra::CgraConfig::keys(), [](auto& r) -> auto& { return r.soc.cgra; });
    s.nest(
        cgra::NoiseConfig::keys(), [](auto& r) -> auto& { return r.noise; });
    s.nest(
        denoiser::DenoiserConfig::keys(), [](auto& r) -> auto& { return r.soc.denoiser; });
    s.nest(
        denoiser::BlockFormat::keys(), [](auto& r) -> auto& { return r.soc.format; });
    return s;
}

/// The run.* keys of a replay (R: platform::ReplayConfig), then energy.*.
template <class R>
config::KeySet<R> replay_run_keys() {
    using config::ours;
    config::KeySet<R> s;
    declare_run_seed(s, &R::seed);
    s.add("run.seeds", &R::seeds)
        .range(1U, 1000U)
        .help("noisy and denoised passes, one per seed: run.seed, run.seed + 1, ...")
        .origin(ours());
    s.add("run.batch", &R::batch)
        .range(std::int64_t{1}, std::int64_t{65536})
        .help("images per platform job")
        .origin(ours("results do not depend on it (test: run results are bit-identical across "
                     "batch, threads and denoiser path)"));
    s.add("run.threads", &R::threads)
        .range(1U, 256U)
        .help("worker threads for the functional work")
        .origin(ours("two: a small machine's cores"));
    using Path = std::decay_t<decltype(std::declval<R&>().denoiser_path)>;
    s.add_choice("run.denoiser_path", &R::denoiser_path, denoiser_path_names<Path>())
        .help("how the accuracy passes compute denoiser blocks (the same bits either way)")
        .origin(ours());
    s.nest(EnergyTable::keys(), &R::energy_table);
    return s;
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
    return s;
}

/// Fills what the command line left open in `d` (scale, mean, std, channel order) from the
/// normalisation model `g` records (ONNX metadata dnsim.input.*). Returns one line to print
/// when neither gives the mean or the std, so the dataset's default is used (saying which, and
/// how to override it); an empty string otherwise.
std::string apply_model_normalisation(workloads::DatasetSpec& d, const workloads::Graph& g,
                                      const std::string& model);

}  // namespace dnsim::tb
