// Input normalisation: its text forms, the ONNX metadata_props round trip and errors, and what
// the dataset loader does with scale and channel order.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "models/common/config_error.h"
#include "models/common/rng.h"
#include "scratch_dir.h"
#include "workloads/datasets/dataset.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/onnx/onnx_metadata.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;
namespace fs = std::filesystem;

namespace {

/// The export of `g` with `key = value` appended to its metadata_props.
std::string with_metadata(const Graph& g,
                          const std::vector<std::pair<std::string, std::string>>& kv) {
    onnx::ModelProto m;
    REQUIRE(m.ParseFromString(export_onnx_bytes(g)));
    for (const auto& [k, v] : kv) {
        auto* p = m.add_metadata_props();
        p->set_key(k);
        p->set_value(v);
    }
    std::string bytes;
    REQUIRE(m.SerializeToString(&bytes));
    return bytes;
}

/// A uint8 .npy file (N, C, H, W) with pixel value (i * 7 + 3) % 256, and labels 0..N-1 % 10.
std::pair<std::string, std::string> npy_u8(std::int64_t n, std::int64_t c, std::int64_t hw) {
    const auto file = [](const std::string& name, const std::string& descr,
                         const std::string& shape, const std::string& data) {
        std::string header =
            "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        while ((10 + header.size() + 1) % 64 != 0)
            header += ' ';
        header += '\n';
        std::string out = "\x93NUMPY";
        out += char(1);
        out += char(0);
        out += char(header.size() & 0xFF);
        out += char(header.size() >> 8);
        const auto& dir = test::scratch_dir("dnsim_test_input_normalisation");
        const std::string path = (dir / name).string();
        std::ofstream(path, std::ios::binary) << out << header << data;
        return path;
    };
    std::string px;
    for (std::int64_t i = 0; i < n * c * hw * hw; ++i)
        px += char((i * 7 + 3) % 256);
    std::string lb;
    for (std::int64_t i = 0; i < n; ++i)
        lb += char(i % 10);
    return {file("x.npy", "|u1", fmt::format("({}, {}, {}, {})", n, c, hw, hw), px),
            file("y.npy", "|u1", fmt::format("({},)", n), lb)};
}

}  // namespace

TEST_CASE("scale and number lists read back exactly what is written") {
    CHECK(parse_pixel_scale("1/255") == PixelScale{1.0f, 255.0f});
    CHECK(parse_pixel_scale(" 1 ") == PixelScale{1.0f, 1.0f});
    CHECK(format_pixel_scale({1.0f, 255.0f}) == "1/255");
    CHECK(format_pixel_scale({0.5f, 1.0f}) == "0.5");
    Rng rng(3, {1});
    for (int i = 0; i < 2000; ++i) {
        const std::vector<float> v{static_cast<float>(rng.uniform() * 10.0 - 5.0),
                                   static_cast<float>(rng.uniform() * 1e-3)};
        CHECK(parse_number_list(format_number_list(v), false) == v);
        const PixelScale s{static_cast<float>(rng.uniform() + 0.01),
                           static_cast<float>(rng.uniform() * 300 + 1)};
        CHECK(parse_pixel_scale(format_pixel_scale(s)) == s);
    }
    for (const char* bad : {"", "abc", "0", "-1", "1/0", "1/x", "nan", "inf", "1/255/2"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_pixel_scale(bad), ConfigError);
    }
    for (const char* bad : {"", "0.1,abc", "1,,2", "0.1,", "nan", "1e99"}) {
        INFO(bad);
        CHECK_THROWS_WITH(parse_number_list(bad, false),
                          Catch::Contains("is not a comma-separated list of numbers"));
    }
    CHECK_THROWS_WITH(parse_number_list("0.2,0", true),
                      Catch::Contains("every value must be greater than 0"));
    CHECK_NOTHROW(check_channel_order("bgr", 3));
    CHECK_THROWS_WITH(check_channel_order("rgb", 1), "'rgb' needs 3 channel(s); there are 1");
    CHECK_THROWS_WITH(check_channel_order("RGB", -1), "'RGB' is not one of gray, rgb, bgr");
}

TEST_CASE("export writes the input normalisation into metadata_props and import reads it") {
    SECTION("one channel, one value each") {
        Graph g = builtin_model("resnet18_28");
        const Graph bare = import_onnx_bytes(export_onnx_bytes(g), "bare.onnx");
        CHECK(bare.input_normalisation.empty());
        g.input_normalisation = {PixelScale{1.0f, 255.0f}, {0.25f}, {0.5f}, "gray"};
        const std::string bytes = export_onnx_bytes(g);
        onnx::ModelProto m;
        REQUIRE(m.ParseFromString(bytes));
        std::map<std::string, std::string> props;
        for (const auto& p : m.metadata_props())
            props[p.key()] = p.value();
        CHECK(props == std::map<std::string, std::string>{{kMetaInputScale, "1/255"},
                                                          {kMetaInputMean, "0.25"},
                                                          {kMetaInputStd, "0.5"},
                                                          {kMetaInputChannelOrder, "gray"}});
        const Graph back = import_onnx_bytes(bytes, "m.onnx");
        CHECK(back.input_normalisation == g.input_normalisation);
        CHECK(back == g);
        CHECK(!(back == bare));  // operator== sees the normalisation
    }
    SECTION("three channels, per-channel values, part of it recorded") {
        Graph g = builtin_model("resnet18");
        g.input_normalisation.mean = {0.485f, 0.456f, 0.406f};
        g.input_normalisation.std = {0.229f, 0.224f, 0.225f};
        g.input_normalisation.channel_order = "bgr";
        const Graph back = import_onnx_bytes(export_onnx_bytes(g), "m.onnx");
        CHECK(back.input_normalisation == g.input_normalisation);
        CHECK(!back.input_normalisation.scale.has_value());
    }
    SECTION("writing replaces dnsim.input.* and keeps other metadata") {
        onnx::ModelProto m;
        auto* a = m.add_metadata_props();
        a->set_key("author");
        a->set_value("someone");
        auto* old = m.add_metadata_props();
        old->set_key(kMetaInputMean);
        old->set_value("0.9");
        write_input_normalisation({std::nullopt, {0.1f}, {}, ""}, m);
        REQUIRE(m.metadata_props_size() == 2);
        CHECK(m.metadata_props(0).key() == "author");
        CHECK(m.metadata_props(1).key() == kMetaInputMean);
        CHECK(m.metadata_props(1).value() == "0.1");
    }
}

