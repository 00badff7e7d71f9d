// SRAM access energy per row against macro capacity (log-log through the table's points).
#include "models/denoiser/sram_energy.h"

#include <cmath>

#include <fmt/format.h>

#include "models/common/config_schema.h"

namespace dnsim::denoiser {

double sram_row_energy_pJ(const EnergyTable& table, std::uint64_t bank_bytes, unsigned width_bits) {
    const double x = std::log(static_cast<double>(bank_bytes));
    // The segment holding x, or the nearest one outside the points.
    std::size_t i = 0;
    while (i + 2 < kSramEnergyPoints.size() &&
           static_cast<double>(bank_bytes) > static_cast<double>(kSramEnergyPoints[i + 1].bytes))
        ++i;
    const double x0 = std::log(static_cast<double>(kSramEnergyPoints[i].bytes));
    const double x1 = std::log(static_cast<double>(kSramEnergyPoints[i + 1].bytes));
    const double e0 = table.pj(kSramEnergyPoints[i].entry);
    const double e1 = table.pj(kSramEnergyPoints[i + 1].entry);
    double e64 = 0.0;
    if (e0 > 0.0 && e1 > 0.0) {
        const double y = std::log(e0) + (std::log(e1) - std::log(e0)) * (x - x0) / (x1 - x0);
        e64 = std::exp(y);
    } else {  // an entry set to 0: linear in capacity between the points, never below 0
        e64 = std::max(0.0, e0 + (e1 - e0) * (static_cast<double>(bank_bytes) - std::exp(x0)) /
                                     (std::exp(x1) - std::exp(x0)));
    }
    return e64 * static_cast<double>(width_bits) / 64.0;
}

EnergyTable charged_energy_table(const EnergyTable& table, const DenoiserConfig& cfg) {
    EnergyTable t = table;
    const auto row = [&](const char* name, const SramConfig& s, const char* what) {
        t.add({name, EnergyEntry::Kind::dynamic_pJ,
               sram_row_energy_pJ(table, s.bank_bytes(), s.width_bits),
               fmt::format("one {}-bit row access of the {} ({} KiB banks); derived from the "
                           "energy.sram_64b_* points",
                           s.width_bits, what, s.bank_bytes() / 1024),
               config::Source::Literature, "Horowitz ISSCC'14 SRAM points, log-log in capacity",
               "as the energy.sram_64b_* points it is derived from"});
    };
    row("weight_sram_row", cfg.weight_sram, "weight SRAM");
    row("activation_sram_row", cfg.activation_sram, "activation SRAM");
    return t;
}

std::string sram_energy_table_text(const EnergyTable& table, const DenoiserConfig& cfg) {
    std::string out =
        "denoiser SRAM access energy (Horowitz ISSCC'14, 45 nm; log-log in macro "
        "capacity, x width/64):\n";
    out += fmt::format("  {:<22}{:>14}{:>16}\n", "reference point", "macro_KiB", "pJ per 64 bit");
    for (const SramEnergyPoint& p : kSramEnergyPoints) {
        out += fmt::format("  energy.{:<15}{:>14}{:>16.3f}\n", p.entry, p.bytes / 1024,
                           table.pj(p.entry));
    }
    out += fmt::format("  {:<22}{:>14}{:>10}{:>16}{:>14}\n", "SRAM", "macro_KiB", "banks",
                       "pJ per row", "pJ per word");
    for (const auto* s : {&cfg.weight_sram, &cfg.activation_sram}) {
        const double e = sram_row_energy_pJ(table, s->bank_bytes(), s->width_bits);
        out += fmt::format("  {:<22}{:>14}{:>10}{:>11.3f} ({}b){:>14.3f}\n",
                           s == &cfg.weight_sram ? "weight_sram" : "activation_sram",
                           s->bank_bytes() / 1024, s->banks, e, s->width_bits,
                           e / static_cast<double>(s->words_per_row()));
    }
    return out;
}

}  // namespace dnsim::denoiser
