// The cgra.* keys, declared once: range, unit, help and source of every CgraConfig field.
#include "models/cgra/cgra_config.h"

#include <array>

#include "models/common/config_error.h"
#include "models/common/config_schema.h"

namespace dnsim::cgra {

namespace {

using config::EnumName;

constexpr std::array<EnumName<DepthwiseMapping>, 2> kDepthwiseNames{{
    {DepthwiseMapping::Digital, "digital", "on the digital tiles as MACs"},
    {DepthwiseMapping::BlockDiagonal, "block_diagonal",
     "on crossbars, one diagonal block per channel (mostly empty arrays)"},
}};

constexpr std::array<EnumName<ReplicationPolicy>, 2> kPolicyNames{{
    {ReplicationPolicy::Uniform, "uniform", "every analog layer gets cgra.replication copies"},
    {ReplicationPolicy::Balanced, "balanced",
     "ISAAC-style: spare crossbars go to the layers with the most MVMs"},
}};

constexpr std::array<EnumName<AdcTiming>, 2> kAdcTimingNames{{
    {AdcTiming::Fixed, "fixed", "a pass takes cgra.pass_ns at every ADC resolution"},
    {AdcTiming::Sar, "sar",
     "one SAR bit cycle per bit: a pass takes cgra.pass_ns x max(1, cgra.adc_bits / 8)"},
}};

const char* const kIsaac = "ISAAC (Shafiee et al., ISCA 2016)";
const char* const kIsaacPuma =
    "ISAAC (Shafiee et al., ISCA 2016), PUMA (Ankit et al., ASPLOS 2019)";
const char* const kNotPublic = "MX-CGRA's figure is not public";

config::KeySet<CgraConfig> declare() {
    using config::literature;
    using config::ours;
    config::KeySet<CgraConfig> s;
    const auto analog = [](auto field) { return config::member(&CgraConfig::analog, field); };
    const auto digital = [](auto field) { return config::member(&CgraConfig::digital, field); };
    s.add("cgra.clock_mhz", &CgraConfig::clock_mhz)
        .range(1.0, 10000.0)
        .unit("MHz")
        .help("CGRA digital clock; analog time is converted to these cycles")
        .origin(ours("MX-CGRA's clock is not public; the denoiser's 500 MHz"))
        .plausible(
            "200 to 1200 MHz: the denoiser's 500 MHz (paper), PUMA's 1 GHz, ISAAC's 1.2 GHz "
            "eDRAM/router clock");
    s.add("cgra.crossbar_rows", analog(&AnalogConfig::crossbar_rows))
        .range(1U, 4096U)
        .help("crossbar wordlines")
        .origin(literature(kIsaacPuma))
        .plausible(
            "64 to 512: ISAAC and PUMA 128; PUMA's simulator accepts 32 to 256, NeuroSim studies "
            "64 to 512");
    s.add("cgra.crossbar_cols", analog(&AnalogConfig::crossbar_cols))
        .range(1U, 4096U)
        .help("crossbar bitlines")
        .origin(literature(kIsaacPuma))
        .plausible("64 to 512: as cgra.crossbar_rows");
    s.add("cgra.bits_per_cell", analog(&AnalogConfig::bits_per_cell))
        .range(1U, 8U)
        .doc_unit("bits")
        .help("bits per memristor cell")
        .origin(literature(kIsaacPuma))
        .plausible("1 to 4: ISAAC and PUMA 2; PUMA's simulator accepts 2, 4, 6");
    s.add("cgra.weight_bits", analog(&AnalogConfig::weight_bits))
        .range(1U, 32U)
        .doc_unit("bits")
        .help("weight precision")
        .origin(literature(kIsaac))
        .plausible("8 to 16: the paper quantises to 16 bits; 8-bit inference is common");
    s.add("cgra.input_bits", analog(&AnalogConfig::input_bits))
        .range(1U, 32U)
        .doc_unit("bits")
        .help("input precision")
        .origin(literature(kIsaac))
        .plausible("8 to 16: as cgra.weight_bits");
    s.add("cgra.dac_bits", analog(&AnalogConfig::dac_bits))
        .check_instead("1 to cgra.input_bits",
                       [](const CgraConfig& c, const std::string& p) {
                           require_range(p + "cgra.dac_bits", c.analog.dac_bits, 1U,
                                         c.analog.input_bits);
                       })
        .doc_unit("bits")
        .help("DAC resolution (1: inputs streamed bit-serially)")
        .origin(literature(kIsaacPuma))
        .plausible(
            "1 to 2: ISAAC and PUMA stream inputs bit-serially (1); multi-bit DACs cost area and "
            "energy");
    s.add("cgra.adc_bits", analog(&AnalogConfig::adc_bits))
        .range(1U, 16U)
        .doc_unit("bits")
        .help(
            "ADC resolution (one SAR ADC per crossbar); scales the energy of a conversion "
            "from energy.adc_conversion's 8 bits (docs/energy.md)")
        .origin(literature(kIsaac))
        .plausible(
            "6 to 10: ISAAC's 8 b with its encoding trick; the ISAAC/Accelergy ADC table spans 4 "
            "to 10 b");
    s.add_choice("cgra.adc_timing", analog(&AnalogConfig::adc_timing), kAdcTimingNames)
        .help("whether cgra.adc_bits sets the time of a crossbar pass (docs/cgra.md)")
        .origin(ours("fixed keeps the calibrated cgra.pass_ns at every resolution; sar: ISAAC "
                     "sizes one 8-bit ADC per crossbar to convert a pass's 128 columns in the "
                     "pass, and a SAR ADC resolves one bit per cycle (Murmann, IEEE Commun. "
                     "Mag. 2016)"))
        .plausible("fixed or sar: two readings of how ISAAC's per-crossbar ADC sets the pass time");
    s.add("cgra.pass_ns", analog(&AnalogConfig::pass_ns))
        .range(0.001, 1e6)
        .unit("ns")
        .help("one input-bit pass over the crossbar incl. the ADC of its columns (ISAAC: 100 ns)")
        .origin(config::calibrated(
            "target: the paper's +11 % latency for ResNet-18 (224x224) with denoisers after "
            "layers 1 and 20 and its 10 conv cores; procedure: the paper study run at 50, 51, "
            "..., 54 and 100 ns, the whole ns nearest +11.00 % kept (docs/validation.md; the "
            "calibrated-11pct preset)"))
        .plausible(
            "25 to 200 ns: ISAAC and PUMA 100 ns (ISAAC's 1.28 GS/s ADC over 128 columns); MX-CGRA "
            "claims 2.35x the throughput of earlier mixed-signal designs (52 ns fitted)");
    s.add("cgra.pipeline_fill_passes", analog(&AnalogConfig::pipeline_fill_passes))
        .range(0U, 64U)
        .help("extra passes per MVM")
        .origin(literature("PUMA latency formula (Ankit et al., ASPLOS 2019)"))
        .plausible(
            "0 to 4: 0 if the pipeline fill is hidden between MVMs, PUMA's latency formula 2");
    s.add("cgra.crossbars", analog(&AnalogConfig::crossbars))
        .range(1U, 100000000U)
        .help("crossbars on the chip")
        .origin(literature("ISAAC: 168 tiles x 12 IMAs x 8 crossbars"))
        .plausible(
            "4096 to 32768: ISAAC 16 128 (168 tiles x 12 IMAs x 8), PUMA's simulator up to 21 504 "
            "(168 x 8 x 2 x 8); MX-CGRA's count is not public");
    s.add("cgra.replication", analog(&AnalogConfig::replication))
        .range(1U, 1000000U)
        .help("weight copies per layer (uniform) or the minimum (balanced)")
        .origin(ours("one copy: the smallest footprint"))
        .plausible(
            "1 to 8: one copy (smallest footprint) to ISAAC-style replication of early layers");
    s.add_choice("cgra.replication_policy", analog(&AnalogConfig::policy), kPolicyNames)
        .help("how crossbars are shared out among the copies of the layers' weights")
        .origin(ours("uniform: with cgra.replication 1 the smallest footprint, as PUMA maps a "
                     "network; balanced is ISAAC's choice (the isaac preset)"))
        .plausible(
            "uniform or balanced: PUMA maps one copy per layer; ISAAC balances its layer pipeline "
            "with spare crossbars");
    s.add("cgra.program_pulses_per_cell", analog(&AnalogConfig::program_pulses_per_cell))
        .range(1.0, 10000.0)
        .help(
            "reprogramming (recalibration): program-and-verify iterations per cell on "
            "average, each a write pulse and a verify read (docs/energy.md)")
        .origin(ours("10: iterative write-verify to an analog level takes several to a few tens "
                     "of pulses per cell (Wan et al., Nature 608, 2022, Extended Data Fig. 3 "
                     "shows its distribution)"))
        .plausible("2 to 50: a coarse level in a few pulses, a tight analog tolerance in tens");
    s.add("cgra.program_pulse_ns", analog(&AnalogConfig::program_pulse_ns))
        .range(0.001, 1e9)
        .unit("ns")
        .help("reprogramming: one write pulse of one cell")
        .origin(literature("NeuroSim RealDevice: 80 ns write pulses (MLP_NeuroSim V3.0, Cell.cpp)"))
        .plausible(
            "10 to 1000 ns: NeuroSim's ideal device 10 ns, its RealDevice 80 ns, PCM and "
            "slower RRAM SET pulses up to microseconds");
    s.add("cgra.program_column_mux", analog(&AnalogConfig::program_column_mux))
        .range(1U, 4096U)
        .help(
            "reprogramming: columns of a crossbar sharing one write driver (cells of a row "
            "written at once: cgra.crossbar_cols / this)")
        .origin(literature("NeuroSim: numWriteColMuxed = 4 (DNN_NeuroSim V1.0, Param.cpp)"))
        .plausible("1 to 16: a driver per column to one per 16");
    s.add_choice("cgra.depthwise", &CgraConfig::depthwise, kDepthwiseNames)
        .help("where depthwise convolutions run (they map poorly onto crossbars)")
        .origin(ours("docs/cgra.md"))
        .plausible(
            "digital or block_diagonal: the paper's backbones are ResNets (no depthwise layers)");
    s.add("cgra.digital_tiles", digital(&DigitalConfig::tiles))
        .range(1U, 100000U)
        .help("digital tiles")
        .origin(ours(kNotPublic))
        .plausible("4 to 64: a CGRA's digital tile count; MX-CGRA's is not public");
    s.add("cgra.digital_lanes_per_tile", digital(&DigitalConfig::lanes_per_tile))
        .range(1U, 4096U)
        .help("16-bit operations per tile per cycle")
        .origin(ours(kNotPublic))
        .plausible("4 to 64: PUMA's vector functional unit width is 4 to 64 lanes");
    s.add("cgra.digital_macs_per_tile", digital(&DigitalConfig::macs_per_tile))
        .range(1U, 4096U)
        .help("MACs per tile per cycle (depthwise convolutions)")
        .origin(ours(kNotPublic))
        .plausible("4 to 64: as cgra.digital_lanes_per_tile");
    s.add("cgra.scratchpad_words_per_cycle", digital(&DigitalConfig::scratchpad_words_per_cycle))
        .range(1U, 65536U)
        .doc_unit("words/cycle")
        .help("data-memory bandwidth, 16-bit words")
        .origin(ours(kNotPublic))
        .plausible(
            "16 to 256: ISAAC's eDRAM buffer moves 256 bits (16 words) per access and tile; a CGRA "
            "with many tiles more");
    return s;
}

}  // namespace

const config::KeySet<CgraConfig>& CgraConfig::keys() {
    static const config::KeySet<CgraConfig> k = declare();
    return k;
}

void CgraConfig::validate() const {
    keys().check(*this);
}

DepthwiseMapping parse_depthwise_mapping(const std::string& key, const std::string& text) {
    return config::parse_enum(kDepthwiseNames, key, text);
}

ReplicationPolicy parse_replication_policy(const std::string& key, const std::string& text) {
    return config::parse_enum(kPolicyNames, key, text);
}

const char* to_string(DepthwiseMapping m) {
    return config::name_of(kDepthwiseNames, m);
}

const char* to_string(ReplicationPolicy p) {
    return config::name_of(kPolicyNames, p);
}

AdcTiming parse_adc_timing(const std::string& key, const std::string& text) {
    return config::parse_enum(kAdcTimingNames, key, text);
}

const char* to_string(AdcTiming t) {
    return config::name_of(kAdcTimingNames, t);
}

double AnalogConfig::pass_time_ns() const {
    if (adc_timing == AdcTiming::Sar && adc_bits > kAdcReferenceBits)
        return pass_ns * adc_bits / kAdcReferenceBits;
    return pass_ns;
}

}  // namespace dnsim::cgra
