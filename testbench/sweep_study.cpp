// Study files of dnsim sweep: sections, axis values, checks against the command's keys, and the
// points of the grid.
#include "testbench/sweep_study.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/config_text.h"
#include "models/common/sha256.h"
#include "testbench/commands.h"
#include "testbench/config_binder.h"
#include "testbench/model_loader.h"
#include "testbench/presets.h"
#include "workloads/graph/transforms.h"
#include "workloads/topologies/topologies.h"

namespace dnsim::tb {

namespace fs = std::filesystem;

namespace {

/// Values one axis may take at most, and points a study may describe at most (the safety
/// limit on what actually runs is dnsim sweep's, with --yes).
constexpr std::size_t kMaxAxisValues = 100000;
constexpr double kMaxStudyPoints = 1e9;

/// The run options a study sets in [study] or varies as an axis.
const char* const kRunOptions[] = {"model", "denoisers", "timing_only"};

bool is_run_option(const std::string& key) {
    return std::find(std::begin(kRunOptions), std::end(kRunOptions), key) != std::end(kRunOptions);
}

/// "study.ini [axes] denoiser.cores (line 12)": where an error is, for its message.
std::string place(const std::string& file, const std::string& section, const std::string& key,
                  int line) {
    std::string p = fmt::format("{} [{}]", file, section);
    if (!key.empty())
        p += " " + key;
    if (line > 0)
        p += fmt::format(" (line {})", line);
    return p;
}

/// The text of a number of a generated axis: integers as integers, others with 12 significant
/// digits (so that 0.1 + 2 x 0.1 is 0.3, not 0.30000000000000004).
std::string number_text(double v, bool integral) {
    if (integral)
        return fmt::format("{}", static_cast<long long>(std::llround(v)));
    std::string s = fmt::format("{:.12g}", v);
    return s == "-0" ? "0" : s;
}

bool is_integral(double v) {
    return std::abs(v) < 9e15 && v == std::floor(v);
}

bool lands_on(double got, double end) {
    return std::abs(got - end) <= 1e-9 * std::max(1.0, std::abs(end));
}

/// The arguments of "name(a, b, c)": three numbers.
std::vector<double> call_arguments(const std::string& name, const std::string& args,
                                   const std::string& where) {
    std::vector<double> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = args.find(',', start);
        const std::string item = trim(
            args.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        out.push_back(parse_real(where, item));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    if (out.size() != 3) {
        throw ConfigError(where, fmt::format("{}() takes three numbers ({}), not {}", name,
                                             name == "range"       ? "START, END, STEP"
                                             : name == "geometric" ? "START, END, FACTOR"
                                                                   : "START, END, N",
                                             out.size()));
    }
    return out;
}

std::size_t value_count(double n, const std::string& what, const std::string& where) {
    if (!(n >= 1.0) || n > static_cast<double>(kMaxAxisValues)) {
        throw ConfigError(where, fmt::format("{} gives {} values; accepted: 1 to {}", what,
                                             number_text(n, is_integral(n)), kMaxAxisValues));
    }
    return static_cast<std::size_t>(n);
}

std::vector<std::string> generated_values(const std::string& name, const std::vector<double>& a,
                                          const std::string& text, const std::string& where) {
    const double start = a[0], end = a[1], third = a[2];
    std::vector<std::string> values;
    if (name == "range") {
        if (third == 0.0 || (end - start) * third < 0.0) {
            throw ConfigError(where, fmt::format("{}: the step {} does not lead from {} to {}",
                                                 text, third, start, end));
        }
        const double steps = std::round((end - start) / third);
        if (!lands_on(start + steps * third, end)) {
            throw ConfigError(
                where, fmt::format("{}: the step {} does not reach the end {} ({} + {} x {} = {}); "
                                   "choose a step that divides END - START",
                                   text, third, end, start, steps, third, start + steps * third));
        }
        const std::size_t n = value_count(steps + 1.0, text, where);
        const bool integral = is_integral(start) && is_integral(third);
        for (std::size_t i = 0; i < n; ++i)
            values.push_back(number_text(start + static_cast<double>(i) * third, integral));
        return values;
    }
    if (name == "geometric") {
        if (!(start > 0.0) || !(end > 0.0) || !(third > 0.0) || third == 1.0 ||
            (end - start) * (third - 1.0) < 0.0) {
            throw ConfigError(where,
                              fmt::format("{}: needs START and END greater than 0 and a FACTOR "
                                          "(not 1) leading from START to END",
                                          text));
        }
        const double steps = std::round(std::log(end / start) / std::log(third));
        if (!lands_on(start * std::pow(third, steps), end)) {
            throw ConfigError(where, fmt::format("{}: the factor {} does not reach the end {} "
                                                 "from {}",
                                                 text, third, end, start));
        }
        const std::size_t n = value_count(steps + 1.0, text, where);
        const bool integral = is_integral(start) && is_integral(third);
        double v = start;
        for (std::size_t i = 0; i < n; ++i, v *= third)
            values.push_back(number_text(i + 1 == n ? end : v, integral));
        return values;
    }
    // linspace / logspace
    if (!is_integral(third) || third < 1.0)
        throw ConfigError(where, fmt::format("{}: N must be a whole number of at least 1", text));
    const std::size_t n = value_count(third, text, where);
    if (n == 1 && start != end)
        throw ConfigError(where,
                          fmt::format("{}: one value cannot span {} to {}", text, start, end));
    if (name == "logspace" && (!(start > 0.0) || !(end > 0.0)))
        throw ConfigError(where, fmt::format("{}: START and END must be greater than 0", text));
    const bool integral = name == "linspace" && is_integral(start) && is_integral(end) &&
                          (n == 1 || is_integral((end - start) / static_cast<double>(n - 1)));
    for (std::size_t i = 0; i < n; ++i) {
        const double t = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
        const double v =
            name == "linspace" ? start + t * (end - start) : start * std::pow(end / start, t);
        values.push_back(number_text(i + 1 == n ? end : v, integral));
    }
    return values;
}

/// "a, b, \"c,d\"": the items of a list, trimmed, quotes removed.
std::vector<std::string> list_values(const std::string& text, const std::string& where) {
    std::vector<std::string> out;
    std::string item;
    bool quoted = false, was_quoted = false;
    const auto finish = [&] {
        std::string v = was_quoted ? item : trim(item);
        if (v.empty() && !was_quoted)
            throw ConfigError(where, fmt::format("'{}' has an empty value", printable(text)));
        out.push_back(v);
        item.clear();
        was_quoted = false;
    };
    for (const char c : text) {
        if (c == '"') {
            if (!quoted && !trim(item).empty())
                throw ConfigError(where,
                                  fmt::format("'{}': a quote inside a value", printable(text)));
            if (!quoted)
                item.clear();
            quoted = !quoted;
            was_quoted = true;
        } else if (c == ',' && !quoted) {
            finish();
        } else if (!quoted && was_quoted && c != ' ' && c != '\t') {
            throw ConfigError(where,
                              fmt::format("'{}': text after a closing quote", printable(text)));
        } else if (quoted || !was_quoted) {
            item += c;
        }
    }
    if (quoted)
        throw ConfigError(where, fmt::format("'{}': a quote is not closed", printable(text)));
    finish();
    return out;
}

/// The command's keys, for checking the study's keys and values.
class StudyKeys {
  public:
    explicit StudyKeys(const std::string& command) {
        if (command == "run")
            bind_run_command(m_binder, m_run);
        else
            bind_denoiser_command(m_binder, m_denoiser);
    }

    /// The canonical text of `value` for `key`; ConfigError naming `where` for an unknown key,
    /// a malformed value or one outside the key's range.
    std::string canonical(const std::string& key, const std::string& value,
                          const std::string& where) const {
        const ConfigBinder::Binding* b = find(key);
        if (b == nullptr) {
            for (const ConfigBinder::Alias& a : m_binder.aliases()) {
                if (a.name == key) {
                    throw ConfigError(where, fmt::format("'{}' is a command-line spelling of {}; "
                                                         "a study names the key",
                                                         key, a.key));
                }
            }
            throw ConfigError(where,
                              "no such configuration key of this command (dnsim keys "
                              "lists them)");
        }
        if (trim(value) != value) {
            // (A quoted list value: the point's INI file would lose the spaces.)
            throw ConfigError(where, fmt::format("'{}': spaces at either end of a value; an INI "
                                                 "file cannot hold them",
                                                 printable(value)));
        }
        try {
            const std::string text = b->canonical(value);
            b->set(text);
            b->check();
            return text;
        } catch (const ConfigError& e) {
            throw ConfigError(where, e.key() == key ? e.message() : std::string(e.what()));
        }
    }

    /// The command's default value of `key` (canonical).
    std::string default_of(const std::string& key) const {
        const ConfigBinder::Binding* b = find(key);
        return b != nullptr ? b->canonical(b->default_text) : std::string();
    }

    /// Whether the command has keys of the section of `key` ("cgra." of "cgra.pass_ns").
    bool has_section(const std::string& key) const {
        const std::string section = key.substr(0, key.find('.') + 1);
        return std::any_of(m_binder.bindings().begin(), m_binder.bindings().end(),
                           [&](const ConfigBinder::Binding& b) {
                               return b.file_key &&
                                      b.info.name.compare(0, section.size(), section) == 0;
                           });
    }

  private:
    const ConfigBinder::Binding* find(const std::string& key) const {
        for (const ConfigBinder::Binding& b : m_binder.bindings()) {
            if (b.file_key && b.info.name == key)
                return &b;
        }
        return nullptr;
    }

    RunOptions m_run;
    DenoiserStudyOptions m_denoiser;
    ConfigBinder m_binder;
};

/// A study's name is the directory of its results (results/sweep/NAME): one path component.
void check_name(const std::string& name, const std::string& where) {
    const bool control = std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (name == "." || name == ".." || name.find('/') != std::string::npos || control) {
        throw ConfigError(where, fmt::format("'{}' is not a directory name; a study's name is "
                                             "its results directory (results/sweep/NAME): no "
                                             "'/' or control characters, not '.' or '..'",
                                             printable(name)));
    }
}

std::string bool_text(const std::string& v, const std::string& where) {
    if (v == "true" || v == "1" || v == "yes")
        return "true";
    if (v == "false" || v == "0" || v == "no")
        return "false";
    throw ConfigError(where, fmt::format("'{}' is not true or false", printable(v)));
}

struct Reader {
    std::string file;
    fs::path dir;
    Study study;
    std::map<std::string, std::string> model_sha;  ///< model -> its file's SHA-256
    std::set<std::string> study_given;             ///< the [study] keys the file sets
    std::string config_file;
    std::map<std::string, std::string> base;  ///< from [base]
    std::map<std::string, int> base_lines;
    /// Axes in file order: key, raw text, section, line.
    struct RawAxis {
        std::string key, text, section;
        int line = 0;
    };
    std::vector<RawAxis> raw_axes;
    std::vector<std::string> dimension_sections;  ///< "axes" entries are their own dimension

    /// A model as the point runs it: a built-in name, or the file's absolute path.
    std::string resolve_model(const std::string& model, const std::string& where) {
        if (workloads::is_builtin_model(model))
            return model;
        fs::path p = fs::path(model);
        if (p.is_relative())
            p = dir / p;
        p = fs::absolute(p).lexically_normal();
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) {
            throw ConfigError(where, fmt::format("model '{}' is neither a built-in model (dnsim "
                                                 "inspect --help lists them) nor a file ({} does "
                                                 "not exist)",
                                                 printable(model), printable(p.string())));
        }
        const std::string path = p.string();
        if (model_sha.count(path) == 0)
            model_sha[path] = sha256_file(path);
        return path;
    }

    void read_study_key(const IniEntry& e, const std::string& key) {
        const std::string where = place(file, "study", key, e.line);
        study_given.insert(key);
        const std::string v = trim(e.value);
        if (key == "name") {
            check_name(v, where);
            study.name = v;
        } else if (key == "command") {
            if (v != "run" && v != "denoiser") {
                throw ConfigError(where, fmt::format("'{}' is not a command a study runs; "
                                                     "accepted: run, denoiser",
                                                     printable(v)));
            }
            study.command = v;
        } else if (key == "model") {
            study.model = v;
        } else if (key == "denoisers") {
            study.denoisers = v;
        } else if (key == "timing_only") {
            study.timing_only = bool_text(v, where);
        } else if (key == "config") {
            config_file = v;
        } else if (key == "preset") {
            preset_path(v, where);
            study.preset = v;
        } else if (key == "design") {
            if (v != "grid" && v != "one_at_a_time") {
                throw ConfigError(where, fmt::format("'{}' is not a design; accepted: grid (every "
                                                     "combination), one_at_a_time (each axis "
                                                     "alone, the others at their baseline)",
                                                     printable(v)));
            }
            study.design = v;
        } else {
            throw ConfigError(where,
                              "unknown key of [study]; accepted: name, command, model, "
                              "denoisers, timing_only, config, preset, design");
        }
    }

    /// `first_section`: the line of the first [section]; keys before it are in no section,
    /// whether or not their name has a dot ("denoiser.cores = 4" is not in [denoiser]).
    void read_entries(const std::vector<IniEntry>& entries, int first_section) {
        for (const IniEntry& e : entries) {
            const std::size_t dot = e.key.find('.');
            if (dot == std::string::npos || e.line < first_section) {
                throw ConfigError(fmt::format("{} {} (line {})", file, e.key, e.line),
                                  "a key outside any section; a study has [study], [base], "
                                  "[axes] and [zip NAME] sections");
            }
            const std::string section = e.key.substr(0, dot);
            const std::string key = e.key.substr(dot + 1);
            if (section == "study") {
                read_study_key(e, key);
            } else if (section == "base") {
                base[key] = e.value;
                base_lines[key] = e.line;
            } else if (section == "axes" || section.rfind("zip ", 0) == 0) {
                std::string axis_section = section;
                if (section != "axes") {
                    const std::string group = trim(section.substr(4));
                    if (group.empty() ||
                        group.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
                                                "XYZ0123456789_-") != std::string::npos) {
                        throw ConfigError(place(file, section, "", e.line),
                                          "a zipped group is [zip NAME] with NAME of letters, "
                                          "digits, '_' and '-'");
                    }
                    axis_section = "zip " + group;  // [zip  g] is the group of [zip g]
                }
                raw_axes.push_back({key, e.value, axis_section, e.line});
            } else {
                throw ConfigError(place(file, section, "", e.line),
                                  "unknown section; accepted: [study], [base], [axes], [zip NAME]");
            }
        }
    }

