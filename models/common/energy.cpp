// Energy table defaults (45 nm) and the per-component energy account.
#include "models/common/energy.h"

#include <cmath>
#include <stdexcept>

#include "models/common/config_error.h"
#include "models/common/config_schema.h"

namespace dnsim {

namespace {

/// ConfigError for an energy no circuit has: 1e9 pJ (1 mJ) per action or 1e9 uW (1 kW) of
/// leakage is far above any circuit, far below where energy x actions could overflow a double.
void check_energy(const std::string& key, double value, EnergyEntry::Kind kind) {
    if (!(value >= 0.0 && value <= kMaxEnergyValue)) {
        const char* unit = kind == EnergyEntry::Kind::dynamic_pJ ? "pJ" : "uW";
        throw ConfigError(key,
                          fmt::format("{} is not a valid energy; accepted: a finite value >= 0 "
                                      "and <= 1e9 {}",
                                      value, unit));
    }
}

}  // namespace

EnergyTable EnergyTable::defaults_45nm() {
    using K = EnergyEntry::Kind;
    // Published figures (literature) and our own estimates derived from them (ours).
    const config::Source lit = config::Source::Literature;
    const config::Source ours = config::Source::Ours;
    EnergyTable t;
    t.add(
        {"mac_16b", K::dynamic_pJ, 1.0, "16-bit fixed multiply with 32-bit accumulate", lit,
         "interpolated, Horowitz ISSCC'14 / Aladdin 40 nm (range 0.8-3.3)",
         "0.5 to 3.3 pJ: Horowitz's 45 nm 16-bit multiply plus accumulate to Aladdin's 40 nm MAC"});
    t.add({"add_16b", K::dynamic_pJ, 0.05, "16-bit add, subtract, compare or shift-select", lit,
           "Horowitz ISSCC'14",
           "0.03 to 0.1 pJ: Horowitz's 45 nm 16-bit add (0.05) within a factor of two for wiring"});
    t.add({"add_32b", K::dynamic_pJ, 0.1, "32-bit add (partial-sum accumulation)", lit,
           "Horowitz ISSCC'14",
           "0.05 to 0.2 pJ: Horowitz's 45 nm 32-bit add (0.1) within a factor of two"});
    t.add({"reg_bit", K::dynamic_pJ, 0.009, "one pipeline-register bit written", lit,
           "Aladdin 40 nm", "0.005 to 0.02 pJ: a 45 nm flip-flop bit, clock included"});
    t.add({"sram_word", K::dynamic_pJ, 2.5,
           "16-bit word read or written in the MX-CGRA's data memory (the denoiser's SRAMs are "
           "charged per row: sram_64b_*)",
           lit, "Horowitz ISSCC'14: 8 KB SRAM 64-bit read 10 pJ, per 16-bit word",
           "1.25 to 5 pJ: Horowitz's 8 KB (10 pJ per 64 bits) to 32 KB (20 pJ) SRAM per 16-bit "
           "word"});
    // The denoiser's SRAMs: a 64-bit access against capacity, interpolated log-log per bank
    // and scaled by the row width (models/denoiser/sram_energy.h).
    t.add({"sram_64b_8kib", K::dynamic_pJ, 10.0, "64-bit access of an 8 KiB SRAM macro", lit,
           "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm, 0.9 V): 8 KB 10 pJ",
           "5 to 20 pJ: Horowitz's 10 pJ at 0.9 V; CACTI's 45 nm 8 KB macros span about half to "
           "twice it with cell type and ports"});
    t.add({"sram_64b_32kib", K::dynamic_pJ, 20.0, "64-bit access of a 32 KiB SRAM macro", lit,
           "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm, 0.9 V): 32 KB 20 pJ",
           "10 to 40 pJ: Horowitz's 20 pJ, half to twice"});
    t.add({"sram_64b_1mib", K::dynamic_pJ, 100.0, "64-bit access of a 1 MiB SRAM macro", lit,
           "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm, 0.9 V): 1 MB 100 pJ",
           "50 to 200 pJ: Horowitz's 100 pJ, half to twice"});
    t.add({"sram_leakage_per_kib", K::leakage_uW, 15.5,
           "SRAM leakage per KiB while on (low-power cells); retention and gated states scale it "
           "by denoiser.sram_retention_leakage and denoiser.gated_leakage",
           lit, "CACTI-7 45 nm, 1 KB",
           "5 to 100 uW: CACTI-7 45 nm low-power cells (15.5) to high-performance cells, several "
           "times more"});
    t.add(
        {"sram_wake_gated_per_kib", K::dynamic_pJ, 9.9,
         "waking one KiB of gated SRAM (gated -> on): its cells' supply recharged", ours,
         "derived: 8192 cells x ~1 fF of cell and virtual-rail capacitance x (1.1 V)^2",
         "2 to 40 pJ: the supply of a KiB's cells (0.25 to 2 fF each) recharged at 0.9 to 1.1 V"});
    t.add({"sram_wake_retention_per_kib", K::dynamic_pJ, 7.2,
           "waking one KiB of SRAM from retention (retention -> on)", ours,
           "derived: 8192 x ~1 fF charged from a 0.3 V retention supply to 1.1 V: C V (V - "
           "V_ret)",
           "1 to 30 pJ: as sram_wake_gated_per_kib from a 0.3 to 0.6 V retention supply"});
    t.add({"conv_core_wake", K::dynamic_pJ, 22.0, "waking one gated conv core (gated -> on)", ours,
           "derived: ~12k NAND2-eq x ~1.5 fF (NanGate 45 nm NAND2 input) x (1.1 V)^2",
           "5 to 100 pJ: a 12k-gate block's capacitance recharged; Hu et al. (ISLPED 2004) put the "
           "break-even of gating at tens of cycles"});
    t.add({"noise_lane_wake", K::dynamic_pJ, 18.0, "waking one gated noise lane", ours,
           "derived: ~10k NAND2-eq x ~1.5 fF x (1.1 V)^2",
           "5 to 80 pJ: as conv_core_wake for a 10k-gate lane"});
    t.add({"control_wake", K::dynamic_pJ, 2.2, "waking the gated control unit", ours,
           "derived: ~1.2k NAND2-eq x ~1.5 fF x (1.1 V)^2",
           "0.5 to 10 pJ: as conv_core_wake for a 1.2k-gate control unit"});
    t.add({"box_muller_sample", K::dynamic_pJ, 7.5, "one Box-Muller normal sample", ours,
           "derived estimate, 6-9 pJ",
           "4 to 15 pJ: a log, a sqrt and a sine/cosine table lookup in 16 to 32 bits"});
    t.add({"lfsr_update_16b", K::dynamic_pJ, 0.15, "one update of a 16-bit LFSR (scaled by width)",
           ours, "derived from NanGate 45 nm DFF/XOR",
           "0.05 to 0.3 pJ: 16 flip-flops and a few XORs at 45 nm"});
    t.add({"sqrt_32b", K::dynamic_pJ, 1.6, "32-bit integer square root (16 add/compare steps)",
           ours, "derived: 16 x 32-bit add, Horowitz",
           "0.8 to 3.2 pJ: 16 add/compare steps of Horowitz's 32-bit add, half to twice"});
    t.add({"interface_word", K::dynamic_pJ, 1.28,
           "16-bit word moved over the external interface from/to the host buffer", lit,
           "ISAAC eDRAM buffer, 20.45 pJ per 256-bit access",
           "0.6 to 5 pJ: ISAAC's eDRAM (20.45 pJ per 256 bits) to an on-chip SRAM or NoC hop per "
           "16-bit word"});
    t.add({"conv_core_leakage", K::leakage_uW, 200.0,
           "logic leakage of one 3x3 conv core while the block is powered", ours,
           "derived: ~12k NAND2-eq x ~17 nW (NanGate 45 nm typical)",
           "50 to 800 uW: 12k gates at 4 to 70 nW (NanGate 45 nm low-leakage to typical corners)"});
    t.add({"noise_lane_leakage", K::leakage_uW, 170.0,
           "logic leakage of one noise lane (LFSRs, Box-Muller, MAC) while powered", ours,
           "derived: ~10k NAND2-eq x ~17 nW (NanGate 45 nm typical)",
           "40 to 700 uW: as conv_core_leakage for 10k gates"});
    t.add({"control_leakage", K::leakage_uW, 20.0,
           "control unit, register file and LeakyReLU unit while powered", ours,
           "derived: ~1.2k NAND2-eq x ~17 nW", "5 to 80 uW: as conv_core_leakage for 1.2k gates"});
    // MX-CGRA analog and memory actions: ISAAC/PUMA figures (MX-CGRA's are not public).
    t.add({"adc_conversion", K::dynamic_pJ, 1.67,
           "one 8-bit ADC conversion of a crossbar column; charged at cgra.adc_bits, scaled "
           "piecewise-linearly through the table's 4 to 10 b points (docs/energy.md)",
           lit,
           "ISAAC (16 mW per 8 ADCs at 1.2 GS/s); CiMLoop/Accelergy isaac_adc table, 4 b 0.79 "
           "... 10 b 2.379 pJ (Saberi et al., IEEE TCAS-I 2011)",
           "0.8 to 3.3 pJ: the ISAAC/Accelergy ADC table's 4 to 10 b (0.79 to 2.38 pJ) and "
           "Saberi's SAR survey"});
    t.add({"dac_row_drive", K::dynamic_pJ, 0.417, "one 1-bit DAC driving one crossbar row", lit,
           "ISAAC / CiMLoop", "0.2 to 0.8 pJ: ISAAC/CiMLoop's 1-bit DAC, half to twice"});
    t.add({"shift_add_16b", K::dynamic_pJ, 0.021, "shift-and-add of one ADC output", lit,
           "ISAAC / CiMLoop", "0.01 to 0.05 pJ: ISAAC/CiMLoop's shift-and-add, half to twice"});
    t.add({"edram_256b", K::dynamic_pJ, 20.45, "one 256-bit access of the tile buffer (eDRAM)", lit,
           "ISAAC", "10 to 40 pJ: ISAAC's eDRAM buffer, half to twice"});
    t.add({"cell_program_pulse", K::dynamic_pJ, 1.68,
           "one write pulse into one crossbar cell while reprogramming the weights "
           "(recalibration; the verify read after it is a dac_row_drive and an adc_conversion)",
           ours,
           "derived from NeuroSim's RealDevice (MLP_NeuroSim V3.0): a 2 V pulse of 80 ns into a "
           "cell at the middle of its 0.476 to 10 uS range, V^2 G t = 4 x 5.24 uS x 80 ns",
           "0.15 to 3.2 pJ: the same pulse at the range's ends (0.476 and 10 uS)"});
    t.add({"crossbar_active", K::leakage_uW, 300.0,
           "one 128x128 2-bit crossbar array while it computes", lit, "ISAAC, PUMA (0.3 mW)",
           "150 to 600 uW: ISAAC and PUMA's 0.3 mW per 128x128 array, half to twice"});
    return t;
}

void EnergyTable::add(EnergyEntry entry) {
    const std::string name = entry.name;
    m_entries[name] = std::move(entry);
}

const EnergyEntry& EnergyTable::at(const std::string& name, EnergyEntry::Kind kind) const {
    const auto it = m_entries.find(name);
    if (it == m_entries.end() || it->second.kind != kind) {
        throw std::out_of_range(
            "energy table has no " +
            std::string(kind == EnergyEntry::Kind::dynamic_pJ ? "dynamic" : "leakage") +
            " entry '" + name + "'");
    }
    return it->second;
}

double EnergyTable::pj(const std::string& name) const {
    return at(name, EnergyEntry::Kind::dynamic_pJ).value;
}

double EnergyTable::leakage_uw(const std::string& name) const {
    return at(name, EnergyEntry::Kind::leakage_uW).value;
}

void EnergyTable::set(const std::string& name, double value) {
    const auto it = m_entries.find(name);
    if (it == m_entries.end()) {
        std::string known;
        for (const auto& [k, e] : m_entries) {
            known += (known.empty() ? "" : ", ") + k;
        }
        throw ConfigError("energy." + name, "unknown energy entry; known entries: " + known);
    }
    check_energy("energy." + name, value, it->second.kind);
    it->second.value = value;
}

const config::KeySet<EnergyTable>& EnergyTable::keys() {
    static const config::KeySet<EnergyTable> k = [] {
        config::KeySet<EnergyTable> s;
        const EnergyTable defaults = defaults_45nm();
        for (const auto& [name, entry] : defaults.entries()) {
            const EnergyEntry::Kind kind = entry.kind;
            s.add(
                 "energy." + name, [n = name](auto& table) -> auto& { return table.value(n); })
                .check_instead("0 to 1e9",
                               [n = name, kind](const EnergyTable& t, const std::string& p) {
                                   check_energy(p + "energy." + n, t.value(n), kind);
                               })
                .unit(kind == EnergyEntry::Kind::dynamic_pJ ? "pJ" : "uW")
                .help(entry.description)
                .origin({entry.source_class, entry.source})
                .plausible(entry.plausible);
        }
        return s;
    }();
    return k;
}

double energy_of(const EnergyTable& table, EnergyEntry::Kind kind, const std::string& action,
                 double count) {
    // uW x ns = 1e-6 W x 1e-9 s = 1e-15 J = 1e-3 pJ
    return kind == EnergyEntry::Kind::dynamic_pJ ? count * table.pj(action)
                                                 : count * table.leakage_uw(action) * 1e-3;
}

void EnergyAccount::add_dynamic(const std::string& component, const std::string& action,
                                double count) {
    m_lines.push_back(
        {component, action, count, count * m_table.pj(action), EnergyEntry::Kind::dynamic_pJ});
}

void EnergyAccount::add_leakage(const std::string& component, const std::string& action,
                                double scale, double time_ns) {
    // uW x ns = 1e-6 W x 1e-9 s = 1e-15 J = 1e-3 pJ
    m_lines.push_back({component, action, scale * time_ns,
                       scale * m_table.leakage_uw(action) * time_ns * 1e-3,
                       EnergyEntry::Kind::leakage_uW});
}

std::vector<EnergyLine> EnergyAccount::totals() const {
    std::vector<EnergyLine> out;
    for (const EnergyLine& l : m_lines) {
        auto it = out.begin();
        while (it != out.end() && !(it->component == l.component && it->action == l.action))
            ++it;
        if (it == out.end()) {
            out.push_back(l);
        } else {
            it->count += l.count;
            it->energy_pJ += l.energy_pJ;
        }
    }
    return out;
}

std::vector<std::pair<std::string, double>> EnergyAccount::per_component_pJ() const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& line : m_lines) {
        auto it = out.begin();
        while (it != out.end() && it->first != line.component) {
            ++it;
        }
        if (it == out.end()) {
            out.emplace_back(line.component, line.energy_pJ);
        } else {
            it->second += line.energy_pJ;
        }
    }
    return out;
}

double EnergyAccount::total_pJ() const {
    double sum = 0.0;
    for (const auto& line : m_lines) {
        sum += line.energy_pJ;
    }
    return sum;
}

}  // namespace dnsim
