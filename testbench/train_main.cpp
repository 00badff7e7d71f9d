// dnsim-train: the LibTorch training flow as its own program. It is kept out of the `dnsim`
// binary on purpose: LibTorch brings hundreds of MB of shared libraries and an OpenMP runtime
// that a SystemC simulation does not need, and a separate process keeps `dnsim` quick to build,
// link and start. Both read and write the same ONNX files.
//
//   dnsim-train backbone  MODEL --epochs 5 --out DIR                       train from scratch
//   dnsim-train place     MODEL --noise.activation_k 0.06 --budget 0.04    choose denoiser sites
//   dnsim-train denoisers MODEL --noise.activation_k 0.06 --out DIR        train only the blocks
//   dnsim-train nit       MODEL --noise.activation_k 0.06 --out DIR        fine-tune with noise
//   dnsim-train qat       MODEL --noise.activation_k 0.06 --out DIR        4-bit weight grid
//   dnsim-train qat       MODEL --noise.activation_k 0.06 --reuse-training QAT_DIR --out DIR
//                         (QAT trains without noise: another level's run is this one's training)
// Every stage writes DIR/model.onnx (except place: placement.json), DIR/train.json with the
// command, seed, accuracies and time, a checkpoint per epoch, and continues with --resume.
// What it shares with dnsim run has the same key (train_keys.h; docs/keys.md).
#include <torch/torch.h>
#undef CHECK

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/heap.h"
#include "models/common/input_files.h"
#include "models/common/isa.h"
#include "models/common/output_files.h"
#include "models/common/sha256.h"
#include "models/common/version.h"
#include "testbench/config_binder.h"
#include "testbench/config_keys.h"
#include "testbench/model_loader.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"
#include "testbench/train_keys.h"
#include "workloads/graph/transforms.h"
#include "workloads/onnx/onnx_io.h"
#include "workloads/training/placement.h"
#include "workloads/training/trainer.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using dnsim::ConfigError;
using namespace dnsim;

