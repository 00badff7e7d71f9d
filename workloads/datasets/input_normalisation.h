// The preprocessing a model was trained with: x = (pixel x scale - mean[c]) / std[c], channels in
// a given order. A Graph carries it (from and to ONNX metadata_props dnsim.input.*, see
// docs/onnx.md); the dataset loaders apply it. Every part is optional: empty = not recorded.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace dnsim::workloads {

/// Factor from stored 8-bit pixel values to the range mean and std refer to, as a fraction:
/// 1/255 maps 0..255 to [0, 1] (torchvision's ToTensor), 1/1 keeps 0..255.
struct PixelScale {
    float numerator = 1.0f;
    float denominator = 255.0f;
    bool operator==(const PixelScale& o) const {
        return numerator == o.numerator && denominator == o.denominator;
    }
};

struct InputNormalisation {
    std::optional<PixelScale> scale;
    std::vector<float> mean;    ///< one value, or one per channel
    std::vector<float> std;     ///< one value, or one per channel, each > 0
    std::string channel_order;  ///< "gray", "rgb" or "bgr"

    bool empty() const {
        return !scale.has_value() && mean.empty() && std.empty() && channel_order.empty();
    }
    bool operator==(const InputNormalisation& o) const {
        return scale == o.scale && mean == o.mean && std == o.std &&
               channel_order == o.channel_order;
    }
};

/// One channel order dnsim knows: its name (in metadata and dataset.channel_order), the
/// channels it needs, what it means.
struct ChannelOrderName {
    const char* name;
    long long channels;
    const char* help;
};
/// The channel orders: the one table of their names.
inline constexpr std::array<ChannelOrderName, 3> kChannelOrderNames{{
    {"gray", 1, "one channel"},
    {"rgb", 3, "three channels as stored"},
    {"bgr", 3, "three channels, planes reversed before mean and std"},
}};

/// Parses "1/255", "1" or "0.00392": a positive finite number or fraction. Throws ConfigError
/// with an empty key (the caller names the key) saying what was expected.
PixelScale parse_pixel_scale(const std::string& text);
/// "1/255", or "1" when the denominator is 1; parse_pixel_scale reads it back exactly.
std::string format_pixel_scale(const PixelScale& s);

/// Parses "0.286" or "0.485,0.456,0.406": finite numbers separated by commas (spaces allowed
/// around them). With `positive`, every value must be > 0. Throws ConfigError (empty key).
std::vector<float> parse_number_list(const std::string& text, bool positive);
/// Comma-separated, each number in its shortest exact form ("0.286" for 0.2860f).
std::string format_number_list(const std::vector<float>& v);

/// Checks `order` is one of kChannelOrderNames and fits `channels` (gray: 1, rgb/bgr: 3); throws
/// ConfigError (empty key).
void check_channel_order(const std::string& order, long long channels);

/// One line for reports: "scale 1/255, mean 0.286, std 0.353, channel order gray".
std::string describe(const InputNormalisation& n);

}  // namespace dnsim::workloads
