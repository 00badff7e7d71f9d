// Atomic result-file writing.
#include "common/output_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/config_error.h"

namespace dnsim {

void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& content, const std::string& key) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw ConfigError(key, "cannot create output directory '" + dir + "': " + ec.message());
    }
    const fs::path target = fs::path(dir) / name;
    const fs::path tmp = fs::path(dir) / ("." + name + ".tmp");
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << content;
        f.flush();
        if (!f) {
            fs::remove(tmp, ec);
            throw ConfigError(key, "cannot write '" + tmp.string() + "'");
        }
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw ConfigError(key, "cannot rename '" + tmp.string() + "' to '" + target.string() + "'");
    }
}

void write_directory_atomically(const std::string& dir,
                                const std::vector<std::pair<std::string, std::string>>& files,
                                const std::string& key) {
    namespace fs = std::filesystem;
    const fs::path target = fs::path(dir).lexically_normal();
    const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) {
        throw ConfigError(key,
                          "cannot create directory '" + parent.string() + "': " + ec.message());
    }
    const fs::path tmp = parent / ("." + target.filename().string() + ".tmp");
    fs::remove_all(tmp, ec);
    try {
        for (const auto& [name, content] : files)
            write_file_atomically(tmp.string(), name, content, key);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    fs::remove_all(target, ec);
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove_all(tmp, ec);
        throw ConfigError(key, "cannot move results into '" + target.string() + "'");
    }
}

}  // namespace dnsim
