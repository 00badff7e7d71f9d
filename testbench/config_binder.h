// Binds configuration keys to Boost.Program_options so that the same dotted keys work on the
// command line (--denoiser.cores 8) and in INI files ([denoiser] cores = 8). Every value is
// taken as text and converted by one checked parser per kind (common/config_text.h): real
// keys accept finite decimal numbers only (no nan, inf, hex or trailing characters), integer
// keys decimal integers inside the key's declared range (no wrap-around), so "-1", "nan" or
// "abc" is reported against the key. The config structs' validate() then checks the ranges
// of the models.
#pragma once

#include <boost/program_options.hpp>
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/config_error.h"

namespace dnsim::tb {

class ConfigBinder {
  public:
    explicit ConfigBinder(const std::string& caption = "Configuration keys (INI: [section] key)")
        : m_desc(caption) {}

    /// An unsigned key; `apply` receives a value in [lo, hi] (by default 0 to 2^32-1, the
    /// field's type; the config struct's validate() checks the key's own range).
    void add_unsigned(const std::string& key, unsigned long long def, const std::string& help,
                      std::function<void(unsigned long long)> apply, unsigned long long lo = 0,
                      unsigned long long hi = UINT32_MAX);
    /// An unsigned key stored straight into `field` (its current value is the default).
    void add_field(const std::string& key, unsigned& field, const std::string& help) {
        add_unsigned(key, field, help,
                     [&field](unsigned long long v) { field = static_cast<unsigned>(v); });
    }
    /// A signed integer key; `apply` receives a value in [lo, hi].
    void add_int(const std::string& key, long long def, const std::string& help,
                 std::function<void(long long)> apply, long long lo = LLONG_MIN,
                 long long hi = LLONG_MAX);
    /// A real key; `apply` receives a finite double.
    void add_real(const std::string& key, double def, const std::string& help,
                  std::function<void(double)> apply);
    void add_string(const std::string& key, const std::string& def, const std::string& help,
                    std::function<void(const std::string&)> apply);

    /// Options for the command line and config files.
    const boost::program_options::options_description& options() const { return m_desc; }
    boost::program_options::options_description& options() { return m_desc; }
    /// Applies every key (default, file or command line); ConfigError names the bad key.
    void apply(const boost::program_options::variables_map& vm) const;
    /// Every key with its effective value as text, in declaration order (after apply()).
    std::vector<std::pair<std::string, std::string>> effective(
        const boost::program_options::variables_map& vm) const;

  private:
    struct Binding {
        std::string key;
        /// Converts and checks the text, stores the value if `store`; returns it as text.
        std::function<std::string(const std::string& text, bool store)> convert;
    };
    boost::program_options::options_description m_desc;
    std::vector<Binding> m_bindings;
};

/// Where the keys taken from a config file were set, to name the file and line in the errors
/// found after parsing (a malformed or out-of-range value).
class ConfigOrigins {
  public:
    void set(const std::string& key, const std::string& file, int line);
    /// The key's value came from elsewhere after all (a shorthand option).
    void forget(const std::string& key) { m_where.erase(key); }
    /// `e` naming the file and line of its key when the key was set in a config file.
    ConfigError locate(const ConfigError& e) const;
    /// Runs `f`; a ConfigError about a key set in a config file is rethrown by locate().
    template <typename F>
    auto annotate(F&& f) const -> decltype(f()) {
        try {
            return f();
        } catch (const ConfigError& e) {
            throw locate(e);
        }
    }

  private:
    std::map<std::string, std::pair<std::string, int>> m_where;
};

/// Splits "a,b,c" at commas (empty text: one empty item).
std::vector<std::string> split_list(const std::string& text);

/// Parses "0.5, 0.25" into finite floats; an empty text gives an empty list. ConfigError names
/// `key`.
std::vector<float> parse_float_list(const std::string& key, const std::string& text);

/// Parses `argv` plus an optional INI file (its path in the "config" option) into `vm`.
/// Command-line values win over file values. Options are matched exactly: no abbreviation is
/// guessed (--ou is not --out). The file must be a regular file of at most 1 MiB
/// (common/config_text.h, parse_ini); unknown or malformed keys throw ConfigError naming the
/// key (and the file and line). `origins`, if given, receives the file and line of every key
/// taken from the file.
void parse_options(int argc, const char* const* argv,
                   const boost::program_options::options_description& cli,
                   const boost::program_options::options_description& file_keys,
                   const boost::program_options::positional_options_description* positional,
                   boost::program_options::variables_map& vm, ConfigOrigins* origins = nullptr);

}  // namespace dnsim::tb
