// Float-executor accuracy of a model on a dataset.
#include "testbench/eval_study.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "models/common/output_files.h"
#include "platform/soc.h"
#include "testbench/config_keys.h"
#include "testbench/model_loader.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"
#include "testbench/run_memory.h"
#include "workloads/exec/executor.h"
#include "workloads/topologies/topologies.h"

namespace dnsim::tb {

int run_eval(const EvalOptions& opt, std::ostream& os) {
    using namespace workloads;
    const Graph g = load_model(opt.model);
    // The float executor computes any finite denoiser weight; the accelerator holds them in its
    // 16-bit block format and `dnsim run` refuses weights that format cannot hold. Say so here,
    // or eval and run would disagree on the same model without a word.
    for (const Node& n : g.nodes) {
        if (n.op != Op::Denoiser)
            continue;
        try {
            platform::check_denoiser_weights(g, n, denoiser::BlockFormat{}, opt.model);
        } catch (const ConfigError& e) {
            os << "warning: " << e.what()
               << "; the float result below is not what the accelerator computes, and dnsim "
                  "run refuses this model\n";
        }
    }
    DatasetSpec spec = opt.dataset;
    const std::string note = apply_model_normalisation(spec, g, opt.model);
    if (!note.empty())
        os << note << "\n";
    const Dataset d = load_dataset(spec);
    check_dataset_for_model(d, g);
    check_memory(estimate_eval_memory(graph_footprint(g), d.size(), opt.batch, opt.threads,
                                      exec_group(g, g.infer_shapes(1))),
                 opt.model, "lower exec.threads or dataset.limit");
    const Executor exec(g,
                        {opt.threads, opt.seed,
                         opt.block.stochastic ? DenoiserEpsilon::Gaussian : DenoiserEpsilon::Zero});
    const std::int64_t n = d.size();
    const std::int64_t per_image = d.images.numel() / std::max<std::int64_t>(n, 1);
    std::int64_t correct = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t start = 0; start < n; start += opt.batch) {
        const std::int64_t count = std::min(opt.batch, n - start);
        Dims dims = d.images.dims;
        dims[0] = count;
        Tensor batch(dims);
        std::copy_n(d.images.ptr() + start * per_image, count * per_image, batch.ptr());
        const Tensor logits = exec.run_batch(batch, static_cast<std::uint64_t>(start))[0];
        const std::int64_t classes = logits.numel() / count;
        for (std::int64_t i = 0; i < count; ++i) {
            const float* row = logits.ptr() + i * classes;
            const auto best = std::max_element(row, row + classes) - row;
            correct += best == d.labels[static_cast<std::size_t>(start + i)];
        }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double pct = n > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(n) : 0.0;
    os << fmt::format("model {} on {}: {} images\n", g.name, d.name, n);
    os << fmt::format("top-1 accuracy (float executor, no noise): {:.2f} % ({} of {})\n", pct,
                      correct, n);
    os << fmt::format("throughput: {:.1f} images/s on {} threads ({:.2f} s)\n",
                      static_cast<double>(n) / s, opt.threads, s);
    if (!opt.out_dir.empty()) {
        nlohmann::ordered_json j;
        j["schema_version"] = kResultSchemaVersion;
        j["tool"] = "dnsim eval";
        j["model"] = g.name;
        j["dataset"] = d.name;
        j["images"] = n;
        j["correct"] = correct;
        j["accuracy_pct"] = pct;
        j["images_per_s"] = static_cast<double>(n) / s;
        nlohmann::ordered_json config;
        for (const auto& [key, value] : opt.effective_config)
            config[key] = value;
        j["config"] = config;
        ProvenanceInputs p;
        p.command = opt.command;
        p.model = opt.model;
        p.model_builtin = is_builtin_model(opt.model);
        p.dataset_files = d.files;
        p.config = opt.effective_config;
        p.wall_time_s = s;
        j["provenance"] = provenance_json(p);
        write_file_atomically(opt.out_dir, "summary.json", json_text(j));
        os << "wrote " << opt.out_dir << "/summary.json\n";
    }
    return 0;
}

}  // namespace dnsim::tb
