// SHA-256 (FIPS 180-4) of files and byte strings, for the provenance of results: which model
// and which dataset files a result came from. Plain C++, streaming; on x86 CPUs with the SHA
// extensions the block compression uses them (about 10x faster: an ImageNet-size ONNX model is
// hashed in about 25 ms instead of 200 ms), with the same digests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dnsim {

class Sha256 {
  public:
    /// Fastest: the CPU's SHA extensions where it has them; Portable: the plain C++ code always.
    enum class Code { Fastest, Portable };

    explicit Sha256(Code code = Code::Fastest);
    /// Appends `n` bytes.
    void update(const void* data, std::size_t n);
    void update(const std::string& s) { update(s.data(), s.size()); }
    /// The digest as 64 lowercase hex digits; the object is spent afterwards.
    std::string hex_digest();

    /// Whether Code::Fastest uses the CPU's SHA extensions on this machine.
    static bool cpu_extensions();

  private:
    /// Compresses `blocks` 64-byte blocks at `p` into m_h.
    void compress(const std::uint8_t* p, std::size_t blocks);

    bool m_cpu;  ///< with the SHA extensions
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
