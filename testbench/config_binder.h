// Binds the declared configuration keys (common/config_schema.h) to a command, so that the
// same dotted keys work on the command line (--denoiser.cores 8) and in INI files
// ([denoiser] cores = 8). Every value is taken as text and converted by the parser of its
// field's type (common/config_text.h): real keys accept finite decimal numbers only (no nan,
// inf, hex or trailing characters), integer keys decimal integers (no wrap-around), enum keys
// a name of their table, so "-1", "nan" or "abc" is reported against the key. check() then
// applies every key's declared range. Help, the resolved INI of --dump-config and the key
// list of docs/keys.md come from the same bindings.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/common/config_error.h"
#include "models/common/config_schema.h"

namespace dnsim::tb {

class ConfigBinder {
  public:
    /// One key (or option) of the command, bound to the field that holds it.
    struct Binding {
        config::KeyInfo info;
        /// A configuration key: also in INI files, the resolved configuration (JSON outputs,
        /// --dump-config). False: a command-line option only.
        bool file_key = true;
        std::string default_text;
        std::function<void(const std::string& text)> set;
        std::function<std::string(const std::string& text)> canonical;
        std::function<void()> check;
    };

    explicit ConfigBinder(const std::string& caption = "Configuration keys (INI: [section] key)")
        : m_keys(caption), m_extra("More options (command line only, not INI keys)") {}

    /// Binds every key of `keys` to `target`; its current values are the defaults.
    template <class S>
    void bind(const config::KeySet<S>& keys, S& target, bool file_keys = true) {
        for (const config::Key<S>& k : keys.keys()) {
            add({k.info, file_keys, k.get(target),
                 [&target, key_set = k.set](const std::string& t) { key_set(target, t, ""); },
                 [key_canonical = k.canonical](const std::string& t) {
                     return key_canonical(t, "");
                 },
                 [&target, key_check = k.check] { key_check(target, ""); }});
        }
    }
    /// Binds `keys` as command-line options: not in INI files or the resolved configuration.
    template <class S>
    void bind_options(const config::KeySet<S>& keys, S& target) {
        bind(keys, target, false);
    }
    /// Binds keys to a setting held elsewhere (process-wide): `read` gives its value, `write`
    /// stores a changed one.
    template <class S>
    void bind_global(const config::KeySet<S>& keys, std::function<S()> read,
                     std::function<void(const S&)> write) {
        for (const config::Key<S>& k : keys.keys()) {
            add({k.info, true, k.get(read()),
                 [read, write, key_set = k.set](const std::string& t) {
                     S s = read();
                     key_set(s, t, "");
                     write(s);
                 },
                 [key_canonical = k.canonical](const std::string& t) {
                     return key_canonical(t, "");
                 },
                 [read, key_check = k.check] { key_check(read(), ""); }});
        }
    }
    /// --name as another spelling of the bound `key` (a shorthand, or an old spelling when
    /// `deprecated`): given, it wins over the key wherever the key was set.
    void alias(const std::string& name, const std::string& key, bool deprecated = false);

    /// The keys, for INI files (and the command line).
    const boost::program_options::options_description& options() const { return m_keys; }
    /// Everything for the command line: options and aliases, then the keys.
    boost::program_options::options_description command_line() const;

    /// Parses and stores every key and option (default, file, command line or alias);
    /// ConfigError names the bad key. The declared ranges are check()'s.
    void apply(const boost::program_options::variables_map& vm) const;
    /// Every bound key's declared range and checks, in declaration order.
    void check() const;
    /// Every configuration key with its effective value as text, in declaration order.
    std::vector<std::pair<std::string, std::string>> effective(
        const boost::program_options::variables_map& vm) const;
    /// The resolved configuration as an INI file (`header` as its first comment line): every
    /// configuration key `keep` accepts (all when empty), each section once. ConfigError names
    /// a key whose value an INI file cannot hold (a line break, spaces at either end, a comment
    /// character after a space).
    std::string resolved_ini(const boost::program_options::variables_map& vm,
                             const std::string& header,
                             const std::function<bool(const std::string& key)>& keep = {}) const;
    /// The keys whose alias was given (their file origin no longer applies).
    std::vector<std::string> aliased(const boost::program_options::variables_map& vm) const;
    /// One line per deprecated alias given: "--old is deprecated; use --new".
    std::vector<std::string> deprecations(const boost::program_options::variables_map& vm) const;

    const std::vector<Binding>& bindings() const { return m_bindings; }

    /// Another spelling of a key: a shorthand, or an old spelling kept with a warning.
    struct Alias {
        std::string name;
        std::string key;
        bool deprecated = false;
    };
    const std::vector<Alias>& aliases() const { return m_aliases; }

  private:
    void add(Binding b);
    std::string text_of(const boost::program_options::variables_map& vm, const Binding& b) const;

    boost::program_options::options_description m_keys;
    boost::program_options::options_description m_extra;
    std::vector<Binding> m_bindings;
    std::vector<Alias> m_aliases;
};

/// The help of a key: its line, then unit and accepted values ("[MHz, 1 to 10000]").
std::string key_help(const config::KeyInfo& info);

/// Where the keys taken from a config file were set, to name the file and line in the errors
/// found after parsing (a malformed or out-of-range value).
class ConfigOrigins {
  public:
    /// `what`: "config file" or "preset file", for the message.
    void set(const std::string& key, const std::string& file, int line,
             const char* what = "config file");
    /// The key's value came from elsewhere after all (a shorthand option).
    void forget(const std::string& key) {
        m_where.erase(key);
        m_what.erase(key);
    }
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
    std::map<std::string, const char*> m_what;
};

/// Splits "a,b,c" at commas (empty text: one empty item).
std::vector<std::string> split_list(const std::string& text);

/// Parses `argv` plus an optional INI file (its path in the option `config_option`, "config"
/// by default) into `vm`.
/// Command-line values win over file values. Options are matched exactly: no abbreviation is
/// guessed (--ou is not --out). The file must be a regular file of at most 1 MiB
/// (common/config_text.h, parse_ini); unknown or malformed keys throw ConfigError naming the
/// key (and the file and line). `origins`, if given, receives the file and line of every key
/// taken from the file. `no_model_file`, when set, is called when no positional "model" is
/// given: the INI file it returns applies under all others (command line, --config, --preset);
/// the settings of `dnsim run`'s main job.
void parse_options(int argc, const char* const* argv,
                   const boost::program_options::options_description& cli,
                   const boost::program_options::options_description& file_keys,
                   const boost::program_options::positional_options_description* positional,
                   boost::program_options::variables_map& vm, ConfigOrigins* origins = nullptr,
                   const char* config_option = "config",
                   const std::function<std::string()>& no_model_file = {});

}  // namespace dnsim::tb
