// Input files from elsewhere (datasets, topologies): opened only if they are regular files, so
// a directory, device (/dev/zero) or FIFO is one clear error instead of an endless read or a
// hang, and read whole only up to a limit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace dnsim {

/// An open regular file: its descriptor (owned; closed by the destructor unless released) and
/// its size when it was opened.
class InputFd {
  public:
    /// Opens `path` for reading without blocking on a FIFO and refuses anything but a regular
    /// file (following symbolic links). Throws ConfigError naming the path: "cannot open file"
    /// (with the reason) or "is a directory, not a regular file" and the like.
    explicit InputFd(const std::string& path);
    ~InputFd();
    InputFd(const InputFd&) = delete;
    InputFd& operator=(const InputFd&) = delete;

    int fd() const { return m_fd; }
    std::int64_t size() const { return m_size; }
    /// Gives up ownership of the descriptor (e.g. to zlib's gzdopen, which closes it).
    int release();

  private:
    int m_fd = -1;
    std::int64_t m_size = 0;
};

/// What a file of this st_mode is, for messages: "a directory", "a FIFO (pipe)", ...
const char* file_kind(mode_t mode);

/// The whole content of the regular file `path`, which must be at most `max_bytes` long;
/// `what` names the kind of file in the size error ("a SCALE-Sim topology"). Throws
/// ConfigError naming the path.
std::string read_input_file(const std::string& path, std::int64_t max_bytes, const char* what);

}  // namespace dnsim
