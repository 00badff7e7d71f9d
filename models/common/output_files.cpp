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

}  // namespace dnsim