    /// The fixed keys: the config file's, then [base]'s; checked, canonical, sorted.
    void read_base(const StudyKeys& keys) {
        std::map<std::string, std::string> fixed;
        if (!config_file.empty()) {
            fs::path p(config_file);
            if (p.is_relative())
                p = dir / p;
            const std::string path = p.lexically_normal().string();
            std::string text;
            try {
                text = read_config_file(path);
            } catch (const ConfigError& e) {
                throw ConfigError(place(file, "study", "config", 0), e.what());
            }
            for (const IniEntry& e : parse_ini(text, path)) {
                fixed[e.key] = keys.canonical(e.key, trim(e.value),
                                              fmt::format("{} {} (line {})", path, e.key, e.line));
            }
        }
        for (const auto& [key, value] : base) {
            const std::string where = place(file, "base", key, base_lines[key]);
            if (is_run_option(key) || key == "preset")
                throw ConfigError(where,
                                  fmt::format("{}; set it in [study] or vary it in [axes]",
                                              key == "preset" ? "the preset" : "a run option"));
            fixed[key] = keys.canonical(key, trim(value), where);
        }
        study.base.assign(fixed.begin(), fixed.end());
    }

    void read_axes(const StudyKeys& keys) {
        std::map<std::string, std::size_t> dimension_of_section;
        std::set<std::string> seen;
        for (const RawAxis& r : raw_axes) {
            const std::string where = place(file, r.section, r.key, r.line);
            if (!seen.insert(r.key).second)
                throw ConfigError(where, "varied twice (a key is one axis)");
            if (std::any_of(study.base.begin(), study.base.end(),
                            [&](const auto& kv) { return kv.first == r.key; })) {
                throw ConfigError(where,
                                  "also fixed in [base] or the config file; a key is "
                                  "either fixed or varied");
            }
            StudyAxis axis;
            axis.key = r.key;
            axis.section = r.section;
            for (const std::string& v : axis_values(r.text, where)) {
                if (r.key == "preset") {
                    if (!study.preset.empty())
                        throw ConfigError(where,
                                          "also fixed in [study]; a preset is either "
                                          "fixed or varied");
                    preset_path(v, where);
                    axis.values.push_back(v);
                } else if (is_run_option(r.key)) {
                    if (study.command != "run")
                        throw ConfigError(where, "a run option; this study's command is denoiser");
                    if (r.key == "model")
                        axis.values.push_back(resolve_model(v, where));
                    else if (r.key == "timing_only")
                        axis.values.push_back(bool_text(v, where));
                    else
                        axis.values.push_back(v);
                } else {
                    axis.values.push_back(keys.canonical(r.key, v, where));
                }
            }
            // A zipped key may repeat a value (its dimension's columns must differ, below).
            if (r.section == "axes" &&
                std::set<std::string>(axis.values.begin(), axis.values.end()).size() !=
                    axis.values.size()) {
                throw ConfigError(where, "a value appears twice (two points would be the same)");
            }
            const std::size_t a = study.axes.size();
            study.axes.push_back(axis);
            if (r.section == "axes" || dimension_of_section.count(r.section) == 0) {
                if (r.section != "axes")
                    dimension_of_section[r.section] = study.dimensions.size();
                study.dimensions.push_back({{a}, axis.values.size()});
                continue;
            }
            StudyDimension& d = study.dimensions[dimension_of_section[r.section]];
            if (axis.values.size() != d.size) {
                throw ConfigError(where, fmt::format("has {} values, the other keys of [{}] {}: "
                                                     "zipped keys take their values together",
                                                     axis.values.size(), r.section, d.size));
            }
            d.axes.push_back(a);
        }
        // Each zip dimension: its value tuples (the keys' values taken together) all differ.
        for (const auto& [section, index] : dimension_of_section) {
            const StudyDimension& d = study.dimensions[index];
            std::map<std::vector<std::string>, std::size_t> first_of;
            for (std::size_t i = 0; i < d.size; ++i) {
                std::vector<std::string> tuple;
                for (std::size_t a : d.axes)
                    tuple.push_back(study.axes[a].values[i]);
                const auto [at, fresh] = first_of.emplace(tuple, i);
                if (!fresh) {
                    throw ConfigError(
                        place(file, section, "", 0),
                        fmt::format("values {} and {} of every key are the same (two points "
                                    "would be the same)",
                                    at->second + 1, i + 1));
                }
            }
        }
        if (study.axes.empty()) {
            throw ConfigError(place(file, "axes", "", 0),
                              "the study varies nothing; give at least one axis in [axes] or "
                              "[zip NAME]");
        }
        double points = 1.0;
        for (const StudyDimension& d : study.dimensions) {
            if (study.design == "one_at_a_time")
                points += static_cast<double>(d.size);
            else
                points *= static_cast<double>(d.size);
        }
        if (points > kMaxStudyPoints) {
            throw ConfigError(place(file, "axes", "", 0),
                              fmt::format("the axes describe {:.3g} points; at most {:.0g}", points,
                                          kMaxStudyPoints));
        }
    }

