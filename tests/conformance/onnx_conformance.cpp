// Runs the ONNX backend node tests (Debian's libonnx-testdata) through dnsim's importer and float
// executor. Every case whose model uses an op dnsim claims is reported as passed, failed or not
// supported (with the importer's reason); any failure exits non-zero. --write FILE writes the
// report (docs/onnx-conformance.md); --check FILE fails when that report is out of date;
// --case DIR runs one case directory (model.onnx + test_data_set_*) and exits 0 if it passes.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include "exec/executor.h"
#include "onnx/onnx_io.h"

namespace fs = std::filesystem;
using namespace dnsim::workloads;

namespace {

const std::set<std::string> kClaimed = {
    "Conv",        "BatchNormalization", "Relu",    "Clip",    "LeakyRelu", "Sigmoid",
    "HardSigmoid", "HardSwish",          "Add",     "Mul",     "Concat",    "MaxPool",
    "AveragePool", "GlobalAveragePool",  "Flatten", "Reshape", "Gemm",      "MatMul",
    "Softmax",     "ReduceMean"};

struct Case {
    std::string name;
    std::string ops;
    std::string status;  // passed, FAILED, not supported
    std::string note;
};

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string compare(const Tensor& got, const Tensor& want) {
    if (got.dims != want.dims) {
        return fmt::format("shape {} instead of {}", dims_str(got.dims), dims_str(want.dims));
    }
    // The ONNX backend test tolerance: |got - want| <= atol + rtol * |want|.
    constexpr double rtol = 1e-3;
    constexpr double atol = 1e-7;
    for (std::size_t i = 0; i < want.data.size(); ++i) {
        const double g = got.data[i];
        const double w = want.data[i];
        if (std::isnan(w) && std::isnan(g))
            continue;
        if (!(std::abs(g - w) <= atol + rtol * std::abs(w))) {
            return fmt::format("element {}: {} instead of {}", i, g, w);
        }
    }
    return {};
}

Case run_case(const fs::path& dir) {
    Case c;
    c.name = dir.filename().string();
    onnx::ModelProto model;
    model.ParseFromString(slurp(dir / "model.onnx"));
    std::set<std::string> ops;
    for (const auto& n : model.graph().node())
        ops.insert(n.op_type());
    c.ops = fmt::format("{}", fmt::join(ops, ", "));
    // Graph inputs in file order (input_K.pb), and those dnsim needs constant: the shape of
    // Reshape and the bounds of Clip, frozen from each data set.
    std::set<std::string> inits;
    for (const auto& t : model.graph().initializer())
        inits.insert(t.name());
    std::vector<std::string> input_names;
    for (const auto& v : model.graph().input()) {
        if (inits.count(v.name()) == 0)
            input_names.push_back(v.name());
    }
    // Cases written for an opset below 11 are run with the opset raised to 11 when every op's
    // definition is unchanged from the case's opset to 17 (e.g. HardSigmoid-6), else refused.
    std::string bytes = slurp(dir / "model.onnx");
    for (auto& os : *model.mutable_opset_import()) {
        if (!(os.domain().empty() || os.domain() == "ai.onnx") || os.version() >= 11)
            continue;
        const auto version = static_cast<int>(os.version());
        bool unchanged = true;
        for (const auto& n : model.graph().node()) {
            const auto* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), 17);
            unchanged = unchanged && schema != nullptr && schema->since_version() <= version;
        }
        if (unchanged) {
            c.note = fmt::format(
                "opset {} raised to 11 (the definition is unchanged from opset {} to 17)", version,
                version);
            os.set_version(11);
            model.SerializeToString(&bytes);
        }
    }
    std::set<std::string> static_operands;
    for (const auto& n : model.graph().node()) {
        for (int i = 1; i < n.input_size(); ++i) {
            if (n.op_type() == "Reshape" || n.op_type() == "Clip")
                static_operands.insert(n.input(i));
        }
    }
    try {
        std::vector<fs::path> sets;
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.is_directory())
                sets.push_back(e.path());
        }
        std::sort(sets.begin(), sets.end());
        for (const auto& s : sets) {
            const auto file = [&s](std::size_t k) {
                return (s / fmt::format("input_{}.pb", k)).string();
            };
            FrozenInputs frozen;
            for (std::size_t k = 0; k < input_names.size(); ++k) {
                if (static_operands.count(input_names[k]) != 0)
                    frozen[input_names[k]] = file(k);
            }
            if (!frozen.empty())
                c.note = "static operands frozen from the test data";
            const Graph g = import_onnx_bytes(bytes, (dir / "model.onnx").string(), frozen);
            const Executor exec(g, ExecOptions{1, 0, DenoiserEpsilon::Zero});
            std::vector<Tensor> inputs;
            for (const ValueInfo& v : g.inputs) {
                const auto k = static_cast<std::size_t>(
                    std::find(input_names.begin(), input_names.end(), v.name) -
                    input_names.begin());
                inputs.push_back(read_onnx_tensor(file(k)));
            }
            const auto outputs = exec.run(inputs);
            for (std::size_t i = 0; i < outputs.size(); ++i) {
                const Tensor want = read_onnx_tensor((s / fmt::format("output_{}.pb", i)).string());
                const std::string diff = compare(outputs[i], want);
                if (!diff.empty()) {
                    c.status = "FAILED";
                    c.note = fmt::format("{} output {}: {}", s.filename().string(), i, diff);
                    return c;
                }
            }
        }
        c.status = "passed";
    } catch (const UnsupportedError& e) {
        c.status = "not supported";
        c.note = e.what();
        const auto pos = c.note.find(": ");
        if (pos != std::string::npos)
            c.note = c.note.substr(pos + 2);
    } catch (const std::exception& e) {
        c.status = "FAILED";
        c.note = e.what();
    }
    return c;
}

