// Result files written atomically: content goes to a temporary file in the same directory,
// which is renamed over the target only when complete, so a crash or Ctrl-C never leaves a
// half-written result.
#pragma once

#include <string>

namespace dnsim {

/// Writes `content` to `dir/name` atomically, creating `dir` if needed. Throws ConfigError
/// naming `key` and the path if it cannot be written.
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& content, const std::string& key = "out");

}  // namespace dnsim