    /// Every denoiser layer of every (model, denoisers) pair the study runs exists in the
    /// model and can take a block: a misspelt layer is bad input of the study, not a failed
    /// point per model.
    void check_denoiser_layers() {
        std::vector<std::string> models{study.model}, lists{study.denoisers};
        std::string where = place(file, "study", "denoisers", 0);
        for (const StudyAxis& a : study.axes) {
            if (a.key == "model")
                models = a.values;
            if (a.key == "denoisers") {
                lists = a.values;
                where = place(file, a.section, "denoisers", 0);
            }
        }
        if (std::all_of(lists.begin(), lists.end(), [](const std::string& l) { return l.empty(); }))
            return;
        for (const std::string& m : models) {
            workloads::Graph g;
            try {
                g = load_model(m);
            } catch (const ConfigError& e) {
                throw ConfigError(place(file, "study", "model", 0), e.what());
            }
            for (const std::string& list : lists) {
                if (list.empty())
                    continue;
                workloads::Graph with = g;
                for (const std::string& layer : split_list(list)) {
                    try {
                        workloads::insert_denoiser(with, layer, 0.25, 0, "denoisers");
                    } catch (const ConfigError& e) {
                        throw ConfigError(
                            where, fmt::format("model {}: {}", fs::path(m).filename().string(),
                                               e.message()));
                    }
                }
            }
        }
    }