namespace {

struct StageOptions {
    std::string stage;
    std::string model;
    std::string out = "results/train";
    tb::TrainSettings settings;
    training::TrainOptions train;
    std::string layers;  ///< explicit denoiser sites (overrides placement)
    bool resume = false;
    /// --reuse-training DIR (qat): the finished QAT stage whose training this stage takes.
    std::string reuse;
    std::string dump_config;  ///< --dump-config FILE
    /// The noise trained against: noise.activation_k, noise.magnitude, noise.distribution.
    training::TorchNoise noise() const {
        return {settings.noise.activation_k, settings.noise.magnitude, settings.noise.distribution,
                settings.on_chip()};
    }
    /// platform.ini: the cgra.* and noise.* keys trained for, for `dnsim run --config`.
    std::string platform_ini;
};

StageOptions parse(int argc, const char* const* argv, const std::string& stage) {
    StageOptions o;
    o.stage = stage;
    o.settings = tb::train_defaults(stage);
    tb::ConfigBinder binder(fmt::format("Keys shared with dnsim run of 'dnsim-train {}'", stage));
    tb::bind_train_keys(binder, o.settings);
    binder.alias("layers", "denoisers", true);
    po::options_description general(fmt::format("Options of 'dnsim-train {}'", stage));
    general.add_options()("help,h", "print this help")("model", po::value<std::string>(&o.model),
                                                       "built-in name or .onnx file")(
        "out", po::value<std::string>(&o.out), "output directory")(
        "config", po::value<std::string>(), "INI file with any of the configuration keys")(
        "dump-config", po::value<std::string>(&o.dump_config),
        "write every configuration key with its resolved value to FILE (INI); --config FILE "
        "reruns the same configuration")(
        "denoisers", po::value<std::string>(&o.layers),
        "denoiser sites, comma-separated (instead of --placement)")(
        "resume", "continue from the last epoch checkpoint in --out")(
        "reuse-training", po::value<std::string>(&o.reuse),
        "qat: take the training of the finished QAT stage in DIR (same model and recipe, "
        "another noise.activation_k: QAT trains and chooses its epoch without noise) and "
        "measure it under this run's noise");
    po::options_description cli;
    cli.add(general).add(binder.command_line());
    po::positional_options_description positional;
    positional.add("model", 1);
    po::variables_map vm;
    tb::ConfigOrigins origins;
    tb::parse_options(argc, argv, cli, binder.options(), &positional, vm, &origins);
    if (vm.count("help") != 0) {
        std::cout << fmt::format("usage: dnsim-train {} MODEL [options]\n\n", stage) << cli << "\n";
        std::exit(0);
    }
    if (o.model.empty())
        throw ConfigError("model", "missing; usage: dnsim-train " + stage + " MODEL");
    for (const std::string& key : binder.aliased(vm))
        origins.forget(key);
    origins.annotate([&] {
        binder.apply(vm);
        binder.check();
        o.settings.cgra.validate();
    });
    for (const std::string& line : binder.deprecations(vm))
        std::cerr << "dnsim-train: warning: " << line << "\n";
    // --layers is an alias of an option, not of a key: the binder reports it, this reads it.
    if (vm.count("layers") != 0)
        o.layers = vm["layers"].as<std::string>();
    o.resume = vm.count("resume") != 0;
    if (!o.reuse.empty() && stage != "qat")
        throw ConfigError("reuse-training",
                          "only 'dnsim-train qat' takes it: the other stages train under the "
                          "noise, so another level's training is not theirs");
    if (!o.reuse.empty() && o.resume)
        throw ConfigError("reuse-training",
                          "takes a finished stage's training; --resume continues this stage's "
                          "own: give one of them");
    const tb::TrainSettings& t = o.settings;
    if (t.reconstruction_weight > 0.0 && stage != "denoisers")
        throw ConfigError("reconstruction-weight",
                          "a term of the denoiser blocks' loss: only 'dnsim-train denoisers' "
                          "takes it");
    o.train.recipe.epochs = t.epochs;
    o.train.recipe.lr = t.lr;
    o.train.recipe.schedule = t.lr_schedule;
    o.train.recipe.lr_patience = t.lr_patience;
    o.train.recipe.lr_factor = t.lr_factor;
    o.train.recipe.patience = t.patience;
    o.train.augment = t.augment;
    o.train.batch = t.batch;
    o.train.seed = t.seed;
    if (stage != "place" && t.validation == 0) {
        if (t.lr_schedule == training::LrSchedule::Plateau)
            throw ConfigError("lr-schedule",
                              "plateau reads the validation accuracy; it needs "
                              "--validation N with N > 0");
        if (t.patience > 0)
            throw ConfigError("patience",
                              "early stopping reads the validation accuracy; it "
                              "needs --validation N with N > 0");
    }
    // The environment is checked (and the cap set) before any output is written, and before
    // LibTorch's first kernel.
    training::limit_cpu_kernels(t.cpu_kernels);
    // Checked now, not after hours of training.
    std::vector<std::string> outputs{"train.json", "model.onnx", "epochs.json"};
    if (stage == "place")
        outputs = {"placement.json"};
    for (int k = 1; stage != "place" && k <= o.train.recipe.epochs; ++k) {
        outputs.push_back(fmt::format("epoch_{}.onnx", k));
        outputs.push_back(fmt::format("optimizer_{}.pt", k));
    }
    if (stage != "place")
        outputs.push_back("platform.ini");
    check_output_dir(o.out, outputs, "out");
    if (!o.dump_config.empty()) {
        write_output_file(
            o.dump_config,
            binder.resolved_ini(vm, fmt::format("dnsim-train {} {}: every configuration key, "
                                                "resolved; dnsim-train {} --config FILE reruns "
                                                "it (MODEL and the options are not keys)",
                                                stage, kVersion, stage)),
            "dump-config");
    }
    o.platform_ini = binder.resolved_ini(
        vm,
        fmt::format("dnsim-train {} {}: the platform keys this model was trained for; dnsim run "
                    "MODEL --config FILE replays it on them",
                    stage, kVersion),
        tb::is_platform_key);
    return o;
}

/// The epoch k of a checkpoint file `name` of the form <prefix><k><suffix> (0: not one).
int checkpoint_epoch(const std::string& name, const std::string& prefix,
                     const std::string& suffix) {
    if (name.size() <= prefix.size() + suffix.size() ||
        name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return 0;
    const std::string digits =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 6 || digits.front() == '0' ||
        digits.find_first_not_of("0123456789") != std::string::npos)
        return 0;
    return std::stoi(digits);
}

/// The highest epoch_<k>.onnx in `dir` (0: none). Earlier ones may be gone
/// (--keep-checkpoints needed).
int last_checkpoint(const std::string& dir) {
    int last = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        last = std::max(last, checkpoint_epoch(e.path().filename().string(), "epoch_", ".onnx"));
    return last;
}

/// --keep-checkpoints needed: removes the epoch files of `dir` no longer needed after the
/// finished epochs `history` (training::weights_needed). Only the stage's own file names
/// (epoch_<k>.onnx, optimizer_<k>.pt) of epochs before the last are touched.
void drop_checkpoints(const std::string& dir, training::KeepCheckpoints keep,
                      const std::vector<training::EpochResult>& history) {
    if (keep == training::KeepCheckpoints::All || history.empty())
        return;
    const int last = history.back().epoch;
    const std::vector<double> curve = training::validation_curve(history);
    const std::vector<double> validation =
        curve.size() == history.size() ? curve : std::vector<double>{};
    std::error_code ec;
    std::vector<fs::path> drop;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        const int weights = checkpoint_epoch(name, "epoch_", ".onnx");
        const int state = checkpoint_epoch(name, "optimizer_", ".pt");
        if ((weights > 0 && weights < last &&
             !training::weights_needed(keep, validation, last, weights)) ||
            (state > 0 && state < last))
            drop.push_back(e.path());
    }
    for (const fs::path& p : drop)
        fs::remove(p, ec);
}

/// The stage's training, validation and test sets, normalised as the model asks.
struct StageData {
    workloads::DatasetSpec spec;  ///< the training set's (placement calibrates on it too)
    workloads::Dataset train;
    workloads::Dataset validation;  ///< held out of the training split (may be empty)
    workloads::Dataset test;
};

/// Images [begin, end) of `d`.
workloads::Dataset slice(const workloads::Dataset& d, std::int64_t begin, std::int64_t end) {
    workloads::Dataset s;
    s.name = d.name;
    s.files = d.files;
    s.normalisation = d.normalisation;
    const std::int64_t per = d.size() > 0 ? d.images.numel() / d.size() : 0;
    workloads::Dims dims = d.images.dims;
    dims[0] = end - begin;
    s.images = workloads::Tensor(dims, std::vector<float>(d.images.data.begin() + begin * per,
                                                          d.images.data.begin() + end * per));
    s.labels.assign(d.labels.begin() + begin, d.labels.begin() + end);
    return s;
}

