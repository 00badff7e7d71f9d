// Config key binding and CLI/INI parsing with key-naming errors.
#include "config_binder.h"

#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "common/config_error.h"

namespace po = boost::program_options;

namespace dnsim::tb {

void ConfigBinder::add_unsigned(const std::string& key, unsigned long long def,
                                const std::string& help,
                                std::function<void(unsigned long long)> apply) {
    m_desc.add_options()(key.c_str(),
                         po::value<long long>()->default_value(static_cast<long long>(def)),
                         help.c_str());
    m_bindings.push_back(
        {key,
         [key, apply](const po::variable_value& v) {
             const long long x = v.as<long long>();
             if (x < 0 ||
                 static_cast<unsigned long long>(x) > std::numeric_limits<std::uint32_t>::max()) {
                 throw ConfigError(key, fmt::format("{} is not a valid unsigned value; accepted: "
                                                    "0 to 4294967295 (see the key's own range)",
                                                    x));
             }
             apply(static_cast<unsigned long long>(x));
         },
         [](const po::variable_value& v) { return std::to_string(v.as<long long>()); }});
}

void ConfigBinder::add_int(const std::string& key, long long def, const std::string& help,
                           std::function<void(long long)> apply) {
    m_desc.add_options()(key.c_str(), po::value<long long>()->default_value(def), help.c_str());
    m_bindings.push_back(
        {key, [apply](const po::variable_value& v) { apply(v.as<long long>()); },
         [](const po::variable_value& v) { return std::to_string(v.as<long long>()); }});
}

void ConfigBinder::add_real(const std::string& key, double def, const std::string& help,
                            std::function<void(double)> apply) {
    m_desc.add_options()(
        key.c_str(), po::value<double>()->default_value(def, fmt::format("{}", def)), help.c_str());
    m_bindings.push_back(
        {key, [apply](const po::variable_value& v) { apply(v.as<double>()); },
         [](const po::variable_value& v) { return fmt::format("{}", v.as<double>()); }});
}

void ConfigBinder::add_string(const std::string& key, const std::string& def,
                              const std::string& help,
                              std::function<void(const std::string&)> apply) {
    m_desc.add_options()(key.c_str(), po::value<std::string>()->default_value(def), help.c_str());
    m_bindings.push_back({key, [apply](const po::variable_value& v) { apply(v.as<std::string>()); },
                          [](const po::variable_value& v) { return v.as<std::string>(); }});
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
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos)
            comma = text.size();
        const std::string item = text.substr(start, comma - start);
        std::size_t used = 0;
        float v = 0.0f;
        try {
            v = std::stof(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        while (used < item.size() && item[used] == ' ')
            ++used;
        if (used == 0 || used != item.size()) {
            throw ConfigError(key,
                              fmt::format("'{}' is not a comma-separated list of numbers", text));
        }
        out.push_back(v);
        start = comma + 1;
    }
    return out;
}

void ConfigBinder::apply(const po::variables_map& vm) const {
    for (const auto& b : m_bindings) {
        b.apply(vm[b.key]);
    }
}

std::vector<std::pair<std::string, std::string>> ConfigBinder::effective(
    const po::variables_map& vm) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& b : m_bindings) {
        out.emplace_back(b.key, b.text(vm[b.key]));
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

}  // namespace

void parse_options(int argc, const char* const* argv, const po::options_description& cli,
                   const po::options_description& file_keys,
                   const po::positional_options_description* positional, po::variables_map& vm) {
    try {
        po::command_line_parser parser(argc, argv);
        parser.options(cli);
        if (positional != nullptr) {
            parser.positional(*positional);
        }
        po::store(parser.run(), vm);
    } catch (const po::error_with_option_name& e) {
        throw ConfigError(option_of(e), std::string("command line: ") + e.what());
    } catch (const po::error& e) {
        throw ConfigError("", std::string("command line: ") + e.what());
    }
    if (vm.count("config") != 0) {
        const std::string path = vm["config"].as<std::string>();
        std::ifstream in(path);
        if (!in) {
            throw ConfigError("config", fmt::format("cannot open config file '{}'", path));
        }
        try {
            po::store(po::parse_config_file(in, file_keys, false), vm);
        } catch (const po::error_with_option_name& e) {
            throw ConfigError(option_of(e), fmt::format("config file '{}': {}", path, e.what()));
        } catch (const po::error& e) {
            throw ConfigError("", fmt::format("config file '{}': {}", path, e.what()));
        }
    }
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        throw ConfigError("", e.what());
    }
}

}  // namespace dnsim::tb
