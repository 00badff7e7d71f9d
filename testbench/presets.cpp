// Shipped hardware presets: where they are and which there are.
#include "testbench/presets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"

namespace dnsim::tb {

namespace fs = std::filesystem;

std::string presets_dir() {
    const char* env = std::getenv("DNSIM_PRESETS_DIR");
    if (env != nullptr && *env != '\0')
        return env;
    return DNSIM_SOURCE_PRESETS_DIR;
}

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(presets_dir(), ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".ini" && it->is_regular_file(ec))
            names.push_back(p.stem().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool is_key_section(const std::string& section) {
    return std::any_of(std::begin(kKeySections), std::end(kKeySections),
                       [&](const char* k) { return section == k; });
}

std::string preset_path(const std::string& name, const std::string& key) {
    const bool plain = !name.empty() && name.size() <= 64 &&
                       name.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789-_") == std::string::npos;
    const fs::path path = fs::path(presets_dir()) / (name + ".ini");
    std::error_code ec;
    if (!plain || !fs::is_regular_file(path, ec)) {
        const std::vector<std::string> names = preset_names();
        throw ConfigError(key,
                          fmt::format("'{}' is not a preset; accepted: {} (the files NAME.ini "
                                      "in {}; DNSIM_PRESETS_DIR overrides the directory)",
                                      printable(name),
                                      names.empty() ? std::string("none found")
                                                    : fmt::format("{}", fmt::join(names, ", ")),
                                      printable(presets_dir())));
    }
    return path.string();
}

}  // namespace dnsim::tb
