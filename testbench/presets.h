// Shipped hardware presets: named INI files of configuration keys (platform/presets/NAME.ini)
// that `dnsim run --preset NAME`, `dnsim denoiser --preset NAME` and a study's `preset` apply
// under --config and the command line. Each file says in its comments what it reads from
// which source and what, if anything, was fitted (docs/parameters.md lists them).
#pragma once

#include <string>
#include <vector>

namespace dnsim::tb {

/// The directory of the presets: $DNSIM_PRESETS_DIR when set, else the source tree's
/// platform/presets.
std::string presets_dir();

/// The names of the presets in presets_dir() (NAME of every NAME.ini), sorted.
std::vector<std::string> preset_names();

/// The sections of the configuration keys of every dnsim command ("cgra", "denoiser", ...):
/// a preset's key of a section the command lacks is left out (dnsim denoiser has no cgra.*);
/// a key of any other section is a misspelling. A test checks the list against the commands.
inline constexpr const char* kKeySections[] = {
    "cgra",    "noise", "denoiser", "weight_sram", "activation_sram", "energy", "soc", "block",
    "dataset", "model", "run",      "exec"};
bool is_key_section(const std::string& section);

/// The file of preset `name`; ConfigError(key) naming the presets there when it is no preset
/// (a name is letters, digits, '-' and '_': never a path).
std::string preset_path(const std::string& name, const std::string& key = "preset");

}  // namespace dnsim::tb
