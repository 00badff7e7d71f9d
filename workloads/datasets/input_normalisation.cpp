// Text forms of the input normalisation (ONNX metadata and command line share them).
#include "workloads/datasets/input_normalisation.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"

namespace dnsim::workloads {

namespace {

/// The whole of `text` as one finite float, or nullopt.
std::optional<float> to_float(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty())
        return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(t.c_str(), &end);
    if (end != t.c_str() + t.size() || errno == ERANGE || !std::isfinite(v))
        return std::nullopt;
    return v;
}

}  // namespace

PixelScale parse_pixel_scale(const std::string& text) {
    const auto slash = text.find('/');
    const auto num = to_float(text.substr(0, slash));
    const auto den =
        slash == std::string::npos ? std::optional<float>(1.0f) : to_float(text.substr(slash + 1));
    if (!num || !den || !(*num > 0.0f) || !(*den > 0.0f)) {
        throw ConfigError("", fmt::format("'{}' is not a positive number or fraction; expected "
                                          "e.g. 1/255 (pixels 0..255 to [0, 1]) or 1",
                                          printable(text)));
    }
    return {*num, *den};
}

std::string format_pixel_scale(const PixelScale& s) {
    return s.denominator == 1.0f ? fmt::format("{}", s.numerator)
                                 : fmt::format("{}/{}", s.numerator, s.denominator);
}

std::vector<float> parse_number_list(const std::string& text, bool positive) {
    std::vector<float> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const auto v = to_float(text.substr(start, comma - start));
        if (!v) {
            throw ConfigError(
                "", fmt::format("'{}' is not a comma-separated list of numbers", printable(text)));
        }
        if (positive && !(*v > 0.0f)) {
            throw ConfigError("", fmt::format("'{}' holds {}; every value must be greater than 0",
                                              printable(text), *v));
        }
        out.push_back(*v);
        if (comma == std::string::npos)
            return out;
        start = comma + 1;
    }
}

std::string format_number_list(const std::vector<float>& v) {
    return fmt::format("{}", fmt::join(v, ","));
}

void check_channel_order(const std::string& order, long long channels) {
    long long needs = 0;
    std::string names;
    for (const ChannelOrderName& n : kChannelOrderNames) {
        names += (names.empty() ? "" : ", ") + std::string(n.name);
        if (order == n.name)
            needs = n.channels;
    }
    if (needs == 0)
        throw ConfigError("", fmt::format("'{}' is not one of {}", printable(order), names));
    if (channels >= 0 && channels != needs) {
        throw ConfigError("", fmt::format("'{}' needs {} channel(s); there are {}",
                                          printable(order), needs, channels));
    }
}

std::string describe(const InputNormalisation& n) {
    std::vector<std::string> parts;
    if (n.scale)
        parts.push_back("scale " + format_pixel_scale(*n.scale));
    if (!n.mean.empty())
        parts.push_back("mean " + format_number_list(n.mean));
    if (!n.std.empty())
        parts.push_back("std " + format_number_list(n.std));
    if (!n.channel_order.empty())
        parts.push_back("channel order " + n.channel_order);
    return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace dnsim::workloads
