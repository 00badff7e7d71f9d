// The denoiser's keys, declared once (range, unit, help and source of every field of
// SramConfig, DenoiserConfig, BlockFormat and BlockShape), and the checks between fields.
#include "models/denoiser/denoiser_config.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "models/common/config_error.h"
#include "models/common/config_schema.h"

namespace dnsim::denoiser {

namespace {

using config::literature;
using config::ours;
using config::paper;

const char* const kNoSize = "the paper states no SRAM size";
const char* const kInterface = "the paper does not describe the external interface";

using config::EnumName;

constexpr std::array<EnumName<SramIdleState>, 2> kIdleStateNames{{
    {SramIdleState::retention, "retention",
     "content kept at a reduced supply (drowsy); leakage x denoiser.sram_retention_leakage"},
    {SramIdleState::gated, "gated",
     "supply cut: content lost (resident weights reloaded); leakage x denoiser.gated_leakage"},
}};

constexpr std::array<EnumName<PowerGating>, 4> kGatingNames{{
    {PowerGating::always_on, "always_on", "logic and SRAMs on for the whole inference"},
    {PowerGating::between_blocks, "between_blocks",
     "on while a block runs; between blocks the logic is gated and each SRAM in its "
     "idle_state; woken at every START (wake-up cycles and energy per block)"},
    {PowerGating::between_inferences, "between_inferences",
     "on for the whole of an inference that runs blocks (one wake-up), gated between "
     "inferences"},
    {PowerGating::logic_only, "logic_only",
     "the accounting before issue 16: logic leaks only while blocks run (ideal gating, no "
     "wake-up cost), SRAMs on for the whole inference"},
}};

config::KeySet<SramConfig> declare_sram() {
    config::KeySet<SramConfig> s;
    s.add("size_bytes", &SramConfig::size_bytes)
        .range(std::uint64_t{64}, std::uint64_t{1} << 32)
        .unit("bytes")
        .help("capacity")
        .origin(ours(kNoSize))
        .plausible(
            "16 KiB to 1 MiB per SRAM: the paper states no size; the largest denoised tensor of "
            "its ResNet-18 study (64x112x112, 1.6 MB) is tiled, so a few rows must fit "
            "(activations), and one block's weights (about 0.5 MB for 512 channels) or a group of "
            "them (weights)");
    s.add("width_bits", &SramConfig::width_bits)
        .range(16U, 1024U)
        .unit("bits")
        .help("word width (a multiple of 16)")
        .origin(ours(kNoSize))
        .also([](const SramConfig& c, const std::string& p) {
            if (c.width_bits % 16 != 0) {
                throw ConfigError(
                    p + "width_bits",
                    fmt::format("{} bits is not a multiple of the 16-bit word", c.width_bits));
            }
        })
        .plausible(
            "64 to 256 bits: common SRAM macro rows; 128 matches a 3x3 core's input/weight "
            "bandwidth");
    s.add("banks", &SramConfig::banks)
        .range(1U, 64U)
        .help("independently addressed banks")
        .origin(ours(kNoSize))
        .plausible("1 to 16: CACTI macros of 8 to 64 KiB each");
    s.add("ports", &SramConfig::ports)
        .range(1U, 4U)
        .help("accesses per bank per cycle")
        .origin(ours("single-ported SRAM, CACTI-7 45 nm: one access per cycle at 500 MHz"))
        .also([](const SramConfig& c, const std::string& p) {
            if (c.size_bytes % (std::uint64_t{c.banks} * (c.width_bits / 8U)) != 0) {
                throw ConfigError(p + "size_bytes",
                                  fmt::format("{} bytes is not a whole number of rows across {} "
                                              "banks of {}-bit words",
                                              c.size_bytes, c.banks, c.width_bits));
            }
        })
        .plausible("1 to 2: single-ported 6T SRAM, or dual-ported 8T at about 1.3x the area");
    s.add_choice("idle_state", &SramConfig::idle_state, kIdleStateNames)
        .help("the SRAM's state between blocks under denoiser.power_gating = between_blocks")
        .origin(ours("weight SRAM: retention, so resident weights survive between blocks; "
                     "activation SRAM: gated, it holds nothing a later block reads"))
        .plausible(
            "retention or gated: drowsy SRAM (Flautner, ISCA 2002) keeps its data, a gated one "
            "loses it");
    return s;
}

config::KeySet<PowerConfig> declare_power() {
    config::KeySet<PowerConfig> s;
    s.add_choice("denoiser.power_gating", &PowerConfig::gating, kGatingNames)
        .help("when the denoiser's logic and SRAMs are powered (docs/energy.md)")
        .origin(ours("between_blocks: the denoiser is busy ~10 % of a ResNet-18 inference, a "
                     "realistic accelerator gates its idle logic and SRAMs; always_on is the "
                     "upper bound, logic_only the accounting before issue 16"))
        .plausible(
            "always_on, between_blocks, between_inferences or logic_only: the paper does not say "
            "what its 1.78 mW includes");
    s.add("denoiser.logic_wake_cycles", &PowerConfig::logic_wake_cycles)
        .range(0U, 1000000U)
        .unit("cycles")
        .help("wake-up of the gated logic (cores, lanes, control), gated -> on")
        .origin(ours("sleep transistors switched on in stages to limit the rush current; Hu et "
                     "al. (ISLPED 2004) report a few cycles for one execution unit, ten cores "
                     "and four lanes take longer"))
        .plausible(
            "1 to 100 cycles: a few ns to hundreds of ns of rail ramp at 500 MHz (Hu et al., "
            "ISLPED 2004)");
    s.add("denoiser.sram_gated_wake_cycles", &PowerConfig::sram_gated_wake_cycles)
        .range(0U, 1000000U)
        .unit("cycles")
        .help("wake-up of a gated SRAM, gated -> on")
        .origin(ours("100 ns at 500 MHz: the cell array's virtual supply recharged in stages; "
                     "SRAM compilers' power-down exit is tens to hundreds of ns"))
        .plausible("10 to 500 cycles: a gated SRAM's supply ramp, tens of ns to 1 us");
    s.add("denoiser.sram_retention_wake_cycles", &PowerConfig::sram_retention_wake_cycles)
        .range(0U, 1000000U)
        .unit("cycles")
        .help("wake-up of an SRAM in retention, retention -> on")
        .origin(literature("Flautner et al., Drowsy caches, ISCA 2002: a drowsy line wakes in "
                           "one to two cycles"))
        .plausible("1 to 4 cycles: Flautner's drowsy lines wake in 1 to 2 cycles");
    s.add("denoiser.sram_retention_leakage", &PowerConfig::sram_retention_leakage)
        .range(0.0, 1.0)
        .help("SRAM leakage in retention over its on leakage")
        .origin(ours("drowsy SRAM at a retention supply (Flautner et al., ISCA 2002) cuts "
                     "cell leakage several-fold; 0.25 is our pick in that range, periphery "
                     "left powered"))
        .plausible("0.1 to 0.5 of on-leakage: drowsy and retention-voltage SRAM reports");
    s.add("denoiser.gated_leakage", &PowerConfig::gated_leakage)
        .range(0.0, 1.0)
        .help("leakage of gated logic or SRAM over its on leakage (the sleep transistor's)")
        .origin(literature("Powell et al., Gated-Vdd, ISLPED 2000: gated-Vdd cuts SRAM "
                           "leakage by 97 %"))
        .plausible(
            "0.01 to 0.1 of on-leakage: Powell's Gated-Vdd (97 % less) and header-switch designs");
    return s;
}

config::KeySet<DenoiserConfig> declare_denoiser() {
    config::KeySet<DenoiserConfig> s;
    s.add("denoiser.clock_mhz", &DenoiserConfig::clock_mhz)
        .range(1.0, 10000.0)
        .unit("MHz")
        .help("accelerator clock")
        .origin(paper("45 nm NanGate, 500 MHz"))
        .plausible(
            "250 to 1000 MHz: the paper's 500 MHz synthesis in 45 nm NanGate; HLS designs close "
            "within 2x");
    s.add("denoiser.cores", &DenoiserConfig::cores)
        .range(1U, 256U)
        .help("conv cores")
        .origin(paper("hardware section: 10 parallel convolution cores"))
        .plausible("4 to 10: the paper's experimental setup (4) and hardware section (10)");
    s.add("denoiser.array_rows", &DenoiserConfig::array_rows)
        .range(1U, 64U)
        .help("systolic array rows per core")
        .origin(paper("3x3 systolic arrays"))
        .plausible(
            "3 to 8: the paper's 3x3 arrays (one 3x3 kernel per fold); larger arrays amortise the "
            "fill");
    s.add("denoiser.array_cols", &DenoiserConfig::array_cols)
        .range(1U, 64U)
        .help("systolic array columns per core")
        .origin(paper("3x3 systolic arrays"))
        .plausible("3 to 8: as denoiser.array_rows");
    s.add("denoiser.lanes", &DenoiserConfig::lanes)
        .range(1U, 64U)
        .help("noise-cancellation lanes")
        .origin(paper("4 noise cancellation blocks"))
        .plausible("1 to 8: the paper's 4 noise-cancellation lanes, half to twice");
    s.add("denoiser.box_muller_latency_cycles", &DenoiserConfig::box_muller_latency_cycles)
        .range(1U, 1000U)
        .unit("cycles")
        .help("Box-Muller pipeline depth")
        .origin(literature("Lee et al., IEEE Trans. Computers 2006"))
        .plausible("8 to 32 cycles: pipelined Box-Muller units (Lee et al. 2006) at 16");
    s.add("denoiser.lane_post_latency_cycles", &DenoiserConfig::lane_post_latency_cycles)
        .range(0U, 1000U)
        .unit("cycles")
        .help("lane stages after Box-Muller (sqrt, z x sigma + mu, subtract)")
        .origin(ours("one cycle per stage"))
        .plausible("1 to 8 cycles: one to two cycles per stage (sqrt, multiply-add, subtract)");
    s.add("denoiser.leaky_relu_elements_per_cycle", &DenoiserConfig::leaky_relu_elements_per_cycle)
        .range(1U, 1024U)
        .help("LeakyReLU unit width, elements per cycle")
        .origin(ours("a 128-bit datapath of 16-bit elements, as wide as an SRAM row"))
        .plausible("4 to 16 elements per cycle: a 64- to 256-bit datapath of 16-bit elements");
    s.add("denoiser.interface_words_per_cycle", &DenoiserConfig::interface_words_per_cycle)
        .range(1U, 1024U)
        .help("external interface bandwidth, 16-bit words per cycle")
        .origin(ours(kInterface))
        .plausible("4 to 16 words per cycle: a 64- to 256-bit on-chip bus at the denoiser's clock");
    s.add("denoiser.interface_latency_cycles", &DenoiserConfig::interface_latency_cycles)
        .range(0U, 100000U)
        .unit("cycles")
        .help("external interface latency per burst")
        .origin(ours(kInterface))
        .plausible("4 to 50 cycles per burst: an on-chip bus hop to a DRAM-backed buffer");
    s.add("denoiser.register_access_cycles", &DenoiserConfig::register_access_cycles)
        .range(0U, 1000U)
        .unit("cycles")
        .help("register access latency")
        .origin(ours("one cycle per access of a register slave"))
        .plausible("1 to 4 cycles: a register slave on an on-chip bus");
    s.add("denoiser.dma_double_buffer", &DenoiserConfig::dma_double_buffer)
        .help(
            "1: two X tile buffers; the next tile's load and the previous tile's store share "
            "the external interface while this tile computes (the tile height follows the "
            "larger footprint; a block whose two buffers do not fit, or whose weights are "
            "streamed per tile, runs single-buffered and is counted in "
            "single_buffered_blocks). 0: DMA and compute in sequence")
        .origin(ours("0: the paper's DCU enables one unit at a time and describes no double "
                     "buffering; 1 is the what-if of issue 16"))
        .plausible(
            "0 or 1: a second X buffer costs activation SRAM; common in accelerators, not "
            "described by the paper");
    s.add("denoiser.fold_pipelining", &DenoiserConfig::fold_pipelining)
        .help(
            "1: shadow stationary registers; a core's next fold loads once the current fold "
            "has reached every PE, so a fold after the first costs max(T, 2 R_a + C_a - 2) "
            "instead of 2 R_a + C_a + T - 2. 0: folds in sequence")
        .origin(ours("0: SCALE-Sim v2's per-fold formula without overlap, as the paper's 3x3 "
                     "arrays are described; 1 costs a second input register per PE"))
        .plausible(
            "0 or 1: shadow stationary registers cost a register per PE (SCALE-Sim models both)");
    s.nest(SramConfig::keys(), &DenoiserConfig::weight_sram, "weight_sram.");
    s.nest(SramConfig::keys(), &DenoiserConfig::activation_sram, "activation_sram.");
    s.nest(PowerConfig::keys(), &DenoiserConfig::power, "");
    return s;
}

config::KeySet<BlockFormat> declare_format() {
    config::KeySet<BlockFormat> s;
    s.add("block.bottleneck_ratio", &BlockFormat::bottleneck_ratio)
        .check_instead("above 0 to 1",
                       [](const BlockFormat& f, const std::string& p) {
                           if (!std::isfinite(f.bottleneck_ratio) || f.bottleneck_ratio <= 0.0 ||
                               f.bottleneck_ratio > 1.0) {
                               throw ConfigError(p + "block.bottleneck_ratio",
                                                 fmt::format("{} is out of range; accepted: 0 < "
                                                             "ratio <= 1",
                                                             f.bottleneck_ratio));
                           }
                       })
        .help("bottleneck channels C_r = round(C x ratio)")
        .origin(paper("1/4"))
        .plausible("1/8 to 1/2: the paper's 1/4 (after its ref. [29]), half to twice");
    s.add("block.activation_frac_bits", &BlockFormat::activation_frac_bits)
        .range(0, 15)
        .unit("bits")
        .help("fraction bits of activations, biases, mean and variance (Q(15-F).F)")
        .origin(ours("the paper: 16-bit fixed point; the split is ours"))
        .plausible(
            "6 to 12 bits: the layer outputs' range (at most 2^(15-F)) against the noise's "
            "resolution");
    s.add("block.weight_frac_bits", &BlockFormat::weight_frac_bits)
        .range(0, 15)
        .unit("bits")
        .help("fraction bits of weights (Q(15-F).F)")
        .origin(ours("the paper: 16-bit fixed point; the split is ours"))
        .plausible("10 to 14 bits: trained block weights stay within +-8");
    s.add("block.leaky_shift", &BlockFormat::leaky_shift)
        .range(0, 15)
        .unit("bits")
        .help("LeakyReLU negative slope 2^-k: k")
        .origin(ours("a shift instead of a multiplier"))
        .plausible("3 to 8: a negative slope of 1/8 to 1/256 (PyTorch's default 0.01 is 1/128)");
    s.add("block.stochastic", &BlockFormat::stochastic)
        .help(
            "1: the lanes subtract sigma_hat * epsilon + mu, epsilon drawn by the LFSRs and "
            "Box-Muller (the paper). 0: they subtract mu alone; the variance head, the LFSRs, "
            "Box-Muller and the square root stay idle (issue 19's ablation of the stochastic "
            "term; blocks trained with 0 replay with 0: dnsim-train writes it to platform.ini)")
        .origin(paper("1: the noise-cancellation lanes draw epsilon"))
        .plausible("0 or 1: 0 asks whether the lanes' random draw earns its area and energy");
    return s;
}

config::KeySet<BlockShape> declare_shape() {
    config::KeySet<BlockShape> s;
    const auto dim = [&s](const char* name, unsigned BlockShape::*field, const char* what) {
        s.add(name, field)
            .range(1U, 65535U)
            .help(what)
            .origin(ours("ResNet-18's layer-1 output at 224x224: 64x56x56"));
    };
    dim("block.channels", &BlockShape::channels, "C of the block input");
    dim("block.height", &BlockShape::height, "H of the block input");
    dim("block.width", &BlockShape::width, "W of the block input");
    return s;
}

}  // namespace

const config::KeySet<SramConfig>& SramConfig::keys() {
    static const config::KeySet<SramConfig> k = declare_sram();
    return k;
}

const config::KeySet<PowerConfig>& PowerConfig::keys() {
    static const config::KeySet<PowerConfig> k = declare_power();
    return k;
}

const char* to_string(PowerGating g) {
    return config::name_of(kGatingNames, g);
}

const char* to_string(SramIdleState s) {
    return config::name_of(kIdleStateNames, s);
}

std::uint64_t PowerConfig::block_wake_cycles(const SramConfig& weight,
                                             const SramConfig& activation) const {
    if (gating != PowerGating::between_blocks)
        return 0;
    return std::max<std::uint64_t>({logic_wake_cycles, sram_wake_cycles(weight.idle_state),
                                    sram_wake_cycles(activation.idle_state)});
}

const config::KeySet<DenoiserConfig>& DenoiserConfig::keys() {
    static const config::KeySet<DenoiserConfig> k = declare_denoiser();
    return k;
}

const config::KeySet<BlockFormat>& BlockFormat::keys() {
    static const config::KeySet<BlockFormat> k = declare_format();
    return k;
}

const config::KeySet<BlockShape>& BlockShape::keys() {
    static const config::KeySet<BlockShape> k = declare_shape();
    return k;
}

void SramConfig::validate(const std::string& prefix) const {
    keys().check(*this, prefix + ".");
}

void DenoiserConfig::validate() const {
    keys().check(*this);
}

double BlockFormat::leaky_slope() const {
    return std::ldexp(1.0, -leaky_shift);
}

void BlockFormat::validate() const {
    keys().check(*this);
}

void BlockShape::validate() const {
    keys().check(*this);
}

std::uint32_t ratio_to_q16(double ratio) {
    return static_cast<std::uint32_t>(std::llround(ratio * 65536.0));
}

unsigned reduced_channels(const BlockShape& shape, double ratio) {
    const std::uint64_t cr = (std::uint64_t{shape.channels} * ratio_to_q16(ratio) + 32768U) >> 16U;
    if (cr < 1) {
        throw ConfigError("block.bottleneck_ratio",
                          fmt::format("{} leaves no bottleneck channel for {} channels; accepted: "
                                      "ratio >= 1/(2 x channels) = {:.6g}",
                                      ratio, shape.channels, 0.5 / shape.channels));
    }
    return static_cast<unsigned>(cr);
}

}  // namespace dnsim::denoiser
