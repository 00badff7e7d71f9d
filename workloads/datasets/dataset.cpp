// Dataset loaders: IDX (gzip or plain), CIFAR-10 binary, NumPy .npy.
#include "datasets/dataset.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <zlib.h>

namespace dnsim::workloads {

namespace {

/// Whole file, gunzipped if it is gzip data (zlib reads plain files unchanged).
std::string read_maybe_gzip(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) {
        throw ConfigError(path, "cannot open file");
    }
    std::string out;
    std::vector<char> buf(1 << 20);
    while (true) {
        const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
        if (n < 0) {
            int code = 0;
            const std::string msg = gzerror(f, &code);
            gzclose(f);
            throw ConfigError(path, "corrupt or truncated gzip data (" + msg + ")");
        }
        if (n == 0)
            break;
        out.append(buf.data(), static_cast<std::size_t>(n));
    }
    // A truncated gzip stream ends without error on some zlib versions; check for it.
    int code = 0;
    const char* msg = gzerror(f, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
        const std::string m = msg;
        gzclose(f);
        throw ConfigError(path, "corrupt or truncated gzip data (" + m + ")");
    }
    if (gzclose(f) != Z_OK) {
        throw ConfigError(path, "corrupt or truncated gzip data");
    }
    return out;
}

std::uint32_t be32(const std::string& s, std::size_t off) {
    const auto b = [&s, off](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(s[off + i]));
    };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::int64_t apply_limit(std::int64_t n, std::int64_t limit) {
    return limit > 0 ? std::min(n, limit) : n;
}

}  // namespace

Dataset load_idx(const std::string& images, const std::string& labels, std::int64_t limit,
                 PixelScale scale) {
    const std::string img = read_maybe_gzip(images);
    const std::string lab = read_maybe_gzip(labels);
    if (img.size() < 16 || be32(img, 0) != 0x00000803u) {
        throw ConfigError(
            images, fmt::format("not an IDX image file: expected magic 0x00000803 "
                                "(unsigned bytes, 3 dimensions){}",
                                img.size() < 4 ? std::string(", file too short")
                                               : fmt::format(", found 0x{:08x}", be32(img, 0))));
    }
    if (lab.size() < 8 || be32(lab, 0) != 0x00000801u) {
        throw ConfigError(
            labels, fmt::format("not an IDX label file: expected magic 0x00000801 "
                                "(unsigned bytes, 1 dimension){}",
                                lab.size() < 4 ? std::string(", file too short")
                                               : fmt::format(", found 0x{:08x}", be32(lab, 0))));
    }
    const std::int64_t n = be32(img, 4);
    const std::int64_t h = be32(img, 8);
    const std::int64_t w = be32(img, 12);
    const std::int64_t nl = be32(lab, 4);
    if (static_cast<std::int64_t>(img.size()) != 16 + n * h * w) {
        throw ConfigError(images, fmt::format("truncated or oversized: the header declares {} "
                                              "images of {}x{} ({} bytes), the file has {}",
                                              n, h, w, 16 + n * h * w, img.size()));
    }
    if (static_cast<std::int64_t>(lab.size()) != 8 + nl) {
        throw ConfigError(labels, fmt::format("truncated or oversized: the header declares {} "
                                              "labels ({} bytes), the file has {}",
                                              nl, 8 + nl, lab.size()));
    }
    if (n != nl) {
        throw ConfigError(labels,
                          fmt::format("has {} labels but '{}' has {} images", nl, images, n));
    }
    const std::int64_t count = apply_limit(n, limit);
    Dataset d;
    d.name = images;
    d.images = Tensor({count, 1, h, w});
    const auto* px = reinterpret_cast<const unsigned char*>(img.data() + 16);
    for (std::int64_t i = 0; i < count * h * w; ++i) {
        d.images.ptr()[i] = static_cast<float>(px[i]) * scale.numerator / scale.denominator;
    }
    d.normalisation.scale = scale;
    d.labels.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
        d.labels[static_cast<std::size_t>(i)] =
            static_cast<unsigned char>(lab[static_cast<std::size_t>(8 + i)]);
    }
    return d;
}

