// Configuration validation: one exception type that names the offending key and the accepted
// range, and small helpers that every XxxConfig::validate() uses.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace dnsim {

/// `text` with every ASCII control character (newline, tab, ..., DEL) written as \xNN: an
/// error message is one line, whatever names from a file it quotes.
inline std::string one_line(std::string text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out;
}

/// Thrown for any bad user input (config keys, files, shapes). what() is the full message, one
/// line: control characters in the key or message (a model's node name with a newline, say)
/// are escaped as \xNN.
class ConfigError : public std::runtime_error {
  public:
    ConfigError(const std::string& key, const std::string& message)
        : std::runtime_error(key.empty() ? one_line(message)
                                         : one_line(key) + ": " + one_line(message)),
          m_key(one_line(key)),
          m_message(one_line(message)) {}
    const std::string& key() const { return m_key; }
    /// The message without the "key: " prefix.
    const std::string& message() const { return m_message; }

  private:
    std::string m_key;
    std::string m_message;
};

/// Rejects `value` outside [lo, hi] with a message naming `key` and the accepted range. NaN is
/// outside every range (written so that a comparison with NaN, always false, rejects it).
template <typename T>
void require_range(const std::string& key, T value, T lo, T hi, const char* unit = "") {
    if (!(value >= lo && value <= hi)) {
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
