// `dnsim eval MODEL`: top-1 accuracy of a model on a dataset with the float reference executor
// (no hardware, no noise) — the clean accuracy a platform run is compared with.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "models/denoiser/denoiser_config.h"
#include "workloads/datasets/dataset.h"

namespace dnsim::tb {

struct EvalOptions {
    std::string model;
    workloads::DatasetSpec dataset;
    unsigned threads = 2;
    std::uint64_t seed = 0;
    std::int64_t batch = 256;  ///< images per executor call
    /// block.stochastic: whether denoiser blocks draw epsilon (the rest of the format is the
    /// accelerator's, which the float executor does not model).
    denoiser::BlockFormat block;
    std::string out_dir;  ///< where summary.json goes (empty: no file)
    std::string command;  ///< the command line, for the provenance block
    /// Every configuration key with its resolved value (summary.json, its hash).
    std::vector<std::pair<std::string, std::string>> effective_config;
};

/// Loads model and dataset, checks they fit, evaluates, prints the accuracy and writes
/// out_dir/summary.json (accuracy, configuration, provenance); returns the process exit code.
int run_eval(const EvalOptions& opt, std::ostream& os);

}  // namespace dnsim::tb
