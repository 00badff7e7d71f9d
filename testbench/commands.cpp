// The keys of each dnsim command, and docs/keys.md generated from them.
#include "testbench/commands.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "models/common/config_schema.h"
#include "models/common/config_text.h"
#include "testbench/config_keys.h"
#include "testbench/presets.h"
#include "testbench/run_memory.h"
#include "testbench/train_keys.h"

namespace dnsim::tb {

namespace {

template <class S>
config::KeySet<S> insert_options() {
    config::KeySet<S> s;
    declare_denoiser_ratio(s, &S::denoiser_ratio);
    return s;
}

/// The keys command `name` binds: `bind` on options starting as `o`.
template <class Options>
CommandKeys command_keys(const char* name, void (*bind)(ConfigBinder&, Options&), Options o) {
    ConfigBinder b;
    bind(b, o);
    return {name, b.bindings(), b.aliases()};
}

}  // namespace

void bind_denoiser_command(ConfigBinder& b, DenoiserStudyOptions& o) {
    b.bind(denoiser_study_keys(), o);
    b.alias("channels", "block.channels");
    b.alias("height", "block.height");
    b.alias("width", "block.width");
    b.alias("seed", "run.seed");
}

void bind_inspect_command(ConfigBinder& b, InspectSettings& o) {
    bind_model_limits(b);
    b.bind_options(insert_options<InspectSettings>(), o);
}

void bind_eval_command(ConfigBinder& b, EvalOptions& o) {
    bind_model_limits(b);
    bind_memory_limit(b);
    b.bind(workloads::DatasetSpec::keys(), o.dataset);
    b.bind(eval_keys<EvalOptions>(), o);
}

void bind_run_command(ConfigBinder& b, RunOptions& o) {
    // Noise on by default at the paper's sigma of 6 % (the shipped models' training noise).
    o.replay.noise.activation_k = 0.06;
    bind_run_keys(b, o.replay, o.dataset);
    b.bind_options(insert_options<RunOptions>(), o);
}

std::vector<CommandKeys> every_command_keys() {
    // The model limits and the memory limit are process-wide: listed from their defaults.
    const workloads::GraphLimits limits = workloads::graph_limits();
    const std::int64_t memory = max_memory_mib();
    workloads::set_graph_limits({});
    set_max_memory_mib(MemoryLimit{}.max_memory_mib);
    std::vector<CommandKeys> out;
    out.push_back(command_keys("run", bind_run_command, RunOptions{}));
    out.push_back(command_keys("denoiser", bind_denoiser_command, DenoiserStudyOptions{}));
    out.push_back(command_keys("eval", bind_eval_command, EvalOptions{}));
    out.push_back(command_keys("inspect", bind_inspect_command, InspectSettings{}));
    out.push_back(command_keys("dnsim-train", bind_train_keys, train_defaults("backbone")));
    workloads::set_graph_limits(limits);
    set_max_memory_mib(memory);
    return out;
}

namespace {

/// One key across the commands that have it.
struct KeyEntry {
    config::KeyInfo info;
    bool file_key = true;
    std::vector<std::string> commands;
    std::vector<std::pair<std::string, std::vector<std::string>>> defaults;  ///< value, commands
};

struct Section {
    std::string name;
    std::vector<KeyEntry> keys;
};

std::vector<Section> collect() {
    std::vector<Section> sections;
    std::map<std::string, std::pair<std::size_t, std::size_t>> where;
    for (const CommandKeys& c : every_command_keys()) {
        for (const ConfigBinder::Binding& b : c.bindings) {
            const std::string& name = b.info.name;
            auto it = where.find(name);
            if (it == where.end()) {
                const std::size_t dot = name.find('.');
                const std::string section =
                    b.file_key && dot != std::string::npos ? name.substr(0, dot) : "options";
                std::size_t si = 0;
                while (si < sections.size() && sections[si].name != section)
                    ++si;
                if (si == sections.size())
                    sections.push_back({section, {}});
                sections[si].keys.push_back({b.info, b.file_key, {}, {}});
                it = where.emplace(name, std::pair{si, sections[si].keys.size() - 1}).first;
            }
            KeyEntry& e = sections[it->second.first].keys[it->second.second];
            if (!e.info.same_declaration(b.info) || e.file_key != b.file_key) {
                throw std::logic_error("key '" + name + "' is declared twice, differently");
            }
            e.commands.push_back(c.command);
            auto d = e.defaults.begin();
            while (d != e.defaults.end() && d->first != b.default_text)
                ++d;
            if (d == e.defaults.end())
                e.defaults.push_back({b.default_text, {c.command}});
            else
                d->second.push_back(c.command);
        }
    }
    // The command-line options last.
    std::stable_partition(sections.begin(), sections.end(),
                          [](const Section& s) { return s.name != "options"; });
    return sections;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const std::string& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

/// Text for a Markdown table cell.
std::string cell(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '|')
            out += "\\|";
        else
            out += c;
    }
    return out;
}

std::string default_of(const KeyEntry& e) {
    const auto shown = [](const std::string& v) { return v.empty() ? "(empty)" : v; };
    if (e.defaults.size() == 1)
        return shown(e.defaults[0].first);
    std::vector<std::string> parts;
    for (const auto& [value, commands] : e.defaults)
        parts.push_back(fmt::format("{} ({})", shown(value), join(commands, ", ")));
    return join(parts, "; ");
}

std::string accepted_of(const config::KeyInfo& i) {
    if (i.kind != config::Kind::Choice)
        return i.range.empty() ? config::to_string(i.kind) : i.range;
    std::vector<std::string> names;
    for (const auto& [name, meaning] : i.choices)
        names.push_back(name.empty() ? "(empty)" : name);
    return join(names, ", ");
}

std::string description_of(const config::KeyInfo& i) {
    std::string out = i.help;
    if (i.kind == config::Kind::Choice) {
        std::vector<std::string> parts;
        for (const auto& [name, meaning] : i.choices)
            parts.push_back(fmt::format("{}: {}", name.empty() ? "empty" : name, meaning));
        out += ". " + join(parts, "; ");
    }
    return out;
}

/// Every alias once, with the commands that have it, in first-seen order.
struct AliasEntry {
    ConfigBinder::Alias alias;
    std::vector<std::string> commands;
};

std::vector<AliasEntry> collect_aliases() {
    std::vector<AliasEntry> out;
    for (const CommandKeys& c : every_command_keys()) {
        for (const ConfigBinder::Alias& a : c.aliases) {
            auto it = std::find_if(out.begin(), out.end(), [&](const AliasEntry& e) {
                return e.alias.name == a.name && e.alias.key == a.key &&
                       e.alias.deprecated == a.deprecated;
            });
            if (it == out.end())
                out.push_back({a, {c.command}});
            else
                it->commands.push_back(c.command);
        }
    }
    return out;
}

std::string source_of(const config::Origin& o) {
    const std::string cls = config::to_string(o.source);
    return o.citation.empty() ? cls : cls + ": " + o.citation;
}

}  // namespace

