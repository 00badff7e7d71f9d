// Graph rewrites.
#include "workloads/graph/transforms.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/common/rng.h"

namespace dnsim::workloads {

std::uint64_t stable_hash(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

std::int64_t denoiser_bottleneck(std::int64_t channels, double ratio) {
    return std::max<std::int64_t>(1, std::llround(static_cast<double>(channels) * ratio));
}

std::string insert_denoiser(Graph& g, const std::string& layer, double ratio, std::uint64_t seed,
                            const std::string& key) {
    if (!(ratio > 0.0 && ratio <= 1.0)) {
        // The option of every command that inserts blocks (dnsim run, inspect, dnsim-train),
        // which checks it before this.
        throw ConfigError("denoiser-ratio", fmt::format("{} is out of range; accepted: above 0 "
                                                        "up to 1",
                                                        ratio));
    }
    const auto it = std::find_if(g.nodes.begin(), g.nodes.end(),
                                 [&layer](const Node& n) { return n.name == layer; });
    if (it == g.nodes.end()) {
        throw ConfigError(key, fmt::format("'{}' is not a layer of model '{}' (dnsim inspect "
                                           "lists the layer names)",
                                           layer, g.name));
    }
    const std::size_t pos = static_cast<std::size_t>(it - g.nodes.begin());
    const std::string x = it->outputs[0];
    const Dims d = g.infer_shapes(1).at(x);
    if (d.size() != 4) {
        throw ConfigError(key, fmt::format("layer '{}' of model '{}' outputs {}; a denoiser needs "
                                           "an N x C x H x W feature map",
                                           layer, g.name, dims_str(d)));
    }
    const std::string name = layer + ".denoiser";
    const std::string out = layer + ".denoised";
    if (g.find_node(name) != nullptr) {
        throw ConfigError(key, fmt::format("layer '{}' already has a denoiser", layer));
    }
    const std::int64_t c = d[1];
    const std::int64_t cr = denoiser_bottleneck(c, ratio);
    const std::array<Dims, 8> shapes = {Dims{cr, c, 1, 1}, Dims{cr}, Dims{cr, 1, 3, 3}, Dims{cr},
                                        Dims{c, cr, 1, 1}, Dims{c},  Dims{c, cr, 1, 1}, Dims{c}};
    Node n;
    n.name = name;
    n.op = Op::Denoiser;
    n.attrs = default_attrs(Op::Denoiser);
    n.inputs = {x};
    n.outputs = {out};
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const std::string wname = name + "." + kDenoiserWeightRoles[i];
        Tensor t(shapes[i]);
        if (shapes[i].size() == 4) {
            // Uniform with bound 1/sqrt(fan_in) scaled by 0.1: a block that starts close to the
            // identity, so an untrained denoiser perturbs the network only slightly.
            const double fan_in = static_cast<double>(shapes[i][1] * shapes[i][2] * shapes[i][3]);
            const double bound = 0.1 / std::sqrt(fan_in);
            Rng rng(seed, {stable_hash(wname)});
            for (float& v : t.data)
                v = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
        }
        g.initializers[wname] = std::move(t);
        n.inputs.push_back(wname);
    }
    for (Node& other : g.nodes) {
        std::replace(other.inputs.begin(), other.inputs.end(), x, out);
    }
    for (ValueInfo& v : g.outputs) {
        if (v.name == x)
            v.name = out;
    }
    g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(pos) + 1, std::move(n));
    return name;
}

int remove_denoisers(Graph& g) {
    int removed = 0;
    for (std::size_t i = 0; i < g.nodes.size();) {
        if (g.nodes[i].op != Op::Denoiser) {
            ++i;
            continue;
        }
        const Node n = g.nodes[i];
        g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(i));
        for (std::size_t k = 1; k < n.inputs.size(); ++k)
            g.initializers.erase(n.inputs[k]);
        for (Node& other : g.nodes)
            std::replace(other.inputs.begin(), other.inputs.end(), n.outputs[0], n.inputs[0]);
        for (ValueInfo& v : g.outputs) {
            if (v.name == n.outputs[0])
                v.name = n.inputs[0];
        }
        ++removed;
    }
    return removed;
}

std::int64_t denoiser_parameter_count(const Graph& g) {
    std::int64_t total = 0;
    for (const Node& n : g.nodes) {
        if (n.op != Op::Denoiser)
            continue;
        for (std::size_t i = 1; i < n.inputs.size(); ++i)
            total += g.initializer(n.inputs[i]).numel();
    }
    return total;
}

int fold_batch_norms(Graph& g) {
    int folded = 0;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const Node bn = g.nodes[i];
        if (bn.op != Op::BatchNorm)
            continue;
        const auto p = g.producer(bn.inputs[0]);
        if (!p)
            continue;
        Node& conv = g.nodes[*p];
        const bool is_output =
            std::any_of(g.outputs.begin(), g.outputs.end(),
                        [&](const ValueInfo& v) { return v.name == conv.outputs[0]; });
        if (conv.op != Op::Conv || g.consumers(conv.outputs[0]).size() != 1 || is_output ||
            !g.is_initializer(conv.inputs[1])) {
            continue;
        }
        bool constant = true;
        for (std::size_t k = 1; k < 5; ++k)
            constant = constant && g.is_initializer(bn.inputs[k]);
        if (!constant)
            continue;
        Tensor w = g.initializer(conv.inputs[1]);
        const std::int64_t m = w.dims[0];
        Tensor b({m});
        if (conv.inputs.size() > 2)
            b = g.initializer(conv.inputs[2]);
        const Tensor& scale = g.initializer(bn.inputs[1]);
        const Tensor& shift = g.initializer(bn.inputs[2]);
        const Tensor& mean = g.initializer(bn.inputs[3]);
        const Tensor& var = g.initializer(bn.inputs[4]);
        const std::int64_t per = w.numel() / m;
        for (std::int64_t o = 0; o < m; ++o) {
            const float s = scale.ptr()[o] / std::sqrt(var.ptr()[o] + bn.attrs.epsilon);
            for (std::int64_t k = 0; k < per; ++k)
                w.ptr()[o * per + k] *= s;
            b.ptr()[o] = (b.ptr()[o] - mean.ptr()[o]) * s + shift.ptr()[o];
        }
        // New tensors named after the conv, so shared originals stay untouched.
        const std::string wname = conv.name + ".folded.weight";
        const std::string bname = conv.name + ".folded.bias";
        g.initializers[wname] = std::move(w);
        g.initializers[bname] = std::move(b);
        conv.inputs = {conv.inputs[0], wname, bname};
        conv.outputs = {bn.outputs[0]};
        g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(i));
        --i;
        ++folded;
    }
    // Drop initializers nothing reads any more.
    for (auto it = g.initializers.begin(); it != g.initializers.end();) {
        bool used = false;
        for (const Node& n : g.nodes) {
            used = used || std::find(n.inputs.begin(), n.inputs.end(), it->first) != n.inputs.end();
        }
        it = used ? std::next(it) : g.initializers.erase(it);
    }
    return folded;
}

}  // namespace dnsim::workloads