Dataset load_cifar10(const std::vector<std::string>& files, std::int64_t limit, PixelScale scale) {
    constexpr std::int64_t kRecord = 1 + 3 * 32 * 32;
    std::vector<std::string> contents;
    std::int64_t total = 0;
    for (const std::string& f : files) {
        contents.push_back(read_maybe_gzip(f));
        const auto size = static_cast<std::int64_t>(contents.back().size());
        if (size == 0 || size % kRecord != 0) {
            throw ConfigError(f, fmt::format("not a CIFAR-10 binary batch: {} bytes is not a "
                                             "whole number of {}-byte records (truncated?)",
                                             size, kRecord));
        }
        total += size / kRecord;
    }
    if (files.empty()) {
        throw ConfigError("dataset.images", "no CIFAR-10 batch file given");
    }
    const std::int64_t count = apply_limit(total, limit);
    Dataset d;
    d.name = files.front();
    d.images = Tensor({count, 3, 32, 32});
    d.labels.resize(static_cast<std::size_t>(count));
    std::int64_t i = 0;
    for (std::size_t fi = 0; fi < files.size() && i < count; ++fi) {
        const std::string& c = contents[fi];
        for (std::int64_t r = 0; r * kRecord < static_cast<std::int64_t>(c.size()) && i < count;
             ++r, ++i) {
            const auto* rec = reinterpret_cast<const unsigned char*>(c.data() + r * kRecord);
            if (rec[0] > 9) {
                throw ConfigError(files[fi], fmt::format("record {} has label {}; CIFAR-10 labels "
                                                         "are 0 to 9 (not a CIFAR-10 file?)",
                                                         r, rec[0]));
            }
            d.labels[static_cast<std::size_t>(i)] = rec[0];
            for (std::int64_t p = 0; p < kRecord - 1; ++p) {
                d.images.ptr()[i * (kRecord - 1) + p] =
                    static_cast<float>(rec[1 + p]) * scale.numerator / scale.denominator;
            }
        }
    }
    d.normalisation.scale = scale;
    return d;
}

namespace {

struct NpyArray {
    std::string descr;
    Dims shape;
    std::string data;
};

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        throw ConfigError(path, "cannot open file");
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    const std::string s = ss.str();
    if (s.size() < 10 || s.compare(0, 6, "\x93NUMPY") != 0) {
        throw ConfigError(path, "not a NumPy .npy file (magic \\x93NUMPY missing)");
    }
    const int major = static_cast<unsigned char>(s[6]);
    std::size_t hlen = 0;
    std::size_t off = 0;
    if (major == 1) {
        hlen = static_cast<unsigned char>(s[8]) |
               (static_cast<std::size_t>(static_cast<unsigned char>(s[9])) << 8);
        off = 10;
    } else if (major == 2 || major == 3) {
        if (s.size() < 12)
            throw ConfigError(path, "truncated .npy header");
        hlen = 0;
        for (int i = 3; i >= 0; --i)
            hlen = (hlen << 8) | static_cast<unsigned char>(s[8 + static_cast<std::size_t>(i)]);
        off = 12;
    } else {
        throw ConfigError(path,
                          fmt::format(".npy format version {} is not supported (1 to 3)", major));
    }
    if (s.size() < off + hlen) {
        throw ConfigError(path, "truncated .npy header");
    }
    const std::string h = s.substr(off, hlen);
    const auto value_of = [&](const std::string& key) -> std::string {
        const std::size_t k = h.find("'" + key + "'");
        if (k == std::string::npos)
            throw ConfigError(path, fmt::format(".npy header has no '{}'", key));
        std::size_t v = h.find(':', k);
        if (v == std::string::npos)
            throw ConfigError(path, ".npy header is malformed");
        ++v;
        while (v < h.size() && h[v] == ' ')
            ++v;
        if (v < h.size() && h[v] == '(')
            return h.substr(v, h.find(')', v) - v + 1);
        if (v < h.size() && h[v] == '\'')
            return h.substr(v + 1, h.find('\'', v + 1) - v - 1);
        return h.substr(v, h.find_first_of(",}", v) - v);
    };
    NpyArray a;
    a.descr = value_of("descr");
    if (value_of("fortran_order") != "False") {
        throw ConfigError(path, "Fortran-order arrays are not supported; save a C-order array");
    }
    std::string shape = value_of("shape");
    std::string num;
    for (const char c : shape) {
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            num += c;
        } else if (!num.empty()) {
            a.shape.push_back(std::stoll(num));
            num.clear();
        }
    }
    a.data = s.substr(off + hlen);
    return a;
}

/// Element size and a converter for the numeric dtypes dnsim reads.
double npy_value(const NpyArray& a, std::size_t i, std::size_t size) {
    const char* p = a.data.data() + i * size;
    const char kind = a.descr.size() >= 2 ? a.descr[1] : '?';
    if (kind == 'f' && size == 4) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
    }
    if (kind == 'f' && size == 8) {
        double v;
        std::memcpy(&v, p, 8);
        return v;
    }
    std::int64_t v = 0;
    if (kind == 'u') {
        std::uint64_t u = 0;
        std::memcpy(&u, p, size);
        v = static_cast<std::int64_t>(u);
    } else {
        std::memcpy(&v, p, size);
        if (size < 8 && (v >> (8 * size - 1) & 1) != 0)
            v -= std::int64_t{1} << (8 * size);
    }
    return static_cast<double>(v);
}

std::size_t npy_item_size(const NpyArray& a, const std::string& path, bool integer_only) {
    const std::string& d = a.descr;
    const bool little = !d.empty() && (d[0] == '<' || d[0] == '|');
    const std::string kind = d.size() >= 2 ? d.substr(1) : "";
    static const std::vector<std::string> ints = {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8"};
    const bool is_int = std::find(ints.begin(), ints.end(), kind) != ints.end();
    const bool is_float = kind == "f4" || kind == "f8";
    if (!little || !(is_int || (is_float && !integer_only))) {
        throw ConfigError(path, fmt::format("data type '{}' is not supported; expected {}", d,
                                            integer_only ? "a little-endian integer type"
                                                         : "uint8, float32 or float64"));
    }
    return static_cast<std::size_t>(kind[1] - '0');
}

}  // namespace

