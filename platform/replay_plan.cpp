// Graph -> platform steps with their CGRA costs.
#include "platform/replay_plan.h"

#include <fmt/format.h>

#include "models/cgra/layer_mapping.h"
#include "workloads/graph/transforms.h"

namespace dnsim::platform {

using workloads::Dims;
using workloads::Node;
using workloads::Op;

const char* to_string(StepKind k) {
    switch (k) {
        case StepKind::Analog:
            return "analog";
        case StepKind::Digital:
            return "digital";
        case StepKind::Denoiser:
            return "denoiser";
        case StepKind::Free:
            return "none";
    }
    return "?";
}

namespace {

std::int64_t elems(const Dims& d) {
    return workloads::numel(d);
}

/// Digital work of a node whose work is not proportional to its output alone (docs/cgra.md).
void own_digital_work(const workloads::Graph& g, const Node& n,
                      const std::map<std::string, Dims>& shapes, std::int64_t macs,
                      cgra::DigitalWork& w) {
    const std::int64_t e = w.words_out;
    const auto k2 = n.attrs.kernel[0] * n.attrs.kernel[1];
    switch (n.op) {
        case Op::MaxPool:
            w.ops = e * k2;
            break;
        case Op::AveragePool:
            w.ops = e * k2;
            w.macs = e;
            break;
        case Op::GlobalAveragePool:
            w.ops = w.words_in;
            w.macs = e;
            break;
        case Op::Pow:
            if (g.is_initializer(n.inputs[1]) && g.initializer(n.inputs[1]).numel() == 1 &&
                g.initializer(n.inputs[1]).data[0] == 2.0f) {
                w.macs = e;  // x * x
            } else {
                w.ops = 2 * e;
                w.macs = e;  // exp(b log a): two table lookups, one multiply
            }
            break;
        case Op::ReduceMean:
        case Op::ReduceSum:
            w.ops = w.words_in;
            w.macs = n.op == Op::ReduceMean ? e : 0;
            break;  // one add per input, one scale per output (mean)
        case Op::LayerNorm: {
            const Dims& x = shapes.at(n.inputs[0]);
            const auto axes = workloads::reduced_axes(n, static_cast<std::int64_t>(x.size()));
            std::int64_t len = 1;
            for (const auto ax : axes)
                len *= x[static_cast<std::size_t>(ax)];
            const std::int64_t rows = len == 0 ? 0 : e / len;
            w.ops = 2 * e + 2 * rows;
            w.macs = 3 * e;
            break;  // sum, x - mean; square-accumulate, scale by 1/std, a x + b; rsqrt per row
        }
        default:
            w.macs = macs;
            break;  // depthwise conv, MatMul
    }
}

/// Digital work of a node: element operations, MACs and data-memory words (docs/cgra.md).
cgra::DigitalWork digital_work(const workloads::Graph& g, const Node& n,
                               const std::map<std::string, Dims>& shapes, std::int64_t macs) {
    cgra::DigitalWork w;
    w.name = n.name;
    const std::int64_t e = elems(shapes.at(n.outputs[0]));
    w.words_out = e;
    for (const auto& in : n.inputs) {
        if (!g.is_initializer(in))
            w.words_in += elems(shapes.at(in));
    }
    const workloads::ElementCost& cost = workloads::op_info(n.op).cost;
    if (!cost.applies) {
        own_digital_work(g, n, shapes, macs, w);
        return w;
    }
    w.ops = cost.ops * e;
    w.macs = cost.macs * e;
    if (n.op == Op::Slice)
        w.words_in = e;  // a slice reads only what it keeps
    return w;
}

}  // namespace

ReplayPlan make_replay_plan(const workloads::Graph& g, const cgra::CgraConfig& cfg) {
    const auto shapes = g.infer_shapes(1);
    const auto stats = g.node_stats();
    ReplayPlan plan;
    plan.cgra = cfg;
    std::vector<cgra::AnalogLayer> analog;
    std::vector<std::size_t> analog_steps;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        Step s;
        s.node = i;
        s.name = n.name;
        s.key = workloads::stable_hash(n.name);
        s.op = workloads::op_name(n.op);
        s.out_dims = shapes.at(n.outputs[0]);
        s.macs = stats[i].macs;
        const cgra::NodeMapping m = cgra::map_node(g, n, shapes, cfg);
        if (m.layer) {
            s.analog = *m.layer;
            s.kind = m.analog ? StepKind::Analog : StepKind::Digital;
        } else if (n.op == Op::Denoiser) {
            s.kind = StepKind::Denoiser;
            s.reduced_channels = shapes.at(n.inputs[1])[0];
            ++plan.denoisers;
        } else if (workloads::op_info(n.op).family == workloads::OpFamily::View) {
            s.kind = StepKind::Free;
        } else {
            s.kind = StepKind::Digital;
        }
        if (s.kind == StepKind::Digital) {
            s.digital = digital_work(g, n, shapes, stats[i].macs);
            s.cost = cgra::digital_layer_cost(s.digital, cfg);
        }
        if (s.kind == StepKind::Analog) {
            analog.push_back(s.analog);
            analog_steps.push_back(plan.steps.size());
            ++plan.analog_layers;
        }
        plan.steps.push_back(std::move(s));
    }
    const auto copies = cgra::plan_replication(analog, cfg, g.name);
    for (std::size_t k = 0; k < analog.size(); ++k) {
        Step& s = plan.steps[analog_steps[k]];
        s.cost = cgra::analog_layer_cost(s.analog, cfg, copies[k]);
        plan.crossbars_used += s.cost.crossbars;
    }
    return plan;
}

}  // namespace dnsim::platform
