// `dnsim run --trace FILE.json`: the timing job's timeline (one inference, simulated time) as a
// Chrome trace-event / Perfetto JSON file — the host's steps, one track per analog layer of the
// MX-CGRA, the denoiser's blocks, phases, conv cores, noise lanes, LeakyReLU unit, DMA and SRAM
// ports, SRAM occupancy counters and flow arrows from an analog layer to the block after it
// (docs/platform.md, "Timeline trace").
#pragma once

#include <string>

#include "platform/replay.h"
#include "platform/timeline.h"

namespace dnsim::tb {

/// The trace file's text (deterministic: the same timeline gives the same bytes). `model`
/// names the model in the file's otherData.
std::string trace_json(const platform::Timeline& timeline, const platform::ReplayResult& result,
                       const platform::ReplayConfig& config, const std::string& model);

}  // namespace dnsim::tb
