// SCALE-Sim topology CSV -> conv-only Graph.
#include "topologies/scalesim_csv.h"

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "graph/graph_builder.h"

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

}  // namespace

Graph import_scalesim_csv(const std::string& path) {
    std::ifstream f(path);
    if (!f) {
        throw ConfigError(path, "cannot open file");
    }
    GraphBuilder b(std::filesystem::path(path).stem().string(), 0);
    std::string line;
    int line_no = 0;
    bool header_seen = false;
    std::set<std::string> names;
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
        if (name.empty() || !names.insert(name).second) {
            err(fmt::format("layer name '{}' is empty or used twice", name));
        }
        if (v[3] > v[1] || v[4] > v[2]) {
            err(fmt::format("filter {}x{} is larger than the IFMAP {}x{}", v[3], v[4], v[1], v[2]));
        }
        const std::string x = b.input(name + ".ifmap", {-1, v[5], v[1], v[2]});
        const Dims wd{v[6], v[5], v[3], v[4]};
        b.add_initializer(name + ".weight", Tensor(wd));
        NodeAttrs a;
        a.kernel = {v[3], v[4]};
        a.strides = {v[7], v[7]};
        b.output(b.node(name, Op::Conv, {x, name + ".weight"}, a));
    }
    if (names.empty()) {
        throw ConfigError(path, "no layer rows; expected a header and rows of: " +
                                    fmt::format("{}", fmt::join(kColumns, ", ")));
    }
    return b.finish();
}

}  // namespace dnsim::workloads
