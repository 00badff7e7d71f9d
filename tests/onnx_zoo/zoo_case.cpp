// Runs one model-zoo case (tests/onnx_zoo/zoo.py): imports an ONNX model with dnsim, evaluates
// it on the given input with the float executor and compares the logits with PyTorch's.
// Prints the max relative error max|dnsim - torch| / max|torch| over the logits; exit 0 when it
// is within the tolerance, 1 when it is not, 2 when the import fails (message on stdout).
#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "workloads/exec/executor.h"
#include "workloads/onnx/onnx_io.h"

using namespace dnsim::workloads;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: dnsim_zoo_case MODEL.onnx INPUT.pb OUTPUT.pb [TOLERANCE]\n";
        return 3;
    }
    const double tol = argc > 4 ? std::stod(argv[4]) : 1e-4;
    Graph g;
    try {
        g = import_onnx(argv[1]);
    } catch (const std::exception& e) {
        std::cout << "import failed: " << e.what() << "\n";
        return 2;
    }
    try {
        const Tensor x = read_onnx_tensor(argv[2]);
        const Tensor want = read_onnx_tensor(argv[3]);
        const Executor exec(g, ExecOptions{1, 0, DenoiserEpsilon::Zero});
        const auto out = exec.run({x});
        const Tensor& got = out.at(0);
        if (got.dims != want.dims) {
            std::cout << fmt::format("logits have shape {}, PyTorch's {}\n", dims_str(got.dims),
                                     dims_str(want.dims));
            return 1;
        }
        double diff = 0.0;
        double scale = 0.0;
        for (std::size_t i = 0; i < want.data.size(); ++i) {
            diff = std::max(diff, std::abs(static_cast<double>(got.data[i]) - want.data[i]));
            scale = std::max(scale, std::abs(static_cast<double>(want.data[i])));
        }
        const double rel = scale > 0.0 ? diff / scale : diff;
        std::cout << fmt::format("imported: {} nodes; max relative error: {:.3g}\n", g.nodes.size(),
                                 rel);
        return std::isfinite(rel) && rel <= tol ? 0 : 1;
    } catch (const std::exception& e) {
        std::cout << "run failed: " << e.what() << "\n";
        return 1;
    }
}
