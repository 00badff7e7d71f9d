// A dense float tensor (row-major, NCHW for images) and shape helpers shared by the graph IR,
// the executor, the ONNX bridge and the dataset loaders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnsim::workloads {

using Dims = std::vector<std::int64_t>;

/// Number of elements of a shape (1 for a scalar of rank 0).
std::int64_t numel(const Dims& dims);

/// "1x64x56x56" (or "scalar").
std::string dims_str(const Dims& dims);

/// Dense float32 tensor.
struct Tensor {
    Dims dims;
    std::vector<float> data;

    Tensor() = default;
    explicit Tensor(Dims d);
    Tensor(Dims d, std::vector<float> values);
    /// A tensor of shape `d` holding no values (Graph::weight_values).
    static Tensor shape_only(Dims d);

    std::int64_t numel() const { return workloads::numel(dims); }
    std::int64_t rank() const { return static_cast<std::int64_t>(dims.size()); }
    float* ptr() { return data.data(); }
    const float* ptr() const { return data.data(); }

    bool operator==(const Tensor& other) const { return dims == other.dims && data == other.data; }
    bool operator!=(const Tensor& other) const { return !(*this == other); }
};

}  // namespace dnsim::workloads
