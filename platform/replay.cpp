// Full-network replay through the platform.
#include "replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "cgra/bitsliced.h"
#include "common/fixed_point.h"
#include "common/rng.h"
#include "denoiser/block_reference.h"
#include "exec/executor.h"
#include "exec/kernels.h"
#include "graph/transforms.h"
#include "worker_pool.h"

namespace dnsim::platform {

using workloads::Dims;
using workloads::Graph;
using workloads::Node;
using workloads::Op;
using workloads::Tensor;

void ReplayConfig::validate() const {
    soc.cgra.validate();
    soc.denoiser.validate();
    soc.format.validate();
    noise.validate();
    require_range("run.seeds", seeds, 1u, 1000u);
    require_range("run.batch", batch, std::int64_t{1}, std::int64_t{65536});
    require_range("run.threads", threads, 1u, 256u);
}

namespace {

struct Pass {
    std::string kind;
    bool noise = false;
    bool denoisers = false;
    std::uint64_t seed = 0;
};

/// Copies images [begin, end) of a batch tensor.
Tensor slice(const Tensor& t, std::int64_t begin, std::int64_t end) {
    Dims d = t.dims;
    const std::int64_t per = t.numel() / d[0];
    d[0] = end - begin;
    Tensor out(d);
    std::copy_n(t.ptr() + begin * per, (end - begin) * per, out.ptr());
    return out;
}

/// The key of a layer's random streams (noise, programming variation, denoiser lanes): a hash
/// of its name, so a layer draws the same numbers whatever blocks are inserted before it, and
/// models that share a backbone see the same noisy pass (paired comparisons).
std::uint64_t layer_key(const Node& n) {
    return workloads::stable_hash(n.name);
}

/// The data side of the replay: activations of the current job, evaluated step by step from
/// the hooks the platform calls inside its transactions. The job's images are split into
/// contiguous parts, one per worker thread, each with its own tensors for the whole job.
class Functional {
  public:
    Functional(const Graph& clean, const Graph& chip, const ReplayPlan& plan,
               const ReplayConfig& cfg, const workloads::Dataset& data,
               std::vector<double> out_scale)
        : m_clean(clean),
          m_chip(chip),
          m_plan(plan),
          m_cfg(cfg),
          m_data(data),
          m_out_scale(std::move(out_scale)),
          m_pool(cfg.threads) {
        for (std::size_t i = 0; i < clean.nodes.size(); ++i) {
            for (const auto& t : clean.nodes[i].inputs)
                m_last_use[t] = i;
        }
        for (const auto& v : clean.outputs)
            m_last_use[v.name] = clean.nodes.size();
        for (const Step& s : plan.steps) {
            if (s.kind == StepKind::Denoiser) {
                m_block_weights[s.node] =
                    denoiser_weights(clean, clean.nodes[s.node], cfg.soc.format);
            }
            if (s.kind == StepKind::Analog && cfg.noise.fidelity == cgra::Fidelity::BitSliced) {
                prepare_bitsliced(s);
            }
        }
    }

    void start(const Pass& p, std::int64_t first, std::int64_t count) {
        m_pass = p;
        m_first = first;
        m_count = count;
        m_g = p.noise ? &m_chip : &m_clean;
        const auto parts = std::min<std::int64_t>(m_cfg.threads, count);
        m_parts.assign(static_cast<std::size_t>(parts), Part{});
        for (std::int64_t t = 0; t < parts; ++t) {
            Part& part = m_parts[static_cast<std::size_t>(t)];
            part.first = first + count * t / parts;
            part.count = first + count * (t + 1) / parts - part.first;
            part.env[m_g->inputs[0].name] =
                slice(m_data.images, part.first, part.first + part.count);
        }
    }

    void cgra_step(std::size_t si) {
        const Step& s = m_plan.steps[si];
        const Node& n = m_g->nodes[s.node];
        const bool analog = s.kind == StepKind::Analog && m_pass.noise;
        const bool bitsliced = analog && m_cfg.noise.fidelity == cgra::Fidelity::BitSliced;
        for_parts([&](Part& part) {
            std::vector<const Tensor*> in;
            for (const auto& t : n.inputs)
                in.push_back(value(part, t));
            workloads::ExecOptions opts;
            opts.batch = part.count;
            Tensor y = bitsliced
                           ? crossbar_layer(s, n, in, part.first, part.count)
                           : workloads::evaluate_node(*m_g, s.node, in,
                                                      static_cast<std::uint64_t>(part.first), opts);
            if (analog)
                add_noise(s, n, in, y, part.first, part.count, bitsliced);
            part.env[n.outputs[0]] = std::move(y);
            release(part, s.node);
        });
    }

