// Dataset loaders: IDX (gzip or plain), CIFAR-10 binary, NumPy .npy. Every size a file declares
// is checked (64-bit overflow, dataset.max_elements) before its data is read; files are read as
// streams that stop where the header says the data ends, and memory grows with the data read.
#include "workloads/datasets/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <zlib.h>

#include "models/common/checked_math.h"
#include "models/common/input_files.h"

namespace dnsim::workloads {

namespace {

/// Bytes converted at a time.
constexpr std::size_t kChunk = std::size_t{1} << 14;

/// A dataset file read as a stream: a regular file, plain or gzip-compressed (zlib passes plain
/// data through unchanged). Nothing is read beyond what the caller asks for.
class DataFile {
  public:
    explicit DataFile(const std::string& path) : m_path(path) {
        InputFd fd(path);
        m_disk_size = fd.size();
        m_gz = gzdopen(fd.fd(), "rb");
        if (m_gz == nullptr)
            throw ConfigError(path, "cannot open file (out of memory)");
        fd.release();  // gzclose closes it now
    }
    ~DataFile() { gzclose(m_gz); }
    DataFile(const DataFile&) = delete;
    DataFile& operator=(const DataFile&) = delete;

    const std::string& path() const { return m_path; }
    /// Whether the data is gzip-compressed; if not, disk_size() is its exact length.
    bool compressed() { return gzdirect(m_gz) == 0; }
    std::int64_t disk_size() const { return m_disk_size; }

    /// Reads up to n bytes; fewer only where the data ends. Corrupt or truncated gzip data is a
    /// ConfigError.
    std::size_t read(void* dst, std::size_t n) {
        auto* p = static_cast<char*>(dst);
        std::size_t got = 0;
        while (got < n) {
            const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
            const int r = gzread(m_gz, p + got, want);
            if (r < 0)
                fail();
            if (r == 0)
                break;
            got += static_cast<std::size_t>(r);
        }
        if (got < n) {  // the end of the data, or of a truncated gzip stream
            int code = 0;
            gzerror(m_gz, &code);
            if (code != Z_OK && code != Z_STREAM_END)
                fail();
        }
        return got;
    }

    /// Reads and discards up to n bytes; returns how many there were.
    std::int64_t skip(std::int64_t n) {
        std::vector<char> buf(kChunk);
        std::int64_t done = 0;
        while (done < n) {
            const auto want = static_cast<std::size_t>(
                std::min<std::int64_t>(n - done, static_cast<std::int64_t>(kChunk)));
            const std::size_t got = read(buf.data(), want);
            done += static_cast<std::int64_t>(got);
            if (got < want)
                break;
        }
        return done;
    }

    /// True if no byte follows (reads at most one). At the end of gzip data this also checks
    /// the stream's CRC and length.
    bool at_end() {
        char c = 0;
        return read(&c, 1) == 0;
    }

  private:
    [[noreturn]] void fail() {
        const int err = errno;
        int code = 0;
        std::string msg = gzerror(m_gz, &code);
        if (code == Z_ERRNO)
            msg = std::strerror(err);
        if (msg.rfind("<fd:", 0) == 0 && msg.find(": ") != std::string::npos)
            msg.erase(0, msg.find(": ") + 2);  // zlib names the descriptor, not the file
        throw ConfigError(m_path, fmt::format("corrupt or truncated gzip data ({})", msg));
    }

