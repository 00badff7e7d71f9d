// ONNX metadata_props <-> InputNormalisation.
#include "workloads/onnx/onnx_metadata.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "models/common/config_error.h"

namespace dnsim::workloads {

namespace {

constexpr std::array<const char*, 4> kKeys = {kMetaInputScale, kMetaInputMean, kMetaInputStd,
                                              kMetaInputChannelOrder};

bool is_dnsim_input_key(const std::string& key) {
    return key.rfind("dnsim.input.", 0) == 0;
}

/// Channels of the graph's single N x C x H x W input; -1 when that is not the graph's form.
long long input_channels(const Graph& g) {
    if (g.inputs.size() != 1 || g.inputs[0].dims.size() != 4)
        return -1;
    return g.inputs[0].dims[1];
}

}  // namespace

InputNormalisation read_input_normalisation(const onnx::ModelProto& model, const Graph& g,
                                            const std::string& source) {
    InputNormalisation n;
    const long long channels = input_channels(g);
    std::set<std::string> seen;
    for (const auto& p : model.metadata_props()) {
        const std::string& key = p.key();
        if (!is_dnsim_input_key(key))
            continue;
        const auto fail = [&](const std::string& what) {
            throw ConfigError(source, fmt::format("metadata_props '{}': {}", key, what));
        };
        if (!seen.insert(key).second)
            fail("given twice; expected once");
        const std::string& value = p.value();
        if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
            fail(fmt::format("is not a key dnsim knows; expected one of {}",
                             fmt::join(kKeys, ", ")));
        std::string problem;  // from the shared parsers, which leave the naming to the caller
        try {
            if (key == kMetaInputScale) {
                n.scale = parse_pixel_scale(value);
            } else if (key == kMetaInputChannelOrder) {
                check_channel_order(value, channels);
                n.channel_order = value;
            } else {
                (key == kMetaInputMean ? n.mean : n.std) =
                    parse_number_list(value, key == kMetaInputStd);
            }
        } catch (const ConfigError& e) {
            problem = e.what();
        }
        if (!problem.empty())
            fail(problem);
        const auto& list = key == kMetaInputMean ? n.mean : n.std;
        if ((key == kMetaInputMean || key == kMetaInputStd) && channels > 0 && list.size() != 1 &&
            static_cast<long long>(list.size()) != channels) {
            fail(
                fmt::format("'{}' has {} values; expected {} (input '{}' has {} channel(s))", value,
                            list.size(),
                            channels == 1 ? "1" : fmt::format("1 or {}, one per channel", channels),
                            g.inputs[0].name, channels));
        }
    }
    return n;
}

void write_input_normalisation(const InputNormalisation& n, onnx::ModelProto& model) {
    auto* props = model.mutable_metadata_props();
    for (int i = props->size() - 1; i >= 0; --i) {
        if (is_dnsim_input_key(props->Get(i).key()))
            props->DeleteSubrange(i, 1);
    }
    const auto add = [&model](const char* key, const std::string& value) {
        auto* p = model.add_metadata_props();
        p->set_key(key);
        p->set_value(value);
    };
    if (n.scale)
        add(kMetaInputScale, format_pixel_scale(*n.scale));
    if (!n.mean.empty())
        add(kMetaInputMean, format_number_list(n.mean));
    if (!n.std.empty())
        add(kMetaInputStd, format_number_list(n.std));
    if (!n.channel_order.empty())
        add(kMetaInputChannelOrder, n.channel_order);
}

}  // namespace dnsim::workloads