    void denoise_kernel(std::size_t si) {
        const Step& s = m_plan.steps[si];
        const Node& n = m_g->nodes[s.node];
        for_parts([&](Part& part) {
            const Tensor& x = *value(part, n.inputs[0]);
            Tensor out(x.dims);
            const std::int64_t per = x.numel() / part.count;
            std::vector<std::int16_t> q(static_cast<std::size_t>(per));
            for (std::int64_t i = 0; i < part.count; ++i) {
                to_fixed(x.ptr() + i * per, q);
                const auto trace = denoiser::reference_block(
                    q, shape_of(s), m_block_weights.at(s.node), m_cfg.soc.format,
                    seed_of(si, part.first + i), m_cfg.soc.denoiser.lanes);
                from_fixed(trace.out, out.ptr() + i * per);
            }
            part.env[n.outputs[0]] = std::move(out);
            release(part, s.node);
        });
    }

    void tlm_input(std::size_t si, std::uint32_t image, std::vector<std::int16_t>& x) {
        const Node& n = m_g->nodes[m_plan.steps[si].node];
        auto [part, i] = locate(image);
        const Tensor& t = *value(*part, n.inputs[0]);
        if (i == 0)
            part->env[n.outputs[0]] = Tensor(t.dims);
        to_fixed(t.ptr() + i * (t.numel() / part->count), x);
    }

    void tlm_output(std::size_t si, std::uint32_t image, const std::vector<std::int16_t>& y) {
        const Node& n = m_g->nodes[m_plan.steps[si].node];
        auto [part, i] = locate(image);
        Tensor& out = part->env.at(n.outputs[0]);
        from_fixed(y, out.ptr() + i * (out.numel() / part->count));
        if (i + 1 == part->count)
            release(*part, m_plan.steps[si].node);
    }

    void bypass(std::size_t si) {
        const Node& n = m_g->nodes[m_plan.steps[si].node];
        for_parts([&](Part& part) {
            part.env[n.outputs[0]] = *value(part, n.inputs[0]);
            release(part, m_plan.steps[si].node);
        });
    }

    std::uint64_t seed(std::size_t si, std::uint32_t image) const {
        return seed_of(si, m_first + image);
    }

    /// Appends the job's logits (image order) to `out`.
    void append_logits(std::vector<float>& out) const {
        for (const Part& part : m_parts) {
            const Tensor& logits = part.env.at(m_g->outputs[0].name);
            out.insert(out.end(), logits.data.begin(), logits.data.end());
        }
    }

    /// Correct top-1 predictions of the job just finished.
    std::int64_t correct() const {
        std::int64_t ok = 0;
        for (const Part& part : m_parts) {
            const Tensor& logits = part.env.at(m_g->outputs[0].name);
            const std::int64_t classes = logits.numel() / part.count;
            for (std::int64_t i = 0; i < part.count; ++i) {
                const float* row = logits.ptr() + i * classes;
                ok += (std::max_element(row, row + classes) - row) ==
                      m_data.labels[static_cast<std::size_t>(part.first + i)];
            }
        }
        return ok;
    }

  private:
    struct Part {
        std::int64_t first = 0;  ///< dataset index of the part's first image
        std::int64_t count = 0;
        std::unordered_map<std::string, Tensor> env;
    };

    /// Runs f on every part, one part per pool thread.
    template <typename F>
    void for_parts(const F& f) {
        m_pool.run(m_parts.size(), [&](std::size_t t) { f(m_parts[t]); });
    }

    std::pair<Part*, std::int64_t> locate(std::uint32_t image) {
        const std::int64_t g = m_first + image;
        for (Part& p : m_parts) {
            if (g >= p.first && g < p.first + p.count)
                return {&p, g - p.first};
        }
        throw std::logic_error("replay: image outside the job");
    }

    std::uint64_t seed_of(std::size_t si, std::int64_t image) const {
        return derive_key(m_pass.seed, {static_cast<std::uint64_t>(image),
                                        layer_key(m_g->nodes[m_plan.steps[si].node]), 0xD0});
    }