    std::string m_path;
    gzFile m_gz = nullptr;
    std::int64_t m_disk_size = 0;
};

/// Builds the message for data of the wrong length from the payload bytes the file has (nothing:
/// more than the header declares, in gzip data whose length is only known by reading it all).
using LengthError = std::function<std::string(std::optional<std::int64_t> have)>;

/// The data after a header of `header` bytes must be `payload` bytes long. For a plain file the
/// size on disk says so now, before anything is read; gzip data is checked as it is read
/// (read_payload, finish_payload).
void check_plain_length(DataFile& f, std::int64_t header, std::int64_t payload,
                        const LengthError& error) {
    if (f.compressed())
        return;
    const std::int64_t have = f.disk_size() - header;
    if (have != payload)
        throw ConfigError(f.path(), error(have));
}

/// Reads `n` payload bytes in chunks, handing each to `use`; `consumed` counts the payload read
/// so far. Data that ends early is the length error.
template <typename Use>
void read_payload(DataFile& f, std::int64_t n, std::size_t item, std::int64_t& consumed,
                  const LengthError& error, Use&& use) {
    std::vector<unsigned char> buf(kChunk - kChunk % item);
    std::int64_t done = 0;
    while (done < n) {
        const auto want = static_cast<std::size_t>(
            std::min<std::int64_t>(n - done, static_cast<std::int64_t>(buf.size())));
        const std::size_t got = f.read(buf.data(), want);
        if (got < want)
            throw ConfigError(f.path(), error(consumed + done + static_cast<std::int64_t>(got)));
        use(buf.data(), got);
        done += static_cast<std::int64_t>(got);
    }
    consumed += n;
}

/// After `consumed` of `payload` bytes were read: for gzip data, reads the rest and checks that
/// nothing follows (a plain file's length was checked by its size).
void finish_payload(DataFile& f, std::int64_t consumed, std::int64_t payload,
                    const LengthError& error) {
    if (!f.compressed())
        return;
    const std::int64_t rest = f.skip(payload - consumed);
    if (rest < payload - consumed)
        throw ConfigError(f.path(), error(consumed + rest));
    if (!f.at_end())
        throw ConfigError(f.path(), error(std::nullopt));
}

/// The element count of what `declared` describes (nothing: it overflowed) must be at most
/// `max_elements`.
void check_declared(const std::string& file, const std::string& declared,
                    std::optional<std::int64_t> elements, std::int64_t max_elements) {
    if (!elements) {
        throw ConfigError(
            file, fmt::format("{}: the element count overflows 64-bit arithmetic", declared));
    }
    if (*elements > max_elements) {
        throw ConfigError(file, fmt::format("{}: {} values, more than dataset.max_elements = {}; "
                                            "raise dataset.max_elements to load a dataset this "
                                            "large",
                                            declared, *elements, max_elements));
    }
}

/// Runs a loader; running out of memory for what a file declares is bad input (exit status 1),
/// not an internal error.
template <typename Load>
Dataset with_memory_check(const std::string& file, Load&& load) {
    try {
        return load();
    } catch (const std::bad_alloc&) {
        throw ConfigError(file,
                          "not enough memory for the images it declares; load fewer with "
                          "dataset.limit");
    } catch (const std::length_error&) {
        throw ConfigError(file,
                          "not enough memory for the images it declares; load fewer with "
                          "dataset.limit");
    }
}

/// "35" (bytes of the whole file: `header` + `have`), "35 decompressed", "more".
std::string have_text(DataFile& f, std::int64_t header, std::optional<std::int64_t> have) {
    if (!have)
        return "more";
    return fmt::format("{}{}", header + *have, f.compressed() ? " decompressed" : "");
}

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

std::int64_t apply_limit(std::int64_t n, std::int64_t limit) {
    return limit > 0 ? std::min(n, limit) : n;
}

/// Appends bytes as pixel values x scale.
void append_pixels(std::vector<float>& out, const unsigned char* px, std::size_t n,
                   PixelScale scale) {
    const std::size_t old = out.size();
    out.resize(old + n);
    for (std::size_t i = 0; i < n; ++i)
        out[old + i] = static_cast<float>(px[i]) * scale.numerator / scale.denominator;
}

/// The magic-number error of an IDX file.
ConfigError idx_magic_error(const std::string& path, const char* what, std::uint32_t magic,
                            const unsigned char* head, std::size_t got) {
    return ConfigError(path, fmt::format("not an IDX {} file: expected magic 0x{:08x} "
                                         "(unsigned bytes, {} dimension{}){}",
                                         what, magic, magic & 0xff, (magic & 0xff) == 1 ? "" : "s",
                                         got < 4 ? std::string(", file too short")
                                                 : fmt::format(", found 0x{:08x}", be32(head))));
}

Dataset load_idx_unchecked(const std::string& images, const std::string& labels, std::int64_t limit,
                           PixelScale scale, std::int64_t max_elements) {
    DataFile img(images);
    unsigned char ih[16] = {};
    const std::size_t ihn = img.read(ih, sizeof ih);
    if (ihn < 4 || be32(ih) != 0x00000803u)
        throw idx_magic_error(images, "image", 0x00000803u, ih, ihn);
    if (ihn < sizeof ih)
        throw ConfigError(images, fmt::format("truncated IDX header: {} of 16 bytes", ihn));
    const std::int64_t n = be32(ih + 4);
    const std::int64_t h = be32(ih + 8);
    const std::int64_t w = be32(ih + 12);
    if (n == 0) {
        throw ConfigError(images, "the header declares 0 images; a dataset needs at least one");
    }
    if (h == 0 || w == 0) {
        throw ConfigError(images, fmt::format("the header declares images of {}x{} pixels; an "
                                              "image needs at least one",
                                              h, w));
    }
    const std::string declared = fmt::format(
        "the header declares {} images of {}x{} pixels (images x rows x columns)", n, h, w);
    check_declared(images, declared, checked_product({n, h, w}), max_elements);
    const std::int64_t pixels = n * h * w;  // checked above
    const LengthError img_error = [&](std::optional<std::int64_t> have) {
        return fmt::format(
            "truncated or oversized: the header declares {} images of {}x{} ({} "
            "bytes), the file has {}",
            n, h, w, 16 + pixels, have_text(img, 16, have));
    };
    check_plain_length(img, 16, pixels, img_error);

    DataFile lab(labels);
    unsigned char lh[8] = {};
    const std::size_t lhn = lab.read(lh, sizeof lh);
    if (lhn < 4 || be32(lh) != 0x00000801u)
        throw idx_magic_error(labels, "label", 0x00000801u, lh, lhn);
    if (lhn < sizeof lh)
        throw ConfigError(labels, fmt::format("truncated IDX header: {} of 8 bytes", lhn));
    const std::int64_t nl = be32(lh + 4);
    const LengthError lab_error = [&](std::optional<std::int64_t> have) {
        return fmt::format(
            "truncated or oversized: the header declares {} labels ({} bytes), "
            "the file has {}",
            nl, 8 + nl, have_text(lab, 8, have));
    };
    check_plain_length(lab, 8, nl, lab_error);
    if (n != nl) {
        throw ConfigError(labels,
                          fmt::format("has {} labels but '{}' has {} images", nl, images, n));
    }

    const std::int64_t count = apply_limit(n, limit);
    std::vector<float> px;
    if (!img.compressed())
        px.reserve(static_cast<std::size_t>(count * h * w));
    std::int64_t consumed = 0;
    read_payload(img, count * h * w, 1, consumed, img_error,
                 [&](const unsigned char* p, std::size_t k) { append_pixels(px, p, k, scale); });
    finish_payload(img, consumed, pixels, img_error);

    std::vector<std::int32_t> lv;
    lv.reserve(static_cast<std::size_t>(count));
    std::int64_t lconsumed = 0;
    read_payload(lab, count, 1, lconsumed, lab_error,
                 [&](const unsigned char* p, std::size_t k) { lv.insert(lv.end(), p, p + k); });
    finish_payload(lab, lconsumed, nl, lab_error);

    Dataset d;
    d.name = images;
    d.images = Tensor({count, 1, h, w}, std::move(px));
    d.normalisation.scale = scale;
    d.labels = std::move(lv);
    return d;
}

}  // namespace

Dataset load_idx(const std::string& images, const std::string& labels, std::int64_t limit,
                 PixelScale scale, std::int64_t max_elements) {
    return with_memory_check(
        images, [&] { return load_idx_unchecked(images, labels, limit, scale, max_elements); });
}

namespace {

Dataset load_cifar10_unchecked(const std::vector<std::string>& files, std::int64_t limit,
                               PixelScale scale, std::int64_t max_elements) {
    constexpr std::int64_t kPixels = 3 * 32 * 32;
    constexpr std::int64_t kRecord = 1 + kPixels;
    if (files.empty())
        throw ConfigError("dataset.images", "no CIFAR-10 batch file given");
    for (const std::string& f : files) {
        if (f.empty()) {
            throw ConfigError("dataset.images",
                              "has an empty file name in its comma-separated "
                              "list of CIFAR-10 batches");
        }
    }
    const auto not_records = [&](const std::string& file, std::int64_t bytes, bool compressed) {
        return ConfigError(file, fmt::format("not a CIFAR-10 binary batch: {} bytes{} is not a "
                                             "whole number of {}-byte records (truncated?)",
                                             bytes, compressed ? " (decompressed)" : "", kRecord));
    };
    const auto too_many = [&](const std::string& file, std::int64_t records, bool at_least) {
        check_declared(
            file,
            fmt::format("{}{} records of 3x32x32 pixels", at_least ? "at least " : "", records),
            checked_mul(records, kPixels), max_elements);
    };
    // Pass 1: how many records there are. A plain file's size says so; gzip data is counted as
    // it is decompressed, stopping as soon as it is more than max_elements allows.
    std::int64_t total = 0;
    for (const std::string& f : files) {
        DataFile file(f);
        std::int64_t bytes = file.disk_size();
        if (file.compressed()) {
            constexpr std::int64_t kStep = std::int64_t{1} << 20;
            bytes = 0;
            while (true) {
                const std::int64_t got = file.skip(kStep);
                bytes += got;
                if (got < kStep)
                    break;
                too_many(f, total + bytes / kRecord, true);
            }
        }
        if (bytes == 0 || bytes % kRecord != 0)
            throw not_records(f, bytes, file.compressed());
        total += bytes / kRecord;
        too_many(f, total, false);
    }
    // Pass 2: the first `limit` records.
    const std::int64_t count = apply_limit(total, limit);
    std::vector<float> px;
    std::vector<std::int32_t> labels;
    px.reserve(static_cast<std::size_t>(count * kPixels));
    labels.reserve(static_cast<std::size_t>(count));
    std::vector<unsigned char> rec(static_cast<std::size_t>(kRecord));
    for (std::size_t fi = 0; fi < files.size() && static_cast<std::int64_t>(labels.size()) < count;
         ++fi) {
        DataFile file(files[fi]);
        for (std::int64_t r = 0; static_cast<std::int64_t>(labels.size()) < count; ++r) {
            const std::size_t got = file.read(rec.data(), rec.size());
            if (got == 0)
                break;
            if (got < rec.size()) {  // the file changed since pass 1
                throw not_records(files[fi], r * kRecord + static_cast<std::int64_t>(got),
                                  file.compressed());
            }
            if (rec[0] > 9) {
                throw ConfigError(files[fi], fmt::format("record {} has label {}; CIFAR-10 labels "
                                                         "are 0 to 9 (not a CIFAR-10 file?)",
                                                         r, rec[0]));
            }
            labels.push_back(rec[0]);
            append_pixels(px, rec.data() + 1, static_cast<std::size_t>(kPixels), scale);
        }
    }
    if (static_cast<std::int64_t>(labels.size()) != count)
        throw ConfigError(files.back(), "changed while it was being read");
    Dataset d;
    d.name = files.front();
    d.images = Tensor({count, 3, 32, 32}, std::move(px));
    d.labels = std::move(labels);
    d.normalisation.scale = scale;
    return d;
}

}  // namespace

Dataset load_cifar10(const std::vector<std::string>& files, std::int64_t limit, PixelScale scale,
                     std::int64_t max_elements) {
    return with_memory_check(files.empty() ? std::string("dataset.images") : files.front(), [&] {
        return load_cifar10_unchecked(files, limit, scale, max_elements);
    });
}

namespace {

/// The longest .npy header read (NumPy writes about 128 bytes for the arrays dnsim reads;
/// longer headers describe structured data types).
constexpr std::uint32_t kMaxNpyHeader = 65535;
/// The most dimensions a shape may have (NumPy's own limit is 64).
constexpr std::size_t kMaxNpyRank = 32;

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    Dims shape;
    std::int64_t data_offset = 0;  ///< bytes before the data
};

/// `text` with control and non-ASCII bytes escaped, at most `max` characters of it.
std::string printable(const std::string& text, std::size_t max = 80) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n')
            out += "\\n";
        else if (c < 0x20 || c >= 0x7f || c == '\\')
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    if (text.size() > max)
        out += "...";
    return out;
}

/// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
/// 'shape': (10000, 28, 28), }, followed by spaces and a newline. Only that is accepted:
/// exactly the three keys, a string, True or False, and a tuple of non-negative integers that
/// fit in 64 bits.
class NpyHeaderParser {
  public:
    NpyHeaderParser(const std::string& text, const std::string& path)
        : m_text(text), m_path(path) {}

    NpyHeader parse() {
        NpyHeader h;
        bool have_descr = false;
        bool have_fortran = false;
        bool have_shape = false;
        skip_space();
        expect('{', "expected '{' at the start of the header dict");
        while (true) {
            skip_space();
            if (peek() == '}') {
                ++m_pos;
                break;
            }
            const std::string key = string_literal("expected a quoted key or '}'");
            skip_space();
            expect(':', fmt::format("expected ':' after key '{}'", printable(key)));
            skip_space();
            bool* seen = nullptr;
            if (key == "descr") {
                seen = &have_descr;
                h.descr = string_literal("'descr' must be a quoted data type such as '<f4'");
            } else if (key == "fortran_order") {
                seen = &have_fortran;
                h.fortran_order = boolean();
            } else if (key == "shape") {
                seen = &have_shape;
                h.shape = tuple();
            } else {
                fail(
                    fmt::format("unexpected key '{}'; a .npy header has 'descr', "
                                "'fortran_order' and 'shape'",
                                printable(key)));
            }
            if (*seen)
                fail(fmt::format("key '{}' appears twice", key));
            *seen = true;
            skip_space();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                break;
            }
            fail("expected ',' or '}' after a value (unclosed dict?)");
        }
        skip_space();
        if (m_pos != m_text.size())
            fail("unexpected text after the closing '}'");
        for (const auto& [seen, key] :
             {std::pair{have_descr, "descr"}, std::pair{have_fortran, "fortran_order"},
              std::pair{have_shape, "shape"}}) {
            if (!seen)
                throw ConfigError(m_path, fmt::format(".npy header has no '{}'", key));
        }
        return h;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        std::string shown = m_text;  // without NumPy's padding
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n'))
            shown.pop_back();
        throw ConfigError(m_path, fmt::format("malformed .npy header: {} (at character {} of "
                                              "\"{}\")",
                                              what, m_pos, printable(shown)));
    }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    bool at_end() const { return m_pos >= m_text.size(); }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r'))
            ++m_pos;
    }
    void expect(char c, const std::string& what) {
        if (at_end() || peek() != c)
            fail(what);
        ++m_pos;
    }
    std::string string_literal(const std::string& what) {
        const char quote = peek();
        if (at_end() || (quote != '\'' && quote != '"'))
            fail(what);
        const std::size_t start = ++m_pos;
        while (!at_end() && peek() != quote) {
            if (peek() == '\\')
                fail("escapes in strings are not supported");
            ++m_pos;
        }
        if (at_end())
            fail("unclosed string");
        return m_text.substr(start, m_pos++ - start);
    }
    bool boolean() {
        for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
            const std::size_t len = std::strlen(word);
            if (m_text.compare(m_pos, len, word) == 0) {
                m_pos += len;
                return value;
            }
        }
        fail("'fortran_order' must be True or False");
    }
    Dims tuple() {
        expect('(', "'shape' must be a tuple such as (10000, 28, 28)");
        Dims dims;
        while (true) {
            skip_space();
            if (at_end())
                fail("unclosed shape tuple: expected a dimension or ')'");
            if (peek() == ')') {
                ++m_pos;
                return dims;
            }
            if (peek() == '-')
                fail("negative dimension in 'shape'");
            if (std::isdigit(static_cast<unsigned char>(peek())) == 0) {
                fail(
                    fmt::format("{}expected a dimension (a non-negative integer) or ')' in "
                                "'shape', found '{}'",
                                peek() == '}' ? "unclosed shape tuple: " : "",
                                printable(std::string(1, peek()))));
            }
            const std::size_t start = m_pos;
            std::int64_t v = 0;
            bool too_large = false;
            while (!at_end() && std::isdigit(static_cast<unsigned char>(peek())) != 0) {
                const std::optional<std::int64_t> next = checked_mul(v, 10);
                const std::optional<std::int64_t> sum =
                    next ? checked_add(*next, peek() - '0') : std::nullopt;
                too_large = too_large || !sum;
                v = sum.value_or(0);
                ++m_pos;
            }
            if (too_large) {
                const std::string digits = m_text.substr(start, m_pos - start);
                m_pos = start;
                fail(fmt::format("dimension {} in 'shape' is too large (more than {})",
                                 printable(digits, 40), std::numeric_limits<std::int64_t>::max()));
            }
            if (dims.size() == kMaxNpyRank)
                fail(fmt::format("'shape' has more than {} dimensions", kMaxNpyRank));
            dims.push_back(v);
            skip_space();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ')') {
                ++m_pos;
                return dims;
            }
            fail("unclosed shape tuple: expected ',' or ')' after a dimension");
        }
    }

    const std::string& m_text;
    const std::string& m_path;
    std::size_t m_pos = 0;
};

