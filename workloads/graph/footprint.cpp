#include "workloads/graph/footprint.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "models/common/checked_math.h"
#include "models/common/config_error.h"

namespace dnsim::workloads {

GraphFootprint graph_footprint(const Graph& g) {
    const auto shapes = g.infer_shapes(1);
    const auto add = [&g](std::int64_t a, std::int64_t b) {
        const auto r = checked_add(a, b);
        if (!r)
            throw ConfigError(g.name, "the memory footprint overflows 64-bit arithmetic");
        return *r;
    };
    const auto elements = [&](const std::string& t) { return numel(shapes.at(t)); };
    // NCHW plus channels-last with a one-pixel border (the executor's kChannelsLastBorder).
    const auto executor_elements = [&](const std::string& t) {
        const Dims& d = shapes.at(t);
        if (d.size() != 4)
            return numel(d);
        std::int64_t bordered = d[0];
        for (const std::int64_t x : {d[1], d[2] + 2, d[3] + 2}) {
            const auto r = checked_mul(bordered, x);
            if (!r)
                throw ConfigError(g.name, "the memory footprint overflows 64-bit arithmetic");
            bordered = *r;
        }
        return add(numel(d), bordered);
    };

    GraphFootprint f;
    for (const auto& [name, t] : g.initializers)
        f.weight_elements = add(f.weight_elements, t.numel());

    std::map<std::string, std::size_t> last_use;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        for (const std::string& t : g.nodes[i].inputs)
            last_use[t] = i;
    }
    for (const ValueInfo& v : g.outputs) {
        last_use[v.name] = g.nodes.size();
        f.output_elements = add(f.output_elements, elements(v.name));
    }
    std::set<std::string> live;
    std::int64_t live_elements = 0;
    std::int64_t live_executor = 0;
    for (const ValueInfo& v : g.inputs) {
        f.input_elements = add(f.input_elements, elements(v.name));
        live.insert(v.name);
        live_elements = add(live_elements, elements(v.name));
        live_executor = add(live_executor, executor_elements(v.name));
    }
    f.peak_live_elements = live_elements;
    f.peak_live_executor_elements = live_executor;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        // While a node runs, its inputs and its output are alive together.
        for (const std::string& out : n.outputs) {
            if (live.insert(out).second) {
                live_elements = add(live_elements, elements(out));
                live_executor = add(live_executor, executor_elements(out));
            }
        }
        f.peak_live_executor_elements = std::max(f.peak_live_executor_elements, live_executor);
        if (live_elements > f.peak_live_elements) {
            f.peak_live_elements = live_elements;
            f.peak_node = n.name;
        }
        if (n.op == Op::Conv) {
            const Dims& w = shapes.at(n.inputs[1]);
            const Dims& y = shapes.at(n.outputs[0]);
            // One group's im2col matrix: (C/groups x kh x kw) rows, one column per output pixel.
            std::int64_t col = 1;
            for (std::size_t d = 1; d < w.size(); ++d)
                col = *checked_mul(col, w[d]);
            for (std::size_t d = 2; d < y.size(); ++d) {
                const auto c = checked_mul(col, y[d]);
                if (!c)
                    throw ConfigError(g.name, fmt::format("node '{}': the im2col size overflows "
                                                          "64-bit arithmetic",
                                                          n.name));
                col = *c;
            }
            f.max_im2col_elements = std::max(f.max_im2col_elements, col);
            // The GEMM's other working sets, one image: a group's output (M/groups x pixels)
            // and its zero-bordered input (C/groups planes that cover every tap's reach).
            const std::int64_t groups = std::max<std::int64_t>(n.attrs.group, 1);
            const std::int64_t pixels = y.size() == 4 ? y[2] * y[3] : 1;
            const Dims& x = shapes.at(n.inputs[0]);
            std::int64_t work = col;
            if (y.size() == 4 && x.size() == 4 && w.size() == 4) {
                const std::int64_t hp =
                    (y[2] - 1) * n.attrs.strides[0] + (w[2] - 1) * n.attrs.dilations[0] + 1;
                const std::int64_t wp =
                    (y[3] - 1) * n.attrs.strides[1] + (w[3] - 1) * n.attrs.dilations[1] + 1;
                const auto out = checked_mul(w[0] / groups, pixels);
                const auto hw = checked_mul(hp, wp);
                const auto in = hw ? checked_mul(x[1] / groups, *hw) : std::nullopt;
                if (!out || !in)
                    throw ConfigError(g.name, fmt::format("node '{}': the convolution's working "
                                                          "set overflows 64-bit arithmetic",
                                                          n.name));
                // Rows of 12 or more output pixels at unit horizontal stride take conv2d's direct
                // path (workloads/exec/kernels_gemm.cpp), which packs no patches.
                const bool direct = n.attrs.strides[1] == 1 && y[3] >= 12;
                work = std::max<std::int64_t>({direct ? 0 : work, *out, *in});
            }
            f.max_conv_work_elements = std::max(f.max_conv_work_elements, work);
        }
        for (const std::string& t : n.inputs) {
            const auto it = last_use.find(t);
            if (it != last_use.end() && it->second == i && live.erase(t) != 0) {
                live_elements -= elements(t);
                live_executor -= executor_elements(t);
            }
        }
    }
    return f;
}

}  // namespace dnsim::workloads