    const Tensor* value(const Part& part, const std::string& t) const {
        const auto it = part.env.find(t);
        return it != part.env.end() ? &it->second : &m_g->initializer(t);
    }

    void release(Part& part, std::size_t node) const {
        for (const auto& t : m_g->nodes[node].inputs) {
            const auto it = m_last_use.find(t);
            if (it != m_last_use.end() && it->second == node)
                part.env.erase(t);
        }
    }

    denoiser::BlockShape shape_of(const Step& s) const {
        return {static_cast<unsigned>(s.out_dims[1]), static_cast<unsigned>(s.out_dims[2]),
                static_cast<unsigned>(s.out_dims[3])};
    }

    void to_fixed(const float* x, std::vector<std::int16_t>& q) const {
        const FixedFormat f = m_cfg.soc.format.activation();
        for (std::size_t i = 0; i < q.size(); ++i)
            q[i] = f.quantize(x[i]);
    }

    void from_fixed(const std::vector<std::int16_t>& q, float* y) const {
        const FixedFormat f = m_cfg.soc.format.activation();
        for (std::size_t i = 0; i < q.size(); ++i)
            y[i] = static_cast<float>(f.to_double(q[i]));
    }

    /// The layer's weights on crossbars, one matrix per group (bit-sliced fidelity).
    void prepare_bitsliced(const Step& s) {
        const Node& n = m_clean.nodes[s.node];
        const Tensor& w = m_clean.initializer(n.inputs[1]);
        std::vector<cgra::BitSlicedWeights>& mats = m_crossbars[s.node];
        if (n.op == Op::Conv) {
            const std::int64_t g = n.attrs.group;
            const std::int64_t per = w.numel() / g;
            const std::int64_t mg = w.dims[0] / g;
            for (std::int64_t gi = 0; gi < g; ++gi) {
                mats.emplace_back(w.ptr() + gi * per, mg, per / mg, m_cfg.soc.cgra.analog,
                                  m_cfg.noise,
                                  layer_key(n) * 4096 + static_cast<std::uint64_t>(gi));
            }
        } else {
            // Gemm / MatMul: the crossbars hold W as out x in.
            const bool tb = n.op == Op::Gemm && n.attrs.trans_b;
            const std::int64_t k = tb ? w.dims[1] : w.dims[0];
            const std::int64_t o = tb ? w.dims[0] : w.dims[1];
            std::vector<float> wt(static_cast<std::size_t>(o * k));
            for (std::int64_t i = 0; i < o; ++i) {
                for (std::int64_t j = 0; j < k; ++j) {
                    wt[static_cast<std::size_t>(i * k + j)] =
                        tb ? w.ptr()[i * k + j] : w.ptr()[j * o + i];
                }
            }
            mats.emplace_back(wt.data(), o, k, m_cfg.soc.cgra.analog, m_cfg.noise,
                              layer_key(n) * 4096);
        }
    }