std::string keys_markdown() {
    std::string out =
        "# Configuration keys\n\n"
        "Generated by `dnsim keys --markdown docs/keys.md` (the CMake target `keys-doc`) from the\n"
        "declarations next to the config structs (docs/platform.md, \"Configuration keys\");\n"
        "do not edit by hand: a test checks that this file is current.\n\n"
        "A key works on the command line (`--cgra.clock_mhz 400`) and in an INI file given with\n"
        "`--config` (`[cgra]` then `clock_mhz = 400`); the command line wins. `--dump-config "
        "FILE`\n"
        "(`dnsim run`, `eval`, `denoiser`, `dnsim-train`) writes every key of the command with "
        "its\n"
        "resolved value. The options after the keys are command-line options only; the\n"
        "shorthands and old spellings of keys are listed last.\n\n"
        "Accepted: the range of a number (the value as typed must be a finite decimal for a real\n"
        "key, decimal digits for an integer key; docs/reliability.md), the names of a choice.\n"
        "Source of the default: *paper* (Azizi et al., 2024), *literature* (the publication\n"
        "named), *our choice* (a modelling or software decision, with its reason), *calibrated*\n"
        "(fitted so that the figure named holds).\n";
    for (const Section& s : collect()) {
        out += fmt::format("\n## {}\n\n", s.name == "options" ? "Command-line options" : s.name);
        out +=
            "| key | default | unit | accepted | commands | description | source |\n"
            "|---|---|---|---|---|---|---|\n";
        for (const KeyEntry& e : s.keys) {
            out += fmt::format("| `{}{}` | {} | {} | {} | {} | {} | {} |\n", e.file_key ? "" : "--",
                               e.info.name, cell(default_of(e)), cell(e.info.unit),
                               cell(accepted_of(e.info)), join(e.commands, ", "),
                               cell(description_of(e.info)), cell(source_of(e.info.origin)));
        }
    }
    out +=
        "\n## Shorthands and old spellings\n\n"
        "Another name for a key on the command line. Given, it wins over the key wherever the key "
        "was set; an old spelling also prints a warning naming the key to use.\n\n"
        "| option | stands for | kind | commands |\n|---|---|---|---|\n";
    for (const AliasEntry& e : collect_aliases()) {
        out += fmt::format("| `--{}` | `--{}` | {} | {} |\n", e.alias.name, e.alias.key,
                           e.alias.deprecated ? "old spelling (deprecated)" : "shorthand",
                           join(e.commands, ", "));
    }
    return out;
}

