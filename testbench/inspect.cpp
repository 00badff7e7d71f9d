// Model summary table.
#include "testbench/inspect.h"

#include <fmt/format.h>

namespace dnsim::tb {

namespace {

std::string grouped(std::int64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
        s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

}  // namespace

void print_model_summary(const workloads::Graph& g, std::ostream& os) {
    using workloads::dims_str;
    const auto stats = g.node_stats();
    const auto shapes = g.infer_shapes(1);
    std::size_t name_w = 5;
    for (const auto& n : g.nodes)
        name_w = std::max(name_w, n.name.size());
    name_w = std::min<std::size_t>(name_w, 48);
    os << fmt::format("model {}: {} nodes; inputs:", g.name, g.nodes.size());
    for (const auto& v : g.inputs)
        os << fmt::format(" {} {}", v.name, dims_str(v.dims));
    os << " (-1: batch; shapes below are for one image)\n";
    os << fmt::format("input normalisation: {}\n\n",
                      g.input_normalisation.empty()
                          ? "not recorded (the dataset's default applies)"
                          : workloads::describe(g.input_normalisation) + " (ONNX metadata)");
    os << fmt::format("{:>4}  {:<{}}  {:<18}  {:<16}  {:<16}  {:>12}  {:>15}\n", "#", "layer",
                      name_w, "op", "input", "output", "params", "MACs");
    std::int64_t macs = 0;
    std::int64_t buffers = 0;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const auto& n = g.nodes[i];
        const auto& s = stats[i];
        macs += s.macs;
        buffers += s.buffers;
        os << fmt::format("{:>4}  {:<{}}  {:<18}  {:<16}  {:<16}  {:>12}  {:>15}\n", i, n.name,
                          name_w, workloads::op_name(n.op), dims_str(shapes.at(n.inputs[0])),
                          dims_str(s.output_dims), grouped(s.params), grouped(s.macs));
    }
    const std::int64_t params = g.parameter_count();
    os << fmt::format(
        "\ntotal: {} parameters ({:.2f} MiB as float32), {} BatchNorm running "
        "statistics, {} MACs per image ({:.3f} GMAC)\n",
        grouped(params), static_cast<double>(params) * 4.0 / 1048576.0, grouped(buffers),
        grouped(macs), static_cast<double>(macs) * 1e-9);
}

}  // namespace dnsim::tb