    /// One part's images of an analog layer through the bit-sliced crossbars (per image, so
    /// read-noise streams are keyed by image).
    Tensor crossbar_layer(const Step& s, const Node& n, const std::vector<const Tensor*>& in,
                          std::int64_t first, std::int64_t images) const {
        const auto& mats = m_crossbars.at(s.node);
        const Tensor& x = *in[0];
        if (n.op == Op::Conv) {
            const workloads::NodeAttrs& a = n.attrs;
            const Dims& od = s.out_dims;
            Tensor y({images, od[1], od[2], od[3]});
            const std::int64_t c = x.dims[1], h = x.dims[2], wd = x.dims[3];
            const std::int64_t g = a.group, cg = c / g, mg = od[1] / g;
            const std::int64_t pix = od[2] * od[3];
            std::vector<float> col(static_cast<std::size_t>(cg * a.kernel[0] * a.kernel[1] * pix));
            for (std::int64_t i = 0; i < images; ++i) {
                Rng rng(m_pass.seed, {static_cast<std::uint64_t>(first + i), layer_key(n), 14});
                for (std::int64_t gi = 0; gi < g; ++gi) {
                    workloads::kernels::im2col(x.ptr() + (i * c + gi * cg) * h * wd, col.data(), cg,
                                               h, wd, od[2], od[3], a);
                    mats[static_cast<std::size_t>(gi)].multiply(
                        col.data(), pix, y.ptr() + (i * od[1] + gi * mg) * pix, rng);
                }
                if (n.inputs.size() > 2) {
                    const Tensor& b = *in[2];
                    for (std::int64_t o = 0; o < od[1]; ++o) {
                        float* yo = y.ptr() + (i * od[1] + o) * pix;
                        for (std::int64_t q = 0; q < pix; ++q)
                            yo[q] += b.ptr()[o];
                    }
                }
            }
            return y;
        }
        // Gemm / MatMul on rows of A (no transA): each image's rows (a MatMul's tokens) as the
        // columns of one multiply.
        const cgra::BitSlicedWeights& m = mats[0];
        Dims yd = x.dims;
        yd.back() = m.out();
        Tensor y(yd);
        const std::int64_t rows = x.numel() / m.in() / images;
        std::vector<float> xt(static_cast<std::size_t>(m.in() * rows));
        std::vector<float> yt(static_cast<std::size_t>(m.out() * rows));
        for (std::int64_t i = 0; i < images; ++i) {
            Rng rng(m_pass.seed, {static_cast<std::uint64_t>(first + i), layer_key(n), 14});
            const float* xi = x.ptr() + i * rows * m.in();
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t k = 0; k < m.in(); ++k)
                    xt[static_cast<std::size_t>(k * rows + r)] = xi[r * m.in() + k];
            }
            m.multiply(xt.data(), rows, yt.data(), rng);
            float* yi = y.ptr() + i * rows * m.out();
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t o = 0; o < m.out(); ++o)
                    yi[r * m.out() + o] = yt[static_cast<std::size_t>(o * rows + r)];
            }
        }
        if (n.op == Op::Gemm) {
            for (float& v : y.data)
                v *= n.attrs.alpha;
            if (n.inputs.size() > 2) {
                Tensor cb = *in[2];
                for (float& v : cb.data)
                    v *= n.attrs.beta;
                y = workloads::kernels::binary(Op::Add, y, cb, y.dims);
            }
        }
        return y;
    }

    /// Analog non-idealities of one part's images of an analog layer's output.
    void add_noise(const Step& s, const Node& n, const std::vector<const Tensor*>& in, Tensor& y,
                   std::int64_t first, std::int64_t images, bool bitsliced) const {
        const cgra::NoiseConfig& nc = m_cfg.noise;
        const std::int64_t per = y.numel() / images;
        // A MatMul's output is tokens x features: its features are the channels, so the
        // activation noise sees each image's output feature-major.
        const bool tokens = n.op == Op::MatMul && y.dims.size() >= 3;
        const std::int64_t channels = tokens ? y.dims.back() : y.dims.size() >= 2 ? y.dims[1] : 1;
        std::vector<float> t(tokens ? static_cast<std::size_t>(per) : 0);
        const auto activation_noise = [&](float* yi, std::uint64_t image) {
            if (!tokens) {
                cgra::add_activation_noise(yi, channels, per / channels, m_pass.seed, image,
                                           layer_key(n), nc);
                return;
            }
            const std::int64_t rows = per / channels;
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t c = 0; c < channels; ++c)
                    t[static_cast<std::size_t>(c * rows + r)] = yi[r * channels + c];
            }
            cgra::add_activation_noise(t.data(), channels, rows, m_pass.seed, image, layer_key(n),
                                       nc);
            for (std::int64_t r = 0; r < rows; ++r) {
                for (std::int64_t c = 0; c < channels; ++c)
                    yi[r * channels + c] = t[static_cast<std::size_t>(c * rows + r)];
            }
        };
        if (bitsliced) {
            // Device effects are in the crossbar model; only the paper's activation noise remains.
            for (std::int64_t i = 0; i < images; ++i)
                activation_noise(y.ptr() + i * per, static_cast<std::uint64_t>(first + i));
            return;
        }
        const double scale = m_out_scale[s.node];
        if (scale != 1.0) {
            for (float& v : y.data)
                v = static_cast<float>(v * scale);
        }
        Tensor rms;
        if (nc.read_sigma > 0.0)
            rms = read_rms(n, in, y.dims);
        for (std::int64_t i = 0; i < images; ++i) {
            float* yi = y.ptr() + i * per;
            const auto image = static_cast<std::uint64_t>(first + i);
            if (nc.read_sigma > 0.0) {
                cgra::add_read_noise(yi, rms.ptr() + i * per, per, m_pass.seed, image, layer_key(n),
                                     nc);
            }
            activation_noise(yi, image);
            cgra::quantise_output(yi, per, nc);
        }
    }

    /// sqrt(sum_k (w_k x_k)^2) of every output: the same layer on squared inputs and weights.
    Tensor read_rms(const Node& n, const std::vector<const Tensor*>& in,
                    const Dims& out_dims) const {
        Tensor x2 = *in[0];
        for (float& v : x2.data)
            v *= v;
        Tensor w2 = *in[1];
        for (float& v : w2.data)
            v *= v;
        Tensor r = n.op == Op::Conv ? workloads::kernels::conv2d(x2, w2, nullptr, n.attrs)
                   : n.op == Op::MatMul
                       ? workloads::kernels::matmul(x2, w2, out_dims)
                       : workloads::kernels::gemm(x2, w2, nullptr, n.attrs, out_dims);
        for (float& v : r.data)
            v = std::sqrt(std::max(v, 0.0f));
        return r;
    }

    const Graph& m_clean;
    const Graph& m_chip;
    const ReplayPlan& m_plan;
    const ReplayConfig& m_cfg;
    const workloads::Dataset& m_data;
    std::vector<double> m_out_scale;
    std::unordered_map<std::string, std::size_t> m_last_use;
    std::map<std::size_t, denoiser::BlockWeights> m_block_weights;
    std::map<std::size_t, std::vector<cgra::BitSlicedWeights>> m_crossbars;
    std::vector<Part> m_parts;
    WorkerPool m_pool;
    const Graph* m_g = nullptr;
    Pass m_pass;
    std::int64_t m_first = 0;
    std::int64_t m_count = 0;
};

