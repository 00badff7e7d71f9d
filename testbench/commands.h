// The keys of each dnsim command, bound to its options: one function per command, used by the
// command itself (main.cpp) and by `dnsim keys` (docs/keys.md).
#pragma once

#include <string>
#include <vector>

#include "testbench/config_binder.h"
#include "testbench/denoiser_study.h"
#include "testbench/eval_study.h"
#include "testbench/run_study.h"

namespace dnsim::tb {

/// dnsim denoiser: the study's keys, and --channels, --height, --width, --seed as shorthands.
void bind_denoiser_command(ConfigBinder& b, DenoiserStudyOptions& o);

/// dnsim inspect: the model limits and --denoiser-ratio.
struct InspectSettings {
    double denoiser_ratio = 0.25;
};
void bind_inspect_command(ConfigBinder& b, InspectSettings& o);

/// dnsim eval.
void bind_eval_command(ConfigBinder& b, EvalOptions& o);

/// dnsim run. Sets the run's own defaults first: activation noise on at the paper's 6 %.
void bind_run_command(ConfigBinder& b, RunOptions& o);

/// The keys of every command (dnsim's and dnsim-train's), in the order of their help.
struct CommandKeys {
    std::string command;
    std::vector<ConfigBinder::Binding> bindings;
    std::vector<ConfigBinder::Alias> aliases;
};
std::vector<CommandKeys> every_command_keys();

/// docs/keys.md: every key once, with its default (per command where they differ), unit,
/// accepted values, commands, help and source. Throws std::logic_error if one key has two
/// declarations that differ.
std::string keys_markdown();
/// The same as plain text lines, for the terminal.
std::string keys_text();

/// The sections whose every key is in the parameter ledger (hardware, energy, noise); a key
/// of another section is in it when it declares a plausible range.
inline constexpr const char* kLedgerSections[] = {
    "cgra", "noise", "denoiser", "weight_sram", "activation_sram", "energy", "soc"};
bool in_ledger(const std::string& key, const config::KeyInfo& info);

/// docs/parameters.md: the ledger of every hardware, energy and noise key (default, unit,
/// source class with its evidence, plausible range, the presets that set it) and the presets.
std::string parameters_markdown();

}  // namespace dnsim::tb
