// Result files. dnsim writes its results into a directory the user names (--out DIR) or to one
// file (--export FILE), and never deletes or replaces anything it did not create:
//  - each result file is written to a temporary file in the same directory and renamed over
//    its target only when complete, so no half-written result ever exists;
//  - an existing result file of the same name is replaced (if it is a regular file); nothing
//    else in the directory is touched; missing directories are created;
//  - a path that is neither a directory nor a regular file (a device, FIFO, socket), or a
//    result-file name held by a directory, is refused;
//  - the check_* functions test all of that before any work is done, so a bad path is one
//    error at the start, not after a long simulation;
//  - SIGINT, SIGTERM and SIGHUP remove the temporary files (and directories dnsim created for
//    them) before the process ends (install_interrupt_cleanup).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dnsim {

/// Checks that the files `names` can be written into directory `dir`: `dir` is not empty and
/// is an existing directory or can be created (its nearest existing ancestor is a directory in
/// which an entry can be created, tried with a probe file that is removed at once), and no
/// `dir/name` exists as anything but a regular file. Leaves nothing behind. Throws ConfigError
/// naming `key` and the path.
void check_output_dir(const std::string& dir, const std::vector<std::string>& names,
                      const std::string& key);

/// The same check for one output file `path`: not empty, not naming a directory (a trailing
/// '/', '.', '..' or an existing directory), not an existing device, FIFO or socket, and its
/// directory writable or creatable.
void check_output_file(const std::string& path, const std::string& key);

/// Refuses (ConfigError naming `key`) a single output file `path` that is one of the result
/// files `names` the same command writes into `dir`: one would overwrite the other.
void check_not_a_result_file(const std::string& path, const std::string& dir,
                             const std::vector<std::string>& names, const std::string& key);

/// Writes `content` to `dir/name` atomically, creating `dir` and its parents if needed.
/// Replaces an existing regular file `dir/name`; refuses anything else there. Throws
/// ConfigError naming `key` and the path, leaving no temporary file and no directory it
/// created.
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& content, const std::string& key = "out");

/// Writes `content` to the one file `path` (--export FILE, --junit FILE, ...): check_output_file
/// first, then write_file_atomically into its directory. Errors name `key`.
void write_output_file(const std::string& path, const std::string& content, const std::string& key);

/// Writes several files into `dir`: all of them to temporary files first, then each renamed
/// over its target, so a failure while writing replaces none of them. Errors as
/// write_file_atomically.
void write_files_atomically(const std::string& dir,
                            const std::vector<std::pair<std::string, std::string>>& files,
                            const std::string& key = "out");

/// A scratch file for a library that writes its output under a name it is given (SystemC's
/// VCD writer, which appends ".vcd"): `<temp dir>/.<stem>.tmp-<pid>-<n>` plus `suffix`,
/// registered like the temporary result files (an interrupt removes it) and removed by the
/// destructor. The caller reads it back and writes the result with write_output_file.
class ScratchFile {
  public:
    /// Throws ConfigError naming `key` if no file can be created in the temporary directory.
    ScratchFile(const std::string& stem, const std::string& suffix, const std::string& key);
    ~ScratchFile();
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
    /// The name to give the library (without `suffix`).
    const std::string& name() const { return m_name; }
    /// The file the library writes (`name() + suffix`).
    std::string path() const { return m_name + m_suffix; }
    /// Its whole content; ConfigError naming the key if it cannot be read.
    std::string read() const;

  private:
    std::string m_name;
    std::string m_suffix;
    std::string m_key;
};

/// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files being written (and the
/// directories created for them, when empty) before the process ends by that signal, with a
/// one-line message on stderr prefixed by `program`. Call at the start of main, before any
/// thread is started: the signals are blocked in every thread and taken by one thread that
/// waits for them. A signal the process inherits as ignored stays ignored.
void install_interrupt_cleanup(const char* program);

}  // namespace dnsim
