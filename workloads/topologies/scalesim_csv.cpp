// SCALE-Sim topology CSV -> conv-only Graph.
#include "workloads/topologies/scalesim_csv.h"

#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/common/checked_math.h"
#include "models/common/config_text.h"
#include "models/common/input_files.h"
#include "workloads/graph/graph_builder.h"

namespace dnsim::workloads {

namespace {

std::string trim(const std::string& s) {
    std::size_t a = 0;
    std::size_t b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a])) != 0)
        ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1])) != 0)
        --b;
    return s.substr(a, b - a);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = line.find(',', start);
        out.push_back(trim(line.substr(start, comma - start)));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    while (!out.empty() && out.back().empty())
        out.pop_back();
    return out;
}

constexpr std::array<const char*, 8> kColumns = {"Layer name",    "IFMAP Height", "IFMAP Width",
                                                 "Filter Height", "Filter Width", "Channels",
                                                 "Num Filter",    "Strides"};

/// The graph's own checks allow strides up to 2^30 (Graph::validate).
constexpr std::int64_t kMaxStride = std::int64_t{1} << 30;

/// The message of `e` without the "key: " it starts with.
std::string without_key(const ConfigError& e) {
    const std::string what = e.what();
    return e.key().empty() ? what : what.substr(e.key().size() + 2);
}

}  // namespace

Graph import_scalesim_csv(const std::string& path, const ScaleSimLimits& limits) {
    const std::string text = read_input_file(path, kScaleSimMaxFileBytes, "a SCALE-Sim topology");
    return import_scalesim_csv_text(text, path, std::filesystem::path(path).stem().string(),
                                    limits);
}

