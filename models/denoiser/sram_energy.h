// Energy of one access of a denoiser SRAM: a width_bits row of one bank (one SRAM macro),
// against the macro's capacity, from a published 45 nm table (Horowitz, ISSCC 2014: a 64-bit
// access of an 8 KB SRAM 10 pJ, of a 32 KB one 20 pJ, of a 1 MB one 100 pJ). Between the points
// the energy is interpolated log-log (a power law per segment; the 8-32 KB segment is exactly
// the square-root law of bitline and wordline length), outside them the nearest segment is
// extended; a row of w bits costs w/64 of a 64-bit access (bitlines and sense amplifiers per
// bit dominate). The points are energy-table entries (energy.sram_64b_8kib, ...), so they can be
// overridden; docs/energy.md shows the table and dnsim energy prints it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"

namespace dnsim::denoiser {

/// One reference point: a 64-bit access of an SRAM of `bytes`, the energy-table entry holding it.
struct SramEnergyPoint {
    std::uint64_t bytes;
    const char* entry;
};
inline constexpr std::array<SramEnergyPoint, 3> kSramEnergyPoints{{
    {8 * 1024, "sram_64b_8kib"},
    {32 * 1024, "sram_64b_32kib"},
    {1024 * 1024, "sram_64b_1mib"},
}};

/// pJ of one access of a `width_bits` row of a macro of `bank_bytes` under `table`.
double sram_row_energy_pJ(const EnergyTable& table, std::uint64_t bank_bytes, unsigned width_bits);

/// The table the denoiser's actions are charged under: `table` plus the derived dynamic entries
/// weight_sram_row and activation_sram_row (sram_row_energy_pJ of each SRAM's bank and width).
EnergyTable charged_energy_table(const EnergyTable& table, const DenoiserConfig& cfg);

/// The reference points and the two SRAMs' row energies as text, for dnsim energy.
std::string sram_energy_table_text(const EnergyTable& table, const DenoiserConfig& cfg);

}  // namespace dnsim::denoiser
