// Checked parsing of configuration text, INI files, UTF-8 and CSV fields.
#include "models/common/config_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/input_files.h"

namespace dnsim {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// Whether `t` is [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?; `nonzero` tells
/// whether the mantissa has a digit other than 0 (to tell an underflow from a true zero).
bool is_decimal_real(const std::string& t, bool& nonzero) {
    std::size_t i = 0;
    const std::size_t n = t.size();
    nonzero = false;
    if (i < n && (t[i] == '+' || t[i] == '-'))
        ++i;
    std::size_t digits = 0;
    while (i < n && is_digit(t[i])) {
        nonzero = nonzero || t[i] != '0';
        ++i;
        ++digits;
    }
    if (i < n && t[i] == '.') {
        ++i;
        while (i < n && is_digit(t[i])) {
            nonzero = nonzero || t[i] != '0';
            ++i;
            ++digits;
        }
    }
    if (digits == 0)
        return false;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            ++i;
        std::size_t exponent_digits = 0;
        while (i < n && is_digit(t[i])) {
            ++i;
            ++exponent_digits;
        }
        if (exponent_digits == 0)
            return false;
    }
    return i == n;
}

/// Length of the well-formed UTF-8 sequence at text[i], or 0 if it is not one.
std::size_t utf8_sequence(const std::string& text, std::size_t i) {
    const auto byte = [&text](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b = byte(i);
    if (b < 0x80)
        return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        lo = b == 0xE0 ? 0xA0 : 0x80;  // overlong
        hi = b == 0xED ? 0x9F : 0xBF;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        lo = b == 0xF0 ? 0x90 : 0x80;  // overlong
        hi = b == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
    } else {
        return 0;
    }
    if (i + len > text.size())
        return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
            return 0;
    }
    return len;
}

/// Closes a file descriptor on every path out of read_config_file.
struct Descriptor {
    int fd = -1;
    ~Descriptor() {
        if (fd >= 0)
            ::close(fd);
    }
};

}  // namespace

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return "";
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

double parse_real(const std::string& key, const std::string& text) {
    bool nonzero = false;
    if (!is_decimal_real(text, nonzero)) {
        throw ConfigError(key, fmt::format("'{}' is not a finite decimal number; expected e.g. "
                                           "0.5, 100 or 1e-3",
                                           printable(text)));
    }
    const char* first = text.data() + (text[0] == '+' ? 1 : 0);
    const char* last = text.data() + text.size();
    double v = 0.0;
    const auto [end, ec] = std::from_chars(first, last, v, std::chars_format::general);
    if (ec == std::errc::result_out_of_range || !std::isfinite(v) || (v == 0.0 && nonzero)) {
        throw ConfigError(key, fmt::format("{} is outside the range of a double (about 2.2e-308 "
                                           "to 1.8e308 in magnitude)",
                                           text));
    }
    if (ec != std::errc() || end != last) {
        throw ConfigError(key, fmt::format("'{}' is not a finite decimal number; expected e.g. "
                                           "0.5, 100 or 1e-3",
                                           printable(text)));
    }
    return v;
}

long long parse_integer(const std::string& key, const std::string& text, long long lo, long long hi,
                        const char* out_of_range) {
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '-' || text[0] == '+'))
        i = 1;
    if (i == text.size()) {
        throw ConfigError(
            key, fmt::format("'{}' is not an integer; expected decimal digits", printable(text)));
    }
    unsigned long long magnitude = 0;
    bool overflow = false;
    for (; i < text.size(); ++i) {
        if (!is_digit(text[i])) {
            throw ConfigError(key, fmt::format("'{}' is not an integer; expected decimal digits",
                                               printable(text)));
        }
        const auto d = static_cast<unsigned long long>(text[i] - '0');
        if (magnitude > (~0ULL - d) / 10U) {
            overflow = true;
        } else {
            magnitude = magnitude * 10U + d;
        }
    }
    // |LLONG_MIN| = LLONG_MAX + 1.
    const unsigned long long limit =
        static_cast<unsigned long long>(std::numeric_limits<long long>::max()) + (negative ? 1 : 0);
    long long v = 0;
    if (!overflow && magnitude <= limit) {
        v = negative ? static_cast<long long>(0ULL - magnitude) : static_cast<long long>(magnitude);
    }
    if (overflow || magnitude > limit || v < lo || v > hi) {
        throw ConfigError(
            key, out_of_range != nullptr
                     ? fmt::format("{} {}", text, out_of_range)
                     : fmt::format("{} is out of range; accepted: {} to {}", text, lo, hi));
    }
    return v;
}

std::optional<std::size_t> invalid_utf8_at(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t len = utf8_sequence(text, i);
        if (len == 0)
            return i;
        i += len;
    }
    return std::nullopt;
}

