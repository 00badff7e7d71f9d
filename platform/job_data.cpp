// The job's activation buffers.
#include "platform/job_data.h"

#include <algorithm>
#include <stdexcept>

#include "models/common/fixed_point.h"
#include "models/common/random_streams.h"
#include "models/common/rng.h"
#include "workloads/exec/executor.h"

namespace dnsim::platform {

using workloads::Node;
using workloads::Tensor;

namespace {

/// Copies images [begin, end) of a batch tensor.
Tensor slice_of(const Tensor& t, std::int64_t begin, std::int64_t end) {
    workloads::Dims d = t.dims;
    const std::int64_t per = t.numel() / d[0];
    d[0] = end - begin;
    Tensor out(d);
    std::copy_n(t.ptr() + begin * per, (end - begin) * per, out.ptr());
    return out;
}

}  // namespace

std::uint64_t block_seed(std::uint64_t run_seed, std::int64_t image, std::uint64_t layer_key) {
    return derive_key(
        run_seed, {static_cast<std::uint64_t>(image), layer_key, streams::kDenoiserSeedRegister});
}

JobData::JobData(const workloads::Graph& g, const ReplayPlan& plan, const workloads::Dataset& data,
                 const denoiser::BlockFormat& format, WorkerPool& pool)
    : m_g(g), m_plan(plan), m_data(data), m_format(format), m_pool(pool) {
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        for (const auto& t : g.nodes[i].inputs)
            m_last_use[t] = i;
    }
    for (const auto& v : g.outputs)
        m_last_use[v.name] = g.nodes.size();
}

void JobData::start(const Pass& pass, std::int64_t first, std::int64_t count) {
    m_pass = pass;
    m_first = first;
    const auto parts = std::min<std::int64_t>(m_pool.threads(), count);
    m_slices.assign(static_cast<std::size_t>(parts), Slice{});
    for (std::int64_t t = 0; t < parts; ++t) {
        Slice& s = m_slices[static_cast<std::size_t>(t)];
        s.first = first + count * t / parts;
        s.count = first + count * (t + 1) / parts - s.first;
        s.env[m_g.inputs[0].name] = slice_of(m_data.images, s.first, s.first + s.count);
    }
}

cgra::CgraOperands JobData::cgra_operands(std::size_t si) {
    const std::size_t node = m_plan.steps[si].node;
    const Node& n = m_g.nodes[node];
    const auto last = n.inputs.empty() ? m_last_use.end() : m_last_use.find(n.inputs[0]);
    const bool over_input = workloads::writes_into_input(n.op) && last != m_last_use.end() &&
                            last->second == node &&
                            std::count(n.inputs.begin(), n.inputs.end(), n.inputs[0]) == 1;
    cgra::CgraOperands ops;
    ops.analog_noise = m_pass.noise;
    ops.seed = m_pass.seed;
    if (m_pass.chip)
        ops.chip_seed = m_pass.chip->seed;
    for (Slice& s : m_slices) {
        cgra::CgraSlice c;
        c.first_image = s.first;
        c.images = s.count;
        for (const auto& t : n.inputs)
            c.inputs.push_back(value(s, t));
        if (over_input) {
            const auto it = s.env.find(n.inputs[0]);
            if (it != s.env.end())
                c.into = &it->second;
        }
        ops.slices.push_back(std::move(c));
    }
    return ops;
}

void JobData::store(std::size_t si, cgra::CgraOperands& ops) {
    const std::size_t node = m_plan.steps[si].node;
    const std::string& out = m_g.nodes[node].outputs[0];
    for (std::size_t t = 0; t < m_slices.size(); ++t) {
        m_slices[t].env[out] = std::move(ops.slices[t].output);
        release(m_slices[t], node);
    }
}

void JobData::block_input(std::size_t si, std::uint32_t image, std::vector<std::int16_t>& x) {
    const Node& n = m_g.nodes[m_plan.steps[si].node];
    auto [s, i] = locate(image);
    const Tensor& t = *value(*s, n.inputs[0]);
    if (i == 0)
        s->env[n.outputs[0]] = Tensor(t.dims);
    to_fixed(t.ptr() + i * (t.numel() / s->count), x);
}

void JobData::block_output(std::size_t si, std::uint32_t image,
                           const std::vector<std::int16_t>& y) {
    const Node& n = m_g.nodes[m_plan.steps[si].node];
    auto [s, i] = locate(image);
    Tensor& out = s->env.at(n.outputs[0]);
    from_fixed(y, out.ptr() + i * (out.numel() / s->count));
    if (i + 1 == s->count)
        release(*s, m_plan.steps[si].node);
}