namespace {

Graph import_rows(const std::string& text, const std::string& path, const std::string& graph_name,
                  const ScaleSimLimits& limits) {
    std::istringstream f(text);
    GraphBuilder b(graph_name, 0);
    std::string line;
    int line_no = 0;
    bool header_seen = false;
    std::set<std::string> names;
    std::map<std::string, int> tensors;  ///< every tensor name made so far -> its line
    std::int64_t weights = 0;
    while (std::getline(f, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const auto cols = split(line);
        if (cols.empty())
            continue;
        const auto err = [&](const std::string& msg) {
            throw ConfigError(path, fmt::format("line {}: {}", line_no, msg));
        };
        if (!header_seen) {
            header_seen = true;
            if (cols.size() < 2 || cols[0].empty() ||
                std::isdigit(static_cast<unsigned char>(cols[1][0])) == 0) {
                continue;  // the header row
            }
        }
        if (cols.size() != kColumns.size()) {
            err(fmt::format("expected {} columns ({}), got {}", kColumns.size(),
                            fmt::join(kColumns, ", "), cols.size()));
        }
        std::array<std::int64_t, 8> v{};
        for (std::size_t i = 1; i < cols.size(); ++i) {
            std::size_t used = 0;
            long long x = 0;
            try {
                x = std::stoll(cols[i], &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != cols[i].size() || x < 1) {
                err(fmt::format("column '{}' must be a positive integer, got '{}'", kColumns[i],
                                cols[i]));
            }
            v[i] = x;
        }
        const std::string& name = cols[0];
        for (const char c : name) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                err(
                    fmt::format("the layer name has the control character 0x{:02x}; layer "
                                "names must be printable",
                                static_cast<unsigned char>(c)));
            }
        }
        if (const auto at = invalid_utf8_at(name)) {
            err(
                fmt::format("the layer name '{}' is not valid UTF-8 (byte 0x{:02x} at offset {}); "
                            "names must be UTF-8 text",
                            printable(name), static_cast<unsigned char>(name[*at]), *at));
        }
        if (name.empty() || !names.insert(name).second) {
            err(fmt::format("layer name '{}' is empty or used twice", name));
        }
        // Each layer makes the tensors <name>, <name>.ifmap and <name>.weight: a layer named
        // like another's tensor ("A.weight" after "A") would define one twice.
        for (const std::string& t : {name, name + ".ifmap", name + ".weight"}) {
            const auto [it, fresh] = tensors.emplace(t, line_no);
            if (!fresh) {
                err(
                    fmt::format("layer '{}' makes a tensor '{}', which the layer on line {} "
                                "already makes; rename one of them",
                                name, t, it->second));
            }
        }
        if (v[3] > v[1] || v[4] > v[2]) {
            err(fmt::format("filter {}x{} is larger than the IFMAP {}x{}", v[3], v[4], v[1], v[2]));
        }
        if (v[7] > kMaxStride) {
            err(fmt::format("column 'Strides' is {}; the most a stride may be is {}", v[7],
                            kMaxStride));
        }
        if (static_cast<std::int64_t>(names.size()) > limits.rows) {
            err(fmt::format("more than {} layer rows", limits.rows));
        }
        // Sizes from the row, before anything is allocated: each tensor and the MACs within
        // limits (which also keeps every product below inside 64 bits).
        const auto limit = [&](const char* what, std::initializer_list<std::size_t> fields) {
            const std::int64_t max = limits.tensor_elements;
            std::vector<std::string> named;
            std::vector<std::int64_t> values;
            for (const std::size_t i : fields) {
                named.push_back(fmt::format("{} {}", kColumns[i], v[i]));
                values.push_back(v[i]);
            }
            const std::optional<std::int64_t> n = checked_product(values.begin(), values.end());
            if (!n || *n > max) {
                err(
                    fmt::format("{} ({}) has {} elements; the limit is {} elements per tensor "
                                "and image (raise it with --model.max_tensor_elements)",
                                what, fmt::join(named, " x "),
                                n ? fmt::format("{}", *n) : std::string("over 2^63"), max));
            }
            return *n;
        };
        limit("the IFMAP", {5, 1, 2});
        const std::int64_t w = limit("the weights", {6, 5, 3, 4});
        const std::int64_t oh = (v[1] - v[3]) / v[7] + 1;
        const std::int64_t ow = (v[2] - v[4]) / v[7] + 1;
        const std::optional<std::int64_t> ofmap = checked_product({v[6], oh, ow});
        if (!ofmap || *ofmap > limits.tensor_elements) {
            err(
                fmt::format("the OFMAP (Num Filter {} x {}x{}) has {} elements; the limit is {} "
                            "elements per tensor and image (raise it with "
                            "--model.max_tensor_elements)",
                            v[6], oh, ow, ofmap ? fmt::format("{}", *ofmap) : "over 2^63",
                            limits.tensor_elements));
        }
        const std::optional<std::int64_t> macs = checked_mul(*ofmap, w / v[6]);
        if (!macs || *macs > limits.macs) {
            err(
                fmt::format("{} multiply-accumulates per image (OFMAP {} x Channels {} x Filter "
                            "{}x{}); the limit is {} (raise it with --model.max_macs_per_image)",
                            macs ? fmt::format("{}", *macs) : "over 2^63", *ofmap, v[5], v[3], v[4],
                            limits.macs));
        }
        const std::optional<std::int64_t> all_weights = checked_add(weights, w);
        if (!all_weights || *all_weights > limits.weight_elements) {
            err(
                fmt::format("the weights of the layers up to here have {} elements, more than the "
                            "{} dnsim accepts in one file",
                            all_weights ? fmt::format("{}", *all_weights) : "over 2^63",
                            limits.weight_elements));
        }
        weights = *all_weights;
        try {
            const std::string x = b.input(name + ".ifmap", {-1, v[5], v[1], v[2]});
            const Dims wd{v[6], v[5], v[3], v[4]};
            b.add_initializer(name + ".weight", Tensor(wd));
            NodeAttrs a;
            a.kernel = {v[3], v[4]};
            a.strides = {v[7], v[7]};
            b.output(b.node(name, Op::Conv, {x, name + ".weight"}, a));
        } catch (const ConfigError& e) {
            // The graph's checks name the graph; name the file and line instead.
            err(without_key(e));
        }
    }
    if (names.empty()) {
        throw ConfigError(path, "no layer rows; expected a header and rows of: " +
                                    fmt::format("{}", fmt::join(kColumns, ", ")));
    }
    try {
        return b.finish();
    } catch (const ConfigError& e) {
        throw ConfigError(path, without_key(e));  // as above
    }
}

}  // namespace

Graph import_scalesim_csv_text(const std::string& text, const std::string& source,
                               const std::string& name, const ScaleSimLimits& limits) {
    try {
        return import_rows(text, source, name, limits);
    } catch (const std::bad_alloc&) {
        throw ConfigError(source, "not enough memory for the layers it declares");
    }
}

}  // namespace dnsim::workloads
