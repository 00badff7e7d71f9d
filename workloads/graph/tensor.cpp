// Tensor shape helpers.
#include "workloads/graph/tensor.h"

#include <stdexcept>

#include <fmt/format.h>

#include "models/common/config_error.h"

namespace dnsim::workloads {

std::int64_t numel(const Dims& dims) {
    std::int64_t n = 1;
    for (const std::int64_t d : dims) {
        if (d < 0) {
            throw std::logic_error("numel of a shape with an unknown dimension");
        }
        if (__builtin_mul_overflow(n, d, &n)) {
            throw ConfigError("shape", fmt::format("{} has more elements than a 64-bit count holds",
                                                   dims_str(dims)));
        }
    }
    return n;
}

std::string dims_str(const Dims& dims) {
    if (dims.empty()) {
        return "scalar";
    }
    return fmt::format("{}", fmt::join(dims, "x"));
}

Tensor::Tensor(Dims d)
    : dims(std::move(d)), data(static_cast<std::size_t>(workloads::numel(dims))) {}

Tensor::Tensor(Dims d, std::vector<float> values) : dims(std::move(d)), data(std::move(values)) {
    if (static_cast<std::int64_t>(data.size()) != workloads::numel(dims)) {
        throw std::logic_error(
            fmt::format("tensor of shape {} given {} values", dims_str(dims), data.size()));
    }
}

Tensor Tensor::shape_only(Dims d) {
    Tensor t;
    t.dims = std::move(d);
    return t;
}

}  // namespace dnsim::workloads