/// The training split less its last `validation` images (then the first dataset.limit of the
/// rest), and those images as the validation set.
void split_validation(StageData& d, const StageOptions& o) {
    const std::int64_t held = o.settings.validation;
    if (held == 0 || o.stage == "place")
        return;
    const std::int64_t total = d.train.size();
    if (held >= total) {
        throw ConfigError("validation",
                          fmt::format("{} images held out of a training split of {} leave none "
                                      "to train on; give --validation N below {} (0: no "
                                      "validation set, the last epoch is kept)",
                                      held, total, total));
    }
    const std::int64_t limit = o.settings.data.limit;
    if (limit > total - held) {
        throw ConfigError("dataset.limit",
                          fmt::format("{} training images asked for, but {} of the split's {} "
                                      "are held out for validation (--validation); at most {}",
                                      limit, held, total, total - held));
    }
    d.validation = slice(d.train, total - held, total);
    d.train = slice(d.train, 0, limit > 0 ? limit : total - held);
}

StageData load_stage_data(const StageOptions& o, const workloads::Graph& g) {
    StageData d;
    d.spec = o.settings.data;
    const std::string note = tb::apply_model_normalisation(d.spec, g, o.model);
    if (!note.empty())
        std::cout << note << "\n";
    workloads::DatasetSpec whole = d.spec;
    if (o.settings.validation > 0 && o.stage != "place")
        whole.limit = 0;  // the validation images are the split's last
    d.train = workloads::load_dataset(whole);
    split_validation(d, o);
    workloads::DatasetSpec test_spec = d.spec;
    test_spec.split = "test";
    test_spec.limit = o.settings.test_limit;
    d.test = workloads::load_dataset(test_spec);
    workloads::check_dataset_for_model(d.train, g);
    return d;
}

/// Ranks the layers of `g` (--placement) and chooses the denoiser sites within the budget;
/// the ranking goes to the console and to j["placement"].
std::vector<std::string> place(const StageOptions& o, const workloads::Graph& g,
                               const workloads::DatasetSpec& data,
                               const training::TorchNoise& noise, nlohmann::json& j) {
    training::PlacementOptions po_;
    po_.method = o.settings.placement;
    po_.budget = o.settings.budget;
    po_.ratio = o.settings.denoiser_ratio;
    po_.noise = noise;
    po_.chip = o.settings.noise;
    po_.cgra = o.settings.cgra;
    po_.seed = o.train.seed;
    workloads::DatasetSpec calib = data;
    calib.limit = o.settings.calibration;
    const training::Placement p = training::place_denoisers(g, workloads::load_dataset(calib), po_);
    nlohmann::json rank = nlohmann::json::array();
    for (const auto& [name, score] : p.ranking)
        rank.push_back({{"layer", name}, {"score", score}});
    j["placement"] = {{"method", training::to_string(o.settings.placement)},
                      {"budget", o.settings.budget},
                      {"ranking", rank},
                      {"layers", p.layers},
                      {"block_params", p.block_params},
                      {"backbone_params", p.backbone_params}};
    std::cout << fmt::format(
        "placement ({}, {}): {} block(s), {} parameters "
        "({:.2f} % of {}):\n",
        training::to_string(o.settings.placement),
        o.settings.placement == training::PlacementMethod::All
            ? std::string("no budget")
            : fmt::format("budget {:.1f} %", 100 * o.settings.budget),
        p.layers.size(), p.block_params, 100.0 * double(p.block_params) / double(p.backbone_params),
        p.backbone_params);
    for (std::size_t i = 0; i < p.ranking.size(); ++i) {
        const bool chosen =
            std::find(p.layers.begin(), p.layers.end(), p.ranking[i].first) != p.layers.end();
        std::cout << fmt::format("  {:>3}. {:<32} {:>12.4g}{}\n", i + 1, p.ranking[i].first,
                                 p.ranking[i].second, chosen ? "  <- denoiser" : "");
    }
    return p.layers;
}

