// Result files written safely: checks before the work, temporary file + rename, cleanup of
// temporary files on errors and on SIGINT/SIGTERM/SIGHUP.
#include "models/common/output_files.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"

namespace dnsim {

namespace {

namespace fs = std::filesystem;

/// What dnsim is creating right now: temporary files and the directories made for them. The
/// interrupt thread removes them; it takes the mutex and keeps it until the process ends, so
/// no file is created or renamed after its cleanup.
struct Registry {
    std::mutex mutex;
    std::vector<std::string> temp_files;
    std::vector<std::string> created_dirs;  ///< in creation order (parents first)
    unsigned long counter = 0;              ///< makes temporary names unique in this process
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: the interrupt thread may outlive main
    return *r;
}

void erase_value(std::vector<std::string>& v, const std::string& s) {
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (*it == s) {
            v.erase(it);
            return;
        }
    }
}

std::string describe(fs::file_type t) {
    switch (t) {
        case fs::file_type::regular:
            return "a regular file";
        case fs::file_type::directory:
            return "a directory";
        case fs::file_type::character:
            return "a character device";
        case fs::file_type::block:
            return "a block device";
        case fs::file_type::fifo:
            return "a FIFO";
        case fs::file_type::socket:
            return "a socket";
        default:
            return "neither a regular file nor a directory";
    }
}

std::string errno_text(int err) {
    return std::strerror(err);
}

/// Type of `p` following symbolic links; not_found also for a missing parent or a parent that
/// is not a directory (the caller looks at the parent itself).
fs::file_type type_of(const fs::path& p, const std::string& key) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::none) {
        throw ConfigError(key, fmt::format("cannot access '{}': {}", p.string(), ec.message()));
    }
    return st.type();
}

/// Refuses an existing `dir/name` that is not a regular file.
void check_result_name(const fs::path& target, const std::string& key) {
    const fs::file_type t = type_of(target, key);
    if (t != fs::file_type::not_found && t != fs::file_type::regular) {
        throw ConfigError(key, fmt::format("'{}' exists and is {}; expected a regular file that "
                                           "dnsim may replace, or no file of that name",
                                           target.string(), describe(t)));
    }
}

/// Creates a new, unique temporary file `dir/.<stem>.tmp-<pid>-<n>` and registers it; returns
/// its descriptor. Never opens an existing file. On failure returns -1 with `*error` set when
/// `error` is given, else throws ConfigError naming `key`.
int create_temp(const fs::path& dir, const std::string& stem, std::string& path,
                const std::string& key, int* error = nullptr) {
    Registry& r = registry();
    const std::lock_guard<std::mutex> lock(r.mutex);
    while (true) {
        path = (dir / fmt::format(".{}.tmp-{}-{}", stem, static_cast<long>(getpid()), r.counter++))
                   .string();
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            r.temp_files.push_back(path);
            return fd;
        }
        if (errno != EEXIST) {
            const int err = errno;
            if (error != nullptr) {
                *error = err;
                return -1;
            }
            throw ConfigError(key, fmt::format("cannot create a file in '{}': {}", dir.string(),
                                               errno_text(err)));
        }
    }
}

/// Removes registered temporary files and (empty) created directories, newest first.
void remove_created(const std::vector<std::string>& files, const std::vector<std::string>& dirs) {
    Registry& r = registry();
    const std::lock_guard<std::mutex> lock(r.mutex);
    for (const auto& f : files) {
        ::unlink(f.c_str());
        erase_value(r.temp_files, f);
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
        ::rmdir(it->c_str());
        erase_value(r.created_dirs, *it);
    }
}

/// Tries to create (and removes at once) a file in `dir`: the only test of writability that
/// also holds for root (read-only mounts, /proc, ...).
void probe_writable(const fs::path& dir, const std::string& target, const std::string& key) {
    std::string probe;
    int err = 0;
    const int fd = create_temp(dir, "dnsim-probe", probe, key, &err);
    if (fd < 0) {
        throw ConfigError(
            key, fmt::format("cannot write into '{}'{}: {}", dir.string(),
                             target.empty() ? "" : " to create '" + target + "'", errno_text(err)));
    }
    ::close(fd);
    remove_created({probe}, {});
}