    /// The keys of every preset the study names (fixed or as an axis), canonical; keys of
    /// sections the command does not have are left out (dnsim denoiser: not cgra.*).
    void read_presets(const StudyKeys& keys) {
        std::vector<std::string> names;
        if (!study.preset.empty())
            names.push_back(study.preset);
        for (const StudyAxis& a : study.axes) {
            if (a.key == "preset")
                names.insert(names.end(), a.values.begin(), a.values.end());
        }
        for (const std::string& name : names) {
            const std::string path = preset_path(name, place(file, "study", "preset", 0));
            std::vector<std::pair<std::string, std::string>>& out = study.preset_keys[name];
            for (const IniEntry& e : parse_ini(read_config_file(path), path)) {
                const std::string where = fmt::format("{} {} (line {})", path, e.key, e.line);
                const std::size_t dot = e.key.find('.');
                if (dot != std::string::npos && !keys.has_section(e.key) &&
                    is_key_section(e.key.substr(0, dot)))
                    continue;
                out.emplace_back(e.key, keys.canonical(e.key, trim(e.value), where));
            }
        }
    }

    /// One at a time: the value of each axis while another varies: the fixed preset's, else
    /// the command's default; for the run options the fixed option; for `preset` none.
    void read_baseline(const StudyKeys& keys) {
        if (study.design != "one_at_a_time")
            return;
        for (const StudyAxis& a : study.axes) {
            std::string v;
            if (a.key == "model")
                v = study.model;
            else if (a.key == "denoisers")
                v = study.denoisers;
            else if (a.key == "timing_only")
                v = study.timing_only;
            else if (a.key != "preset")
                v = keys.default_of(a.key);
            if (!study.preset.empty()) {
                for (const auto& [k, pv] : study.preset_keys.at(study.preset)) {
                    if (k == a.key)
                        v = pv;
                }
            }
            study.baseline.push_back(v);
        }
    }

