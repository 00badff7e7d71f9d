// The dataset.* keys, declared once: what each DatasetSpec field accepts and means.
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "models/common/config_schema.h"
#include "workloads/datasets/dataset.h"

namespace dnsim::workloads {

namespace {

using config::ours;

template <std::size_t N>
std::vector<std::pair<std::string, std::string>> table(
    const std::array<std::pair<const char*, const char*>, N>& names) {
    return {names.begin(), names.end()};
}

config::KeySet<DatasetSpec> declare() {
    config::KeySet<DatasetSpec> s;
    s.add_text_choice("dataset.format", &DatasetSpec::format, table(kDatasetFormatNames))
        .help("dataset format")
        .origin(ours("the shipped models' dataset"));
    s.add("dataset.images", &DatasetSpec::images)
        .help("idx/npy: image file; cifar10: batch files, comma-separated")
        .origin(ours(
            "empty: the format's default set (Fashion-MNIST from Debian's dataset-fashion-mnist)"));
    s.add("dataset.labels", &DatasetSpec::labels)
        .help("idx/npy: label file")
        .origin(ours("empty: beside the images, as the format names them"));
    s.add_text_choice("dataset.split", &DatasetSpec::split, table(kFashionMnistSplitNames))
        .help("fashion-mnist: which set")
        .origin(ours("the test set (dnsim-train: train)"));
    s.add("dataset.limit", &DatasetSpec::limit)
        .range(std::int64_t{0}, std::numeric_limits<std::int64_t>::max())
        .help("use the first N images only (0: all)")
        .origin(ours("0: the whole split, so that accuracy is over the full test set"));
    s.add("dataset.max_elements", &DatasetSpec::max_elements)
        .range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max())
        .help(
            "most pixel values (N x C x H x W) a dataset file may declare; raise it for a "
            "larger dataset")
        .origin(ours("2^28, 1 GiB of float32 (CIFAR-10's training set: 1.5 x 10^8)"));
    const auto list = [](const std::string& key, const std::string& text) {
        return parse_real_list(key, text);
    };
    const auto format_list = [](const std::vector<float>& v) { return format_number_list(v); };
    s.add_parsed<std::vector<float>>("dataset.mean", &DatasetSpec::mean, config::Kind::List, list,
                                     format_list)
        .help(
            "per-channel mean after scaling pixels to [0, 1], comma-separated (empty: the "
            "model's, else the dataset's)")
        .origin(ours("docs/onnx.md, input normalisation"));
    s.add_parsed<std::vector<float>>("dataset.std", &DatasetSpec::std, config::Kind::List, list,
                                     format_list)
        .help(
            "per-channel standard deviation, comma-separated (empty: the model's, else the "
            "dataset's)")
        .origin(ours("docs/onnx.md, input normalisation"));
    s.add_parsed<std::optional<PixelScale>>(
         "dataset.scale", &DatasetSpec::scale, config::Kind::List,
         [](const std::string& key, const std::string& text) -> std::optional<PixelScale> {
             if (text.empty())
                 return std::nullopt;
             // The shared parser leaves the naming to the caller (ConfigError with no key).
             try {
                 return parse_pixel_scale(text);
             } catch (const ConfigError& e) {
                 throw ConfigError(key, e.what());
             }
         },
         [](const std::optional<PixelScale>& v) { return v ? format_pixel_scale(*v) : ""; })
        .help(
            "factor from 8-bit pixels to the range of mean and std, e.g. 1/255 or 1 (empty: "
            "the model's, else 1/255)")
        .origin(ours("docs/onnx.md, input normalisation"));
    std::vector<std::pair<std::string, std::string>> orders;
    for (const ChannelOrderName& n : kChannelOrderNames)
        orders.emplace_back(n.name, n.help);
    s.add_text_choice("dataset.channel_order", &DatasetSpec::channel_order, orders,
                      "the model's, else as stored")
        .help("channel order the model expects")
        .origin(ours("docs/onnx.md, input normalisation"));
    return s;
}

}  // namespace

const config::KeySet<DatasetSpec>& DatasetSpec::keys() {
    static const config::KeySet<DatasetSpec> k = declare();
    return k;
}

}  // namespace dnsim::workloads
