// Config key binding and CLI/INI parsing with key-naming errors.
#include "config_binder.h"

#include <cmath>
#include <limits>

#include <map>

#include <fmt/format.h>

#include "common/config_error.h"
#include "common/config_text.h"

namespace po = boost::program_options;

namespace dnsim::tb {

namespace {

constexpr const char* kNotUnsigned =
    "is not a valid unsigned value; accepted: 0 to 4294967295 (see the key's own range)";

}  // namespace

void ConfigBinder::add_unsigned(const std::string& key, unsigned long long def,
                                const std::string& help,
                                std::function<void(unsigned long long)> apply,
                                unsigned long long lo, unsigned long long hi) {
    m_desc.add_options()(key.c_str(), po::value<std::string>()->default_value(std::to_string(def)),
                         help.c_str());
    const bool type_range = lo == 0 && hi == UINT32_MAX;
    m_bindings.push_back(
        {key, [key, apply, lo, hi, type_range](const std::string& text, bool store) {
             const auto v = static_cast<unsigned long long>(
                 parse_integer(key, text, static_cast<long long>(lo), static_cast<long long>(hi),
                               type_range ? kNotUnsigned : nullptr));
             if (store)
                 apply(v);
             return std::to_string(v);
         }});
}

void ConfigBinder::add_int(const std::string& key, long long def, const std::string& help,
                           std::function<void(long long)> apply, long long lo, long long hi) {
    m_desc.add_options()(key.c_str(), po::value<std::string>()->default_value(std::to_string(def)),
                         help.c_str());
    m_bindings.push_back({key, [key, apply, lo, hi](const std::string& text, bool store) {
                              const long long v = parse_integer(key, text, lo, hi);
                              if (store)
                                  apply(v);
                              return std::to_string(v);
                          }});
}

void ConfigBinder::add_real(const std::string& key, double def, const std::string& help,
                            std::function<void(double)> apply) {
    m_desc.add_options()(
        key.c_str(), po::value<std::string>()->default_value(fmt::format("{}", def)), help.c_str());
    m_bindings.push_back({key, [key, apply](const std::string& text, bool store) {
                              const double v = parse_real(key, text);
                              if (store)
                                  apply(v);
                              return fmt::format("{}", v);
                          }});
}

void ConfigBinder::add_string(const std::string& key, const std::string& def,
                              const std::string& help,
                              std::function<void(const std::string&)> apply) {
    m_desc.add_options()(key.c_str(), po::value<std::string>()->default_value(def), help.c_str());
    m_bindings.push_back({key, [apply](const std::string& text, bool store) {
                              if (store)
                                  apply(text);
                              return text;
                          }});
}

void ConfigOrigins::set(const std::string& key, const std::string& file, int line) {
    m_where[key] = {file, line};
}

ConfigError ConfigOrigins::locate(const ConfigError& e) const {
    const auto it = m_where.find(e.key());
    if (it == m_where.end())
        return e;
    return ConfigError(e.key(),
                       fmt::format("config file '{}', line {}: {}", printable(it->second.first),
                                   it->second.second, e.message()));
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

std::vector<float> parse_float_list(const std::string& key, const std::string& text) {
    std::vector<float> out;
    if (text.empty())
        return out;
    for (const std::string& item : split_list(text)) {
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
    }
    return out;
}

void ConfigBinder::apply(const po::variables_map& vm) const {
    for (const auto& b : m_bindings) {
        b.convert(vm[b.key].as<std::string>(), true);
    }
}

std::vector<std::pair<std::string, std::string>> ConfigBinder::effective(
    const po::variables_map& vm) const {
    // Converted again, not stored: the canonical form of each value.
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& b : m_bindings) {
        out.emplace_back(b.key, b.convert(vm[b.key].as<std::string>(), false));
    }
    return out;
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
                   ConfigOrigins* origins) {
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
    if (vm.count("config") != 0) {
        const std::string path = vm["config"].as<std::string>();
        const std::vector<IniEntry> entries = parse_ini(read_config_file(path), path);
        po::parsed_options parsed(&file_keys);
        for (const IniEntry& entry : entries) {
            if (file_keys.find_nothrow(entry.key, false) == nullptr) {
                throw ConfigError(
                    "", fmt::format("config file '{}', line {}: unknown key '{}'", printable(path),
                                    entry.line, printable(entry.key)));
            }
            // The command line wins: a key given there keeps its value and its origin.
            if (vm.count(entry.key) != 0 && !vm[entry.key].defaulted())
                continue;
            po::option option(entry.key, {entry.value});
            option.original_tokens = {entry.key, entry.value};
            parsed.options.push_back(std::move(option));
            if (origins != nullptr)
                origins->set(entry.key, path, entry.line);
        }
        try {
            po::store(parsed, vm);
        } catch (po::error& e) {
            throw ConfigError(
                "", fmt::format("config file '{}': {}", printable(path), boost_message(e)));
        }
    }
    try {
        po::notify(vm);
    } catch (po::error& e) {
        throw ConfigError("", boost_message(e));
    }
}

}  // namespace dnsim::tb