/// The chip's view of the weights: every analog layer's weights perturbed once (programming
/// variation, stuck cells, drift); returns the per-node output scale of drift compensation.
Graph chip_graph(const Graph& g, const ReplayPlan& plan, const cgra::NoiseConfig& nc,
                 std::vector<double>& out_scale) {
    Graph chip = g;
    out_scale.assign(g.nodes.size(), 1.0);
    for (const Step& s : plan.steps) {
        if (s.kind != StepKind::Analog)
            continue;
        Tensor& w = chip.initializers.at(g.nodes[s.node].inputs[1]);
        out_scale[s.node] =
            cgra::perturb_weights(w.ptr(), w.numel(), layer_key(g.nodes[s.node]), nc);
    }
    return chip;
}

/// True when every activation of `g` holds the images along dimension 0 (shapes at batch 2
/// are those at batch 1 with dimension 0 doubled). An input fixed at one image counts as a
/// batch dimension when the graph passes that test with it.
bool images_along_dim0(const Graph& g) {
    if (g.inputs.size() != 1 || g.inputs[0].dims.empty() ||
        (g.inputs[0].dims[0] != -1 && g.inputs[0].dims[0] != 1))
        return false;
    std::map<std::string, Dims> one;
    std::map<std::string, Dims> two;
    for (const auto& [name, t] : g.initializers) {
        one[name] = t.dims;
        two[name] = t.dims;
    }
    Dims d = g.inputs[0].dims;
    d[0] = 1;
    one[g.inputs[0].name] = d;
    d[0] = 2;
    two[g.inputs[0].name] = d;
    try {
        std::vector<Dims> in1;
        std::vector<Dims> in2;
        for (const Node& n : g.nodes) {
            in1.clear();
            in2.clear();
            for (const auto& t : n.inputs) {
                in1.push_back(one.at(t));
                in2.push_back(two.at(t));
            }
            const Dims a = workloads::infer_node_shape(g, n, in1, 1);
            Dims b = workloads::infer_node_shape(g, n, in2, 2);
            if (a.empty() || b[0] != 2 * a[0])
                return false;
            one[n.outputs[0]] = a;
            two[n.outputs[0]] = b;
            b[0] = a[0];
            if (a != b)
                return false;
        }
    } catch (const ConfigError&) {
        return false;
    }
    return true;
}

}  // namespace

