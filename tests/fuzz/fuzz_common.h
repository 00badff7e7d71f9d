// Shared by the libFuzzer harnesses: fuzz input split into files written to per-process
// temporary paths (the loaders read files), and the checks every ConfigError must pass.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include <zlib.h>

#include "models/common/config_error.h"

namespace dnsim::fuzz {

/// A file under $TMPDIR (or /tmp) named after the process and `tag`, removed at exit.
class TempFile {
  public:
    explicit TempFile(const char* tag) {
        const char* dir = std::getenv("TMPDIR");
        m_path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/dnsim-fuzz-" +
                 std::to_string(getpid()) + "-" + tag;
    }
    ~TempFile() { std::remove(m_path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    /// Writes `bytes`, gzip-compressed if `gzip`.
    const std::string& write(const std::string& bytes, bool gzip) {
        if (gzip) {
            gzFile f = gzopen(m_path.c_str(), "wb1");
            if (f == nullptr)
                std::abort();
            if (!bytes.empty())
                gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
            gzclose(f);
        } else {
            std::FILE* f = std::fopen(m_path.c_str(), "wb");
            if (f == nullptr)
                std::abort();
            std::fwrite(bytes.data(), 1, bytes.size(), f);
            std::fclose(f);
        }
        return m_path;
    }
    const std::string& path() const { return m_path; }

  private:
    std::string m_path;
};

/// The fuzz input as a flags byte, then two parts: a 16-bit little-endian length of the first
/// part, the first part, and the rest as the second. Short inputs give empty parts.
struct Parts {
    std::uint8_t flags = 0;
    std::string first;
    std::string second;
};

inline Parts split(const std::uint8_t* data, std::size_t size) {
    Parts p;
    if (size == 0)
        return p;
    p.flags = data[0];
    if (size < 3)
        return p;
    const std::size_t len = std::min<std::size_t>(data[1] | (std::size_t{data[2]} << 8), size - 3);
    p.first.assign(reinterpret_cast<const char*>(data + 3), len);
    p.second.assign(reinterpret_cast<const char*>(data + 3 + len), size - 3 - len);
    return p;
}

/// dataset.limit from two bits of the flags.
inline std::int64_t limit_from(std::uint8_t bits) {
    static const std::int64_t limits[4] = {0, 1, 2, 7};
    return limits[bits & 3];
}

/// dnsim's promise for bad input: one line naming the file (or configuration key). Anything
/// else is a finding. `one_line` false skips the first part (for a known finding).
inline void check_error(const ConfigError& e, std::initializer_list<const std::string*> names,
                        bool one_line = true) {
    const std::string msg = e.what();
    if (one_line && msg.find('\n') != std::string::npos) {
        std::fprintf(stderr, "error message has more than one line: %s\n", msg.c_str());
        std::abort();
    }
    for (const std::string* name : names) {
        if (msg.rfind(*name + ": ", 0) == 0)
            return;
    }
    std::fprintf(stderr, "error message names none of the files or keys: %s\n", msg.c_str());
    std::abort();
}

}  // namespace dnsim::fuzz
