// Text of user input and output, checked and written in one place: configuration values (real
// and integer numbers), INI files, UTF-8 and CSV fields. Every error is a ConfigError naming
// the key (or the file and line) and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dnsim {

/// The whole of `text` as a finite double: an optional sign, decimal digits with an optional
/// point and an optional decimal exponent (0.5, -3, 1e-3, .25). Rejected, with a ConfigError
/// naming `key`: an empty text, spaces, nan, inf, hexadecimal floats, trailing characters
/// ("0.5x"), and values outside the range of a double (1e400, 1e-400).
double parse_real(const std::string& key, const std::string& text);

/// "0.5, 0.25" as finite floats (spaces around each number allowed); an empty text gives an
/// empty list. ConfigError naming `key`: "'<text>' is not a comma-separated list of numbers",
/// or a number outside the range of a float.
std::vector<float> parse_real_list(const std::string& key, const std::string& text);

/// The whole of `text` as a decimal integer in [lo, hi] (an optional sign and digits only).
/// A text that is not an integer, or one outside [lo, hi] (however large: no wrap-around),
/// gives a ConfigError naming `key`: "<text> is out of range; accepted: <lo> to <hi>", or
/// "<text> <out_of_range>" when `out_of_range` is given.
long long parse_integer(const std::string& key, const std::string& text, long long lo, long long hi,
                        const char* out_of_range = nullptr);

/// The offset of the first byte of `text` that is not part of a well-formed UTF-8 sequence
/// (overlong forms, surrogates and code points above U+10FFFF included); nullopt if none.
std::optional<std::size_t> invalid_utf8_at(const std::string& text);

/// `text` for an error message: printable ASCII and valid UTF-8 as they are, every other byte
/// (control characters, invalid UTF-8) as \xNN.
std::string printable(const std::string& text);

/// `text` inside an XML or HTML element or attribute value: & < > " as entities, control
/// characters other than tab and line feed as numeric references (XML 1.0 allows no others).
std::string markup_text(const std::string& text);

/// `s` without leading and trailing spaces and tabs.
std::string trim(const std::string& s);

/// One CSV field per RFC 4180: as it is, or in double quotes (inner quotes doubled) when it
/// holds a comma, a double quote, CR or LF.
std::string csv_field(const std::string& text);

/// One CSV line split into its fields, as csv_field writes them: double quotes around a field
/// (a doubled quote inside is one quote), commas inside quotes kept, a CR dropped.
std::vector<std::string> csv_split_line(const std::string& line);

/// The largest configuration file dnsim reads.
inline constexpr std::uintmax_t kMaxConfigFileBytes = 1U << 20;

/// Reads an INI file: `path` must name a regular file of at most `max_bytes` bytes (not a
/// directory, device or FIFO, which are refused before they are opened). ConfigError "config".
std::string read_config_file(const std::string& path,
                             std::uintmax_t max_bytes = kMaxConfigFileBytes);

/// One `key = value` line of an INI file; `key` is "section.key".
struct IniEntry {
    std::string key;
    std::string value;
    int line = 0;
};

/// Parses INI text (`file` names it in errors). Accepted: a UTF-8 byte order mark at the start,
/// LF or CRLF line ends, blank lines, comment lines starting with ';' or '#', comments after a
/// value introduced by a space or tab and ';' or '#', `[section]` lines, and `key = value`
/// lines (spaces around both trimmed; a key before any section is used as it is). Errors name
/// the file and line: text that is not UTF-8 or holds a NUL byte, a byte order mark after the
/// start, a line that is none of these, an empty section or key, and a key set twice.
std::vector<IniEntry> parse_ini(const std::string& text, const std::string& file);

}  // namespace dnsim
