// Configuration of the MX-CGRA model: analog tiles (memristor crossbars with DAC/ADC) and
// digital tiles. MX-CGRA's own figures are not public; the defaults are ISAAC/PUMA values
// (docs/cgra.md lists each with its source). The cgra.* keys, with their ranges and sources,
// are declared once in CgraConfig::keys() (cgra_config.cpp; docs/keys.md).
#pragma once

#include <string>

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::cgra {

/// What the CGRA does with depthwise convolutions, which map poorly onto crossbars.
enum class DepthwiseMapping {
    Digital,        ///< on the digital tiles as MACs (default)
    BlockDiagonal,  ///< on crossbars, one diagonal block per channel (mostly empty arrays)
};

/// How crossbars are shared out when a layer's weights are copied to run MVMs in parallel.
enum class ReplicationPolicy {
    Uniform,   ///< every analog layer gets `replication` copies
    Balanced,  ///< ISAAC-style: spare crossbars go to the layers with the most MVMs
};

/// The ADC resolution energy.adc_conversion and cgra.pass_ns are given for: ISAAC's 8-bit SAR
/// ADC, one per crossbar, converting the 128 columns of a pass in one 100 ns pass.
inline constexpr unsigned kAdcReferenceBits = 8;

/// Whether the ADC's resolution sets the time of a crossbar pass.
enum class AdcTiming {
    Fixed,  ///< a pass takes pass_ns at every resolution (default)
    Sar,    ///< one SAR bit cycle per bit: above 8 bits the conversion paces the pass
};

struct AnalogConfig {
    unsigned crossbar_rows = 128;  ///< wordlines (ISAAC, PUMA)
    unsigned crossbar_cols = 128;  ///< bitlines (ISAAC, PUMA)
    unsigned bits_per_cell = 2;    ///< bits per memristor cell (ISAAC, PUMA)
    unsigned weight_bits = 16;     ///< weight precision, bits (16-bit fixed point)
    unsigned input_bits = 16;      ///< input precision, bits
    unsigned dac_bits = 1;         ///< DAC resolution: inputs streamed bit-serially
    unsigned adc_bits = 8;         ///< ADC resolution (ISAAC: 8-bit SAR); scales its energy
    AdcTiming adc_timing = AdcTiming::Fixed;  ///< whether adc_bits sets the pass time
    /// One input-bit pass incl. ADC of 128 columns, ns. ISAAC: 100 ns; calibrated to 52 ns so
    /// that ResNet-18 with the paper's two denoisers shows its +11 % (docs/validation.md).
    double pass_ns = 52.0;
    unsigned pipeline_fill_passes = 2;  ///< extra passes per MVM (PUMA latency formula)
    unsigned crossbars = 16128;         ///< crossbars on the chip (ISAAC: 168 x 12 x 8)
    unsigned replication = 1;           ///< copies per layer (Uniform) or minimum (Balanced)
    ReplicationPolicy policy = ReplicationPolicy::Uniform;
    /// Reprogramming the weights (recalibration): program-and-verify iterations per cell, on
    /// average (each a write pulse and a verify read of one pass).
    double program_pulses_per_cell = 10.0;
    double program_pulse_ns = 80.0;   ///< one write pulse (NeuroSim RealDevice: 80 ns)
    unsigned program_column_mux = 4;  ///< columns sharing one write driver (NeuroSim: 4)

    /// Weight columns per output: ceil(weight_bits / bits_per_cell).
    unsigned cells_per_weight() const { return (weight_bits + bits_per_cell - 1) / bits_per_cell; }
    /// Input passes per MVM: ceil(input_bits / dac_bits).
    unsigned passes_per_mvm() const { return (input_bits + dac_bits - 1) / dac_bits; }
    /// One input-bit pass, ns: pass_ns; with AdcTiming::Sar, pass_ns x max(1, adc_bits / 8)
    /// (the array's read, which pass_ns stands for, matches the 8-bit conversion of its columns).
    double pass_time_ns() const;
};

struct DigitalConfig {
    unsigned tiles = 16;           ///< digital tiles (ours: MX-CGRA's count is not public)
    unsigned lanes_per_tile = 16;  ///< 16-bit operations per tile per cycle (ours)
    unsigned macs_per_tile = 16;   ///< MACs per tile per cycle, for depthwise (ours)
    unsigned scratchpad_words_per_cycle = 64;  ///< 16-bit words/cycle to data memory (ours)
};

struct CgraConfig {
    double clock_mhz = 500.0;  ///< digital clock; analog time is converted to these cycles
    AnalogConfig analog;
    DigitalConfig digital;
    DepthwiseMapping depthwise = DepthwiseMapping::Digital;

    double cycle_ns() const { return 1000.0 / clock_mhz; }
    /// Throws ConfigError naming the cgra.* key of the first out-of-range field.
    void validate() const;
    /// The cgra.* keys: every field above with its range, unit, help and source.
    static const config::KeySet<CgraConfig>& keys();
};

/// By the names of their tables in cgra_config.cpp (the names of cgra.depthwise,
/// cgra.replication_policy and cgra.adc_timing).
DepthwiseMapping parse_depthwise_mapping(const std::string& key, const std::string& text);
ReplicationPolicy parse_replication_policy(const std::string& key, const std::string& text);
AdcTiming parse_adc_timing(const std::string& key, const std::string& text);
const char* to_string(DepthwiseMapping m);
const char* to_string(ReplicationPolicy p);
const char* to_string(AdcTiming t);

}  // namespace dnsim::cgra