NpyHeader read_npy_header(DataFile& f) {
    const std::string& path = f.path();
    unsigned char pre[12] = {};
    const std::size_t got = f.read(pre, 10);
    if (got < 6 || std::memcmp(pre, "\x93NUMPY", 6) != 0) {
        throw ConfigError(path, "not a NumPy .npy file (magic \\x93NUMPY missing)");
    }
    if (got < 10)
        throw ConfigError(path, "truncated .npy header");
    const int major = pre[6];
    std::uint32_t hlen = 0;
    std::int64_t off = 10;
    if (major == 1) {
        hlen = std::uint32_t{pre[8]} | (std::uint32_t{pre[9]} << 8);
    } else if (major == 2 || major == 3) {
        if (f.read(pre + 10, 2) < 2)
            throw ConfigError(path, "truncated .npy header");
        hlen = std::uint32_t{pre[8]} | (std::uint32_t{pre[9]} << 8) |
               (std::uint32_t{pre[10]} << 16) | (std::uint32_t{pre[11]} << 24);
        off = 12;
    } else {
        throw ConfigError(path,
                          fmt::format(".npy format version {} is not supported (1 to 3)", major));
    }
    if (hlen > kMaxNpyHeader) {
        throw ConfigError(path, fmt::format(".npy header of {} bytes is longer than the {} "
                                            "bytes dnsim reads (a structured data type?)",
                                            hlen, kMaxNpyHeader));
    }
    std::string text(hlen, '\0');
    const std::size_t hgot = f.read(text.data(), hlen);
    if (hgot < hlen) {
        throw ConfigError(path, fmt::format("truncated .npy header: {} of {} bytes", hgot, hlen));
    }
    NpyHeader h = NpyHeaderParser(text, path).parse();
    if (h.fortran_order) {
        throw ConfigError(path, "Fortran-order arrays are not supported; save a C-order array");
    }
    h.data_offset = off + hlen;
    return h;
}