    void check_options() {
        const bool varied_model = std::any_of(study.axes.begin(), study.axes.end(),
                                              [](const StudyAxis& a) { return a.key == "model"; });
        if (study.command != "run") {
            if (!study.model.empty() || !study.denoisers.empty() || study.timing_only != "false") {
                throw ConfigError(place(file, "study", "", 0),
                                  "model, denoisers and timing_only are options of command = run");
            }
            return;
        }
        if (!varied_model) {
            const std::string where = place(file, "study", "model", 0);
            if (study.model.empty()) {
                try {
                    study.model = default_study_model();
                } catch (const ConfigError& e) {
                    throw ConfigError(where, e.message());
                }
            }
            // (The shipped default too: a file, whose SHA-256 goes into the points' hashes.)
            study.model = resolve_model(study.model, where);
        } else if (!study.model.empty()) {
            throw ConfigError(place(file, "study", "model", 0),
                              "set in [study] and varied in the axes");
        }
        for (const StudyAxis& a : study.axes) {
            if (is_run_option(a.key) && study_given.count(a.key) != 0) {
                throw ConfigError(place(file, "study", a.key, 0),
                                  "set in [study] and varied in the axes; a run option is "
                                  "either fixed or varied");
            }
            if (a.key == "model" && study.design == "one_at_a_time") {
                throw ConfigError(place(file, a.section, a.key, 0),
                                  "design = one_at_a_time moves keys around one baseline; fix "
                                  "the model in [study] (vary models in a grid)");
            }
        }
    }
};

/// The line of the first `[section]` of INI text (every line starting with '[' is one).
int first_section_line(const std::string& text) {
    std::istringstream in(text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? text.substr(3) : text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (trim(line).rfind('[', 0) == 0)
            return n;
    }
    return std::numeric_limits<int>::max();
}

std::string canonical_text(const Study& s) {
    std::string t = "dnsim sweep study 1\n";
    t += fmt::format("command {}\nmodel {}\ndenoisers {}\ntiming_only {}\n", s.command, s.model,
                     s.denoisers, s.timing_only);
    if (s.design != "grid")
        t += fmt::format("design {}\n", s.design);
    for (const auto& [k, v] : s.base)
        t += fmt::format("base {} {}\n", k, v);
    // A preset by its keys: a changed preset file is another study.
    if (!s.preset.empty())
        t += fmt::format("preset {}\n", s.preset);
    for (const auto& [name, keys] : s.preset_keys) {
        for (const auto& [k, v] : keys)
            t += fmt::format("preset {} {} {}\n", name, k, v);
    }
    // The dimensions in order (they number the points), each one's axes by key: the name of a
    // zipped group and the order of its keys leave the points as they are.
    for (std::size_t d = 0; d < s.dimensions.size(); ++d) {
        std::map<std::string, const StudyAxis*> axes;
        for (const std::size_t a : s.dimensions[d].axes)
            axes[s.axes[a].key] = &s.axes[a];
        for (const auto& [key, a] : axes)
            t += fmt::format("axis {} {}: {}\n", d, key, fmt::join(a->values, "\x1f"));
    }
    return t;
}

}  // namespace

