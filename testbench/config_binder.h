// Binds configuration keys to Boost.Program_options so that the same dotted keys work on the
// command line (--denoiser.cores 8) and in INI files ([denoiser] cores = 8). Values are parsed
// as wide signed integers or doubles and range-checked by the config structs' validate(), so
// "-1" or "abc" is reported against the key instead of wrapping around.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

namespace dnsim::tb {

class ConfigBinder {
  public:
    /// An unsigned key; `apply` receives the value after a 0..2^32-1 check naming `key`.
    void add_unsigned(const std::string& key, unsigned long long def, const std::string& help,
                      std::function<void(unsigned long long)> apply);
    /// An unsigned key stored straight into `field` (its current value is the default).
    void add_field(const std::string& key, unsigned& field, const std::string& help) {
        add_unsigned(key, field, help,
                     [&field](unsigned long long v) { field = static_cast<unsigned>(v); });
    }
    void add_int(const std::string& key, long long def, const std::string& help,
                 std::function<void(long long)> apply);
    void add_real(const std::string& key, double def, const std::string& help,
                  std::function<void(double)> apply);
    void add_string(const std::string& key, const std::string& def, const std::string& help,
                    std::function<void(const std::string&)> apply);

    /// Options for the command line and config files.
    const boost::program_options::options_description& options() const { return m_desc; }
    boost::program_options::options_description& options() { return m_desc; }
    /// Applies every key (default, file or command line); ConfigError names the bad key.
    void apply(const boost::program_options::variables_map& vm) const;
    /// Every key with its effective value as text, in declaration order.
    std::vector<std::pair<std::string, std::string>> effective(
        const boost::program_options::variables_map& vm) const;

  private:
    struct Binding {
        std::string key;
        std::function<void(const boost::program_options::variable_value&)> apply;
        std::function<std::string(const boost::program_options::variable_value&)> text;
    };
    boost::program_options::options_description m_desc{"Configuration keys (INI: [section] key)"};
    std::vector<Binding> m_bindings;
};

/// Splits "a,b,c" at commas (empty text: one empty item).
std::vector<std::string> split_list(const std::string& text);

/// Parses "0.5, 0.25" into numbers; an empty text gives an empty list. ConfigError names `key`.
std::vector<float> parse_float_list(const std::string& key, const std::string& text);

/// Parses `argv` plus an optional INI file (its path in the "config" option) into `vm`.
/// Command-line values win over file values. Unknown or malformed keys throw ConfigError
/// naming the key (and the file).
void parse_options(int argc, const char* const* argv,
                   const boost::program_options::options_description& cli,
                   const boost::program_options::options_description& file_keys,
                   const boost::program_options::positional_options_description* positional,
                   boost::program_options::variables_map& vm);

}  // namespace dnsim::tb
