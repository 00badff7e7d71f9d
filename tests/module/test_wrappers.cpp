// Every SystemC wrapper driven directly through its target socket, one simulation per test
// case: a good transaction (its result and its annotated delay), then bad ones — an address the
// target does not decode, a length it does not accept — each answered with a TLM error
// response, never an assertion.
#include <catch2/catch.hpp>
#include <cstring>
#include <optional>
#include <systemc>
#include <vector>

#include "initiator.h"
#include "models/cgra/analog_model.h"
#include "models/cgra/mx_cgra.h"
#include "models/common/interconnect.h"
#include "models/denoiser/commands.h"
#include "models/denoiser/conv_core.h"
#include "models/denoiser/leaky_relu_unit.h"
#include "models/denoiser/noise_lane.h"
#include "models/denoiser/sram.h"
#include "platform/host_memory.h"
#include "workloads/exec/executor.h"
#include "workloads/graph/graph_builder.h"

using namespace dnsim;
using dnsim::test::Initiator;
using tlm::tlm_response_status;

namespace {

const sc_core::sc_time kNs(1, sc_core::SC_NS);

/// The same command at offset 4, one byte short, and as a read: the three malformed cases.
template <typename Command>
std::vector<tlm_response_status> bad_commands(Initiator& in, Command& cmd) {
    sc_core::sc_time d;
    return {in.command(4, cmd, d), in.command(0, cmd, d, sizeof(Command) - 1),
            in.access(tlm::TLM_READ_COMMAND, 0, &cmd, sizeof(Command), d)};
}

const std::vector<tlm_response_status> kBadCommand = {tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                      tlm::TLM_BURST_ERROR_RESPONSE,
                                                      tlm::TLM_COMMAND_ERROR_RESPONSE};

}  // namespace

TEST_CASE("ConvCore: a pointwise share computes and annotates its folds, bad commands refused") {
    const Clock clock(500.0);
    denoiser::ConvCore core("core", denoiser::ArrayDims{3, 3}, clock);
    Initiator host("host");
    host.socket.bind(core.socket);
    // 2 input channels x 4 pixels, one filter (2, -1), bias 5, no fraction bits.
    std::vector<std::int16_t> x{1, 2, 3, 4, 10, 20, 30, 40};
    std::vector<std::int16_t> w{2, -1};
    std::vector<std::int16_t> b{5};
    std::vector<std::int16_t> y(4, 0);
    denoiser::ConvCommand cmd;
    cmd.filters = 1;
    cmd.in = x.data();
    cmd.in_stride = 4;
    cmd.in_channels = 2;
    cmd.weights = w.data();
    cmd.bias = b.data();
    cmd.out = y.data();
    cmd.out_stride = 4;
    cmd.pixels = 4;
    cmd.unit0 = 0;
    cmd.unit1 = 2;  // both column folds of 3 pixels
    tlm_response_status ok = tlm::TLM_INCOMPLETE_RESPONSE;
    std::vector<tlm_response_status> bad;
    sc_core::sc_time delay;
    host.body = [&](Initiator& in) {
        ok = in.command(0, cmd, delay);
        bad = bad_commands(in, cmd);
    };
    sc_core::sc_start();
    CHECK(ok == tlm::TLM_OK_RESPONSE);
    CHECK(y == std::vector<std::int16_t>{-3, -11, -19, -27});
    // One row fold x two column folds, each 2 R + C + T - 2 = 8 cycles.
    CHECK(cmd.work.folds == 2);
    CHECK(cmd.work.cycles == 16);
    CHECK(delay == clock.cycles_to_time(16));
    CHECK(bad == kBadCommand);
    CHECK(core.stats().value("macs") == 8);
}

TEST_CASE(
    "LeakyReluUnit: shifts negatives in place in ceil(n / width) + 1 cycles, bad commands "
    "refused") {
    const Clock clock(500.0);
    denoiser::LeakyReluUnit relu("relu", 8, clock);
    Initiator host("host");
    host.socket.bind(relu.socket);
    std::vector<std::int16_t> v{4, -4, 0, -3};
    denoiser::LeakyReluCommand cmd{v.data(), v.size(), 1};
    tlm_response_status ok = tlm::TLM_INCOMPLETE_RESPONSE;
    std::vector<tlm_response_status> bad;
    sc_core::sc_time delay;
    host.body = [&](Initiator& in) {
        ok = in.command(0, cmd, delay);
        bad = bad_commands(in, cmd);
    };
    sc_core::sc_start();
    CHECK(ok == tlm::TLM_OK_RESPONSE);
    CHECK(v == std::vector<std::int16_t>{4, -2, 0, -2});  // arithmetic shift: floor
    CHECK(delay == clock.cycles_to_time(2));
    CHECK(bad == kBadCommand);
    CHECK(relu.stats().value("elements") == 4);
}

