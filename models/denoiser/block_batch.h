// The denoiser's functional port (a simulation fast path, not a hardware interface): one
// command carries the same block — shape, format, the host address of its packed parameters —
// for many images, each with its input, its SEED and room for its output. The accelerator
// computes each with its bit-exact fixed-point datapath (reference_block: the same bits the
// cycle-level model produces, tests check it) on the worker threads, untimed and uncounted:
// the replay takes cycles and energy from a block run through the registers, and uses this
// port for the accuracy passes (`run.denoiser_path kernel`).
#pragma once

#include <cstdint>
#include <vector>

#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

struct BatchImage {
    std::vector<std::int16_t> x;    ///< C x H x W, activation format
    std::uint64_t seed = 0;         ///< SEED register of this image's block
    std::vector<std::int16_t> out;  ///< X_hat, filled in by the denoiser
};

/// Written to offset 0 of the functional port (addr::batch).
struct BlockBatchCommand {
    BlockShape shape;
    unsigned reduced = 0;       ///< C_r
    BlockFormat format;         ///< fraction bits and LeakyReLU shift
    std::uint64_t weights = 0;  ///< host address of the packed parameters (pack_block)
    /// The images, in slices computed in parallel (one per worker thread).
    std::vector<std::vector<BatchImage>> slices;
};

}  // namespace dnsim::denoiser