bool in_ledger(const std::string& key, const config::KeyInfo& info) {
    for (const char* section : kLedgerSections) {
        const std::string prefix = std::string(section) + ".";
        if (key.compare(0, prefix.size(), prefix) == 0)
            return true;
    }
    return !info.plausible.empty();
}

namespace {

struct Preset {
    std::string name;
    std::string about;  ///< the file's leading comment lines, joined
    std::map<std::string, std::string> keys;
};

std::vector<Preset> read_presets() {
    std::vector<Preset> out;
    for (const std::string& name : preset_names()) {
        const std::string path = preset_path(name);
        Preset p{name, "", {}};
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line) && (line.rfind('#', 0) == 0 || line.rfind(';', 0) == 0)) {
            std::string text = line.substr(1);
            if (!text.empty() && text[0] == ' ')
                text.erase(0, 1);
            p.about += text.empty() ? std::string("\n\n") : text + " ";
        }
        for (const IniEntry& e : parse_ini(read_config_file(path), path))
            p.keys[e.key] = e.value;
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

std::string parameters_markdown() {
    const std::vector<Preset> presets = read_presets();
    std::map<config::Source, int> count;
    std::string body;
    for (const Section& s : collect()) {
        std::string rows;
        for (const KeyEntry& e : s.keys) {
            if (!e.file_key || !in_ledger(e.info.name, e.info))
                continue;
            ++count[e.info.origin.source];
            std::vector<std::string> set_by;
            for (const Preset& p : presets) {
                const auto it = p.keys.find(e.info.name);
                if (it != p.keys.end())
                    set_by.push_back(fmt::format("{} {}", p.name, it->second));
            }
            rows += fmt::format(
                "| `{}` | {} | {} | {} | {} | {} | {} |\n", e.info.name, cell(default_of(e)),
                cell(e.info.unit), config::to_string(e.info.origin.source),
                cell(e.info.origin.citation), cell(e.info.plausible), cell(join(set_by, "; ")));
        }
        if (rows.empty())
            continue;
        body += fmt::format("\n## {}\n\n", s.name);
        body +=
            "| key | default | unit | source | evidence: the sentence, citation, reason or "
            "fit | plausible range | presets |\n|---|---|---|---|---|---|---|\n";
        body += rows;
    }
    std::string out =
        "# Parameter ledger\n\n"
        "Generated by `dnsim keys --ledger docs/parameters.md` (the CMake target `keys-doc`) from "
        "the key\n"
        "declarations and the preset files (platform/presets); do not edit by hand: a test "
        "checks that\n"
        "this file is current, and another that every key has a source and every hardware, "
        "energy and\n"
        "noise key a plausible range.\n\n"
        "Every default that shapes a hardware figure: its unit, where it comes from and how far "
        "it could\n"
        "move in a real design. Sources: *paper* (Azizi et al. 2024, with the sentence), "
        "*literature*\n"
        "(the publication), *our choice* (with the reason: the paper and the literature leave "
        "it open),\n"
        "*calibrated* (fitted: the target and the procedure). The plausible range is the span "
        "the\n"
        "sensitivity study explores (docs/sensitivity.md); the presets column gives the value "
        "each preset\n"
        "sets (`--preset NAME`, `preset = NAME` in a study).\n\n";
    out += fmt::format(
        "{} keys: {} from the paper, {} from the literature, {} our choice, {} calibrated.\n",
        count[config::Source::Paper] + count[config::Source::Literature] +
            count[config::Source::Ours] + count[config::Source::Calibrated],
        count[config::Source::Paper], count[config::Source::Literature],
        count[config::Source::Ours], count[config::Source::Calibrated]);
    out += "\n## Presets\n\n";
    for (const Preset& p : presets) {
        std::string about = p.about;
        if (about.rfind(p.name + ": ", 0) == 0)  // "NAME: what it is": the heading has NAME
            about = about.substr(p.name.size() + 2);
        while (!about.empty() && (about.back() == ' ' || about.back() == '\n'))
            about.pop_back();
        std::string keys;
        for (const auto& [k, v] : p.keys)
            keys += (keys.empty() ? "" : ", ") + fmt::format("`{}` {}", k, v);
        out += fmt::format("### {}\n\n{}\n\nKeys: {}.\n\n", p.name, about, keys);
    }
    out += body;
    return out;
}

std::string keys_text() {
    std::string out;
    for (const Section& s : collect()) {
        for (const KeyEntry& e : s.keys) {
            out +=
                fmt::format("{}{} = {}\n    {}; {}; {}\n    source: {}\n", e.file_key ? "" : "--",
                            e.info.name, default_of(e), key_help(e.info), accepted_of(e.info),
                            join(e.commands, ", "), source_of(e.info.origin));
        }
    }
    return out;
}

}  // namespace dnsim::tb
