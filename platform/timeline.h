// The timing job's timeline, recorded by the Soc when asked (Soc::set_timeline): when each step
// of the one recorded inference ran in simulated time, when the host waited for a block, and
// every denoiser block's phases and unit intervals as the control unit timed them
// (denoiser::Activity). Plain data; testbench/run_trace writes it as a trace-event file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/denoiser/control_unit.h"
#include "models/denoiser/denoiser_config.h"
#include "models/denoiser/tile_plan.h"

namespace dnsim::platform {

/// One step as the host saw it, ns from the start of the timing job. A CGRA step runs from its
/// command to the response; a denoiser step from its register programming to the block's DONE
/// plus the STATUS and CYCLES reads after it (so end_ns - start_ns is the step's time in
/// Soc::step_ns(), also when the block ran beside later steps).
struct TimelineStep {
    std::size_t step = 0;  ///< plan index
    double start_ns = 0.0;
    double end_ns = 0.0;
};

/// The host waiting for a block before going on (soc.denoiser_overlap dependence), ns.
struct TimelineWait {
    std::size_t block_step = 0;  ///< the block waited for
    double start_ns = 0.0;
    double end_ns = 0.0;
};

/// One block run (one image of a denoiser step) through the registers.
struct TimelineBlock {
    std::size_t step = 0;
    std::uint32_t image = 0;
    double start_ns = 0.0;                       ///< its START, the block's cycle 0
    std::uint64_t cycles = 0;                    ///< the CYCLES register read by the host
    denoiser::BlockShape shape;                  ///< C x H x W
    denoiser::TilePlan plan;                     ///< its tiles and SRAM regions
    std::vector<denoiser::Activity> activities;  ///< in the order the control unit reported them
};

struct Timeline {
    std::vector<TimelineStep> steps;  ///< in the order they ran
    std::vector<TimelineWait> waits;
    std::vector<TimelineBlock> blocks;
    double end_ns = 0.0;  ///< the timing job's simulated end
};

}  // namespace dnsim::platform