std::vector<std::string> axis_values(const std::string& text, const std::string& where) {
    const std::string t = trim(text);
    if (t.empty())
        throw ConfigError(where, "the axis has no values");
    for (const char* name : {"range", "linspace", "logspace", "geometric"}) {
        const std::string n = name;
        if (t.rfind(n + "(", 0) == 0 || t.rfind(n + " (", 0) == 0) {
            const std::size_t open = t.find('(');
            if (t.back() != ')')
                throw ConfigError(where, fmt::format("'{}': expected {}(...)", printable(t), n));
            const std::string args = t.substr(open + 1, t.size() - open - 2);
            return generated_values(n, call_arguments(n, args, where), t, where);
        }
    }
    std::vector<std::string> values = list_values(t, where);
    if (values.size() > kMaxAxisValues)
        throw ConfigError(where,
                          fmt::format("{} values; at most {}", values.size(), kMaxAxisValues));
    return values;
}

Study read_study(const std::string& path) {
    Reader r;
    r.file = path;
    r.dir = fs::absolute(fs::path(path)).parent_path();
    std::string text;
    try {
        text = read_config_file(path);
    } catch (const ConfigError& e) {
        throw ConfigError(path, e.message());
    }
    r.study.file = path;
    r.read_entries(parse_ini(text, path), first_section_line(text));
    if (r.study.name.empty()) {
        r.study.name = fs::path(path).stem().string();
        check_name(r.study.name, place(path, "study", "name", 0));
    }
    const StudyKeys keys(r.study.command);
    r.read_base(keys);
    r.read_axes(keys);
    r.read_presets(keys);
    r.check_options();
    r.read_baseline(keys);
    r.check_denoiser_layers();
    r.study.model_files = r.model_sha;
    r.study.identity = sha256_hex(canonical_text(r.study));
    return r.study;
}

