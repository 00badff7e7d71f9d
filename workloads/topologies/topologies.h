// Built-in networks: the paper's four at ImageNet shape (torchvision definitions) for cycle
// studies, and width/input-scaled variants for 28x28x1, 10-class data (Fashion-MNIST).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

/// How a topology is instantiated.
struct TopologySpec {
    std::int64_t in_channels = 3;
    std::int64_t image_size = 224;  ///< square input, pixels
    std::int64_t classes = 1000;
    double width = 1.0;                ///< channel multiplier
    bool small_input = false;          ///< 28x28 stem: stride-1 3x3 first conv, no stem pooling
    std::uint64_t seed = 0;            ///< deterministic weights
    Weights weights = Weights::Drawn;  ///< ShapesOnly: no weight values (timing studies)
};

Graph resnet18(const TopologySpec& spec);
Graph mobilenet_v2(const TopologySpec& spec);
Graph efficientnet_b0(const TopologySpec& spec);
Graph densenet121(const TopologySpec& spec);

struct BuiltinInfo {
    std::string name;
    std::string description;
};

/// resnet18, mobilenetv2, efficientnet_b0, densenet121 (224x224x3, 1000 classes) and their
/// *_28 variants (28x28x1, 10 classes).
std::vector<BuiltinInfo> builtin_models();
bool is_builtin_model(const std::string& name);
/// Throws ConfigError(key) listing the accepted names for an unknown one.
Graph builtin_model(const std::string& name, std::uint64_t seed = 0,
                    const std::string& key = "model", Weights weights = Weights::Drawn);

}  // namespace dnsim::workloads
