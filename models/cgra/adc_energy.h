// The energy of one conversion of the crossbars' SAR ADC against its resolution
// (cgra.adc_bits). energy.adc_conversion is the energy of an 8-bit conversion (ISAAC); other
// resolutions scale it by a factor interpolated piecewise-linearly in the bits through the
// ISAAC ADC table of CiMLoop/Accelergy (4 to 10 bits), extrapolated outside it (docs/energy.md).
// One function for every place energy is computed from actions: the run, the MX-CGRA target and
// `dnsim energy`.
#pragma once

#include "models/cgra/cgra_config.h"
#include "models/common/energy.h"

namespace dnsim::cgra {

/// Energy of one ADC conversion at `bits` relative to one at kAdcReferenceBits (8): 1 at 8 bits,
/// piecewise-linear through the table's points (4 b 0.79 ... 10 b 2.379 pJ over 1.67 pJ),
/// the nearest segment extended linearly outside 4..10 bits, never below kAdcEnergyScaleFloor.
double adc_energy_scale(unsigned bits);

/// The smallest value adc_energy_scale returns (reached only below 1 bit).
inline constexpr double kAdcEnergyScaleFloor = 0.05;

/// The table the MX-CGRA's actions are charged under: `table` (whose adc_conversion is the
/// energy of an 8-bit conversion) with adc_conversion times adc_energy_scale(cfg.adc_bits).
/// Every other entry as in `table`.
EnergyTable charged_energy_table(const EnergyTable& table, const AnalogConfig& cfg);

}  // namespace dnsim::cgra