std::size_t Study::point_count() const {
    std::size_t n = 1;
    for (const StudyDimension& d : dimensions) {
        if (design == "one_at_a_time")
            n += d.size;
        else
            n *= d.size;
    }
    return n;
}

StudyPoint Study::point(std::size_t index) const {
    StudyPoint p;
    p.index = index;
    p.values.resize(axes.size());
    if (design == "one_at_a_time") {
        // Point 0: every axis at its baseline; then each dimension's values in turn, the
        // others at their baseline (what the point's preset sets, when it sets them).
        p.values = baseline;
        std::size_t rest = index;
        for (std::size_t d = 0; rest > 0 && d < dimensions.size(); ++d) {
            if (rest <= dimensions[d].size) {
                for (const std::size_t a : dimensions[d].axes)
                    p.values[a] = axes[a].values[rest - 1];
                p.moving = d;
                rest = 0;
            } else {
                rest -= dimensions[d].size;
            }
        }
        const std::string point_preset = preset_of(p);
        if (!point_preset.empty() && point_preset != preset) {
            for (std::size_t a = 0; a < axes.size(); ++a) {
                if (moves(p, a))
                    continue;
                for (const auto& [k, v] : preset_keys.at(point_preset)) {
                    if (k == axes[a].key)
                        p.values[a] = v;
                }
            }
        }
    } else {
        std::size_t rest = index;
        for (std::size_t d = dimensions.size(); d-- > 0;) {
            const std::size_t i = rest % dimensions[d].size;
            rest /= dimensions[d].size;
            for (const std::size_t a : dimensions[d].axes)
                p.values[a] = axes[a].values[i];
        }
    }
    std::string text = "dnsim sweep point 1\ncommand " + command + "\n";
    const auto option = [&](const std::string& key, const std::string& fixed) {
        for (std::size_t a = 0; a < axes.size(); ++a) {
            if (axes[a].key == key)
                return p.values[a];
        }
        return fixed;
    };
    const std::string m = option("model", model);
    const auto sha = model_files.find(m);
    text += fmt::format("model {} {}\ndenoisers {}\ntiming_only {}\n", m,
                        sha == model_files.end() ? "built-in" : sha->second,
                        option("denoisers", denoisers), option("timing_only", timing_only));
    text += point_ini(p);
    p.config_hash = sha256_hex(text);
    return p;
}