TEST_CASE("NoiseLane: with zero variance it subtracts the mean, bad commands refused") {
    const Clock clock(500.0);
    denoiser::NoiseLane lane("lane", 0, 19, clock);
    lane.reseed(1);
    Initiator host("host");
    host.socket.bind(lane.socket);
    // One row of 2 elements, one channel, one lane: sigma = 0, so X_hat = X - mu.
    std::vector<std::int16_t> x{10, 20};
    std::vector<std::int16_t> mean{1, 2};
    std::vector<std::int16_t> var{0, 0};
    denoiser::NoiseCommand cmd;
    cmd.x = x.data();
    cmd.x_row0 = 0;
    cmd.x_rows = 1;
    cmd.mean = mean.data();
    cmd.var = var.data();
    cmd.channels = 1;
    cmd.width = 2;
    cmd.r0 = 0;
    cmd.r1 = 1;
    cmd.lanes = 1;
    cmd.frac_bits = 8;
    tlm_response_status ok = tlm::TLM_INCOMPLETE_RESPONSE;
    std::vector<tlm_response_status> bad;
    sc_core::sc_time delay;
    host.body = [&](Initiator& in) {
        ok = in.command(0, cmd, delay);
        bad = bad_commands(in, cmd);
    };
    sc_core::sc_start();
    CHECK(ok == tlm::TLM_OK_RESPONSE);
    CHECK(x == std::vector<std::int16_t>{9, 18});
    CHECK(cmd.samples == 2);
    CHECK(delay == clock.cycles_to_time(2 + 19));
    CHECK(bad == kBadCommand);
}

TEST_CASE(
    "Sram: timed reads and writes, out-of-range address or length and byte enables "
    "refused") {
    const Clock clock(500.0);
    denoiser::Sram sram("sram", denoiser::SramConfig{1024, 128, 4, 1}, clock);
    Initiator host("host");
    host.socket.bind(sram.socket);
    std::vector<std::int16_t> data{1, -2, 3, -4};
    std::vector<std::int16_t> back(4, 0);
    std::vector<tlm_response_status> st;
    sc_core::sc_time write_delay;
    host.body = [&](Initiator& in) {
        st.push_back(in.access(tlm::TLM_WRITE_COMMAND, 16, data.data(), 8, write_delay));
        sc_core::sc_time d;
        st.push_back(in.access(tlm::TLM_READ_COMMAND, 16, back.data(), 8, d));
        st.push_back(in.access(tlm::TLM_READ_COMMAND, 1024, back.data(), 8, d));  // address
        st.push_back(in.access(tlm::TLM_READ_COMMAND, 1020, back.data(), 8, d));  // length
        std::vector<unsigned char> enables(8, 0xFF);
        st.push_back(in.access(tlm::TLM_WRITE_COMMAND, 0, data.data(), 8, d, enables.data()));
    };
    sc_core::sc_start();
    CHECK(st == std::vector<tlm_response_status>{
                    tlm::TLM_OK_RESPONSE, tlm::TLM_OK_RESPONSE, tlm::TLM_ADDRESS_ERROR_RESPONSE,
                    tlm::TLM_ADDRESS_ERROR_RESPONSE, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE});
    CHECK(back == data);
    // 4 words: one cycle plus ceil(4 / 32 words per cycle).
    CHECK(write_delay == clock.cycles_to_time(2));
    CHECK(sram.stats().value("writes") == 4);
    CHECK(sram.stats().value("reads") == 4);
}