nlohmann::json number_or_null(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

double number_or_nan(const nlohmann::json& v) {
    return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

nlohmann::json epoch_json(const training::EpochResult& r) {
    nlohmann::json j = {{"epoch", r.epoch},
                        {"lr", r.lr},
                        {"loss", number_or_null(r.loss)},
                        {"train_accuracy_pct", r.train_accuracy_pct},
                        {"validation_accuracy_pct", number_or_null(r.validation_accuracy_pct)},
                        {"test_accuracy_pct", r.test_accuracy_pct},
                        {"seconds", r.seconds}};
    if (!r.cpu_kernels.empty())
        j["cpu_kernels"] = r.cpu_kernels;
    if (!r.onednn_isa.empty())
        j["onednn_isa"] = r.onednn_isa;
    return j;
}

/// What a resumed run must share with the run it continues: everything that decides the
/// epochs except their number (--epochs may grow).
nlohmann::json recipe_identity(const StageOptions& o, const training::TorchNoise& noise) {
    const tb::TrainSettings& t = o.settings;
    nlohmann::json id = {{"stage", o.stage},
                         {"lr", t.lr},
                         {"lr_schedule", training::to_string(t.lr_schedule)},
                         {"lr_patience", t.lr_patience},
                         {"lr_factor", t.lr_factor},
                         {"patience", t.patience},
                         {"augment", training::to_string(t.augment)},
                         {"validation", t.validation},
                         {"dataset.limit", t.data.limit},
                         {"batch", t.batch},
                         {"run.seed", t.seed},
                         {"noise.activation_k", noise.k},
                         {"noise.magnitude", cgra::to_string(noise.magnitude)},
                         {"noise.distribution", cgra::to_string(noise.distribution)}};
    if (o.stage == "qat")
        id["qat-bits"] = t.qat_bits;
    // Recorded only when not the default, so records written before these options resume.
    if (!t.block.stochastic)
        id["block.stochastic"] = false;
    if (t.reconstruction_weight > 0.0)
        id["reconstruction-weight"] = t.reconstruction_weight;
    // LibTorch's CPU kernels split their sums by thread, so another thread count trains a
    // (slightly) different model: a resume keeps the count it started with. A record without
    // the key was trained with the default (2): changing that default would let old
    // checkpoints resume on another count.
    if (t.threads != tb::TrainSettings{}.threads)
        id["exec.threads"] = t.threads;
    if (t.on_chip()) {
        id["noise.programming_sigma"] = t.noise.programming_sigma;
        id["noise.stuck_fraction"] = t.noise.stuck_fraction;
        id["noise.chip_seed"] = t.noise.chip_seed;
    }
    return id;
}

/// "LibTorch AVX2, oneDNN avx2": the kernels an epoch ran with ("?" for a level its record
/// predates).
std::string kernels_text(const std::string& torch_level, const std::string& onednn_isa) {
    return fmt::format("LibTorch {}, oneDNN {}", torch_level.empty() ? "?" : torch_level,
                       onednn_isa.empty() ? "?" : onednn_isa);
}

/// A resume continues exactly from the checkpoint, but kernels of another vector level round
/// differently: say so when the epochs so far ran on other kernels, or on kernels their
/// record does not name (oneDNN's, in records older than its field).
void note_other_cpu_kernels(const std::vector<training::EpochResult>& epochs) {
    const std::string torch_here = training::torch_cpu_kernels();
    const std::string onednn_here = training::onednn_cpu_isa();
    // Runs of consecutive epochs on the same other kernels: "epochs 4-12 on ...".
    std::vector<std::string> other;
    for (std::size_t i = 0; i < epochs.size();) {
        const training::EpochResult& first = epochs[i];
        std::size_t end = i + 1;
        while (end < epochs.size() && epochs[end].cpu_kernels == first.cpu_kernels &&
               epochs[end].onednn_isa == first.onednn_isa)
            ++end;
        if (first.cpu_kernels != torch_here || first.onednn_isa != onednn_here) {
            const std::string kernels = kernels_text(first.cpu_kernels, first.onednn_isa);
            other.push_back(end - i == 1 ? fmt::format("epoch {} on {}", first.epoch, kernels)
                                         : fmt::format("epochs {}-{} on {}", first.epoch,
                                                       epochs[end - 1].epoch, kernels));
        }
        i = end;
    }
    if (!other.empty()) {
        std::cerr << fmt::format(
            "note: this run's CPU kernels are {}, and {} (? : not recorded): the run continues "
            "from the checkpoint, but its later epochs will not be bit-identical to a run on "
            "one machine (docs/training.md, \"Threads and machines\")\n",
            kernels_text(torch_here, onednn_here), fmt::join(other, ", "));
    }
}

/// DIR/epochs.json: the recipe, the test accuracy before training and every finished epoch,
/// written after each epoch before its checkpoint (so it never records fewer epochs than the
/// checkpoints hold).
struct EpochFile {
    nlohmann::json recipe;
    nlohmann::json before;  ///< null for the backbone stage
    std::vector<training::EpochResult> epochs;
};

/// The first `checkpoints` epochs of DIR/epochs.json, checked against `recipe`.
/// `reuse`: read for --reuse-training (the errors say so) rather than for --resume.
EpochFile read_epochs(const std::string& dir, int checkpoints, const nlohmann::json& recipe,
                      bool reuse = false) {
    const std::string refuse = reuse ? "cannot reuse its training" : "cannot resume";
    const std::string advice =
        reuse ? "give the same settings" : "use another --out or the same settings";
    const std::string trained = reuse ? "it was trained" : "the checkpoints were trained";
    const std::string path = (fs::path(dir) / "epochs.json").string();
    if (!fs::exists(path))
        throw ConfigError(path, refuse + ": missing (every epoch writes it beside its checkpoint)");
    EpochFile f;
    try {
        const nlohmann::json j =
            nlohmann::json::parse(read_input_file(path, std::int64_t{1} << 26, "an epochs.json"));
        f.recipe = j.at("recipe");
        f.before = j.at("before");
        for (const nlohmann::json& e : j.at("epochs")) {
            training::EpochResult r;
            r.epoch = e.at("epoch").get<int>();
            r.lr = e.at("lr").get<double>();
            r.loss = number_or_nan(e.at("loss"));
            r.train_accuracy_pct = e.at("train_accuracy_pct").get<double>();
            r.validation_accuracy_pct = number_or_nan(e.at("validation_accuracy_pct"));
            r.test_accuracy_pct = e.at("test_accuracy_pct").get<double>();
            r.seconds = e.at("seconds").get<double>();
            r.cpu_kernels = e.value("cpu_kernels", std::string());
            r.onednn_isa = e.value("onednn_isa", std::string());
            f.epochs.push_back(r);
        }
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(path,
                          refuse + ": not the epoch record dnsim-train writes (" + e.what() + ")");
    }
    if (static_cast<int>(f.epochs.size()) < checkpoints) {
        throw ConfigError(path,
                          fmt::format("{}: it records {} epoch(s) but {}", refuse, f.epochs.size(),
                                      reuse ? fmt::format("train.json says {} ran", checkpoints)
                                            : fmt::format("the last checkpoint is "
                                                          "epoch_{}.onnx",
                                                          checkpoints)));
    }
    f.epochs.resize(static_cast<std::size_t>(checkpoints));  // an epoch cut off before its file
    for (const auto& [key, value] : f.recipe.items()) {
        if (!recipe.contains(key)) {
            throw ConfigError(
                path, fmt::format("{}: {} with {} = {}, this run leaves it at its default; {}",
                                  refuse, trained, key, value.dump(), advice));
        }
    }
    for (const auto& [key, value] : recipe.items()) {
        if (!f.recipe.contains(key) || f.recipe[key] != value) {
            const std::string was =
                f.recipe.contains(key) ? "= " + f.recipe[key].dump() : "at its default";
            throw ConfigError(path, fmt::format("{}: {} with {} {}, this run asks for {}; {}",
                                                refuse, trained, key, was, value.dump(), advice));
        }
    }
    return f;
}

/// What the stage trains (the backbone or the denoisers) and the noise it trains and evaluates
/// under.
void configure_stage(const std::string& stage, const training::TorchNoise& noise,
                     training::TorchGraph& model, training::TrainOptions& topt) {
    if (stage == "backbone" || stage == "qat") {
        // QAT trains on the weight grid without noise, and chooses its epoch without it: a
        // hardening method that does not know the noise it will meet.
        model.set_trainable(true, false);
    } else if (stage == "denoisers") {
        model.set_trainable(false, true);
        topt.noise = noise;
        topt.eval_noise = noise;
        topt.train_mode_bn = false;  // the backbone is frozen, BatchNorm statistics included
    } else {                         // nit
        model.set_trainable(true, false);
        topt.noise = noise;
        topt.eval_noise = noise;
    }
}

/// Test accuracy, clean and under `noise`, from the same random state each time.
/// (Clean: the blocks subtract their mean alone; noisy: they draw epsilon unless
/// `zero_epsilon`, block.stochastic 0.)
nlohmann::json test_accuracy(training::TorchGraph& model, const workloads::Dataset& test,
                             const training::TorchNoise& noise, std::uint64_t seed,
                             bool zero_epsilon) {
    torch::manual_seed(seed);
    nlohmann::json acc = {{"clean_pct", training::evaluate(model, test, {}, 256, true)},
                          {"noisy_pct", training::evaluate(model, test, noise, 256, zero_epsilon)}};
    return acc;
}

/// Trains `model` for the stage's epochs, writing each epoch's weights back into `g` and to
/// epoch_<k>.onnx in `out`, and the record of every finished epoch to epochs.json. Returns
/// every epoch (a resumed run's earlier ones first).
std::vector<training::EpochResult> train_epochs(training::TorchGraph& model, workloads::Graph& g,
                                                const StageData& data,
                                                const training::TrainOptions& topt,
                                                const std::string& out, const EpochFile& file,
                                                training::KeepCheckpoints keep) {
    nlohmann::json history = nlohmann::json::array();
    std::vector<training::EpochResult> finished = topt.history;
    for (const training::EpochResult& r : topt.history)
        history.push_back(epoch_json(r));
    return training::train(
        model, data.train, data.validation, data.test, topt,
        [&](const training::EpochResult& r) {
            const std::string validation =
                std::isnan(r.validation_accuracy_pct)
                    ? std::string()
                    : fmt::format("validation {:.2f} %, ", r.validation_accuracy_pct);
            std::cerr << fmt::format(
                "\repoch {}/{}: lr {:.3g}, loss {:.4f}, train {:.2f} %, {}test {:.2f} %{}, "
                "{:.1f} s\n",
                r.epoch, topt.recipe.epochs, r.lr, r.loss, r.train_accuracy_pct, validation,
                r.test_accuracy_pct, topt.eval_noise.k > 0 ? " (noisy)" : "", r.seconds);
            history.push_back(epoch_json(r));
            // The record first: an interruption between the two leaves a record one epoch
            // ahead of the checkpoints, which a resume cuts back.
            write_file_atomically(
                out, "epochs.json",
                tb::json_text(nlohmann::json{
                    {"recipe", file.recipe}, {"before", file.before}, {"epochs", history}}));
            model.write_back(g);
            workloads::export_onnx(
                g, (fs::path(out) / fmt::format("epoch_{}.onnx", r.epoch)).string());
            // Only once this epoch's files are complete may earlier ones go.
            finished.push_back(r);
            drop_checkpoints(out, keep, finished);
        },
        [](std::int64_t done, std::int64_t total) {
            if (done % (128 * 40) < 128 || done == total) {
                std::cerr << fmt::format("\r  {}/{} images", done, total) << std::flush;
            }
        });
}

/// --reuse-training DIR: a finished QAT stage's record, checked against this run.
struct ReusedTraining {
    std::vector<training::EpochResult> epochs;
    int kept = 0;                   ///< its selected_epoch
    double seconds = 0.0;           ///< its train.json "seconds" (the training's time)
    double activation_k = 0.0;      ///< the noise it was measured under
    double before_clean_pct = 0.0;  ///< its clean test accuracy before training (on the grid)
    std::int64_t test_images = -1;  ///< the test images it was measured on (-1: not recorded)
    int epochs_run = 0;
    int epochs_max = 0;      ///< --epochs it was trained with
    workloads::Graph model;  ///< its model.onnx (on the grid)
};

/// The lines of section [name] of an INI text (platform.ini), without comments and blank lines.
std::vector<std::string> ini_section(const std::string& text, const std::string& name) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == ';' || line[0] == '#')
            continue;
        if (line[0] == '[')
            inside = line == "[" + name + "]";
        else if (inside)
            lines.push_back(line);
    }
    return lines;
}

