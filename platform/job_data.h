// The activations of the job being replayed — the host's buffers the CGRA and the denoiser
// compute on. The job's images are split into contiguous slices, one per worker thread, each
// holding its own tensors of the whole job; a tensor is freed after its last reader. JobData
// hands each step's operands to the host driver and stores what the modules computed; it
// moves and converts data (float <-> the denoiser's 16-bit format) but computes no layer.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/cgra/mx_cgra.h"
#include "models/common/worker_pool.h"
#include "models/denoiser/block_batch.h"
#include "models/denoiser/denoiser_config.h"
#include "platform/replay_plan.h"
#include "platform/replay_schedule.h"
#include "workloads/datasets/dataset.h"
#include "workloads/graph/graph.h"

namespace dnsim::platform {

/// The SEED register of a denoiser block: (run seed, dataset image, layer key).
std::uint64_t block_seed(std::uint64_t run_seed, std::int64_t image, std::uint64_t layer_key);

class JobData {
  public:
    /// `format` is the denoiser blocks' fixed-point format. All references must outlive it.
    JobData(const workloads::Graph& g, const ReplayPlan& plan, const workloads::Dataset& data,
            const denoiser::BlockFormat& format, WorkerPool& pool);

    /// Starts a job of `pass`: dataset images [first, first + count).
    void start(const Pass& pass, std::int64_t first, std::int64_t count);
    const Pass& pass() const { return m_pass; }
    std::int64_t first() const { return m_first; }

    /// The operands of CGRA step `si` for every slice. An elementwise step may write over an
    /// input activation that no later step reads (CgraSlice::into).
    cgra::CgraOperands cgra_operands(std::size_t si);
    /// Keeps the outputs the CGRA computed for step `si`.
    void store(std::size_t si, cgra::CgraOperands& ops);

    /// Denoiser step `si` through the registers: the input of image `image` of the job in the
    /// block's format, and its output.
    void block_input(std::size_t si, std::uint32_t image, std::vector<std::int16_t>& x);
    void block_output(std::size_t si, std::uint32_t image, const std::vector<std::int16_t>& y);
    /// Denoiser step `si` through the functional port: every image's input and SEED (the
    /// caller adds where the weights are), and its outputs.
    denoiser::BlockBatchCommand block_batch(std::size_t si);
    void store_batch(std::size_t si, const denoiser::BlockBatchCommand& cmd);
    /// A denoiser step without denoisers: its input passes through.
    void bypass(std::size_t si);

    /// Appends the job's logits (image order) to `out`.
    void append_logits(std::vector<float>& out) const;
    /// Correct top-1 predictions of the job; with `hits`, also marks each image's outcome in
    /// it (1: right), indexed by dataset position (sized to the dataset).
    std::int64_t correct(std::vector<std::uint8_t>* hits = nullptr) const;

  private:
    struct Slice {
        std::int64_t first = 0;  ///< dataset index of the slice's first image
        std::int64_t count = 0;
        std::unordered_map<std::string, workloads::Tensor> env;
    };

    /// Runs f on every slice, one slice per pool thread.
    template <typename F>
    void for_slices(const F& f) {
        m_pool.run(m_slices.size(), [&](std::size_t t) { f(m_slices[t]); });
    }
    std::pair<Slice*, std::int64_t> locate(std::uint32_t image);
    const workloads::Tensor* value(const Slice& slice, const std::string& t) const;
    /// Frees the inputs of `node` it reads last.
    void release(Slice& slice, std::size_t node) const;
    void to_fixed(const float* x, std::vector<std::int16_t>& q) const;
    void from_fixed(const std::vector<std::int16_t>& q, float* y) const;

    const workloads::Graph& m_g;
    const ReplayPlan& m_plan;
    const workloads::Dataset& m_data;
    const denoiser::BlockFormat& m_format;
    WorkerPool& m_pool;
    std::unordered_map<std::string, std::size_t> m_last_use;
    std::vector<Slice> m_slices;
    Pass m_pass;
    std::int64_t m_first = 0;
};

}  // namespace dnsim::platform