TEST_CASE(
    "Interconnect: rebases, adds its hop, forwards DMI and debug, refuses unmapped or "
    "straddling accesses") {
    Interconnect bus("bus", {{"a", 0x1000, 0x100}, {"b", 0x2000, 0x100}},
                     sc_core::sc_time(2, sc_core::SC_NS));
    platform::HostMemory a("a", 0x100, 10 * kNs, true);
    platform::HostMemory b("b", 0x100, 10 * kNs, true);
    bus.initiator.bind(a.socket);
    bus.initiator.bind(b.socket);
    Initiator host("host");
    host.socket.bind(bus.target);
    std::uint32_t v = 0xCAFEF00D, back = 0;
    std::vector<tlm_response_status> st;
    sc_core::sc_time delay;
    bool dmi_ok = false;
    tlm::tlm_dmi dmi;
    unsigned dbg = 0;
    host.body = [&](Initiator& in) {
        st.push_back(in.access(tlm::TLM_WRITE_COMMAND, 0x2010, &v, 4, delay));
        sc_core::sc_time d;
        st.push_back(in.access(tlm::TLM_READ_COMMAND, 0x3000, &back, 4, d));  // unmapped
        st.push_back(in.access(tlm::TLM_READ_COMMAND, 0x10FC, &back, 8, d));  // straddles
        tlm::tlm_generic_payload t;
        t.set_address(0x2000);
        dmi_ok = in.socket->get_direct_mem_ptr(t, dmi);
        tlm::tlm_generic_payload r;
        r.set_command(tlm::TLM_READ_COMMAND);
        r.set_address(0x2010);
        r.set_data_ptr(reinterpret_cast<unsigned char*>(&back));
        r.set_data_length(4);
        dbg = in.socket->transport_dbg(r);
    };
    sc_core::sc_start();
    CHECK(st == std::vector<tlm_response_status>{tlm::TLM_OK_RESPONSE,
                                                 tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                 tlm::TLM_ADDRESS_ERROR_RESPONSE});
    std::uint32_t stored = 0;
    std::memcpy(&stored, b.data() + 0x10, 4);
    CHECK(stored == v);
    CHECK(delay == 12 * kNs);  // hop + memory latency
    CHECK(dmi_ok);
    CHECK(dmi.get_start_address() == 0x2000);
    CHECK(dmi.get_end_address() == 0x20FF);
    CHECK(dmi.get_dmi_ptr() == b.data());
    CHECK(dbg == 4);
    CHECK(back == v);
}

namespace {

/// x [-1, 4] -> fc (Gemm, 3 outputs) -> act (Relu).
workloads::Graph small_graph() {
    workloads::GraphBuilder b("wrappers", 5);
    const auto x = b.input("x", {-1, 4});
    const auto fc = b.linear("fc", x, 3);
    b.output(b.relu("act", fc));
    return b.finish();
}

}  // namespace

