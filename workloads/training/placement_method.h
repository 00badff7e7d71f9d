// How dnsim-train chooses denoiser sites (training/placement.h), with its one table of names
// (the values of --placement). Plain C++: the option is declared without LibTorch.
#pragma once

#include <array>
#include <string>

#include "models/common/config_schema.h"

namespace dnsim::training {

enum class PlacementMethod { GradNorm, Random, Uniform, All };

inline constexpr std::array<config::EnumName<PlacementMethod>, 4> kPlacementNames{{
    {PlacementMethod::GradNorm, "gradnorm",
     "rank the outputs of analog layers by the loss gradient's norm (the paper's method)"},
    {PlacementMethod::Random, "random", "a seeded random order"},
    {PlacementMethod::Uniform, "uniform", "spread evenly over the depth"},
    {PlacementMethod::All, "all",
     "after every analog layer with an N x C x H x W output; --budget is not applied"},
}};

inline PlacementMethod parse_placement(const std::string& key, const std::string& text) {
    return config::parse_enum(kPlacementNames, key, text);
}

inline const char* to_string(PlacementMethod m) {
    return config::name_of(kPlacementNames, m);
}

}  // namespace dnsim::training