/// Size in bytes of an element of `descr`, or 0 if dnsim does not read it: uint8, float32 and
/// float64 images, little-endian integer labels.
std::size_t npy_item_size(const std::string& descr, bool labels) {
    static const std::vector<std::string> image_types = {"|u1", "<u1", "<f4", "<f8"};
    static const std::vector<std::string> label_types = {"|u1", "<u1", "|i1", "<i1", "<u2",
                                                         "<i2", "<u4", "<i4", "<u8", "<i8"};
    const auto& ok = labels ? label_types : image_types;
    if (std::find(ok.begin(), ok.end(), descr) == ok.end())
        return 0;
    return static_cast<std::size_t>(descr[2] - '0');
}

std::string shape_str(const Dims& shape) {
    return fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
}

Dataset load_npy_unchecked(const std::string& images, const std::string& labels, std::int64_t limit,
                           PixelScale scale, std::int64_t max_elements) {
    DataFile imf(images);
    const NpyHeader im = read_npy_header(imf);
    const std::size_t isz = npy_item_size(im.descr, false);
    if (isz == 0) {
        throw ConfigError(images, fmt::format("data type '{}' is not supported; expected uint8, "
                                              "float32 or float64 (little-endian)",
                                              printable(im.descr)));
    }
    Dims shape = im.shape;
    if (shape.size() == 3)
        shape.insert(shape.begin() + 1, 1);
    if (shape.size() != 4) {
        throw ConfigError(images, fmt::format("shape {} is not supported; expected (N, C, H, W) "
                                              "or (N, H, W)",
                                              shape_str(im.shape)));
    }
    if (shape[0] == 0) {
        throw ConfigError(images, fmt::format("shape {} declares 0 images; a dataset needs at "
                                              "least one",
                                              shape_str(im.shape)));
    }
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) {
        throw ConfigError(images, fmt::format("shape {} has a dimension of 0; an image needs at "
                                              "least one pixel",
                                              shape_str(im.shape)));
    }
    const std::string declared = fmt::format("shape {}", shape_str(im.shape));
    const std::optional<std::int64_t> elements = checked_product(shape.begin(), shape.end());
    check_declared(images, declared, elements, max_elements);
    const std::optional<std::int64_t> bytes = checked_mul(*elements, std::int64_t(isz));
    check_declared(images, declared + " in bytes", bytes, std::numeric_limits<std::int64_t>::max());
    const LengthError img_error = [&](std::optional<std::int64_t> have) {
        return fmt::format("{}: shape {} needs {} bytes of data, the file has {}",
                           have && *have < *bytes ? "truncated" : "oversized", shape_str(im.shape),
                           *bytes, have_text(imf, 0, have));
    };
    check_plain_length(imf, im.data_offset, *bytes, img_error);

    DataFile lbf(labels);
    const NpyHeader lb = read_npy_header(lbf);
    const std::size_t lsz = npy_item_size(lb.descr, true);
    if (lsz == 0) {
        throw ConfigError(labels, fmt::format("data type '{}' is not supported; expected a "
                                              "little-endian integer type",
                                              printable(lb.descr)));
    }
    if (lb.shape.size() != 1) {
        throw ConfigError(
            labels, fmt::format("shape {} is not supported; expected (N,)", shape_str(lb.shape)));
    }
    if (lb.shape[0] != shape[0]) {
        throw ConfigError(labels, fmt::format("has {} labels but '{}' has {} images", lb.shape[0],
                                              images, shape[0]));
    }
    const std::optional<std::int64_t> lbytes_or =
        checked_mul(shape[0], static_cast<std::int64_t>(lsz));
    check_declared(labels, fmt::format("shape {} in bytes", shape_str(lb.shape)), lbytes_or,
                   std::numeric_limits<std::int64_t>::max());
    const std::int64_t lbytes = *lbytes_or;
    const LengthError lab_error = [&](std::optional<std::int64_t> have) {
        return fmt::format("{}: {} labels need {} bytes of data, the file has {}",
                           have && *have < lbytes ? "truncated" : "oversized", lb.shape[0], lbytes,
                           have_text(lbf, 0, have));
    };
    check_plain_length(lbf, lb.data_offset, lbytes, lab_error);

    const std::int64_t count = apply_limit(shape[0], limit);
    const std::int64_t per_image = *elements / shape[0];
    std::vector<float> px;
    if (!imf.compressed())
        px.reserve(static_cast<std::size_t>(count * per_image));
    const bool f4 = im.descr == "<f4";
    std::int64_t consumed = 0;
    read_payload(imf, count * per_image * static_cast<std::int64_t>(isz), isz, consumed, img_error,
                 [&](const unsigned char* p, std::size_t k) {
                     if (isz == 1) {
                         append_pixels(px, p, k, scale);
                         return;
                     }
                     for (std::size_t i = 0; i < k; i += isz) {
                         if (f4) {
                             float v = 0;
                             std::memcpy(&v, p + i, 4);
                             px.push_back(v);
                         } else {
                             double v = 0;
                             std::memcpy(&v, p + i, 8);
                             px.push_back(static_cast<float>(v));
                         }
                     }
                 });
    finish_payload(imf, consumed, *bytes, img_error);

    std::vector<std::int32_t> lv;
    lv.reserve(static_cast<std::size_t>(count));
    const bool is_signed = lb.descr[1] == 'i';
    constexpr std::int64_t kMaxLabel = std::numeric_limits<std::int32_t>::max();
    std::int64_t lconsumed = 0;
    read_payload(
        lbf, count * static_cast<std::int64_t>(lsz), lsz, lconsumed, lab_error,
        [&](const unsigned char* p, std::size_t k) {
            for (std::size_t i = 0; i < k; i += lsz) {
                std::uint64_t u = 0;
                for (std::size_t b = 0; b < lsz; ++b)
                    u |= std::uint64_t{p[i + b]} << (8 * b);
                // Sign-extended value of a signed label (two's complement).
                const bool negative = is_signed && ((u >> (8 * lsz - 1)) & 1) != 0;
                const std::int64_t value = negative && lsz < 8 ? static_cast<std::int64_t>(u) -
                                                                     (std::int64_t{1} << (8 * lsz))
                                                               : static_cast<std::int64_t>(u);
                if (negative || u > static_cast<std::uint64_t>(kMaxLabel)) {
                    throw ConfigError(
                        labels,
                        fmt::format("label {} of image {} is not a class index (0 to {})",
                                    is_signed ? fmt::format("{}", value) : fmt::format("{}", u),
                                    lv.size(), kMaxLabel));
                }
                lv.push_back(static_cast<std::int32_t>(u));
            }
        });
    finish_payload(lbf, lconsumed, lbytes, lab_error);

    Dataset d;
    d.name = images;
    shape[0] = count;
    d.images = Tensor(shape, std::move(px));
    if (isz == 1)
        d.normalisation.scale = scale;
    d.labels = std::move(lv);
    return d;
}

}  // namespace

