// SHA-256 (FIPS 180-4) of files and byte strings, for the provenance of results: which model
// and which dataset files a result came from. Plain C++, streaming.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dnsim {

class Sha256 {
  public:
    Sha256();
    /// Appends `n` bytes.
    void update(const void* data, std::size_t n);
    void update(const std::string& s) { update(s.data(), s.size()); }
    /// The digest as 64 lowercase hex digits; the object is spent afterwards.
    std::string hex_digest();

  private:
    void block(const std::uint8_t* p);

    std::array<std::uint32_t, 8> m_h;
    std::array<std::uint8_t, 64> m_buf{};
    std::size_t m_used = 0;
    std::uint64_t m_bytes = 0;
};

/// SHA-256 of `data` as hex.
std::string sha256_hex(const std::string& data);

/// SHA-256 of the file at `path` as hex, read in 1 MiB pieces. Throws ConfigError naming the
/// file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace dnsim
