// Configuration validation: one exception type that names the offending key and the accepted
// range, and small helpers that every XxxConfig::validate() uses.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace dnsim {

/// Thrown for any bad user input (config keys, files, shapes). what() is the full message.
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string key, const std::string& message)
        : std::runtime_error(key.empty() ? message : key + ": " + message), m_key(std::move(key)) {}
    const std::string& key() const { return m_key; }

  private:
    std::string m_key;
};

/// Rejects `value` outside [lo, hi] with a message naming `key` and the accepted range.
template <typename T>
void require_range(const std::string& key, T value, T lo, T hi, const char* unit = "") {
    if (value < lo || value > hi) {
        throw ConfigError(key, fmt::format("{}{} is out of range; accepted: {} to {}{}", value,
                                           unit, lo, hi, unit));
    }
}

/// Rejects a non-positive `value`.
template <typename T>
void require_positive(const std::string& key, T value, const char* unit = "") {
    if (!(value > T{0})) {
        throw ConfigError(key, fmt::format("{}{} must be greater than 0", value, unit));
    }
}

}  // namespace dnsim
