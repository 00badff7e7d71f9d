// The float reference executor: runs a Graph on float tensors. It is the golden model every
// later part (hardware replay, LibTorch training) is compared against.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/common/worker_pool.h"
#include "workloads/exec/kernels.h"
#include "workloads/graph/graph.h"

namespace dnsim::workloads {

/// What the float denoiser uses for the noise-lane samples epsilon.
enum class DenoiserEpsilon {
    Gaussian,  ///< N(0, 1), keyed by (seed, image index, node index)
    Zero,      ///< epsilon = 0: the block subtracts its mean estimate only
};

struct ExecOptions {
    unsigned threads = 2;    ///< worker threads for run_batch (images split between them)
    std::uint64_t seed = 0;  ///< key of the denoiser epsilon streams
    DenoiserEpsilon epsilon = DenoiserEpsilon::Gaussian;
    std::int64_t batch = 1;  ///< evaluate_node: images in the call (resolves Expand's batch)
    /// Executor: keep activations channels-last between the convolutions that take it
    /// (kernels::kChannelsLastBorder); the bits are the same either way.
    bool channels_last = true;
};

/// Evaluates node `node` of `g` on its input tensors (in input order; batch in dimension 0).
/// Every image of a batch gets the same bits as it would alone: the kernels loop over images
/// with fixed per-image shapes. `first_image` is the dataset index of image 0 (it keys the
/// denoiser's epsilon stream).
///
/// `into`, when not null, is `in[0]` itself, an activation the caller will not read again, of a
/// node for which writes_into_input() holds: the output then takes over its storage (an
/// Add/Mul whose first input is broadcast ignores it). The bits are the same either way.
Tensor evaluate_node(const Graph& g, std::size_t node, const std::vector<const Tensor*>& in,
                     std::uint64_t first_image, const ExecOptions& options, Tensor* into = nullptr);
/// True for the ops whose kernel computes each output element from its inputs at the same
/// index (BatchNormalization, activations, Add/Mul), so it can write over its first input.
bool writes_into_input(Op op);

/// Most images run_batch evaluates together in one graph evaluation (per worker thread), and
/// the activation bytes one such group may take in its largest tensor.
constexpr std::int64_t kExecGroupImages = 32;
constexpr std::int64_t kExecGroupBytes = std::int64_t{4} << 20;

/// Images run_batch evaluates together for `g` (shapes: the graph's tensors at batch 1): 1 when
/// the graph's input is not batch-free, an activation does not hold the images along
/// dimension 0 or an output is a constant, else exec_group_for() of its largest activation.
std::int64_t exec_group(const Graph& g, const std::map<std::string, Dims>& shapes);
/// As many images as keep a tensor of `largest_activation_elements` floats per image within
/// kExecGroupBytes, 1 to kExecGroupImages.
std::int64_t exec_group_for(std::int64_t largest_activation_elements);

class Executor {
  public:
    /// Validates the graph (throws ConfigError naming the graph and the node). The executor
    /// keeps a reference and plans its fused convolutions from it: `graph` must outlive it and
    /// stay as it is.
    explicit Executor(const Graph& graph, ExecOptions options = {});

    /// Evaluates the whole graph on the given inputs (graph input order), as they are, on the
    /// calling thread. `first_image` is the dataset index of row 0 (keys the epsilon streams).
    std::vector<Tensor> run(const std::vector<Tensor>& inputs, std::uint64_t first_image = 0) const;

    /// Batched evaluation of a single-input graph: images [N, ...] are evaluated one by one,
    /// split over the worker threads; outputs are stacked along dimension 0. Bit-identical to
    /// run() on each image alone, whatever N and the thread count.
    std::vector<Tensor> run_batch(const Tensor& images, std::uint64_t first_image = 0) const;

    const Graph& graph() const { return m_graph; }
    /// Nodes evaluated within a convolution's call (BatchNormalization and Relu nodes fused
    /// into its epilogue), planned when the executor was made.
    std::size_t fused_nodes() const;
    /// Convolutions planned to run channels-last (ExecOptions::channels_last): those
    /// kernels::conv_channels_last_takes(). Each does when its input is channels-last already
    /// or has at most a few channels (a network's stem).
    std::size_t channels_last_convs() const;

  private:
    const Graph& m_graph;
    ExecOptions m_options;
    /// Conv nodes evaluated together with the BatchNormalization and/or Relu that alone read
    /// their output (kernels::ConvEpilogue): each activation is then written once instead of
    /// three times, with the same bits. Indexed by node; `absorbed` marks the nodes so taken.
    struct ConvFusion {
        bool fused = false;
        bool absorbed = false;
        std::string output;  ///< the tensor the fused chain produces (its last node's output)
        kernels::ConvEpilogue epilogue;
        /// The convolution runs channels-last when its input is (or has at most
        /// kChannelsLastStem channels, a graph's input): kernels::conv_channels_last_takes().
        bool channels_last = false;
        /// A channels-last convolution whose (BatchNorm's) output alone feeds an Add as its
        /// first input: the Add's other input, computed earlier, added in the same call (and
        /// the Relu that alone reads the Add's output after it). Empty: no Add taken.
        std::string residual;
        std::vector<std::size_t> taken;  ///< the nodes evaluated within this call
    };
    std::vector<ConvFusion> m_fusion;
    /// An activation of run(): NCHW or channels-last (executor.cpp).
    struct Value;
    /// Evaluates node `ni` channels-last into `out` when its inputs `in` (null: an
    /// initializer) allow it: a convolution that takes the layout, or Relu, Add or Mul whose
    /// activations all have it. False, with nothing done, otherwise. `reuse_first`: the first
    /// input is read by no later node, so the output may take its storage.
    bool evaluate_channels_last(std::size_t ni, const std::vector<Value*>& in, bool reuse_first,
                                Value& out) const;
    /// A convolution with an Add taken (ConvFusion::residual): channels-last in one call where
    /// the input and the residual allow it, else the convolution, the Add and the Relu one
    /// after the other in NCHW. `residual_dies`: nothing after the Add reads the residual.
    Value evaluate_residual_conv(std::size_t ni, Value& x, Value& residual, bool residual_dies,
                                 std::uint64_t first_image, const ExecOptions& options) const;
    /// Frees the activations node `ni` (`n`) was the last to read.
    void release_inputs(const Node& n, std::size_t ni,
                        const std::unordered_map<std::string, std::size_t>& last_use,
                        std::unordered_map<std::string, Value>& env) const;
    /// run_batch's worker threads, started by its first call that splits images and kept
    /// until the executor ends: each thread's kernel buffers and packed weights
    /// (kernels_gemm.cpp) then serve every later call instead of being rebuilt, zeroed and
    /// faulted in anew. A call made while another holds the pool starts its own threads.
    mutable std::atomic<bool> m_pool_busy{false};
    mutable std::unique_ptr<WorkerPool> m_pool;
};

}  // namespace dnsim::workloads
