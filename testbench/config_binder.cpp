// Config key binding and CLI/INI parsing with key-naming errors.
#include "testbench/config_binder.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <map>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "testbench/presets.h"

namespace po = boost::program_options;

namespace dnsim::tb {

std::string key_help(const config::KeyInfo& info) {
    std::string accepted;
    if (info.kind == config::Kind::Choice) {
        std::string empty;
        for (const auto& [name, meaning] : info.choices) {
            if (name.empty())
                empty = "; empty: " + meaning;
            else
                accepted += (accepted.empty() ? "" : ", ") + name;
        }
        accepted += empty;
    } else {
        accepted = info.unit;
        if (!info.range.empty())
            accepted += (accepted.empty() ? "" : ", ") + info.range;
    }
    return accepted.empty() ? info.help : info.help + " [" + accepted + "]";
}

void ConfigBinder::add(Binding b) {
    auto& desc = b.file_key ? m_keys : m_extra;
    desc.add_options()(b.info.name.c_str(), po::value<std::string>()->default_value(b.default_text),
                       key_help(b.info).c_str());
    m_bindings.push_back(std::move(b));
}

void ConfigBinder::alias(const std::string& name, const std::string& key, bool deprecated) {
    const std::string help = (deprecated ? "deprecated spelling of --" : "shorthand for --") + key;
    m_extra.add_options()(name.c_str(), po::value<std::string>(), help.c_str());
    m_aliases.push_back({name, key, deprecated});
}

po::options_description ConfigBinder::command_line() const {
    po::options_description d;
    if (!m_extra.options().empty())
        d.add(m_extra);
    d.add(m_keys);
    return d;
}

std::string ConfigBinder::text_of(const po::variables_map& vm, const Binding& b) const {
    // The last alias given wins over the key (a shorthand wins wherever the key was set).
    std::string text = vm[b.info.name].as<std::string>();
    for (const Alias& a : m_aliases) {
        if (a.key == b.info.name && vm.count(a.name) != 0)
            text = vm[a.name].as<std::string>();
    }
    return text;
}

void ConfigBinder::apply(const po::variables_map& vm) const {
    for (const Binding& b : m_bindings) {
        // The key's own text is read (and refused if malformed) even where an alias wins.
        b.set(vm[b.info.name].as<std::string>());
        const std::string text = text_of(vm, b);
        if (text != vm[b.info.name].as<std::string>())
            b.set(text);
    }
}

void ConfigBinder::check() const {
    for (const Binding& b : m_bindings)
        b.check();
}

std::vector<std::pair<std::string, std::string>> ConfigBinder::effective(
    const po::variables_map& vm) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Binding& b : m_bindings) {
        if (b.file_key)
            out.emplace_back(b.info.name, b.canonical(text_of(vm, b)));
    }
    return out;
}

namespace {

/// Whether `value` reads back from "key = value" as itself.
bool ini_holds(const std::string& value) {
    try {
        const std::vector<IniEntry> e = parse_ini("k = " + value + "\n", "");
        return e.size() == 1 && e[0].value == value;
    } catch (const ConfigError&) {
        return false;
    }
}

}  // namespace

std::string ConfigBinder::resolved_ini(const po::variables_map& vm, const std::string& header,
                                       const std::function<bool(const std::string&)>& keep) const {
    std::vector<std::string> sections;
    std::map<std::string, std::string> body;
    for (const auto& [key, value] : effective(vm)) {
        if (keep && !keep(key))
            continue;
        if (!ini_holds(value)) {
            throw ConfigError(key, fmt::format("'{}' cannot be written to an INI file (a line "
                                               "break, spaces at either end, a comment after a "
                                               "space, or not UTF-8)",
                                               printable(value)));
        }
        const std::size_t dot = key.find('.');
        const std::string section = key.substr(0, dot);
        if (body.count(section) == 0)
            sections.push_back(section);
        body[section] += fmt::format("{} = {}\n", key.substr(dot + 1), value);
    }
    std::string out = "; " + header + "\n";
    for (const std::string& section : sections)
        out += fmt::format("\n[{}]\n{}", section, body[section]);
    return out;
}

std::vector<std::string> ConfigBinder::aliased(const po::variables_map& vm) const {
    std::vector<std::string> out;
    for (const Alias& a : m_aliases) {
        if (vm.count(a.name) != 0)
            out.push_back(a.key);
    }
    return out;
}

std::vector<std::string> ConfigBinder::deprecations(const po::variables_map& vm) const {
    std::vector<std::string> out;
    for (const Alias& a : m_aliases) {
        if (a.deprecated && vm.count(a.name) != 0)
            out.push_back(fmt::format("--{} is deprecated; use --{}", a.name, a.key));
    }
    return out;
}

void ConfigOrigins::set(const std::string& key, const std::string& file, int line,
                        const char* what) {
    m_where[key] = {file, line};
    m_what[key] = what;
}

