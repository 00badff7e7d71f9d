// Energy of a finished run under another energy table, from its action counts.
#include "testbench/energy_study.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/cgra/adc_energy.h"
#include "models/common/config_error.h"
#include "models/common/config_schema.h"
#include "models/common/config_text.h"
#include "models/common/input_files.h"
#include "models/common/output_files.h"
#include "models/denoiser/sram_energy.h"
#include "testbench/provenance.h"
#include "testbench/result_json.h"

namespace dnsim::tb {

namespace {

using json = nlohmann::ordered_json;

/// A field the summary must have, or one error naming the file and the field.
const json& field(const json& doc, const std::string& path, const char* name, const char* what) {
    if (!doc.contains(name)) {
        throw ConfigError(path, fmt::format("has no \"{}\" ({}); dnsim energy reads the "
                                            "summary.json of a dnsim run (of this version or "
                                            "later)",
                                            name, what));
    }
    return doc.at(name);
}

struct ComponentTotals {
    double run_pJ = 0.0;
    double new_pJ = 0.0;
};

}  // namespace

int run_energy_study(const EnergyStudyOptions& opt, std::ostream& os) {
    const std::string& path = opt.summary;
    json doc;
    try {
        doc = json::parse(read_input_file(path, std::int64_t{1} << 30, "a summary.json"));
    } catch (const json::parse_error& e) {
        throw ConfigError(path, fmt::format("not valid JSON: {}", e.what()));
    }
    const json& actions = field(doc, path, "actions_per_inference", "the action counts");
    const json& latency = field(doc, path, "latency_us", "the latency of one inference");
    if (!actions.is_array() || !latency.is_number())
        throw ConfigError(path, "\"actions_per_inference\" or \"latency_us\" has the wrong type");
    // The run's table: the defaults with the run's energy.* keys; and the run's ADC resolution
    // (8 bits, the table's own, in a summary that does not name it).
    EnergyTable run_table = EnergyTable::defaults_45nm();
    cgra::CgraConfig run_cgra;
    denoiser::DenoiserConfig run_denoiser;
    if (doc.contains("config") && doc["config"].is_object()) {
        for (const auto& [key, value] : doc["config"].items()) {
            if (key.rfind("energy.", 0) == 0 && value.is_string()) {
                const std::string name = key.substr(7);
                if (run_table.contains(name))
                    run_table.set(name, parse_real(key, value.get<std::string>()));
            } else if (key == "cgra.adc_bits" && value.is_string()) {
                const auto& k = cgra::CgraConfig::keys().find(key);
                k.set(run_cgra, value.get<std::string>(), "");
                k.check(run_cgra, "");
            } else if ((key.rfind("weight_sram.", 0) == 0 ||
                        key.rfind("activation_sram.", 0) == 0) &&
                       value.is_string()) {
                // The SRAMs' geometry: their row energies (sram_energy.h).
                const auto& k = denoiser::DenoiserConfig::keys().find(key);
                k.set(run_denoiser, value.get<std::string>(), "");
                k.check(run_denoiser, "");
            }
        }
    }
    EnergyTable table = run_table;
    for (const auto& [name, value] : opt.overrides)
        table.set(name, value);
    // Both charged as the run charged its actions: adc_conversion (only the crossbars' ADCs
    // convert) at the run's cgra.adc_bits (docs/energy.md).
    const unsigned adc_bits = run_cgra.analog.adc_bits;
    const double adc_scale = cgra::adc_energy_scale(adc_bits);
    run_table = cgra::charged_energy_table(run_table, run_cgra.analog);
    table = cgra::charged_energy_table(table, run_cgra.analog);
    // The denoiser's SRAMs per row access, from the reference points and the run's geometry.
    const std::string sram_text = denoiser::sram_energy_table_text(table, run_denoiser);
    run_table = denoiser::charged_energy_table(run_table, run_denoiser);
    table = denoiser::charged_energy_table(table, run_denoiser);

    std::vector<std::string> order;
    std::map<std::string, ComponentTotals> per;
    for (const json& a : actions) {
        if (!a.is_object() || !a.contains("component") || !a.contains("action") ||
            !a.contains("kind") || !a.contains("count") || !a["count"].is_number()) {
            throw ConfigError(path,
                              "an entry of \"actions_per_inference\" lacks component, "
                              "action, kind or count");
        }
        const std::string component = a["component"].get<std::string>();
        const std::string action = a["action"].get<std::string>();
        const std::string kind_text = a["kind"].get<std::string>();
        if (kind_text != "dynamic" && kind_text != "leakage") {
            throw ConfigError(path, fmt::format("action {}/{}: kind '{}' is not dynamic or "
                                                "leakage",
                                                component, action, printable(kind_text)));
        }
        if (!table.contains(action)) {
            throw ConfigError(path, fmt::format("action {}/{}: no energy.{} entry in this dnsim's "
                                                "table",
                                                component, action, printable(action)));
        }
        const auto kind =
            kind_text == "dynamic" ? EnergyEntry::Kind::dynamic_pJ : EnergyEntry::Kind::leakage_uW;
        const double count = a["count"].get<double>();
        if (per.count(component) == 0)
            order.push_back(component);
        per[component].run_pJ += energy_of(run_table, kind, action, count);
        per[component].new_pJ += energy_of(table, kind, action, count);
    }
    const double latency_ns = latency.get<double>() * 1e3;
    os << fmt::format("energy per inference of {} ({} us), run's table -> new table\n", path,
                      latency.get<double>());
    if (adc_bits != cgra::kAdcReferenceBits) {
        os << fmt::format("ADC conversions at cgra.adc_bits {}: energy.adc_conversion x {:.4f}\n",
                          adc_bits, adc_scale);
    }
    os << sram_text;
    os << fmt::format("{:<28} {:>16} {:>16} {:>9} {:>12}\n", "component", "run energy_pJ",
                      "new energy_pJ", "change", "new power_mW");
    json components = json::array();
    double run_total = 0.0, new_total = 0.0;
    for (const std::string& c : order) {
        const ComponentTotals& t = per[c];
        run_total += t.run_pJ;
        new_total += t.new_pJ;
        const std::string change =
            t.run_pJ > 0.0 ? fmt::format("{:+.2f} %", 100.0 * (t.new_pJ - t.run_pJ) / t.run_pJ)
                           : "";
        os << fmt::format("{:<28} {:>16.1f} {:>16.1f} {:>9} {:>12.4f}\n", c, t.run_pJ, t.new_pJ,
                          change, average_power_mW(t.new_pJ, latency_ns));
        components.push_back({{"component", c},
                              {"run_energy_pJ", t.run_pJ},
                              {"energy_pJ", t.new_pJ},
                              {"power_mW", average_power_mW(t.new_pJ, latency_ns)}});
    }
    os << fmt::format("{:<28} {:>16.1f} {:>16.1f} {:>9} {:>12.4f}\n", "total", run_total, new_total,
                      run_total > 0.0
                          ? fmt::format("{:+.2f} %", 100.0 * (new_total - run_total) / run_total)
                          : "",
                      average_power_mW(new_total, latency_ns));
    if (!opt.out_dir.empty()) {
        json j;
        j["schema_version"] = kResultSchemaVersion;
        j["tool"] = "dnsim energy";
        j["summary"] = path;
        json changed = json::object();
        for (const auto& [name, value] : opt.overrides)
            changed["energy." + name] = value;
        j["energy_table_changes"] = changed;
        j["cgra_adc_bits"] = adc_bits;
        j["adc_energy_scale"] = adc_scale;
        json sram = json::object();
        for (const denoiser::SramEnergyPoint& p : denoiser::kSramEnergyPoints)
            sram[std::string("energy.") + p.entry] = table.pj(p.entry);
        sram["weight_sram_row_pJ"] = table.pj("weight_sram_row");
        sram["activation_sram_row_pJ"] = table.pj("activation_sram_row");
        j["sram_access_energy"] = sram;
        j["latency_us"] = latency;
        j["energy_per_inference"] = components;
        j["run_energy_pJ"] = run_total;
        j["total_energy_pJ"] = new_total;
        j["total_average_power_mW"] = average_power_mW(new_total, latency_ns);
        ProvenanceInputs p;
        p.command = opt.command;
        j["provenance"] = provenance_json(p);
        if (doc.contains("provenance"))
            j["run_provenance"] = doc["provenance"];
        write_file_atomically(opt.out_dir, "energy.json", json_text(j));
        os << "wrote " << opt.out_dir << "/energy.json\n";
    }
    return 0;
}

}  // namespace dnsim::tb
