// ADC energy against resolution: the ISAAC ADC table of CiMLoop/Accelergy, interpolated.
#include "models/cgra/adc_energy.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace dnsim::cgra {

namespace {

struct AdcPoint {
    double bits;
    double pj;  ///< energy of one conversion
};

/// The ISAAC ADC (8 b, 1.67 pJ: 16 mW for 8 ADCs at 1.2 GS/s, after Kull et al., ISSCC 2013)
/// at 4 to 10 bits, scaled after Saberi et al. (IEEE TCAS-I 2011): CiMLoop's/Accelergy's
/// isaac_adc table (accelergy-library-plug-in, library/isaac/isaac_adc.csv), 32 nm.
constexpr std::array<AdcPoint, 7> kIsaacAdc{{
    {4.0, 0.79},
    {5.0, 0.99},
    {6.0, 1.20},
    {7.0, 1.42},
    {8.0, 1.67},
    {9.0, 1.969078145},
    {10.0, 2.379022742},
}};

static_assert(kIsaacAdc[4].bits == kAdcReferenceBits, "the table's reference row is 8 bits");

}  // namespace

double adc_energy_scale(unsigned bits) {
    const double b = bits;
    // The segment holding b; below the first or above the last point, the nearest segment
    // extended.
    std::size_t i = 0;
    while (i + 2 < kIsaacAdc.size() && b > kIsaacAdc[i + 1].bits)
        ++i;
    const AdcPoint& lo = kIsaacAdc[i];
    const AdcPoint& hi = kIsaacAdc[i + 1];
    // (1 - t) lo + t hi: exactly the table's value at its points (1 at 8 bits, so the
    // reference resolution's energy is the table entry's to the bit).
    const double t = (b - lo.bits) / (hi.bits - lo.bits);
    const double pj = (1.0 - t) * lo.pj + t * hi.pj;
    return std::max(pj / kIsaacAdc[4].pj, kAdcEnergyScaleFloor);
}

EnergyTable charged_energy_table(const EnergyTable& table, const AnalogConfig& cfg) {
    EnergyTable charged = table;
    charged.value("adc_conversion") *= adc_energy_scale(cfg.adc_bits);
    return charged;
}

}  // namespace dnsim::cgra
