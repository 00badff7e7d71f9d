// A study file for `dnsim sweep`: one dnsim command (run or denoiser), a base configuration
// and the axes it varies. The points and their indices follow from the file alone: the grid of
// its dimensions in file order, the first dimension varying slowest; a zipped group is one
// dimension whose keys take their values together. docs/studies.md describes the format:
//
//   [study]
//   name = denoiser-design-space
//   command = run                    ; run (default) or denoiser
//   model = resnet18                 ; run: a built-in name or a file (relative to this file)
//   denoisers = conv1,layer4.1.conv2 ; run: fresh denoiser blocks after these layers
//   timing_only = true               ; run: no dataset
//   config = base.ini                ; optional INI file of keys (relative to this file)
//
//   [base]                           ; keys fixed for every point (win over `config`)
//   cgra.pass_ns = 100
//
//   [axes]                           ; one dimension each
//   denoiser.cores = 1, 2, 4, 8, 16
//   denoiser.lanes = range(1, 8, 1)
//   noise.activation_k = logspace(0.01, 0.3, 6)
//   run.seed = range(1, 5, 1)        ; seeds and chips (noise.chip_seed) are axes like others
//
//   [zip crossbar]                   ; one dimension: the keys' values go together
//   cgra.crossbar_rows = 64, 128, 256
//   cgra.crossbar_cols = 64, 128, 256
//
// Values: a comma-separated list ("..." for a value holding a comma), range(START, END, STEP)
// whose steps must land on END, linspace(START, END, N), logspace(START, END, N) (geometric)
// and geometric(START, END, FACTOR) whose factors must land on END. Every error names the
// study file, its section and key.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dnsim::tb {

/// One varied parameter: a configuration key of the command, or a run option (model,
/// denoisers, timing_only).
struct StudyAxis {
    std::string key;
    std::vector<std::string> values;  ///< canonical texts, in order
    std::string section;              ///< "axes" or "zip NAME"
};

/// One dimension of the grid: a single axis, or a zipped group of axes of equal length.
struct StudyDimension {
    std::vector<std::size_t> axes;  ///< indices into Study::axes
    std::size_t size = 0;
};

/// One point: the value of every axis (in Study::axes order) and what it runs.
struct StudyPoint {
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t index = 0;
    /// The value of every axis: what the point runs (one at a time: the moving dimension's
    /// values, the others' baselines or the point's preset's values).
    std::vector<std::string> values;
    /// One at a time: the dimension that moves (kNone: the baseline point, or a grid).
    std::size_t moving = kNone;
    /// SHA-256 of the point's canonical description: command, model (and its file's SHA-256),
    /// options and every key with its canonical value. A result with this hash is the point's.
    std::string config_hash;
};

struct Study {
    std::string file;  ///< the study file as given
    std::string name;
    std::string command = "run";  ///< run or denoiser
    /// run options, fixed or as an axis: model (a built-in name or an absolute path),
    /// denoisers, timing_only ("true"/"false").
    std::string model;
    std::string denoisers;
    std::string timing_only = "false";
    /// Every model file of the study (absolute path) with its SHA-256; built-ins are absent.
    std::map<std::string, std::string> model_files;
    /// Fixed keys (config file, then [base]), canonical values, sorted by key.
    std::vector<std::pair<std::string, std::string>> base;
    /// The preset of every point ([study] preset = NAME; empty: none, or varied as the axis
    /// `preset`), and the keys of every preset named, canonical (platform/presets/NAME.ini).
    /// A point's keys: its preset's, then base over them, then its axes.
    std::string preset;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> preset_keys;
    /// grid: every combination of the dimensions' values; one_at_a_time: point 0 with every
    /// axis at its baseline, then each dimension's values with the others at theirs (a
    /// sensitivity study: what each assumption alone moves).
    std::string design = "grid";
    /// one_at_a_time: each axis's baseline value (the fixed preset's, else the command's
    /// default; "" for preset: none), in Study::axes order.
    std::vector<std::string> baseline;
    std::vector<StudyAxis> axes;
    std::vector<StudyDimension> dimensions;
    /// SHA-256 of the canonical study (command, options, base, axes in order): two files with
    /// the same points have the same identity, whatever their comments or spacing.
    std::string identity;

    std::size_t point_count() const;
    /// The point `index` (0 <= index < point_count()).
    StudyPoint point(std::size_t index) const;
    /// The point's keys as an INI file (fixed and varied keys, sorted), given to its process
    /// with --config.
    std::string point_ini(const StudyPoint& p) const;
    /// The point's dnsim arguments without the executable, --config and --out: the command,
    /// MODEL and the run options.
    std::vector<std::string> point_args(const StudyPoint& p) const;
    /// The preset whose keys the point starts from (its preset axis's value, else the fixed
    /// one; empty: none).
    std::string preset_of(const StudyPoint& p) const;
    /// One at a time: whether axis `axis` is in the point's moving dimension.
    bool moves(const StudyPoint& p, std::size_t axis) const;
    /// "denoiser.cores=4 model=resnet18" for progress lines and listings.
    std::string describe(const StudyPoint& p) const;
};

/// Reads and checks a study file: every key is declared for the command, every value parses
/// and lies in its key's range, every model exists. ConfigError naming the file, section and
/// key (and line) otherwise.
Study read_study(const std::string& path);

/// The values of an axis text (a list, range, linspace, logspace or geometric); ConfigError
/// naming `where` when they are malformed, empty or a range misses its end.
std::vector<std::string> axis_values(const std::string& text, const std::string& where);

}  // namespace dnsim::tb
