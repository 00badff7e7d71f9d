// A private scratch directory for the files one test process writes. ctest runs every test
// case as its own process, in parallel: a directory shared by name would let two cases
// overwrite each other's files (it did: two cases wrote the same gzip temporary at once).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace dnsim::test {

/// <temp>/<suite>_<pid>, created on first use and removed with its contents at exit.
inline const std::filesystem::path& scratch_dir(const std::string& suite) {
    struct Dir {
        std::filesystem::path path;
        explicit Dir(const std::string& s)
            : path(std::filesystem::temp_directory_path() /
                   (s + "_" + std::to_string(::getpid()))) {
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;  // best effort: a failed removal must not fail the test run
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Dir dir(suite);
    return dir.path;
}

}  // namespace dnsim::test
