// Power states and SRAM access energy (issue 16, docs/energy.md): the row energy from the
// published points, its scaling law between and beyond them, the wake-up cycles of the gating
// policies, and every new key's bad values naming the key.
#include <catch2/catch.hpp>
#include <cmath>

#include "config_error_text.h"
#include "models/common/config_schema.h"
#include "models/common/energy.h"
#include "models/denoiser/denoiser_config.h"
#include "models/denoiser/sram_energy.h"

using namespace dnsim;
using namespace dnsim::denoiser;
using dnsim::test::error_of;

TEST_CASE("SRAM row energy equals the cited figures at the reference points") {
    const EnergyTable t = EnergyTable::defaults_45nm();
    // Horowitz ISSCC 2014, 45 nm: a 64-bit access of 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.
    CHECK(sram_row_energy_pJ(t, 8 * 1024, 64) == Approx(10.0));
    CHECK(sram_row_energy_pJ(t, 32 * 1024, 64) == Approx(20.0));
    CHECK(sram_row_energy_pJ(t, 1024 * 1024, 64) == Approx(100.0));
    // A 128-bit row costs twice a 64-bit access.
    CHECK(sram_row_energy_pJ(t, 32 * 1024, 128) == Approx(40.0));
}

TEST_CASE("SRAM row energy between and beyond the points follows the power law per segment") {
    const EnergyTable t = EnergyTable::defaults_45nm();
    // 8 -> 32 KiB doubles the energy: the square-root law; 16 KiB is 10 x sqrt(2).
    CHECK(sram_row_energy_pJ(t, 16 * 1024, 64) == Approx(10.0 * std::sqrt(2.0)));
    // Below 8 KiB the first segment (sqrt) is extended: 2 KiB = 10 / 2.
    CHECK(sram_row_energy_pJ(t, 2 * 1024, 64) == Approx(5.0));
    // 32 KiB -> 1 MiB: x5 over x32 in capacity; 256 KiB is 8 = 32^(3/5) of the way: 20 x 5^0.6.
    CHECK(sram_row_energy_pJ(t, 256 * 1024, 64) == Approx(20.0 * std::pow(5.0, 0.6)));
    // Beyond 1 MiB the last segment is extended: 32 MiB = 100 x 5.
    CHECK(sram_row_energy_pJ(t, 32 * 1024 * 1024, 64) == Approx(500.0));
    // An overridden point moves the table: 8 KiB at 20 pJ makes 16 KiB 20 x 2^0 ... (flat).
    EnergyTable o = t;
    o.set("sram_64b_8kib", 20.0);
    CHECK(sram_row_energy_pJ(o, 16 * 1024, 64) == Approx(20.0));
}

TEST_CASE("the denoiser's SRAMs are charged per row from their bank size and width") {
    const DenoiserConfig cfg;  // weight 64 KiB / 4 banks, activation 256 KiB / 8 banks, 128 bit
    const EnergyTable t = charged_energy_table(EnergyTable::defaults_45nm(), cfg);
    CHECK(t.pj("weight_sram_row") == Approx(2.0 * 10.0 * std::sqrt(2.0)));  // 16 KiB banks
    CHECK(t.pj("activation_sram_row") == Approx(2.0 * 20.0));               // 32 KiB banks
    const std::string text = sram_energy_table_text(EnergyTable::defaults_45nm(), cfg);
    CHECK(text.find("energy.sram_64b_32kib") != std::string::npos);
    CHECK(text.find("weight_sram") != std::string::npos);
}

TEST_CASE("wake-up cycles per block under each gating policy") {
    DenoiserConfig c;
    c.power.logic_wake_cycles = 7;
    c.power.sram_retention_wake_cycles = 3;
    c.power.sram_gated_wake_cycles = 40;
    c.weight_sram.idle_state = SramIdleState::retention;
    c.activation_sram.idle_state = SramIdleState::retention;
    c.power.gating = PowerGating::between_blocks;
    CHECK(c.block_wake_cycles() == 7);  // logic and SRAMs wake in parallel: max(7, 3, 3)
    c.activation_sram.idle_state = SramIdleState::gated;
    CHECK(c.block_wake_cycles() == 40);
    for (PowerGating g :
         {PowerGating::always_on, PowerGating::between_inferences, PowerGating::logic_only}) {
        c.power.gating = g;
        CHECK(c.block_wake_cycles() == 0);
    }
}

TEST_CASE("bad values of the power keys name the key") {
    const auto& keys = DenoiserConfig::keys();
    DenoiserConfig c;
    CHECK(error_of([&] { keys.find("denoiser.power_gating").set(c, "sometimes", ""); }) ==
          "denoiser.power_gating: 'sometimes' is not one of always_on, between_blocks, "
          "between_inferences, logic_only");
    CHECK(error_of([&] { keys.find("activation_sram.idle_state").set(c, "off", ""); }) ==
          "activation_sram.idle_state: 'off' is not one of retention, gated");
    const auto range_error = [&](const std::string& key, const std::string& value) {
        DenoiserConfig d;
        return error_of([&] {
            keys.find(key).set(d, value, "");
            d.validate();
        });
    };
    CHECK(range_error("denoiser.sram_retention_leakage", "1.5") ==
          "denoiser.sram_retention_leakage: 1.5 is out of range; accepted: 0 to 1");
    CHECK(range_error("denoiser.gated_leakage", "-0.1").rfind("denoiser.gated_leakage: ", 0) == 0);
    CHECK(range_error("denoiser.logic_wake_cycles", "2000000")
              .rfind("denoiser.logic_wake_cycles: ", 0) == 0);
    CHECK(range_error("denoiser.sram_retention_wake_cycles", "x")
              .rfind("denoiser.sram_retention_wake_cycles: ", 0) == 0);
    EnergyTable t = EnergyTable::defaults_45nm();
    CHECK(error_of([&] { t.set("sram_64b_1mib", -1.0); }).rfind("energy.sram_64b_1mib: ", 0) == 0);
    CHECK(error_of([&] { t.set("conv_core_wake", NAN); }).rfind("energy.conv_core_wake: ", 0) == 0);
}