denoiser::BlockBatchCommand JobData::block_batch(std::size_t si) {
    const Step& step = m_plan.steps[si];
    const Node& n = m_g.nodes[step.node];
    denoiser::BlockBatchCommand cmd;
    cmd.shape = {static_cast<unsigned>(step.out_dims[1]), static_cast<unsigned>(step.out_dims[2]),
                 static_cast<unsigned>(step.out_dims[3])};
    cmd.reduced = static_cast<unsigned>(step.reduced_channels);
    cmd.format = m_format;
    cmd.slices.resize(m_slices.size());
    m_pool.run(m_slices.size(), [&](std::size_t t) {
        const Slice& s = m_slices[t];
        const Tensor& x = *value(s, n.inputs[0]);
        const std::int64_t per = x.numel() / s.count;
        auto& images = cmd.slices[t];
        images.resize(static_cast<std::size_t>(s.count));
        for (std::int64_t i = 0; i < s.count; ++i) {
            auto& image = images[static_cast<std::size_t>(i)];
            image.x.resize(static_cast<std::size_t>(per));
            to_fixed(x.ptr() + i * per, image.x);
            image.seed = block_seed(m_pass.seed, s.first + i, step.key);
        }
    });
    return cmd;
}

void JobData::store_batch(std::size_t si, const denoiser::BlockBatchCommand& cmd) {
    const std::size_t node = m_plan.steps[si].node;
    const Node& n = m_g.nodes[node];
    m_pool.run(m_slices.size(), [&](std::size_t t) {
        Slice& s = m_slices[t];
        const Tensor& x = *value(s, n.inputs[0]);
        Tensor out(x.dims);
        const std::int64_t per = x.numel() / s.count;
        for (std::int64_t i = 0; i < s.count; ++i)
            from_fixed(cmd.slices[t][static_cast<std::size_t>(i)].out, out.ptr() + i * per);
        s.env[n.outputs[0]] = std::move(out);
        release(s, node);
    });
}

void JobData::bypass(std::size_t si) {
    const std::size_t node = m_plan.steps[si].node;
    const Node& n = m_g.nodes[node];
    for_slices([&](Slice& s) {
        s.env[n.outputs[0]] = *value(s, n.inputs[0]);
        release(s, node);
    });
}

void JobData::append_logits(std::vector<float>& out) const {
    for (const Slice& s : m_slices) {
        const Tensor& logits = s.env.at(m_g.outputs[0].name);
        out.insert(out.end(), logits.data.begin(), logits.data.end());
    }
}

std::int64_t JobData::correct(std::vector<std::uint8_t>* hits) const {
    std::int64_t ok = 0;
    for (const Slice& s : m_slices) {
        const Tensor& logits = s.env.at(m_g.outputs[0].name);
        const std::int64_t classes = logits.numel() / s.count;
        for (std::int64_t i = 0; i < s.count; ++i) {
            const float* row = logits.ptr() + i * classes;
            const auto index = static_cast<std::size_t>(s.first + i);
            const bool right = (std::max_element(row, row + classes) - row) == m_data.labels[index];
            ok += right;
            if (hits != nullptr)
                (*hits)[index] = right ? 1 : 0;
        }
    }
    return ok;
}

std::pair<JobData::Slice*, std::int64_t> JobData::locate(std::uint32_t image) {
    const std::int64_t g = m_first + image;
    for (Slice& s : m_slices) {
        if (g >= s.first && g < s.first + s.count)
            return {&s, g - s.first};
    }
    throw std::logic_error("replay: image outside the job");
}

const Tensor* JobData::value(const Slice& slice, const std::string& t) const {
    const auto it = slice.env.find(t);
    return it != slice.env.end() ? &it->second : &m_g.initializer(t);
}

void JobData::release(Slice& slice, std::size_t node) const {
    for (const auto& t : m_g.nodes[node].inputs) {
        const auto it = m_last_use.find(t);
        if (it != m_last_use.end() && it->second == node)
            slice.env.erase(t);
    }
}

void JobData::to_fixed(const float* x, std::vector<std::int16_t>& q) const {
    m_format.activation().quantize_all(x, q.data(), q.size());
}

void JobData::from_fixed(const std::vector<std::int16_t>& q, float* y) const {
    m_format.activation().dequantize_all(q.data(), y, q.size());
}

}  // namespace dnsim::platform