/// Creates `dir` and missing parents, registering each directory it creates in `created`.
void make_directories(const fs::path& dir, std::vector<std::string>& created,
                      const std::string& key) {
    std::vector<fs::path> missing;
    for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
        const fs::file_type t = type_of(p, key);
        if (t == fs::file_type::directory)
            break;
        if (t != fs::file_type::not_found) {
            throw ConfigError(
                key, fmt::format("'{}' is {}; expected a directory", p.string(), describe(t)));
        }
        missing.push_back(p);
        if (p == p.parent_path())
            break;
    }
    Registry& r = registry();
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        const std::lock_guard<std::mutex> lock(r.mutex);
        if (::mkdir(it->c_str(), 0777) == 0) {
            created.push_back(it->string());
            r.created_dirs.push_back(it->string());
        } else if (errno != EEXIST || type_of(*it, key) != fs::file_type::directory) {
            const int err = errno;
            throw ConfigError(key, fmt::format("cannot create directory '{}': {}", it->string(),
                                               errno_text(err)));
        }
    }
}

void write_all(int fd, const std::string& content, const std::string& path,
               const std::string& key) {
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            throw ConfigError(key, fmt::format("cannot write '{}': {}", path, errno_text(err)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        throw ConfigError(key, fmt::format("cannot write '{}': {}", path, errno_text(err)));
    }
}

/// A test hook: DNSIM_TEST_RENAME_DELAY_MS holds the complete temporary files that long before
/// they are renamed, so a test can interrupt the process while they exist.
void test_rename_delay() {
    const char* v = std::getenv("DNSIM_TEST_RENAME_DELAY_MS");
    if (v != nullptr && *v != '\0')
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(v)));
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "a signal";
    }
}

}  // namespace

void check_output_dir(const std::string& dir, const std::vector<std::string>& names,
                      const std::string& key) {
    if (dir.empty()) {
        throw ConfigError(key, "is empty; expected the path of a directory for the result files");
    }
    const fs::path p(dir);
    const fs::file_type t = type_of(p, key);
    if (t == fs::file_type::directory) {
        for (const auto& name : names)
            check_result_name(p / name, key);
        probe_writable(p, "", key);
        return;
    }
    if (t != fs::file_type::not_found) {
        throw ConfigError(key, fmt::format("'{}' is {}; expected a directory for the result "
                                           "files (or a path that does not exist yet)",
                                           dir, describe(t)));
    }
    // Missing: its nearest existing ancestor must be a directory dnsim can create entries in,
    // and no missing part may be a dangling symbolic link (mkdir cannot create it).
    for (fs::path a = p;; a = a.parent_path()) {
        const fs::path at = a.empty() ? fs::path(".") : a;
        const fs::file_type ta = type_of(at, key);
        std::error_code ec;
        if (ta == fs::file_type::not_found && fs::is_symlink(fs::symlink_status(at, ec))) {
            throw ConfigError(key, fmt::format("cannot create directory '{}': '{}' is a symbolic "
                                               "link to a path that does not exist",
                                               dir, at.string()));
        }
        if (ta == fs::file_type::not_found && a == p)
            continue;
        if (ta == fs::file_type::directory) {
            probe_writable(at, dir, key);
            return;
        }
        if (ta != fs::file_type::not_found) {
            throw ConfigError(key, fmt::format("cannot create directory '{}': '{}' is {}, not "
                                               "a directory",
                                               dir, at.string(), describe(ta)));
        }
        if (a.empty() || a == a.parent_path())
            throw ConfigError(key, fmt::format("cannot create directory '{}'", dir));
    }
}

void check_output_file(const std::string& path, const std::string& key) {
    if (path.empty())
        throw ConfigError(key, "is empty; expected the path of a file to write");
    const fs::path p(path);
    const std::string file = p.filename().string();
    if (file.empty() || file == "." || file == "..") {
        throw ConfigError(key, fmt::format("'{}' names a directory; expected a file name", path));
    }
    if (type_of(p, key) == fs::file_type::directory) {
        throw ConfigError(key, fmt::format("'{}' is a directory; expected a file name", path));
    }
    check_result_name(p, key);
    check_output_dir(p.has_parent_path() ? p.parent_path().string() : ".", {}, key);
}