Dataset load_npy(const std::string& images, const std::string& labels, std::int64_t limit,
                 PixelScale scale) {
    const NpyArray im = read_npy(images);
    const NpyArray lb = read_npy(labels);
    const std::size_t isz = npy_item_size(im, images, false);
    if (im.descr.substr(1) != "u1" && im.descr.substr(1) != "f4" && im.descr.substr(1) != "f8") {
        throw ConfigError(images, fmt::format("data type '{}' is not supported; expected uint8, "
                                              "float32 or float64",
                                              im.descr));
    }
    const std::size_t lsz = npy_item_size(lb, labels, true);
    Dims shape = im.shape;
    if (shape.size() == 3)
        shape.insert(shape.begin() + 1, 1);
    if (shape.size() != 4) {
        throw ConfigError(images, fmt::format("shape ({}) is not supported; expected (N, C, H, W) "
                                              "or (N, H, W)",
                                              fmt::join(im.shape, ", ")));
    }
    if (im.data.size() != static_cast<std::size_t>(numel(shape)) * isz) {
        throw ConfigError(
            images, fmt::format("truncated: shape ({}) needs {} bytes of data, the "
                                "file has {}",
                                fmt::join(im.shape, ", "),
                                static_cast<std::size_t>(numel(shape)) * isz, im.data.size()));
    }
    if (lb.shape.size() != 1) {
        throw ConfigError(labels, fmt::format("shape ({}) is not supported; expected (N,)",
                                              fmt::join(lb.shape, ", ")));
    }
    if (lb.data.size() != static_cast<std::size_t>(lb.shape[0]) * lsz) {
        throw ConfigError(
            labels,
            fmt::format("truncated: {} labels need {} bytes of data, the "
                        "file has {}",
                        lb.shape[0], static_cast<std::size_t>(lb.shape[0]) * lsz, lb.data.size()));
    }
    if (lb.shape[0] != shape[0]) {
        throw ConfigError(labels, fmt::format("has {} labels but '{}' has {} images", lb.shape[0],
                                              images, shape[0]));
    }
    const std::int64_t count = apply_limit(shape[0], limit);
    Dataset d;
    d.name = images;
    shape[0] = count;
    d.images = Tensor(shape);
    const bool u8 = im.descr.substr(1) == "u1";
    for (std::int64_t i = 0; i < d.images.numel(); ++i) {
        const double v = npy_value(im, static_cast<std::size_t>(i), isz);
        d.images.ptr()[i] = static_cast<float>(u8 ? v * static_cast<double>(scale.numerator) /
                                                        static_cast<double>(scale.denominator)
                                                  : v);
    }
    if (u8)
        d.normalisation.scale = scale;
    d.labels.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
        const double v = npy_value(lb, static_cast<std::size_t>(i), lsz);
        if (v < 0 || v > 2147483647.0) {
            throw ConfigError(labels,
                              fmt::format("label {} of image {} is not a class index", v, i));
        }
        d.labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(v);
    }
    return d;
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
    Dataset d;
    const InputNormalisation defaults = default_normalisation(spec);
    const PixelScale scale = spec.scale.value_or(*defaults.scale);
    const std::vector<float> mean = spec.mean.empty() ? defaults.mean : spec.mean;
    const std::vector<float> std = spec.std.empty() ? defaults.std : spec.std;
    if (spec.format == "fashion-mnist") {
        if (spec.split != "test" && spec.split != "train") {
            throw ConfigError("dataset.split",
                              fmt::format("'{}' is not one of test, train", spec.split));
        }
        const std::string prefix = spec.split == "test" ? "t10k" : "train";
        d = load_idx(fmt::format("{}/{}-images-idx3-ubyte.gz", kFashionMnistDir, prefix),
                     fmt::format("{}/{}-labels-idx1-ubyte.gz", kFashionMnistDir, prefix),
                     spec.limit, scale);
    } else if (spec.format == "idx" || spec.format == "npy") {
        if (spec.images.empty())
            throw ConfigError("dataset.images", "is required for format " + spec.format);
        if (spec.labels.empty())
            throw ConfigError("dataset.labels", "is required for format " + spec.format);
        d = spec.format == "idx" ? load_idx(spec.images, spec.labels, spec.limit, scale)
                                 : load_npy(spec.images, spec.labels, spec.limit, scale);
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
        d = load_cifar10(files, spec.limit, scale);
    } else {
        throw ConfigError("dataset.format", fmt::format("'{}' is not one of fashion-mnist, idx, "
                                                        "cifar10, npy",
                                                        spec.format));
    }
    const std::int64_t channels = d.images.rank() == 4 ? d.images.dims[1] : -1;
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
