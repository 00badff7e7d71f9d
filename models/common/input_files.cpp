// Regular input files only, read with a size limit.
#include "models/common/input_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim {

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO (pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

InputFd::InputFd(const std::string& path) {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever. It does not
    // change reads from a regular file.
    m_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (m_fd < 0) {
        const int err = errno;
        throw ConfigError(path, err == ENOENT
                                    ? std::string("cannot open file")
                                    : fmt::format("cannot open file: {}", std::strerror(err)));
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
        const int err = errno;
        ::close(m_fd);
        m_fd = -1;
        throw ConfigError(path, fmt::format("cannot open file: {}", std::strerror(err)));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(m_fd);
        m_fd = -1;
        throw ConfigError(path, fmt::format("is {}, not a regular file; input files must be "
                                            "regular files",
                                            file_kind(st.st_mode)));
    }
    m_size = static_cast<std::int64_t>(st.st_size);
}

InputFd::~InputFd() {
    if (m_fd >= 0)
        ::close(m_fd);
}

int InputFd::release() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

std::string read_input_file(const std::string& path, std::int64_t max_bytes, const char* what) {
    InputFd in(path);
    if (in.size() > max_bytes) {
        throw ConfigError(path, fmt::format("{} bytes is larger than the {} bytes {} file may "
                                            "have",
                                            in.size(), max_bytes, what));
    }
    std::string out(static_cast<std::size_t>(in.size()), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = ::read(in.fd(), out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            throw ConfigError(path, fmt::format("cannot read file: {}", std::strerror(errno)));
        }
        if (n == 0)
            break;  // the file shrank while being read: what is there is the content
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

}  // namespace dnsim