void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& content, const std::string& key) {
    write_files_atomically(dir, {{name, content}}, key);
}

void write_output_file(const std::string& path, const std::string& content,
                       const std::string& key) {
    check_output_file(path, key);
    const fs::path p(path);
    write_file_atomically(p.has_parent_path() ? p.parent_path().string() : ".",
                          p.filename().string(), content, key);
}

void write_files_atomically(const std::string& dir,
                            const std::vector<std::pair<std::string, std::string>>& files,
                            const std::string& key) {
    if (dir.empty()) {
        throw ConfigError(key, "is empty; expected the path of a directory for the result files");
    }
    const fs::path d(dir);
    std::vector<std::string> created;
    std::vector<std::string> temps;
    try {
        for (const auto& f : files)
            check_result_name(d / f.first, key);
        make_directories(d, created, key);
        for (const auto& [name, content] : files) {
            std::string tmp;
            const int fd = create_temp(d, name, tmp, key);
            temps.push_back(tmp);
            write_all(fd, content, tmp, key);
        }
        test_rename_delay();
        Registry& r = registry();
        for (std::size_t i = 0; i < files.size(); ++i) {
            const fs::path target = d / files[i].first;
            const std::lock_guard<std::mutex> lock(r.mutex);
            check_result_name(target, key);  // again: the directory may have changed meanwhile
            if (::rename(temps[i].c_str(), target.c_str()) != 0) {
                const int err = errno;
                throw ConfigError(key, fmt::format("cannot rename '{}' to '{}': {}", temps[i],
                                                   target.string(), errno_text(err)));
            }
            erase_value(r.temp_files, temps[i]);
        }
        const std::lock_guard<std::mutex> lock(r.mutex);
        for (const auto& c : created)
            erase_value(r.created_dirs, c);
    } catch (...) {
        remove_created(temps, created);
        throw;
    }
}

ScratchFile::ScratchFile(const std::string& stem, const std::string& suffix, const std::string& key)
    : m_suffix(suffix), m_key(key) {
    std::error_code ec;
    fs::path dir = fs::temp_directory_path(ec);
    if (ec)
        dir = "/tmp";
    const int fd = create_temp(dir, stem, m_name, key);
    ::close(fd);
    Registry& r = registry();
    const std::lock_guard<std::mutex> lock(r.mutex);
    r.temp_files.push_back(path());
}

ScratchFile::~ScratchFile() {
    remove_created({m_name, path()}, {});
}

std::string ScratchFile::read() const {
    std::ifstream in(path(), std::ios::binary);
    if (!in.is_open()) {
        throw ConfigError(m_key, fmt::format("cannot read the scratch file '{}'", path()));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void install_interrupt_cleanup(const char* program) {
    sigset_t set;
    sigemptyset(&set);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaddset(&set, sig);
    }
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set, program]() {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            return;
        Registry& r = registry();
        r.mutex.lock();  // kept: nothing is created or renamed from here on
        for (const auto& f : r.temp_files)
            ::unlink(f.c_str());
        for (auto it = r.created_dirs.rbegin(); it != r.created_dirs.rend(); ++it)
            ::rmdir(it->c_str());
        std::fprintf(stderr, "%s: interrupted by %s (temporary files removed)\n", program,
                     signal_name(sig));
        std::fflush(stderr);
        std::signal(sig, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
        std::raise(sig);
        std::_Exit(128 + sig);  // not reached: the default action ends the process
    }).detach();
}

void check_not_a_result_file(const std::string& path, const std::string& dir,
                             const std::vector<std::string>& names, const std::string& key) {
    std::error_code ec;
    const fs::path mine = fs::weakly_canonical(fs::absolute(path, ec), ec);
    for (const std::string& name : names) {
        std::error_code ec2;
        const fs::path theirs = fs::weakly_canonical(fs::absolute(fs::path(dir) / name, ec2), ec2);
        if (!ec && !ec2 && mine == theirs) {
            throw ConfigError(key, fmt::format("'{}' is the {} this command writes into '{}'; "
                                               "choose another path",
                                               printable(path), name, printable(dir)));
        }
    }
}

}  // namespace dnsim