ReplayResult run_replay(const Graph& g, const workloads::Dataset* data, const ReplayConfig& cfg) {
    cfg.validate();
    g.validate(g.name);
    const ReplayPlan plan = make_replay_plan(g, cfg.soc.cgra);
    if (data != nullptr)
        workloads::check_dataset_for_model(*data, g);
    for (const Step& s : plan.steps) {
        if (s.kind == StepKind::Denoiser) {
            // The ratio register must give back the block's C_r.
            const auto c = static_cast<unsigned>(s.out_dims[1]);
            const double ratio = static_cast<double>(s.reduced_channels) / c;
            const denoiser::BlockShape shape{c, static_cast<unsigned>(s.out_dims[2]),
                                             static_cast<unsigned>(s.out_dims[3])};
            if (denoiser::reduced_channels(shape, ratio) != s.reduced_channels) {
                throw ConfigError(s.name, fmt::format("C_r = {} of C = {} cannot be programmed "
                                                      "through the RATIO register",
                                                      s.reduced_channels, c));
            }
        }
    }

    std::vector<double> out_scale;
    const Graph chip = chip_graph(g, plan, cfg.noise, out_scale);
    std::vector<Pass> passes;
    if (data != nullptr) {
        passes.push_back({"clean", false, false, cfg.seed});
        for (unsigned k = 0; k < cfg.seeds; ++k) {
            passes.push_back({"noisy", true, false, cfg.seed + k});
            if (plan.denoisers > 0)
                passes.push_back({"denoised", true, true, cfg.seed + k});
        }
    }
    struct JobPlan {
        ReplayJob job;
        int pass = -1;  ///< -1: the timing job
        std::int64_t first = 0;
    };
    std::vector<JobPlan> jobs;
    jobs.push_back({ReplayJob{1, true, true, true}, -1, 0});
    // A graph whose tensors do not all keep the images along dimension 0 (a transformer's
    // token-major layout, a model exported for a fixed batch) is replayed one image per job.
    const std::int64_t job_batch = images_along_dim0(g) ? cfg.batch : 1;
    const std::int64_t n_images = data != nullptr ? data->size() : 0;
    for (std::size_t p = 0; p < passes.size(); ++p) {
        for (std::int64_t first = 0; first < n_images; first += job_batch) {
            const auto count = static_cast<std::uint32_t>(std::min(job_batch, n_images - first));
            ReplayJob j{count, passes[p].denoisers, cfg.denoiser_path == DenoiserPath::Tlm, false};
            jobs.push_back({j, static_cast<int>(p), first});
        }
    }

    ReplayResult r;
    r.model = g.name;
    r.clock_mhz = cfg.soc.cgra.clock_mhz;
    std::vector<PassResult> pass_results(passes.size());
    for (std::size_t p = 0; p < passes.size(); ++p) {
        pass_results[p].kind = passes[p].kind;
        pass_results[p].seed = passes[p].seed;
    }
    const workloads::Dataset empty;
    Functional fn(g, chip, plan, cfg, data != nullptr ? *data : empty, out_scale);
    std::size_t next = 0;
    Soc* soc_ptr = nullptr;
    EnergyAccount denoiser_energy(cfg.energy_table);
    double timing_elapsed_ns = 0.0;
    std::chrono::steady_clock::time_point functional_start;
    bool functional_active = false;
    std::int64_t done = 0;
    const std::int64_t total = n_images * static_cast<std::int64_t>(passes.size());
    const auto finish_job = [&](const JobPlan& jp) {
        if (jp.pass < 0) {
            // After the timing job: per-inference step times and denoiser energy.
            double active = 0.0;
            for (std::size_t i = 0; i < plan.steps.size(); ++i) {
                timing_elapsed_ns += soc_ptr->step_ns()[i];
                if (plan.steps[i].kind == StepKind::Denoiser)
                    active += soc_ptr->step_ns()[i];
            }
            denoiser_energy =
                soc_ptr->denoiser().energy(cfg.energy_table, active, timing_elapsed_ns);
            functional_start = std::chrono::steady_clock::now();
            return;
        }
        PassResult& pr = pass_results[static_cast<std::size_t>(jp.pass)];
        pr.correct += fn.correct();
        if (cfg.keep_logits)
            fn.append_logits(pr.logits);
        pr.images += jp.job.images;
        done += jp.job.images;
        if (cfg.progress)
            cfg.progress(done, total);
    };
    JobSource source = [&]() -> std::optional<ReplayJob> {
        if (next > 0)
            finish_job(jobs[next - 1]);
        if (next == jobs.size())
            return std::nullopt;
        const JobPlan& jp = jobs[next++];
        if (jp.pass >= 0)
            fn.start(passes[static_cast<std::size_t>(jp.pass)], jp.first, jp.job.images);
        functional_active = jp.pass >= 0;
        return jp.job;
    };
    DenoiserIo io;
    io.input = [&](std::size_t si, std::uint32_t image, std::vector<std::int16_t>& x) {
        if (functional_active)
            fn.tlm_input(si, image, x);
    };
    io.output = [&](std::size_t si, std::uint32_t image, const std::vector<std::int16_t>& y) {
        if (functional_active)
            fn.tlm_output(si, image, y);
    };
    io.seed = [&](std::size_t si, std::uint32_t image) {
        return functional_active
                   ? fn.seed(si, image)
                   : derive_key(cfg.seed, {0, layer_key(g.nodes[plan.steps[si].node]), 0xD0});
    };
    io.compute = [&](std::size_t si, std::uint32_t) {
        if (functional_active)
            fn.denoise_kernel(si);
    };
    io.bypass = [&](std::size_t si, std::uint32_t) {
        if (functional_active)
            fn.bypass(si);
    };
    Soc soc("soc", cfg.soc, g, plan, source, io);
    soc_ptr = &soc;
    soc.cgra().on_execute = [&](std::uint32_t step, std::uint32_t) {
        if (functional_active)
            fn.cgra_step(step);
    };
    sc_core::sc_start();
    if (data != nullptr) {
        r.functional_wall_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - functional_start)
                .count();
        r.functional_images = total;
    }
    r.passes = pass_results;

    // Per-inference timing from the timing job.
    const double cycle_ns = cfg.soc.cgra.cycle_ns();
    const auto stats = g.node_stats();
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& s = plan.steps[i];
        StepReport sr;
        sr.name = s.name;
        sr.op = s.op;
        sr.kind = to_string(s.kind);
        sr.time_ns = soc.step_ns()[i];
        sr.cycles = static_cast<std::uint64_t>(std::llround(sr.time_ns / cycle_ns));
        sr.crossbars = s.cost.crossbars;
        sr.replication = s.cost.replication;
        sr.macs = stats[s.node].macs;
        sr.block_cycles = soc.denoiser_cycles()[i];
        r.cycles += sr.cycles;
        if (s.kind == StepKind::Denoiser) {
            r.denoiser_cycles += sr.cycles;
        } else {
            r.cycles_without_denoisers += sr.cycles;
        }
        r.scratchpad_words += s.cost.scratchpad_words;
        r.steps.push_back(std::move(sr));
    }
    // What-if overlap: each block runs while the next layer computes (pipelined over images),
    // so it costs only what the next layer does not hide.
    r.cycles_overlapped = r.cycles;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        if (plan.steps[i].kind != StepKind::Denoiser)
            continue;
        std::uint64_t hide = 0;
        for (std::size_t j = i + 1; j < r.steps.size(); ++j) {
            if (plan.steps[j].kind == StepKind::Analog) {
                hide = r.steps[j].cycles;
                break;
            }
        }
        r.cycles_overlapped -= std::min(hide, r.steps[i].cycles);
    }
    r.crossbars_used = plan.crossbars_used;
    r.denoiser_params = workloads::denoiser_parameter_count(g);
    r.backbone_params = g.parameter_count() - r.denoiser_params;

    // Energy per inference: CGRA actions of one image from the plan, denoiser from the timing job.
    EnergyAccount cgra_energy(cfg.energy_table);
    for (const Step& s : plan.steps) {
        if (s.kind == StepKind::Analog || s.kind == StepKind::Digital)
            cgra::charge(s.cost, cgra_energy);
    }
    const double latency = r.latency_ns();
    for (const auto& [component, pj] : cgra_energy.per_component_pJ()) {
        r.energy.push_back({component, pj, average_power_mW(pj, latency)});
    }
    for (const auto& [component, pj] : denoiser_energy.per_component_pJ()) {
        r.energy.push_back({"denoiser." + component, pj, average_power_mW(pj, latency)});
    }
    for (const EnergyLine& l : denoiser_energy.lines()) {
        if (l.action == "sram_word")
            r.denoiser_sram_words += static_cast<std::uint64_t>(l.count);
    }
    return r;
}

}  // namespace dnsim::platform