ConfigError ConfigOrigins::locate(const ConfigError& e) const {
    const auto it = m_where.find(e.key());
    if (it == m_where.end())
        return e;
    return ConfigError(e.key(),
                       fmt::format("{} '{}', line {}: {}", m_what.at(e.key()),
                                   printable(it->second.first), it->second.second, e.message()));
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        out.push_back(text.substr(start, comma - start));
        if (comma == std::string::npos)
            return out;
        start = comma + 1;
    }
}

namespace {

std::string option_of(const po::error_with_option_name& e) {
    std::string name = e.get_option_name();
    while (!name.empty() && name.front() == '-') {
        name.erase(name.begin());
    }
    return name;
}

/// Boost's message for an option error, printable. Boost builds it by replacing placeholders
/// (%canonical_option%, %value%, ...) in a template with the option and value as typed, and
/// replaces until none is left: an argument that itself holds a placeholder
/// (`--%canonical_option%`) made it loop forever (fuzz finding config-3). Every '%' in what was
/// typed is written \x25 before the message is built.
struct BoostSubstitutions : po::error_with_option_name {
    static std::map<std::string, std::string>& of(po::error_with_option_name& e) {
        return e.*(&BoostSubstitutions::m_substitutions);
    }
};

std::string boost_message(po::error& e) {
    if (auto* named = dynamic_cast<po::error_with_option_name*>(&e)) {
        for (auto& [placeholder, value] : BoostSubstitutions::of(*named)) {
            std::string safe;
            for (const char c : value)
                safe += c == '%' ? std::string("\\x25") : std::string(1, c);
            value = safe;
        }
    }
    return printable(e.what());
}

}  // namespace

void parse_options(int argc, const char* const* argv, const po::options_description& cli,
                   const po::options_description& file_keys,
                   const po::positional_options_description* positional, po::variables_map& vm,
                   ConfigOrigins* origins, const char* config_option,
                   const std::function<std::string()>& no_model_file) {
    namespace style = po::command_line_style;
    try {
        po::command_line_parser parser(argc, argv);
        // No guessing: an abbreviation of an option (--ou, --denoiser.core) is an unknown
        // option, not the one it happens to be a prefix of.
        parser.options(cli).style(style::default_style & ~style::allow_guessing);
        if (positional != nullptr) {
            parser.positional(*positional);
        }
        po::store(parser.run(), vm);
    } catch (po::error_with_option_name& e) {
        // The option and Boost's message quote the arguments as given: any byte of them.
        const std::string option = printable(option_of(e));
        throw ConfigError(option, "command line: " + boost_message(e));
    } catch (po::error& e) {
        throw ConfigError("", "command line: " + boost_message(e));
    }
    // The config file, then the preset: po::store keeps the first value of a key, so the
    // command line wins over the file and the file over the preset.
    const auto store_file = [&](const std::string& path, const char* what, bool foreign_ok) {
        const std::vector<IniEntry> entries = parse_ini(read_config_file(path), path);
        po::parsed_options parsed(&file_keys);
        for (const IniEntry& entry : entries) {
            if (file_keys.find_nothrow(entry.key, false) == nullptr) {
                // A preset describes the whole system: a command takes the sections it has
                // (dnsim denoiser: not cgra.*), but a misspelt key of its own sections is an
                // error.
                const std::string section = entry.key.substr(0, entry.key.find('.') + 1);
                const bool own_section = std::any_of(
                    file_keys.options().begin(), file_keys.options().end(), [&](const auto& o) {
                        return o->long_name().compare(0, section.size(), section) == 0;
                    });
                const std::size_t dot = entry.key.find('.');
                if (foreign_ok && dot != std::string::npos && !own_section &&
                    is_key_section(entry.key.substr(0, dot)))
                    continue;
                throw ConfigError(
                    "", fmt::format("{} '{}', line {}: unknown key '{}'", what, printable(path),
                                    entry.line, printable(entry.key)));
            }
            // The command line wins: a key given there keeps its value and its origin.
            if (vm.count(entry.key) != 0 && !vm[entry.key].defaulted())
                continue;
            po::option option(entry.key, {entry.value});
            option.original_tokens = {entry.key, entry.value};
            parsed.options.push_back(std::move(option));
            if (origins != nullptr)
                origins->set(entry.key, path, entry.line, what);
        }
        try {
            po::store(parsed, vm);
        } catch (po::error& e) {
            throw ConfigError("",
                              fmt::format("{} '{}': {}", what, printable(path), boost_message(e)));
        }
    };
    if (vm.count(config_option) != 0)
        store_file(vm[config_option].as<std::string>(), "config file", false);
    if (vm.count("preset") != 0) {
        const std::string name = vm["preset"].as<std::string>();
        store_file(preset_path(name, "preset"), "preset file", true);
    }
    if (no_model_file && vm.count("model") == 0 && vm.count("help") == 0)
        store_file(no_model_file(), "main-job file", false);
    try {
        po::notify(vm);
    } catch (po::error& e) {
        throw ConfigError("", boost_message(e));
    }
}

}  // namespace dnsim::tb
