// Builds graphs layer by layer with deterministic weights (used by the built-in topologies and
// tests). Names follow torchvision's state_dict where there is one ("layer1.0.conv1.weight").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/graph/graph.h"

namespace dnsim::workloads {

class GraphBuilder {
  public:
    /// Weights are drawn from streams keyed by (seed, node index, tensor role); with
    /// Weights::ShapesOnly the drawn ones (conv weights, linear weights and biases) hold their
    /// shapes only.
    GraphBuilder(std::string graph_name, std::uint64_t seed, Weights weights = Weights::Drawn);

    /// Adds a graph input; dims[0] == -1 marks the batch dimension.
    std::string input(const std::string& name, const Dims& dims);

    /// Convolution, He-normal weights (fan-out, as torchvision), optional zero bias.
    std::string conv(const std::string& name, const std::string& x, std::int64_t out_channels,
                     std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                     std::int64_t groups = 1, bool bias = false);
    /// BatchNorm with identity statistics (scale 1, shift 0, mean 0, var 1).
    std::string batch_norm(const std::string& name, const std::string& x, float epsilon = 1e-5f);
    std::string relu(const std::string& name, const std::string& x);
    std::string relu6(const std::string& name, const std::string& x);
    std::string silu(const std::string& name, const std::string& x);
    std::string sigmoid(const std::string& name, const std::string& x);
    std::string add(const std::string& name, const std::string& a, const std::string& b);
    std::string mul(const std::string& name, const std::string& a, const std::string& b);
    std::string concat(const std::string& name, const std::vector<std::string>& xs);
    std::string max_pool(const std::string& name, const std::string& x, std::int64_t kernel,
                         std::int64_t stride, std::int64_t pad);
    std::string avg_pool(const std::string& name, const std::string& x, std::int64_t kernel,
                         std::int64_t stride, std::int64_t pad);
    std::string global_avg_pool(const std::string& name, const std::string& x);
    std::string flatten(const std::string& name, const std::string& x);
    /// Fully connected layer as Gemm (transB = 1, weight [out, in], bias [out]).
    std::string linear(const std::string& name, const std::string& x, std::int64_t out_features);
    /// Appends any node whose weights were added with add_initializer().
    std::string node(const std::string& name, Op op, std::vector<std::string> inputs,
                     NodeAttrs attrs);
    void add_initializer(const std::string& name, Tensor t);

    void output(const std::string& x);
    const Dims& dims(const std::string& tensor) const;
    std::int64_t channels(const std::string& tensor) const { return dims(tensor)[1]; }

    /// Validates and returns the graph.
    Graph finish();

  private:
    std::string pool(const std::string& name, Op op, const std::string& x, std::int64_t kernel,
                     std::int64_t stride, std::int64_t pad);
    /// Uniform in (-bound, bound), or shape only (Weights::ShapesOnly).
    Tensor random_uniform(const Dims& d, double bound, std::uint64_t role) const;

    Graph m_g;
    std::uint64_t m_seed;
    std::map<std::string, Dims> m_dims;
};

}  // namespace dnsim::workloads
