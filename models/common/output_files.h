// Result files written atomically: content goes to a temporary file in the same directory,
// which is renamed over the target only when complete, so a crash or Ctrl-C never leaves a
// half-written result.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dnsim {

/// Writes `content` to `dir/name` atomically, creating `dir` if needed. Throws ConfigError
/// naming `key` and the path if it cannot be written.
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& content, const std::string& key = "out");

/// Writes a whole results directory atomically: the files go to a temporary sibling directory,
/// which replaces `dir` (and whatever was in it) only when every file is complete. Throws
/// ConfigError naming `key` and the path on failure, leaving no temporary directory behind.
void write_directory_atomically(const std::string& dir,
                                const std::vector<std::pair<std::string, std::string>>& files,
                                const std::string& key = "out");

}  // namespace dnsim
