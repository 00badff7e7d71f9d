// Every random stream of dnsim, in one place. A stream is keyed by a seed and a list of ids
// (common/rng.h: Rng(seed, {ids...}), derive_key(seed, {ids...})); the tag below is the id
// that tells apart streams drawn from the same seed and the same other ids. Each entry says
// which seed and ids it goes with and who draws it. The values are fixed: changing one
// changes every result that draws from it (the shipped models' logits, the noisy passes).
#pragma once

#include <cstdint>

namespace dnsim::streams {

// ---- Analog noise, activation level (models/cgra/analog_noise*.cpp) ----

/// Rng(run seed, {image, layer, tag}): the paper's activation noise of a layer output.
inline constexpr std::uint64_t kActivationNoise = 1;
/// Rng(noise.chip_seed, {layer, tag}): conductance programming variation, once per chip.
inline constexpr std::uint64_t kProgramming = 2;
/// Rng(noise.chip_seed, {layer, tag}): which weights are stuck at zero conductance.
inline constexpr std::uint64_t kStuckCells = 3;
/// Rng(run seed, {image, layer, tag}): read noise of each MVM output.
inline constexpr std::uint64_t kReadNoise = 4;
/// Rng(noise.chip_seed, {layer, tag}): each weight's drift exponent (noise.drift_nu_sigma).
inline constexpr std::uint64_t kDriftExponent = 5;

// ---- Analog noise, bit-sliced crossbars (models/cgra/bitsliced.cpp, bitsliced_model.cpp) ----

/// Rng(noise.chip_seed, {layer, tag}): programming variation of every cell.
inline constexpr std::uint64_t kBitSlicedProgramming = 12;
/// Rng(noise.chip_seed, {layer, tag}): stuck cells.
inline constexpr std::uint64_t kBitSlicedStuckCells = 13;
/// Rng(pass seed, {image, layer, tag}): read noise of the crossbar columns
/// (models/cgra/bitsliced_model.cpp).
inline constexpr std::uint64_t kBitSlicedReadNoise = 14;
/// Rng(noise.chip_seed, {layer, tag}): each cell's drift exponent (noise.drift_nu_sigma).
inline constexpr std::uint64_t kBitSlicedDriftExponent = 15;

// ---- The denoiser ----

/// derive_key(pass seed, {image, layer, tag}): the SEED register of a denoiser block in a
/// replay; the timing job uses image 0 (platform/job_data.cpp).
inline constexpr std::uint64_t kDenoiserSeedRegister = 0xD0;
/// derive_key(SEED register, {lane, tag}): the U1 and U2 LFSRs of a noise lane
/// (models/denoiser/noise_cancel.cpp).
inline constexpr std::uint64_t kLaneU1 = 1;
inline constexpr std::uint64_t kLaneU2 = 2;
/// Rng(seed, {tag, C, C_r}): synthetic weights of a block (models/denoiser/block.cpp).
inline constexpr std::uint64_t kSyntheticBlockWeights = 0xB10C;
/// Rng(run.seed, {tag, run, C, H, W}): synthetic input of a `dnsim denoiser` run
/// (testbench/denoiser_study.cpp).
inline constexpr std::uint64_t kSyntheticActivations = 0xAC7;
/// derive_key(run.seed, {tag, run}): the SEED register of a `dnsim denoiser` run.
inline constexpr std::uint64_t kStudySeedRegister = 0xB10C5EED;

// ---- Workloads and training (workloads/) ----

/// Rng(seed, {node index, role}): weights of the built-in networks (graph/graph_builder.cpp);
/// the role tells a layer's weight from its bias.
inline constexpr std::uint64_t kBuilderWeight = 0;
inline constexpr std::uint64_t kBuilderBias = 1;
/// Rng(seed, {stable_hash(weight name)}): initial weights of an inserted denoiser block
/// (graph/transforms.cpp). No tag: the weight's name keys it.
/// Rng(seed, {image, node index}): the float executor's denoiser epsilon (exec/executor.cpp).
/// No tag: the node index keys it.
/// derive_key(seed, {epoch}): LibTorch's seed for an epoch (training/trainer.cpp). No tag.
/// Rng(seed, {epoch, tag}): the order of an epoch's training images (training/trainer.cpp).
inline constexpr std::uint64_t kEpochShuffle = 0x5;
/// derive_key(seed, {tag, tag}): LibTorch's seed for every epoch's validation pass, the same each
/// epoch so that noisy validation accuracies compare epochs on the same draws
/// (training/trainer.cpp).
inline constexpr std::uint64_t kValidationPass = 0x7A1;
/// Rng(seed, {tag}): scores of the random denoiser placement (training/placement.cpp).
inline constexpr std::uint64_t kRandomPlacement = 0x9A;

}  // namespace dnsim::streams
