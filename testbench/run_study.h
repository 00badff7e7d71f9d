// `dnsim run`: a network (with its denoisers) replayed through the platform. Prints the
// paper-style summary (accuracy clean / noisy / denoised, cycles per layer with and without
// denoisers, latency overhead, energy and power per component) and writes summary.json and
// layers.csv (each atomically) into a results directory, touching nothing else there.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "platform/replay.h"
#include "workloads/datasets/dataset.h"

namespace dnsim::tb {

struct RunOptions {
    std::string model;
    std::string denoisers;  ///< layers that get fresh denoiser blocks, comma-separated
    double denoiser_ratio = 0.25;
    bool timing_only = false;  ///< no dataset: cycles, latency, energy only
    workloads::DatasetSpec dataset;
    platform::ReplayConfig replay;
    std::string out_dir = "results/run";  ///< checked before the simulation starts
    bool save_logits = false;  ///< also write logits_<pass>_seed<S>.npy per accuracy pass
    /// Also write report.html (testbench/report.h). Without report_required (the main job's
    /// default) a missing chart-script install is a note, not an error.
    bool report = false;
    bool report_required = false;
    /// Non-empty: write the timing job's timeline (one inference) there as a Chrome
    /// trace-event / Perfetto JSON file (run_trace.h); checked before the simulation starts.
    std::string trace_path;
    std::vector<std::pair<std::string, std::string>> effective_config;
    std::string command;  ///< the command line, for the provenance block
};

/// Runs the study; returns the exit code. ConfigError for bad input.
int run_study(const RunOptions& opt, std::ostream& os);

}  // namespace dnsim::tb