std::string printable(const std::string& text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        const std::size_t len = utf8_sequence(text, i);
        if (b >= 0x20 && b < 0x7F) {
            out += text[i];
            ++i;
        } else if (len > 1) {
            out.append(text, i, len);
            i += len;
        } else {
            out += fmt::format("\\x{:02x}", b);
            ++i;
        }
    }
    return out;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string read_config_file(const std::string& path, std::uintmax_t max_bytes) {
    // Opened without blocking (a FIFO would wait for a writer) and checked on the open file,
    // so a file swapped after a check cannot slip through.
    Descriptor file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (file.fd < 0) {
        throw ConfigError("config", fmt::format("cannot open config file '{}': {}", printable(path),
                                                std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        throw ConfigError("config", fmt::format("cannot read config file '{}': {}", printable(path),
                                                std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
        throw ConfigError("config", fmt::format("config file '{}' is {}; expected a regular file "
                                                "(an INI file of configuration keys)",
                                                printable(path), file_kind(st.st_mode)));
    }
    const auto too_large = [&path, max_bytes]() {
        return ConfigError("config", fmt::format("config file '{}' is larger than {} bytes; "
                                                 "expected an INI file of configuration keys",
                                                 printable(path), max_bytes));
    };
    if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
        throw too_large();
    // Read at most max_bytes + 1: files whose size stat does not tell (/proc) are bounded too.
    std::string text;
    char buffer[65536];
    while (true) {
        const ssize_t got = ::read(file.fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            throw ConfigError("config", fmt::format("cannot read config file '{}': {}",
                                                    printable(path), std::strerror(errno)));
        }
        if (got == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(got));
        if (text.size() > max_bytes)
            throw too_large();
    }
    return text;
}

std::vector<float> parse_real_list(const std::string& key, const std::string& text) {
    std::vector<float> out;
    if (text.empty())
        return out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma - start);
        const auto b = item.find_first_not_of(' ');
        const auto e = item.find_last_not_of(' ');
        const std::string number = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        double v = 0.0;
        try {
            v = parse_real(key, number);
        } catch (const ConfigError&) {
            throw ConfigError(
                key, fmt::format("'{}' is not a comma-separated list of numbers", printable(text)));
        }
        if (std::abs(v) > std::numeric_limits<float>::max()) {
            throw ConfigError(key, fmt::format("'{}' holds {}, outside the range of a float",
                                               printable(text), number));
        }
        out.push_back(static_cast<float>(v));
        if (comma == std::string::npos)
            return out;
        start = comma + 1;
    }
}

std::vector<IniEntry> parse_ini(const std::string& text, const std::string& file) {
    const std::string where = fmt::format("config file '{}'", printable(file));
    const std::size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    const auto line_of = [&text](std::size_t offset) {
        return 1 + static_cast<int>(std::count(
                       text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    };
    if (const auto bad = invalid_utf8_at(text.substr(start))) {
        const std::size_t at = start + *bad;
        throw ConfigError("",
                          fmt::format("{}, line {}: byte 0x{:02x} is not valid UTF-8; "
                                      "expected a UTF-8 text file",
                                      where, line_of(at), static_cast<unsigned char>(text[at])));
    }
    if (const auto nul = text.find('\0', start); nul != std::string::npos) {
        throw ConfigError("", fmt::format("{}, line {}: holds a NUL byte; expected a text file",
                                          where, line_of(nul)));
    }
    if (const auto bom = text.find("\xEF\xBB\xBF", start); bom != std::string::npos) {
        throw ConfigError("", fmt::format("{}, line {}: a byte order mark (U+FEFF) is accepted "
                                          "at the start of the file only",
                                          where, line_of(bom)));
    }
    std::vector<IniEntry> out;
    std::map<std::string, int> seen;
    std::string section;
    int line_no = 0;
    std::size_t pos = start;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        while (!line.empty() && line.back() == '\r')
            line.pop_back();
        line = trim(line);
        if (line.empty() || line[0] == ';' || line[0] == '#')
            continue;
        const auto error = [&](const std::string& what) {
            return ConfigError("", fmt::format("{}, line {}: {}", where, line_no, what));
        };
        if (line[0] == '[') {
            const std::size_t close = line.find(']');
            if (close == std::string::npos)
                throw error(fmt::format("'{}' has no closing ']'", printable(line)));
            const std::string rest = trim(line.substr(close + 1));
            if (!rest.empty() && rest[0] != ';' && rest[0] != '#')
                throw error(fmt::format("unexpected text after ']': '{}'", printable(rest)));
            section = trim(line.substr(1, close - 1));
            if (section.empty())
                throw error("empty section name '[]'");
            continue;
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string::npos) {
            throw error(fmt::format("'{}' is not 'key = value', '[section]' or a comment",
                                    printable(line)));
        }
        const std::string key = trim(line.substr(0, eq));
        if (key.empty())
            throw error(fmt::format("'{}' has no key before '='", printable(line)));
        std::string value = line.substr(eq + 1);
        for (std::size_t k = 1; k < value.size(); ++k) {
            if ((value[k] == ';' || value[k] == '#') &&
                (value[k - 1] == ' ' || value[k - 1] == '\t')) {
                value.resize(k);
                break;
            }
        }
        IniEntry entry{section.empty() ? key : section + "." + key, trim(value), line_no};
        const auto [first, inserted] = seen.emplace(entry.key, line_no);
        if (!inserted) {
            // The key as the file has it: any byte but NUL (a key need not be one dnsim knows).
            throw ConfigError(printable(entry.key),
                              fmt::format("{}, line {}: set twice (first on line {})", where,
                                          line_no, first->second));
        }
        out.push_back(std::move(entry));
    }
    return out;
}

std::vector<std::string> csv_split_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (ch == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"')
            cell += line[++i];  // "" in a quoted field
        else if (ch == '"')
            quoted = !quoted;
        else if (ch == ',' && !quoted)
            out.push_back(std::exchange(cell, {}));
        else if (ch != '\r')
            cell += ch;
    }
    out.push_back(cell);
    return out;
}

std::string markup_text(const std::string& s) {
    std::string out;
    for (const char c : s) {
        const auto ch = static_cast<unsigned char>(c);
        switch (ch) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                if (ch < 0x20 && ch != '\n' && ch != '\t')
                    out += fmt::format("&#x{:x};", ch);  // (XML 1.0 has no others; printable)
                else
                    out += c;
        }
    }
    return out;
}

}  // namespace dnsim