std::string Study::preset_of(const StudyPoint& p) const {
    for (std::size_t a = 0; a < axes.size(); ++a) {
        if (axes[a].key == "preset" && (design != "one_at_a_time" || moves(p, a)))
            return p.values[a];
    }
    return preset;
}

bool Study::moves(const StudyPoint& p, std::size_t axis) const {
    if (p.moving == StudyPoint::kNone)
        return false;
    const auto& d = dimensions[p.moving].axes;
    return std::find(d.begin(), d.end(), axis) != d.end();
}

std::string Study::point_ini(const StudyPoint& p) const {
    // The preset's keys, then the fixed keys over them, then the varied ones.
    const std::string point_preset = preset_of(p);
    std::map<std::string, std::string> keys;
    if (!point_preset.empty()) {
        for (const auto& [k, v] : preset_keys.at(point_preset))
            keys[k] = v;
    }
    for (const auto& [k, v] : base)
        keys[k] = v;
    for (std::size_t a = 0; a < axes.size(); ++a) {
        // One at a time: only the moving keys; the others fall through to the preset, the
        // fixed keys and the command's defaults (their baseline).
        if (!is_run_option(axes[a].key) && axes[a].key != "preset" &&
            (design != "one_at_a_time" || moves(p, a)))
            keys[axes[a].key] = p.values[a];
    }
    std::string ini;
    for (const auto& [k, v] : keys)
        ini += fmt::format("{} = {}\n", k, v);
    return ini;
}

std::vector<std::string> Study::point_args(const StudyPoint& p) const {
    if (command != "run")
        return {command};
    std::string m = model, d = denoisers, t = timing_only;
    for (std::size_t a = 0; a < axes.size(); ++a) {
        if (axes[a].key == "model")
            m = p.values[a];
        else if (axes[a].key == "denoisers")
            d = p.values[a];
        else if (axes[a].key == "timing_only")
            t = p.values[a];
    }
    std::vector<std::string> args{"run", m};
    if (t == "true")
        args.push_back("--timing-only");
    if (!d.empty()) {
        args.push_back("--denoisers");
        args.push_back(d);
    }
    return args;
}

std::string Study::describe(const StudyPoint& p) const {
    std::vector<std::string> parts;
    for (std::size_t a = 0; a < axes.size(); ++a) {
        // One at a time: the axes that move (the baseline point: "baseline").
        if (design == "one_at_a_time" && !moves(p, a))
            continue;
        std::string v = p.values[a];
        if (design == "one_at_a_time" && v == baseline[a])
            v += " (the baseline value)";
        if (axes[a].key == "model")
            v = fs::path(v).filename().string();
        parts.push_back(fmt::format("{}={}", axes[a].key, v));
    }
    if (parts.empty())
        return "baseline";
    return fmt::format("{}", fmt::join(parts, " "));
}

}  // namespace dnsim::tb