std::string report(const std::vector<Case>& cases, std::size_t other) {
    std::size_t passed = 0;
    std::size_t unsupported = 0;
    std::size_t failed = 0;
    for (const Case& c : cases) {
        passed += c.status == "passed";
        unsupported += c.status == "not supported";
        failed += c.status == "FAILED";
    }
    std::string out = fmt::format(
        "# ONNX backend node tests (libonnx-testdata 1.12)\n\n"
        "Generated by `build/tests/conformance/dnsim_onnx_conformance --write "
        "docs/onnx-conformance.md`;\nthe `conformance: onnx node tests` test fails when this "
        "page is out of date or any case fails.\n\n"
        "Cases whose model uses an op dnsim supports: **{}** — **{} passed**, **{} not "
        "supported** (reason below), **{} failed**.\n"
        "Cases using only other ops: {} (not listed; the importer rejects them with the op "
        "name).\n\n"
        "Tolerance: |dnsim - expected| <= 1e-7 + 1e-3 * |expected| (the ONNX backend test "
        "default).\n\n"
        "| case | ops | result | reason |\n|---|---|---|---|\n",
        cases.size(), passed, unsupported, failed, other);
    for (const Case& c : cases) {
        std::string note = c.note;
        std::replace(note.begin(), note.end(), '|', '/');
        out += fmt::format("| {} | {} | {} | {} |\n", c.name, c.ops, c.status, note);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::string data = "/usr/share/libonnx-testdata/data/node";
    std::string write_path;
    std::string check_path;
    std::string single_case;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--data" && i + 1 < argc) {
            data = argv[++i];
        } else if (a == "--write" && i + 1 < argc) {
            write_path = argv[++i];
        } else if (a == "--check" && i + 1 < argc) {
            check_path = argv[++i];
        } else if (a == "--case" && i + 1 < argc) {
            single_case = argv[++i];
        } else {
            std::cerr
                << "usage: dnsim_onnx_conformance [--data DIR] [--write FILE | --check FILE]\n";
            return 2;
        }
    }
    if (!single_case.empty()) {
        const Case c = run_case(single_case);
        std::cout << c.name << " [" << c.ops << "]: " << c.status
                  << (c.note.empty() ? "" : " (" + c.note + ")") << "\n";
        return c.status == "passed" ? 0 : 1;
    }
    if (!fs::is_directory(data)) {
        std::cerr << "dnsim_onnx_conformance: " << data
                  << ": not a directory (install libonnx-testdata)\n";
        return 2;
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(data)) {
        if (e.is_directory() && fs::exists(e.path() / "model.onnx"))
            dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    std::vector<Case> cases;
    std::size_t other = 0;
    for (const auto& d : dirs) {
        onnx::ModelProto model;
        model.ParseFromString(slurp(d / "model.onnx"));
        const bool relevant =
            std::any_of(model.graph().node().begin(), model.graph().node().end(),
                        [](const auto& n) { return kClaimed.count(n.op_type()) != 0; });
        if (!relevant) {
            ++other;
            continue;
        }
        cases.push_back(run_case(d));
    }
    const std::string text = report(cases, other);
    int rc = 0;
    for (const Case& c : cases) {
        if (c.status == "FAILED") {
            std::cerr << "FAILED " << c.name << ": " << c.note << "\n";
            rc = 1;
        }
    }
    if (!write_path.empty()) {
        std::ofstream(write_path) << text;
    }
    if (!check_path.empty() && slurp(check_path) != text) {
        std::cerr << check_path << " is out of date; regenerate it with --write " << check_path
                  << "\n";
        rc = 1;
    }
    std::cout << text.substr(0, text.find("| case |"));
    return rc;
}
