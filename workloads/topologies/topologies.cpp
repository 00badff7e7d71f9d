// The four paper networks, following torchvision's definitions layer for layer (ResNet-18,
// MobileNetV2, EfficientNet-B0, DenseNet-121); docs/workloads.md lists the scaled variants.
#include "workloads/topologies/topologies.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "workloads/graph/graph_builder.h"

namespace dnsim::workloads {

namespace {

/// torchvision's _make_divisible: nearest multiple of 8, not below 90 % of the value.
std::int64_t make_divisible(double v, std::int64_t divisor = 8) {
    std::int64_t n = std::max<std::int64_t>(
        divisor,
        static_cast<std::int64_t>(v + static_cast<double>(divisor) / 2.0) / divisor * divisor);
    if (static_cast<double>(n) < 0.9 * v)
        n += divisor;
    return n;
}

std::string input_of(GraphBuilder& b, const TopologySpec& s) {
    return b.input("input", {-1, s.in_channels, s.image_size, s.image_size});
}

std::string classifier(GraphBuilder& b, const std::string& x, std::int64_t classes,
                       const std::string& fc_name) {
    const std::string p = b.global_avg_pool("avgpool", x);
    const std::string f = b.flatten("flatten", p);
    return b.linear(fc_name, f, classes);
}

std::string conv_bn(GraphBuilder& b, const std::string& name, const std::string& x,
                    std::int64_t out, std::int64_t k, std::int64_t s, std::int64_t groups,
                    const std::string& bn_name, float eps = 1e-5f) {
    const std::string c = b.conv(name, x, out, k, s, (k - 1) / 2, groups);
    return b.batch_norm(bn_name, c, eps);
}

}  // namespace

Graph resnet18(const TopologySpec& s) {
    GraphBuilder b(s.small_input ? "resnet18_28" : "resnet18", s.seed, s.weights);
    std::string x = input_of(b, s);
    const auto w = [&s](std::int64_t c) {
        return std::max<std::int64_t>(
            1, static_cast<std::int64_t>(std::lround(static_cast<double>(c) * s.width)));
    };
    if (s.small_input) {
        x = b.relu("relu", conv_bn(b, "conv1", x, w(64), 3, 1, 1, "bn1"));
    } else {
        x = b.relu("relu", conv_bn(b, "conv1", x, w(64), 7, 2, 1, "bn1"));
        x = b.max_pool("maxpool", x, 3, 2, 1);
    }
    const std::array<std::int64_t, 4> widths{64, 128, 256, 512};
    for (std::size_t stage = 0; stage < 4; ++stage) {
        for (int blk = 0; blk < 2; ++blk) {
            const std::string p = fmt::format("layer{}.{}.", stage + 1, blk);
            const std::int64_t out = w(widths[stage]);
            const std::int64_t stride = (stage > 0 && blk == 0) ? 2 : 1;
            std::string y =
                b.relu(p + "relu1", conv_bn(b, p + "conv1", x, out, 3, stride, 1, p + "bn1"));
            y = conv_bn(b, p + "conv2", y, out, 3, 1, 1, p + "bn2");
            std::string shortcut = x;
            if (stride != 1 || b.channels(x) != out) {
                shortcut = b.batch_norm(p + "downsample.1",
                                        b.conv(p + "downsample.0", x, out, 1, stride, 0));
            }
            x = b.relu(p + "relu2", b.add(p + "add", y, shortcut));
        }
    }
    b.output(classifier(b, x, s.classes, "fc"));
    return b.finish();
}

Graph mobilenet_v2(const TopologySpec& s) {
    GraphBuilder b(s.small_input ? "mobilenetv2_28" : "mobilenetv2", s.seed, s.weights);
    std::string x = input_of(b, s);
    struct Stage {
        std::int64_t t, c, n, s;
    };
    std::array<Stage, 7> stages{{{1, 16, 1, 1},
                                 {6, 24, 2, 2},
                                 {6, 32, 3, 2},
                                 {6, 64, 4, 2},
                                 {6, 96, 3, 1},
                                 {6, 160, 3, 2},
                                 {6, 320, 1, 1}}};
    if (s.small_input)
        stages[1].s = 1;  // 28 -> 28 -> 14 -> 7 -> 4
    const std::int64_t first = make_divisible(32 * s.width);
    x = b.relu6("features.0.relu", conv_bn(b, "features.0.conv", x, first, 3, s.small_input ? 1 : 2,
                                           1, "features.0.bn"));
    int idx = 1;
    for (const Stage& st : stages) {
        const std::int64_t out = make_divisible(static_cast<double>(st.c) * s.width);
        for (std::int64_t i = 0; i < st.n; ++i, ++idx) {
            const std::string p = fmt::format("features.{}.", idx);
            const std::int64_t stride = i == 0 ? st.s : 1;
            const std::int64_t in = b.channels(x);
            const std::int64_t hidden =
                static_cast<std::int64_t>(std::lround(static_cast<double>(in * st.t)));
            std::string y = x;
            if (st.t != 1) {
                y = b.relu6(p + "expand.relu",
                            conv_bn(b, p + "expand.conv", y, hidden, 1, 1, 1, p + "expand.bn"));
            }
            y = b.relu6(p + "dw.relu",
                        conv_bn(b, p + "dw.conv", y, hidden, 3, stride, hidden, p + "dw.bn"));
            y = conv_bn(b, p + "project.conv", y, out, 1, 1, 1, p + "project.bn");
            x = (stride == 1 && in == out) ? b.add(p + "add", x, y) : y;
        }
    }
    const std::int64_t last = s.small_input ? make_divisible(1280 * s.width)
                                            : make_divisible(1280 * std::max(1.0, s.width));
    x = b.relu6(fmt::format("features.{}.relu", idx),
                conv_bn(b, fmt::format("features.{}.conv", idx), x, last, 1, 1, 1,
                        fmt::format("features.{}.bn", idx)));
    b.output(classifier(b, x, s.classes, "classifier"));
    return b.finish();
}

Graph efficientnet_b0(const TopologySpec& s) {
    GraphBuilder b(s.small_input ? "efficientnet_b0_28" : "efficientnet_b0", s.seed, s.weights);
    constexpr float eps = 1e-3f;  // torchvision's EfficientNet BatchNorm epsilon
    std::string x = input_of(b, s);
    struct Stage {
        std::int64_t e, k, s, c_out, n;
    };
    std::array<Stage, 7> stages{{{1, 3, 1, 16, 1},
                                 {6, 3, 2, 24, 2},
                                 {6, 5, 2, 40, 2},
                                 {6, 3, 2, 80, 3},
                                 {6, 5, 1, 112, 3},
                                 {6, 5, 2, 192, 4},
                                 {6, 3, 1, 320, 1}}};
    if (s.small_input)
        stages[1].s = 1;  // 28 -> 28 -> 14 -> 7 -> 7 -> 4
    const auto ch = [&s](std::int64_t c) {
        return make_divisible(static_cast<double>(c) * s.width);
    };
    x = b.silu("features.0.silu", conv_bn(b, "features.0.conv", x, ch(32), 3, s.small_input ? 1 : 2,
                                          1, "features.0.bn", eps));
    for (std::size_t si = 0; si < stages.size(); ++si) {
        const Stage& st = stages[si];
        for (std::int64_t i = 0; i < st.n; ++i) {
            const std::string p = fmt::format("features.{}.{}.", si + 1, i);
            const std::int64_t in = b.channels(x);
            const std::int64_t out = ch(st.c_out);
            const std::int64_t stride = i == 0 ? st.s : 1;
            const std::int64_t hidden = make_divisible(static_cast<double>(in * st.e));
            std::string y = x;
            if (st.e != 1) {
                y = b.silu(p + "expand.silu",
                           conv_bn(b, p + "expand.conv", y, hidden, 1, 1, 1, p + "expand.bn", eps));
            }
            y = b.silu(p + "dw.silu", conv_bn(b, p + "dw.conv", y, hidden, st.k, stride, hidden,
                                              p + "dw.bn", eps));
            // Squeeze-and-excitation: squeeze to max(1, in / 4) channels.
            const std::int64_t sq = std::max<std::int64_t>(1, in / 4);
            std::string se = b.global_avg_pool(p + "se.avgpool", y);
            se = b.silu(p + "se.silu", b.conv(p + "se.fc1", se, sq, 1, 1, 0, 1, true));
            se = b.sigmoid(p + "se.sigmoid", b.conv(p + "se.fc2", se, hidden, 1, 1, 0, 1, true));
            y = b.mul(p + "se.scale", y, se);
            y = conv_bn(b, p + "project.conv", y, out, 1, 1, 1, p + "project.bn", eps);
            x = (stride == 1 && in == out) ? b.add(p + "add", x, y) : y;
        }
    }
    x = b.silu("features.8.silu",
               conv_bn(b, "features.8.conv", x, ch(1280), 1, 1, 1, "features.8.bn", eps));
    b.output(classifier(b, x, s.classes, "classifier"));
    return b.finish();
}

Graph densenet121(const TopologySpec& s) {
    GraphBuilder b(s.small_input ? "densenet121_28" : "densenet121", s.seed, s.weights);
    const std::int64_t growth = std::max<std::int64_t>(1, std::lround(32 * s.width));
    const std::int64_t bn_size = 4;
    std::string x = input_of(b, s);
    if (s.small_input) {
        x = b.conv("features.conv0", x, 2 * growth, 3, 1, 1);
        x = b.relu("features.relu0", b.batch_norm("features.norm0", x));
    } else {
        x = b.conv("features.conv0", x, 2 * growth, 7, 2, 3);
        x = b.relu("features.relu0", b.batch_norm("features.norm0", x));
        x = b.max_pool("features.pool0", x, 3, 2, 1);
    }
    const std::array<int, 4> layers{6, 12, 24, 16};
    for (std::size_t blk = 0; blk < layers.size(); ++blk) {
        for (int l = 0; l < layers[blk]; ++l) {
            const std::string p =
                fmt::format("features.denseblock{}.denselayer{}.", blk + 1, l + 1);
            std::string y = b.relu(p + "relu1", b.batch_norm(p + "norm1", x));
            y = b.conv(p + "conv1", y, bn_size * growth, 1, 1, 0);
            y = b.relu(p + "relu2", b.batch_norm(p + "norm2", y));
            y = b.conv(p + "conv2", y, growth, 3, 1, 1);
            x = b.concat(p + "concat", {x, y});
        }
        if (blk + 1 < layers.size()) {
            const std::string p = fmt::format("features.transition{}.", blk + 1);
            std::string y = b.relu(p + "relu", b.batch_norm(p + "norm", x));
            y = b.conv(p + "conv", y, b.channels(x) / 2, 1, 1, 0);
            x = b.avg_pool(p + "pool", y, 2, 2, 0);
        }
    }
    x = b.relu("features.relu5", b.batch_norm("features.norm5", x));
    b.output(classifier(b, x, s.classes, "classifier"));
    return b.finish();
}

std::vector<BuiltinInfo> builtin_models() {
    return {
        {"resnet18", "ResNet-18, 224x224x3, 1000 classes (torchvision)"},
        {"mobilenetv2", "MobileNetV2 (width 1.0), 224x224x3, 1000 classes (torchvision)"},
        {"efficientnet_b0", "EfficientNet-B0, 224x224x3, 1000 classes (torchvision)"},
        {"densenet121", "DenseNet-121, 224x224x3, 1000 classes (torchvision)"},
        {"resnet18_28",
         "ResNet-18 width 0.25, 3x3 stride-1 stem, no max-pool, 28x28x1, 10 classes"},
        {"mobilenetv2_28", "MobileNetV2 width 0.5, stride-1 stem and stage 2, 28x28x1, 10 classes"},
        {"efficientnet_b0_28",
         "EfficientNet-B0 width 0.5, stride-1 stem and stage 2, 28x28x1, 10 classes"},
        {"densenet121_28",
         "DenseNet-121 growth 8, 3x3 stride-1 stem, no pool0, 28x28x1, 10 classes"},
    };
}

bool is_builtin_model(const std::string& name) {
    const auto all = builtin_models();
    return std::any_of(all.begin(), all.end(),
                       [&name](const BuiltinInfo& i) { return i.name == name; });
}

Graph builtin_model(const std::string& name, std::uint64_t seed, const std::string& key,
                    Weights weights) {
    TopologySpec s;
    s.seed = seed;
    s.weights = weights;
    std::string base = name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, "_28") == 0) {
        base = name.substr(0, name.size() - 3);
        s.in_channels = 1;
        s.image_size = 28;
        s.classes = 10;
        s.small_input = true;
    }
    if (base == "resnet18") {
        if (s.small_input)
            s.width = 0.25;
        return resnet18(s);
    }
    if (base == "mobilenetv2") {
        if (s.small_input)
            s.width = 0.5;
        return mobilenet_v2(s);
    }
    if (base == "efficientnet_b0") {
        if (s.small_input)
            s.width = 0.5;
        return efficientnet_b0(s);
    }
    if (base == "densenet121") {
        if (s.small_input)
            s.width = 0.25;
        return densenet121(s);
    }
    std::vector<std::string> names;
    for (const auto& i : builtin_models())
        names.push_back(i.name);
    throw ConfigError(key, fmt::format("'{}' is neither an .onnx file nor a built-in model; "
                                       "built-ins: {}",
                                       name, fmt::join(names, ", ")));
}

}  // namespace dnsim::workloads