Dataset load_npy(const std::string& images, const std::string& labels, std::int64_t limit,
                 PixelScale scale, std::int64_t max_elements) {
    return with_memory_check(
        images, [&] { return load_npy_unchecked(images, labels, limit, scale, max_elements); });
}

void normalise(Dataset& d, const std::vector<float>& mean, const std::vector<float>& std,
               const std::string& key) {
    if (d.images.rank() != 4)
        return;
    const std::int64_t c = d.images.dims[1];
    const auto check = [&](const std::vector<float>& v, const char* what) {
        if (!v.empty() && v.size() != 1 && static_cast<std::int64_t>(v.size()) != c) {
            throw ConfigError(key + "." + what, fmt::format("has {} values; expected 1 or {} (one "
                                                            "per channel)",
                                                            v.size(), c));
        }
    };
    check(mean, "mean");
    check(std, "std");
    for (const float s : std) {
        if (!(s > 0.0f)) {
            throw ConfigError(key + ".std", fmt::format("{} must be greater than 0", s));
        }
    }
    const std::int64_t plane = d.images.dims[2] * d.images.dims[3];
    for (std::int64_t n = 0; n < d.images.dims[0]; ++n) {
        for (std::int64_t ci = 0; ci < c; ++ci) {
            const auto pick = [ci](const std::vector<float>& v, float def) {
                return v.empty() ? def : v[v.size() == 1 ? 0 : static_cast<std::size_t>(ci)];
            };
            const float m = pick(mean, 0.0f);
            const float s = pick(std, 1.0f);
            float* p = d.images.ptr() + (n * c + ci) * plane;
            for (std::int64_t i = 0; i < plane; ++i)
                p[i] = (p[i] - m) / s;
        }
    }
}