/// QAT trains on the weight grid and chooses its epoch without noise (configure_stage), so its
/// training does not depend on noise.activation_k: a QAT stage trained from the same model with
/// the same recipe at another level is this stage's training, epoch for epoch. `recipe` is this
/// run's identity, `start` this run's train.json so far (start_model). The accuracy before
/// training is checked by the caller once measured (check_reused_start).
ReusedTraining read_reused_training(const StageOptions& o, const nlohmann::json& recipe,
                                    const nlohmann::json& start) {
    const fs::path dir(o.reuse);
    const std::string train_path = (dir / "train.json").string();
    const std::string model_path = (dir / "model.onnx").string();
    if (!fs::is_directory(dir))
        throw ConfigError("reuse-training", "'" + o.reuse + "' is not a directory");
    std::error_code ec;
    if (fs::exists(o.out, ec) && fs::equivalent(dir, o.out, ec))
        throw ConfigError("reuse-training",
                          "'" + o.reuse + "' is --out: give this stage its own directory");
    if (!fs::exists(train_path) || !fs::exists(model_path))
        throw ConfigError(o.reuse,
                          "not a finished stage: train.json and model.onnx are written "
                          "when its last epoch ends");
    ReusedTraining r;
    try {
        const nlohmann::json t = nlohmann::json::parse(
            read_input_file(train_path, std::int64_t{1} << 26, "a train.json"));
        if (t.at("stage").get<std::string>() != "qat")
            throw ConfigError(train_path,
                              fmt::format("a '{}' stage; --reuse-training takes a qat stage's "
                                          "training (the others train under their noise)",
                                          t.at("stage").get<std::string>()));
        r.kept = t.at("selected_epoch").get<int>();
        r.seconds = t.at("seconds").get<double>();
        r.activation_k = t.at("sigma").get<double>();
        // Same model: its file's digest where both runs recorded one (check_reused_start
        // compares the accuracy before training in any case).
        if (t.contains("start_model") && t["start_model"].contains("sha256") &&
            start.at("start_model").contains("sha256") &&
            t["start_model"]["sha256"] != start["start_model"]["sha256"])
            throw ConfigError("reuse-training",
                              fmt::format("{} trained from another model ({}, SHA-256 {}) than "
                                          "this run's {} (SHA-256 {})",
                                          o.reuse, t["start_model"].value("path", "?"),
                                          t["start_model"]["sha256"].get<std::string>(), o.model,
                                          start["start_model"]["sha256"].get<std::string>()));
        r.before_clean_pct = t.at("before").at("clean_pct").get<double>();
        r.test_images = t.value("test_images", std::int64_t{-1});
        r.epochs_run = t.at("epochs_run").get<int>();
        r.epochs_max = t.at("recipe").at("epochs_max").get<int>();
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(train_path,
                          std::string("not the train.json dnsim-train writes (") + e.what() + ")");
    }
    // Trained for as many epochs as this stage asks (whether it ran them all or stopped early,
    // as this recipe would have: the same rules on the same validation accuracies).
    if (r.epochs_max != o.train.recipe.epochs)
        throw ConfigError("reuse-training",
                          fmt::format("{} was trained for {} epoch(s) (--epochs); this stage "
                                      "asks for {}",
                                      o.reuse, r.epochs_max, o.train.recipe.epochs));
    // The same recipe, but for the noise it was measured under.
    nlohmann::json same = recipe;
    same["noise.activation_k"] = r.activation_k;
    r.epochs = read_epochs(o.reuse, r.epochs_run, same, true).epochs;
    if (r.kept < 1 || r.kept > static_cast<int>(r.epochs.size()))
        throw ConfigError(train_path, fmt::format("selected_epoch {} is not one of its {} epochs",
                                                  r.kept, r.epochs.size()));
    // The same platform: it decides which layers are analog, and so which weights the grid
    // holds (platform.ini's [cgra] section; the noise keys may differ).
    const std::string ini_path = (dir / "platform.ini").string();
    if (!fs::exists(ini_path))
        throw ConfigError(o.reuse, "not a finished stage: platform.ini is written with model.onnx");
    const std::vector<std::string> theirs =
        ini_section(read_input_file(ini_path, std::int64_t{1} << 20, "a platform.ini"), "cgra");
    const std::vector<std::string> ours = ini_section(o.platform_ini, "cgra");
    if (theirs != ours) {
        std::size_t i = 0;
        while (i < theirs.size() && i < ours.size() && theirs[i] == ours[i])
            ++i;
        throw ConfigError(
            "reuse-training",
            fmt::format("{} was trained for another platform: its [cgra] has '{}', this run's "
                        "'{}'",
                        ini_path, i < theirs.size() ? theirs[i] : std::string("(nothing)"),
                        i < ours.size() ? ours[i] : std::string("(nothing)")));
    }
    // Epoch files of a run trained in --out would sit beside a record that is not theirs.
    if (last_checkpoint(o.out) > 0)
        throw ConfigError("out",
                          fmt::format("{} holds epoch checkpoints (epoch_K.onnx) of a stage "
                                      "trained there; --reuse-training writes another stage's "
                                      "record: give another --out or remove them",
                                      o.out));
    r.model = workloads::import_onnx(model_path);
    return r;
}