TEST_CASE("malformed input-normalisation metadata is one error naming the file and key") {
    const Graph g28 = builtin_model("resnet18_28");
    const auto import_with = [&](const std::vector<std::pair<std::string, std::string>>& kv) {
        return import_onnx_bytes(with_metadata(g28, kv), "m.onnx");
    };
    CHECK_THROWS_WITH(import_with({{kMetaInputMean, "0.1,abc"}}),
                      "m.onnx: metadata_props 'dnsim.input.mean': '0.1,abc' is not a "
                      "comma-separated list of numbers");
    CHECK_THROWS_WITH(import_with({{kMetaInputStd, "0"}}),
                      Catch::StartsWith("m.onnx: metadata_props 'dnsim.input.std': '0' holds 0"));
    CHECK_THROWS_WITH(import_with({{kMetaInputScale, "1/0"}}),
                      Catch::StartsWith("m.onnx: metadata_props 'dnsim.input.scale': '1/0' is not "
                                        "a positive number or fraction"));
    CHECK_THROWS_WITH(import_with({{kMetaInputChannelOrder, "rgb"}}),
                      "m.onnx: metadata_props 'dnsim.input.channel_order': 'rgb' needs 3 "
                      "channel(s); there are 1");
    CHECK_THROWS_WITH(import_with({{kMetaInputMean, "0.1,0.2"}}),
                      "m.onnx: metadata_props 'dnsim.input.mean': '0.1,0.2' has 2 values; "
                      "expected 1 (input 'input' has 1 channel(s))");
    CHECK_THROWS_WITH(import_with({{kMetaInputMean, "0.1"}, {kMetaInputMean, "0.2"}}),
                      "m.onnx: metadata_props 'dnsim.input.mean': given twice; expected once");
    CHECK_THROWS_WITH(import_with({{"dnsim.input.stdev", "0.3"}}),
                      Catch::StartsWith("m.onnx: metadata_props 'dnsim.input.stdev': is not a "
                                        "key dnsim knows"));
    CHECK_THROWS_WITH(
        import_onnx_bytes(with_metadata(builtin_model("resnet18"), {{kMetaInputStd, "0.2,0.3"}}),
                          "m3.onnx"),
        "m3.onnx: metadata_props 'dnsim.input.std': '0.2,0.3' has 2 values; "
        "expected 1 or 3, one per channel (input 'input' has 3 channel(s))");
    // Other keys are not dnsim's business.
    CHECK(import_with({{"author", "x"}, {"dnsim.other", "y"}}).input_normalisation.empty());
}

TEST_CASE("the dataset loader applies scale and channel order and records what it applied") {
    const auto [images, labels] = npy_u8(2, 3, 2);
    DatasetSpec spec;
    spec.format = "npy";
    spec.images = images;
    spec.labels = labels;
    const Dataset plain = load_dataset(spec);
    CHECK(plain.normalisation.scale == PixelScale{1.0f, 255.0f});
    CHECK(plain.normalisation.channel_order == "rgb");
    const std::int64_t plane = 4;
    for (std::int64_t i = 0; i < plain.images.numel(); ++i)
        CHECK(plain.images.ptr()[i] == static_cast<float>((i * 7 + 3) % 256 / 255.0));

    spec.scale = PixelScale{1.0f, 1.0f};
    spec.channel_order = "bgr";
    spec.mean = {1.0f, 2.0f, 3.0f};
    const Dataset raw = load_dataset(spec);
    CHECK(raw.normalisation.channel_order == "bgr");
    CHECK(raw.normalisation.mean == spec.mean);
    for (std::int64_t n = 0; n < 2; ++n) {
        for (std::int64_t c = 0; c < 3; ++c) {
            for (std::int64_t p = 0; p < plane; ++p) {
                const std::int64_t stored = (n * 3 + (2 - c)) * plane + p;  // planes reversed
                const float want = static_cast<float>((stored * 7 + 3) % 256) - (c + 1.0f);
                CHECK(raw.images.ptr()[(n * 3 + c) * plane + p] == want);
            }
        }
    }
    spec.channel_order = "gray";
    CHECK_THROWS_WITH(load_dataset(spec),
                      Catch::StartsWith("dataset.channel_order: 'gray' needs 1 channel(s); there "
                                        "are 3 in the images of '" +
                                        images + "'"));
}