namespace {

/// "a, b, c": the names of a table.
template <std::size_t N>
std::string names_of(const std::array<std::pair<const char*, const char*>, N>& table) {
    std::string out;
    for (const auto& [name, meaning] : table)
        out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

}  // namespace

InputNormalisation default_normalisation(const DatasetSpec& spec) {
    InputNormalisation n;
    n.scale = PixelScale{};
    const bool fmnist = spec.format == "fashion-mnist";
    n.mean = {fmnist ? kFashionMnistMean : 0.0f};
    n.std = {fmnist ? kFashionMnistStd : 1.0f};
    return n;
}

Dataset load_dataset(const DatasetSpec& spec) {
    if (spec.limit < 0) {
        throw ConfigError("dataset.limit", fmt::format("{} must not be negative", spec.limit));
    }
    if (spec.max_elements < 1) {
        throw ConfigError("dataset.max_elements",
                          fmt::format("{} must be greater than 0", spec.max_elements));
    }
    Dataset d;
    const InputNormalisation defaults = default_normalisation(spec);
    const PixelScale scale = spec.scale.value_or(*defaults.scale);
    const std::vector<float> mean = spec.mean.empty() ? defaults.mean : spec.mean;
    const std::vector<float> std = spec.std.empty() ? defaults.std : spec.std;
    if (spec.format == "fashion-mnist") {
        if (spec.split != "test" && spec.split != "train") {
            throw ConfigError("dataset.split", fmt::format("'{}' is not one of {}", spec.split,
                                                           names_of(kFashionMnistSplitNames)));
        }
        const std::string prefix = spec.split == "test" ? "t10k" : "train";
        const std::string images =
            fmt::format("{}/{}-images-idx3-ubyte.gz", kFashionMnistDir, prefix);
        const std::string labels =
            fmt::format("{}/{}-labels-idx1-ubyte.gz", kFashionMnistDir, prefix);
        d = load_idx(images, labels, spec.limit, scale, spec.max_elements);
        d.files = {images, labels};
    } else if (spec.format == "idx" || spec.format == "npy") {
        if (spec.images.empty())
            throw ConfigError("dataset.images", "is required for format " + spec.format);
        if (spec.labels.empty())
            throw ConfigError("dataset.labels", "is required for format " + spec.format);
        d = spec.format == "idx"
                ? load_idx(spec.images, spec.labels, spec.limit, scale, spec.max_elements)
                : load_npy(spec.images, spec.labels, spec.limit, scale, spec.max_elements);
        d.files = {spec.images, spec.labels};
    } else if (spec.format == "cifar10") {
        if (spec.images.empty())
            throw ConfigError("dataset.images", "is required for format cifar10");
        std::vector<std::string> files;
        std::size_t start = 0;
        while (true) {
            const std::size_t comma = spec.images.find(',', start);
            files.push_back(spec.images.substr(start, comma - start));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        d = load_cifar10(files, spec.limit, scale, spec.max_elements);
        d.files = files;
    } else {
        throw ConfigError("dataset.format", fmt::format("'{}' is not one of {}", spec.format,
                                                        names_of(kDatasetFormatNames)));
    }
    if (d.size() == 0 || d.images.rank() != 4 || d.images.numel() == 0)  // the loaders refuse it
        throw ConfigError(d.name, "has no images; a dataset needs at least one");
    const std::int64_t channels = d.images.dims[1];
    d.normalisation.channel_order = channels == 1 ? "gray" : channels == 3 ? "rgb" : "";
    if (!spec.channel_order.empty()) {
        try {
            check_channel_order(spec.channel_order, channels);
        } catch (const ConfigError& e) {
            throw ConfigError("dataset.channel_order",
                              fmt::format("{} in the images of '{}'", e.what(), d.name));
        }
        if (spec.channel_order == "bgr") {  // stored RGB: swap the first and last plane
            const std::int64_t plane = d.images.dims[2] * d.images.dims[3];
            for (std::int64_t n = 0; n < d.images.dims[0]; ++n) {
                float* p = d.images.ptr() + n * 3 * plane;
                std::swap_ranges(p, p + plane, p + 2 * plane);
            }
        }
        d.normalisation.channel_order = spec.channel_order;
    }
    normalise(d, mean, std);
    d.normalisation.mean = mean;
    d.normalisation.std = std;
    return d;
}

void check_dataset_for_model(const Dataset& d, const Graph& g) {
    if (g.inputs.size() != 1) {
        throw ConfigError(g.name, fmt::format("has {} inputs; dataset replay needs a model with "
                                              "one image input",
                                              g.inputs.size()));
    }
    const Dims& want = g.inputs[0].dims;
    const Dims& got = d.images.dims;
    bool ok = want.size() == got.size();
    for (std::size_t i = 1; ok && i < want.size(); ++i)
        ok = want[i] == got[i];
    if (!ok) {
        Dims per_image(want.begin() + (want.empty() ? 0 : 1), want.end());
        Dims have(got.begin() + (got.empty() ? 0 : 1), got.end());
        throw ConfigError(
            d.name, fmt::format("images are {}; model '{}' expects {} (input '{}')", dims_str(have),
                                g.name, dims_str(per_image), g.inputs[0].name));
    }
    const Dims out = g.infer_shapes(1).at(g.outputs[0].name);
    const std::int64_t classes = out.size() >= 2 ? out[1] : 0;
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        if (d.labels[i] < 0 || d.labels[i] >= classes) {
            throw ConfigError(d.name, fmt::format("label {} of image {} is not a class of model "
                                                  "'{}' (0 to {})",
                                                  d.labels[i], i, g.name, classes - 1));
        }
    }
}

}  // namespace dnsim::workloads