/// Same model, same test images: the clean accuracy before training (on the grid, no noise:
/// no random draw) is the reused stage's.
void check_reused_start(const StageOptions& o, const ReusedTraining& r,
                        const nlohmann::json& before, std::int64_t test_images) {
    if (r.test_images >= 0 && r.test_images != test_images)
        throw ConfigError("reuse-training",
                          fmt::format("{} was measured on {} test images, this run on {} "
                                      "(--test-limit)",
                                      o.reuse, r.test_images, test_images));
    const double here = before.at("clean_pct").get<double>();
    if (r.before_clean_pct != here)
        throw ConfigError("reuse-training",
                          fmt::format("{} started from another model, or was measured on other "
                                      "test images or CPU kernels: its clean test accuracy "
                                      "before training was {} %, this run's is {} %",
                                      o.reuse, r.before_clean_pct, here));
}

int run_stage(const StageOptions& o, const std::string& invocation) {
    at::set_num_threads(static_cast<int>(o.settings.threads));
    const auto t0 = std::chrono::steady_clock::now();
    const auto seconds = [&t0] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const tb::TrainSettings& t = o.settings;
    workloads::Graph g = tb::load_model(o.model);
    const StageData data = load_stage_data(o, g);
    const training::TorchNoise noise = o.noise();
    nlohmann::json j;
    j["command"] = invocation;
    j["stage"] = o.stage;
    j["seed"] = o.train.seed;
    j["sigma"] = noise.k;
    if (t.on_chip())
        j["chip"] = {{"programming_sigma", t.noise.programming_sigma},
                     {"stuck_fraction", t.noise.stuck_fraction},
                     {"chip_seed", t.noise.chip_seed}};
    j["magnitude"] = cgra::to_string(noise.magnitude);
    j["distribution"] = cgra::to_string(noise.distribution);
    j["cgra_depthwise"] = cgra::to_string(o.settings.cgra.depthwise);
    j["test_images"] = data.test.size();
    // The model training started from (--reuse-training checks it).
    j["start_model"] = fs::is_regular_file(o.model)
                           ? nlohmann::json{{"path", o.model}, {"sha256", sha256_file(o.model)}}
                           : nlohmann::json{{"builtin", o.model}};

    workloads::Graph backbone;  // denoisers: the network without its blocks
    std::vector<std::pair<std::string, std::string>> sites;  // (layer, block)
    if (o.stage == "place" || o.stage == "denoisers") {
        const std::vector<std::string> layers =
            o.layers.empty() ? place(o, g, data.spec, noise, j) : tb::split_list(o.layers);
        if (o.stage == "place") {
            j["seconds"] = seconds();
            write_file_atomically(o.out, "placement.json", tb::json_text(j));
            std::cout << "wrote " << o.out << "/placement.json\n";
            return 0;
        }
        backbone = g;
        for (const auto& l : layers) {
            const std::string block = workloads::insert_denoiser(g, l, o.settings.denoiser_ratio,
                                                                 o.train.seed, "denoisers");
            sites.emplace_back(l, block);
        }
        j["layers"] = layers;
        j["block_stochastic"] = t.block.stochastic;
        j["reconstruction_weight"] = t.reconstruction_weight;
    }

    // QAT: the grid's constant steps come from the weights it starts from (before a resume
    // loads later ones), so an interrupted run trains on the same grid.
    training::WeightQuantization grid;
    if (o.stage == "qat") {
        grid = training::analog_weight_grid(g, o.settings.cgra, o.settings.qat_bits);
        if (grid.step.empty())
            throw ConfigError(o.model,
                              "qat: the model has no analog layer with weights to "
                              "quantise on this platform (cgra.*)");
        j["qat"] = {{"weight_bits", grid.bits},
                    {"layers", grid.step.size()},
                    {"scaling",
                     "constant per layer: max |w| / (2^(bits-1) - 1) of the weights "
                     "training starts from, fixed"}};
    }
    // Resume: the finished epochs' record (checked against this run's recipe), then the last
    // checkpoint's weights and optimizer state.
    training::TrainOptions topt = o.train;
    topt.checkpoint_dir = o.out;
    EpochFile file;
    file.recipe = recipe_identity(o, noise);
    const int resume_at = o.resume ? last_checkpoint(o.out) : 0;
    if (resume_at > 0) {
        const EpochFile prior = read_epochs(o.out, resume_at, file.recipe);
        file.before = prior.before;
        topt.history = prior.epochs;
        note_other_cpu_kernels(prior.epochs);
    }
    // --reuse-training: checked before the accuracy below is measured, taken after.
    std::optional<ReusedTraining> reused;
    if (!o.reuse.empty())
        reused = read_reused_training(o, file.recipe, j);
    // Every model this stage writes records the preprocessing it was trained with.
    g.input_normalisation = data.train.normalisation;
    // The test accuracy of the network training starts from (for QAT: on its grid), once.
    if (o.stage != "backbone" && file.before.is_null()) {
        training::TorchGraph start(g, o.settings.cgra);
        start.set_chip(t.noise);
        if (o.stage == "qat")
            start.set_weight_quantization(grid);
        file.before = test_accuracy(start, data.test, noise, o.train.seed, !t.block.stochastic);
    }
    if (!file.before.is_null())
        j["before"] = file.before;
    std::vector<training::EpochResult> history;
    int kept = 0;
    if (reused) {
        check_reused_start(o, *reused, file.before, data.test.size());
        if (reused->model.nodes.size() != g.nodes.size())
            throw ConfigError(o.reuse, "its model.onnx does not match this stage's model");
        history = reused->epochs;
        kept = reused->kept;
        g = std::move(reused->model);  // the epoch it kept, on the grid already
        g.input_normalisation = data.train.normalisation;
        // Its epochs, recorded as this stage's (under this run's recipe and 'before').
        nlohmann::json record = nlohmann::json::array();
        for (const training::EpochResult& r : history)
            record.push_back(epoch_json(r));
        write_file_atomically(
            o.out, "epochs.json",
            tb::json_text(nlohmann::json{
                {"recipe", file.recipe}, {"before", file.before}, {"epochs", record}}));
        j["reused_training"] = {
            {"from", o.reuse},
            {"noise.activation_k", reused->activation_k},
            {"why",
             "QAT trains on the weight grid and chooses its epoch without noise, so its "
             "training does not depend on noise.activation_k"},
            {"training_seconds", reused->seconds}};
        std::cerr << fmt::format(
            "reusing the training of {} (trained and kept without noise; measured there at "
            "k = {}): epoch {} of {}\n",
            o.reuse, reused->activation_k, kept, history.size());
    } else {
        if (resume_at > 0) {
            const workloads::Graph ck = workloads::import_onnx(
                (fs::path(o.out) / fmt::format("epoch_{}.onnx", resume_at)).string());
            if (ck.nodes.size() != g.nodes.size())
                throw ConfigError(o.out, "the checkpoint does not match this stage's model");
            g = ck;
            g.input_normalisation = data.train.normalisation;
            topt.resume_after_epoch = resume_at;
            std::cerr << fmt::format("resuming after epoch {}\n", resume_at);
        }
        training::TorchGraph model(g, o.settings.cgra);
        model.set_chip(t.noise);
        configure_stage(o.stage, noise, model, topt);
        topt.zero_epsilon = !t.block.stochastic;
        std::optional<training::TorchGraph> clean;
        if (t.reconstruction_weight > 0.0) {
            clean.emplace(backbone, o.settings.cgra);
            topt.reconstruction_weight = t.reconstruction_weight;
            topt.clean_backbone = &*clean;
            topt.reconstruction_sites = sites;
        }
        if (o.stage == "qat")
            model.set_weight_quantization(grid);
        history = train_epochs(model, g, data, topt, o.out, file, o.settings.keep_checkpoints);
        // The epoch kept: the best on the validation set (the first of equals), else the last.
        // (The recipe check on resume keeps the validation set of every epoch or of none.)
        const std::vector<double> curve = training::validation_curve(history);
        kept =
            curve.size() == history.size()
                ? history[static_cast<std::size_t>(
                              training::selected_epoch(curve, static_cast<int>(curve.size())) - 1)]
                      .epoch
                : history.back().epoch;
        if (kept != history.back().epoch) {
            g = workloads::import_onnx(
                (fs::path(o.out) / fmt::format("epoch_{}.onnx", kept)).string());
            g.input_normalisation = data.train.normalisation;
        } else {
            model.write_back(g);
        }
        // The epoch files hold QAT's float weights (an exact resume); the model is on the grid.
        if (o.stage == "qat")
            training::quantize_weights(g, grid);
    }
    const bool validated = training::validation_curve(history).size() == history.size();
    training::TorchGraph chosen(g, o.settings.cgra);
    chosen.set_chip(t.noise);
    j["after"] = test_accuracy(chosen, data.test, noise, o.train.seed, !t.block.stochastic);
    nlohmann::json epochs = nlohmann::json::array();
    for (const training::EpochResult& r : history)
        epochs.push_back(epoch_json(r));
    j["epochs"] = epochs;
    const training::Recipe& recipe = o.train.recipe;
    j["recipe"] = {
        {"epochs_max", recipe.epochs},
        {"lr", recipe.lr},
        {"lr_schedule", training::to_string(recipe.schedule)},
        {"lr_patience", recipe.lr_patience},
        {"lr_factor", recipe.lr_factor},
        {"patience", recipe.patience},
        {"batch", o.train.batch},
        {"augment", training::to_string(o.train.augment)},
        {"training_images", data.train.size()},
        {"validation_images", data.validation.size()},
        {"validation_source",
         data.validation.size() > 0
             ? fmt::format("the last {} images of the training split", data.validation.size())
             : std::string("none")}};
    j["epochs_run"] = history.size();
    j["stopped_early"] = static_cast<int>(history.size()) < recipe.epochs;
    j["selected_epoch"] = kept;
    j["selected_by"] = validated ? "the best validation accuracy (the first of equals)"
                                 : "the last epoch (no validation set)";
    j["model"] = g.name;
    j["parameters"] = g.parameter_count();
    j["denoiser_parameters"] = workloads::denoiser_parameter_count(g);
    // This run's time plus the epochs of the runs it resumed.
    // (Reused: the training's time, which this stage's model cost, plus this run's.)
    double earlier_s = reused ? reused->seconds : 0.0;
    for (const training::EpochResult& r : topt.history)
        earlier_s += r.seconds;
    j["seconds"] = seconds() + earlier_s;
    write_file_atomically(o.out, "train.json", tb::json_text(j));
    write_file_atomically(o.out, "platform.ini", o.platform_ini);
    workloads::export_onnx(g, (fs::path(o.out) / "model.onnx").string());
    std::cout << fmt::format(
        "{} {}: epoch {} of {} kept ({}); test accuracy clean {:.2f} %, noisy (k = {}) {:.2f} "
        "%; {:.1f} s; wrote {}/model.onnx\n",
        o.stage, g.name, kept, history.size(), j["selected_by"].get<std::string>(),
        j["after"]["clean_pct"].get<double>(), noise.k, j["after"]["noisy_pct"].get<double>(),
        j["seconds"].get<double>(), o.out);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    install_interrupt_cleanup("dnsim-train");
    const std::string invocation = tb::command_line(argc, argv);
    try {
        dnsim::keep_freed_memory();
        dnsim::isa::check_environment();
        if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
            std::cout << "usage: dnsim-train <stage> MODEL [options]\n\nstages:\n"
                         "  backbone    train a network from scratch (no noise)\n"
                         "  place       rank layers by gradient norm (or random/uniform) and "
                         "choose denoiser sites\n"
                         "  denoisers   insert denoiser blocks, train only them (backbone frozen)\n"
                         "  nit         fine-tune the whole network with noise injection (NIT)\n"
                         "  qat         fine-tune the whole network on a weight grid with "
                         "constant scaling factors (QAT)\n";
            return argc < 2 ? 1 : 0;
        }
        const std::string stage = argv[1];
        if (stage != "backbone" && stage != "place" && stage != "denoisers" && stage != "nit" &&
            stage != "qat") {
            std::cerr << "dnsim-train: error: unknown stage '" << stage
                      << "'; accepted: backbone, place, denoisers, nit, qat\n";
            return 1;
        }
        return run_stage(parse(argc - 1, argv + 1, stage), invocation);
    } catch (const ConfigError& e) {
        std::cerr << "dnsim-train: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "dnsim-train: internal error: " << e.what() << "\n";
        return 4;
    }
}
