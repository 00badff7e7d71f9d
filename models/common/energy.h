// Energy accounting in the Accelergy style: energy = sum(actions x energy per action) +
// leakage power x time. The per-action table has 45 nm defaults (docs/energy.md lists the
// sources) and every entry can be overridden from config as `energy.<name>`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dnsim::config {
enum class Source;
template <class S>
class KeySet;
}  // namespace dnsim::config

namespace dnsim {

/// One entry of the energy table: either a dynamic energy per action (pJ) or a leakage
/// power (uW).
/// The largest value an energy entry accepts (pJ per action or uW).
inline constexpr double kMaxEnergyValue = 1e9;

struct EnergyEntry {
    enum class Kind { dynamic_pJ, leakage_uW };
    std::string name;
    Kind kind = Kind::dynamic_pJ;
    double value = 0.0;
    std::string description;
    config::Source source_class{};  ///< paper, literature, ours or calibrated (docs/keys.md)
    std::string source;             ///< the citation
    std::string plausible;          ///< the plausible range with its evidence (KeyInfo)
};

class EnergyTable {
  public:
    /// The defaults: 45 nm, NanGate/CACTI/Horowitz/ISAAC figures (see docs/energy.md).
    static EnergyTable defaults_45nm();

    /// pJ per action of a dynamic entry; throws std::out_of_range for an unknown name.
    double pj(const std::string& name) const;
    /// uW of a leakage entry; throws std::out_of_range for an unknown name.
    double leakage_uw(const std::string& name) const;
    /// Overrides an entry; throws ConfigError("energy.<name>") if unknown, negative or not finite.
    void set(const std::string& name, double value);
    /// The value of entry `name` (std::out_of_range if unknown).
    double& value(const std::string& name) { return m_entries.at(name).value; }
    const double& value(const std::string& name) const { return m_entries.at(name).value; }
    /// The energy.* keys: one per entry of defaults_45nm(), with its unit and source.
    static const config::KeySet<EnergyTable>& keys();
    bool contains(const std::string& name) const { return m_entries.count(name) != 0; }
    const std::map<std::string, EnergyEntry>& entries() const { return m_entries; }

    void add(EnergyEntry entry);

  private:
    const EnergyEntry& at(const std::string& name, EnergyEntry::Kind kind) const;
    std::map<std::string, EnergyEntry> m_entries;
};

/// One line of an energy breakdown: a component, an action (or leakage), how many, how much.
struct EnergyLine {
    std::string component;
    std::string action;
    double count = 0.0;  ///< actions, or leakage scale x ns for leakage lines
    double energy_pJ = 0.0;
    EnergyEntry::Kind kind = EnergyEntry::Kind::dynamic_pJ;
};

/// The energy of `count` of entry `action` under `table`: count x pJ for an action, count
/// (instances x ns) x uW x 1e-3 for leakage.
double energy_of(const EnergyTable& table, EnergyEntry::Kind kind, const std::string& action,
                 double count);

/// Collects energy per component from action counts and leakage durations, under its own copy
/// of the table it is made with.
class EnergyAccount {
  public:
    explicit EnergyAccount(EnergyTable table) : m_table(std::move(table)) {}

    /// count actions of `action` charged to `component`.
    void add_dynamic(const std::string& component, const std::string& action, double count);
    /// Leakage of `scale` instances of entry `action` (e.g. KiB of SRAM) for `time_ns`.
    void add_leakage(const std::string& component, const std::string& action, double scale,
                     double time_ns);

    const std::vector<EnergyLine>& lines() const { return m_lines; }
    /// The lines summed per (component, action), in first-seen order: the action counts from
    /// which the energy under another table follows (energy_of).
    std::vector<EnergyLine> totals() const;
    /// Energy per component in pJ, in first-seen order.
    std::vector<std::pair<std::string, double>> per_component_pJ() const;
    double total_pJ() const;

  private:
    EnergyTable m_table;
    std::vector<EnergyLine> m_lines;
};

/// Average power in mW of `energy_pJ` spread over `time_ns` (0 when time is 0).
inline double average_power_mW(double energy_pJ, double time_ns) {
    return time_ns > 0.0 ? energy_pJ / time_ns : 0.0;  // pJ/ns = mW
}

}  // namespace dnsim