TEST_CASE(
    "MxCgra: computes a step on its operands, charges cycles x images, bad commands "
    "refused") {
    const workloads::Graph g = small_graph();
    REQUIRE(g.nodes[0].op == workloads::Op::Gemm);
    cgra::CgraConfig cfg;
    cgra::NoiseConfig noise;
    noise.activation_k = 0.1;
    cgra::MxCgra mx("cgra", cfg, noise);
    std::vector<cgra::ProgramStep> program(2);
    program[0].cost.cycles = 10;
    program[0].node = 0;
    program[0].analog = true;
    program[0].key = 7;
    program[0].out_dims = {1, 3};
    program[1].cost.cycles = 5;
    program[1].node = 1;
    mx.load_program(g, program);
    Initiator host("host");
    host.socket.bind(mx.socket);

    const workloads::Tensor x({2, 4}, {0.5f, -1.0f, 2.0f, 0.25f, 1.0f, 1.5f, -0.5f, 3.0f});
    const std::vector<const workloads::Tensor*> in{&x, &g.initializer(g.nodes[0].inputs[1]),
                                                   &g.initializer(g.nodes[0].inputs[2])};
    const auto operands = [&](bool analog_noise) {
        cgra::CgraOperands ops;
        ops.analog_noise = analog_noise;
        ops.seed = 3;
        ops.slices.push_back({10, 2, in, nullptr, {}});
        return ops;
    };
    cgra::CgraOperands ideal = operands(false);
    cgra::CgraOperands noisy = operands(true);
    tlm_response_status ok_ideal = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm_response_status ok_noisy = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm_response_status bad_step = tlm::TLM_INCOMPLETE_RESPONSE;
    std::vector<tlm_response_status> bad;
    sc_core::sc_time delay;
    host.body = [&](Initiator& in_) {
        cgra::CgraCommand cmd{0, 2, &ideal};
        ok_ideal = in_.command(0, cmd, delay);
        sc_core::sc_time d;
        cmd.operands = &noisy;
        ok_noisy = in_.command(0, cmd, d);
        cmd.operands = nullptr;
        bad = bad_commands(in_, cmd);
        cmd.step = 2;
        bad_step = in_.command(0, cmd, d);
    };
    sc_core::sc_start();
    CHECK(ok_ideal == tlm::TLM_OK_RESPONSE);
    CHECK(ok_noisy == tlm::TLM_OK_RESPONSE);
    CHECK(delay == 40 * kNs);  // 10 cycles x 2 images at 2 ns
    workloads::ExecOptions opts;
    opts.batch = 2;
    CHECK(ideal.slices[0].output == workloads::evaluate_node(g, 0, in, 10, opts));
    // The noisy pass is the activation-level model of this layer, programmed for this chip.
    const auto model =
        cgra::make_analog_layer_model("activation", {&g, 0, 7, {1, 3}}, cfg.analog, noise);
    CHECK(noisy.slices[0].output == model->forward(in, 10, 2, 3));
    CHECK(noisy.slices[0].output != ideal.slices[0].output);
    CHECK(bad == kBadCommand);
    CHECK(bad_step == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(mx.step_cycles()[0] == 40);
}

TEST_CASE("MxCgra: a command for another chip reprograms the crossbars with that chip's draws") {
    // run.chips: the passes of chip c name chip seed noise.chip_seed + c. Each command computes
    // on the chip it names (none: the CGRA's own), with that chip's programming variation and
    // stuck cells, also after the CGRA held another chip.
    const workloads::Graph g = small_graph();
    cgra::CgraConfig cfg;
    cgra::NoiseConfig noise;
    noise.activation_k = 0.1;
    noise.programming_sigma = 0.2;
    noise.stuck_fraction = 0.2;
    noise.chip_seed = 4;
    cgra::MxCgra mx("cgra", cfg, noise);
    std::vector<cgra::ProgramStep> program(2);
    program[0].node = 0;
    program[0].analog = true;
    program[0].key = 7;
    program[0].out_dims = {1, 3};
    program[1].node = 1;
    mx.load_program(g, program);
    Initiator host("host");
    host.socket.bind(mx.socket);
    const workloads::Tensor x({2, 4}, {0.5f, -1.0f, 2.0f, 0.25f, 1.0f, 1.5f, -0.5f, 3.0f});
    const std::vector<const workloads::Tensor*> in{&x, &g.initializer(g.nodes[0].inputs[1]),
                                                   &g.initializer(g.nodes[0].inputs[2])};
    // Own chip, chip 9, chip 4 named, own chip again.
    const std::vector<std::optional<std::uint64_t>> chips{std::nullopt, 9, 4, std::nullopt};
    std::vector<cgra::CgraOperands> ops(chips.size());
    for (std::size_t i = 0; i < chips.size(); ++i) {
        ops[i].analog_noise = true;
        ops[i].seed = 3;
        ops[i].chip_seed = chips[i];
        ops[i].slices.push_back({10, 2, in, nullptr, {}});
    }
    std::vector<tlm_response_status> status;
    host.body = [&](Initiator& in_) {
        for (cgra::CgraOperands& o : ops) {
            cgra::CgraCommand cmd{0, 2, &o};
            sc_core::sc_time d;
            status.push_back(in_.command(0, cmd, d));
        }
    };
    sc_core::sc_start();
    CHECK(status == std::vector<tlm_response_status>(chips.size(), tlm::TLM_OK_RESPONSE));
    const auto chip_output = [&](std::uint64_t chip_seed) {
        cgra::NoiseConfig chip = noise;
        chip.chip_seed = chip_seed;
        return cgra::make_analog_layer_model("activation", {&g, 0, 7, {1, 3}}, cfg.analog, chip)
            ->forward(in, 10, 2, 3);
    };
    const workloads::Tensor own = chip_output(4);
    CHECK(ops[0].slices[0].output == own);
    CHECK(ops[1].slices[0].output == chip_output(9));
    CHECK(ops[1].slices[0].output != own);  // another chip's weights
    CHECK(ops[2].slices[0].output == own);
    CHECK(ops[3].slices[0].output == own);
}

TEST_CASE("MxCgra: bit-sliced crossbars with multi-bit DACs are refused when the chip is built") {
    // The crossbars are programmed on the first noisy command; the configuration is checked
    // before any simulation, as when every layer was programmed up front.
    cgra::CgraConfig cfg;
    cfg.analog.dac_bits = 2;
    cgra::NoiseConfig noise;
    noise.fidelity = cgra::Fidelity::BitSliced;
    CHECK_THROWS_WITH(cgra::MxCgra("cgra", cfg, noise),
                      Catch::StartsWith("cgra.dac_bits: 2 bits: the bit-sliced fidelity"));
}
