// The keys of a replay (platform::ReplayConfig), declared once: the hardware (cgra.*, noise.*,
// denoiser.*, weight_sram.*, activation_sram.*, block.*) from the declarations beside each
// config struct, and the run.* keys of the replay itself. dnsim run binds them
// (testbench/config_keys.h) and ReplayConfig::validate() checks them. Templates on the config
// type so that the configuration fuzz harness, which has no SystemC, declares the same keys
// for its copy of ReplayConfig. Plain C++.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "models/cgra/cgra_config.h"
#include "models/cgra/noise_config.h"
#include "models/common/config_schema.h"
#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"

namespace dnsim::platform {

/// run.seed: the first seed of every random stream a command draws.
template <class S, class Access>
void declare_run_seed(config::KeySet<S>& s, Access access) {
    s.add("run.seed", access)
        .help(
            "seed of the command's random streams: analog noise, denoiser lanes, weights and "
            "inputs of new blocks (models/common/random_streams.h)")
        .origin(config::ours("one fixed seed: the same run gives the same numbers"));
}

/// The names of run.denoiser_path (`Path` is platform::DenoiserPath; a template so that the
/// configuration fuzz harness, which has no SystemC, declares the same keys).
template <class Path>
constexpr std::array<config::EnumName<Path>, 2> denoiser_path_names() {
    return {{{Path::Kernel, "kernel", "the bit-exact fixed-point kernel, images in parallel"},
             {Path::Tlm, "tlm", "every block of every image through the SystemC denoiser (slow)"}}};
}

/// The names of soc.denoiser_overlap (`Overlap` is platform::DenoiserOverlap; a template for
/// the same reason as denoiser_path_names).
template <class Overlap>
constexpr std::array<config::EnumName<Overlap>, 2> denoiser_overlap_names() {
    return {{{Overlap::Off, "off",
              "START with WAIT: the host waits for every block before its next step"},
             {Overlap::Dependence, "dependence",
              "START without WAIT: the host goes on with the steps that do not read the block's "
              "output and waits only before one that does, before the next block and at the "
              "end"}}};
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
    using Overlap = std::decay_t<decltype(std::declval<R&>().soc.denoiser_overlap)>;
    s.add_choice(
         "soc.denoiser_overlap", [](auto& r) -> auto& { return r.soc.denoiser_overlap; },
         denoiser_overlap_names<Overlap>())
        .help(
            "whether the host runs CGRA steps while a denoiser block runs (the timing job; "
            "docs/platform.md)")
        .origin(
            config::ours("off: the paper runs its blocks in sequence with the layers; dependence: "
                         "what the data dependences allow, simulated"))
        .plausible("off or dependence: whether the host may run CGRA steps while a block runs");
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
        .help(
            "noisy and denoised passes of each chip, one per seed: run.seed, run.seed + 1, ... "
            "on chip 0 (run.chips)")
        .origin(ours(
            "one noisy and one denoised pass; more for a confidence interval over noise draws"));
    s.add("run.chips", &R::chips)
        .range(1U, 1000U)
        .help(
            "chip instances noise.chip_seed, noise.chip_seed + 1, ..., each with its own "
            "programming variation and stuck cells and its own run.seeds noisy and denoised "
            "passes (chip c: run seeds run.seed + c x run.seeds, ...)")
        .origin(ours("one chip; more for a confidence interval over chip instances"));
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
        .origin(ours("the fast functional port computes the same 16-bit datapath; the TLM path is "
                     "for checking it"));
    s.nest(EnergyTable::keys(), &R::energy_table);
    return s;
}

}  // namespace dnsim::platform
