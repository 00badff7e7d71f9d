// dnsim energy SUMMARY: the energy and power of a finished `dnsim run` under another energy
// table, from the action counts its summary.json records (actions_per_inference), without
// simulating again (the Accelergy split: action counts from the simulation, energy per action
// from a table). The table starts as the run's (its energy.* keys in summary.json) and takes
// the energy.* keys given on the command line or in --config; ADC conversions are charged at
// the run's cgra.adc_bits, as the run charged them (cgra::charged_energy_table).
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "models/common/energy.h"

namespace dnsim::tb {

struct EnergyStudyOptions {
    std::string summary;  ///< the summary.json of a dnsim run
    /// energy.* keys given on the command line or in --config (name without "energy.", value).
    std::vector<std::pair<std::string, double>> overrides;
    std::string out_dir;  ///< where energy.json goes (empty: none)
    std::string command;  ///< the command line, for the provenance block
};

/// Prints the energy per component under the run's table and under the new one, and writes
/// out_dir/energy.json. ConfigError naming the file and key when the summary lacks what it
/// needs (a summary of an older dnsim, of dnsim eval or dnsim denoiser).
int run_energy_study(const EnergyStudyOptions& opt, std::ostream& os);

}  // namespace dnsim::tb
