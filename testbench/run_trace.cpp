// The timeline trace of `dnsim run --trace`: Chrome trace-event JSON (ts and dur in us).
#include "testbench/run_trace.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/denoiser/tile_plan.h"

namespace dnsim::tb {

namespace {

using Json = nlohmann::ordered_json;
using denoiser::Activity;

// Processes: one per hardware block.
constexpr int kHostPid = 1;
constexpr int kCgraPid = 2;
constexpr int kDenoiserPid = 3;
// Host tracks.
constexpr int kHostStepsTid = 1;
constexpr int kHostWaitsTid = 2;
constexpr int kHostBlockStepsTid = 3;  // denoiser steps: beside later steps under overlap
// MX-CGRA tracks: digital steps, then one per analog layer (kAnalogTid0 + plan index).
constexpr int kDigitalTid = 1;
constexpr int kAnalogTid0 = 1000;
// Denoiser tracks.
constexpr int kBlocksTid = 1;
constexpr int kPhasesTid = 2;
constexpr int kCoreTid0 = 100;
constexpr int kLaneTid0 = 200;
constexpr int kReluTid = 300;
constexpr int kDmaInTid = 301;
constexpr int kDmaOutTid = 302;
constexpr int kWeightPortTid = 303;
constexpr int kActivationPortTid = 304;
// The SRAM ports' DMA side (loads and stores): with double buffering they run while the compute
// phases use the port, which the model does not arbitrate, so they get tracks of their own.
constexpr int kWeightPortDmaTid = 305;
constexpr int kActivationPortDmaTid = 306;

/// Picoseconds, sc_time's resolution.
long long ps(double ns) {
    return std::llround(ns * 1e3);
}

/// Microseconds, the format's unit, of a whole number of picoseconds (the nearest double to
/// the exact decimal, printed as it).
double us_of_ps(long long t_ps) {
    return static_cast<double>(t_ps) / 1e6;
}

double us(double ns) {
    return us_of_ps(ps(ns));
}

/// Nanoseconds rounded to the picosecond, for args.
double ns_ps(double ns) {
    return std::round(ns * 1e3) / 1e3;
}

class Events {
  public:
    void add(Json e) { m_events.push_back(std::move(e)); }

    void process(int pid, const std::string& name, int sort_index) {
        add(meta("process_name", pid, 0, Json{{"name", name}}));
        add(meta("process_sort_index", pid, 0, Json{{"sort_index", sort_index}}));
    }
    void thread(int pid, int tid, const std::string& name) {
        add(meta("thread_name", pid, tid, Json{{"name", name}}));
        add(meta("thread_sort_index", pid, tid, Json{{"sort_index", tid}}));
    }
    /// A complete event ("X").
    void slice(const std::string& name, const std::string& cat, int pid, int tid, double start_ns,
               double dur_ns, Json args) {
        Json e;
        e["name"] = name;
        e["cat"] = cat;
        e["ph"] = "X";
        // Both ends rounded to the picosecond, the duration their difference: a slice that
        // ends where the next one starts does not overlap it by a rounding.
        const long long from = ps(start_ns), to = ps(start_ns + dur_ns);
        e["ts"] = us_of_ps(from);
        e["dur"] = us_of_ps(to - from);
        e["pid"] = pid;
        e["tid"] = tid;
        e["args"] = std::move(args);
        add(std::move(e));
    }
    /// A counter sample ("C").
    void counter(const std::string& name, int pid, double at_ns, const std::string& series,
                 std::uint64_t value) {
        Json e;
        e["name"] = name;
        e["cat"] = "sram";
        e["ph"] = "C";
        e["ts"] = us(at_ns);
        e["pid"] = pid;
        e["tid"] = 0;
        e["args"] = Json{{series, value}};
        add(std::move(e));
    }
    /// A flow arrow from the slice enclosing (pid, tid, from_ns) to the one enclosing (to_pid,
    /// to_tid, to_ns).
    void flow(std::uint64_t id, const std::string& name, int pid, int tid, double from_ns,
              int to_pid, int to_tid, double to_ns) {
        Json s;
        s["name"] = name;
        s["cat"] = "flow";
        s["ph"] = "s";
        s["id"] = id;
        s["ts"] = us(from_ns);
        s["pid"] = pid;
        s["tid"] = tid;
        add(std::move(s));
        Json f;
        f["name"] = name;
        f["cat"] = "flow";
        f["ph"] = "f";
        f["bp"] = "e";
        f["id"] = id;
        f["ts"] = us(to_ns);
        f["pid"] = to_pid;
        f["tid"] = to_tid;
        add(std::move(f));
    }

    /// One event per line, so that the file diffs and greps well.
    std::string text(const Json& other) const {
        std::string out = "{\"traceEvents\":[\n";
        for (std::size_t i = 0; i < m_events.size(); ++i) {
            out += m_events[i].dump(-1, ' ', false, Json::error_handler_t::replace);
            out += i + 1 < m_events.size() ? ",\n" : "\n";
        }
        out += "],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":";
        out += other.dump(-1, ' ', false, Json::error_handler_t::replace);
        out += "\n}\n";
        return out;
    }

  private:
    static Json meta(const char* name, int pid, int tid, Json args) {
        Json e;
        e["name"] = name;
        e["ph"] = "M";
        e["ts"] = 0;
        e["pid"] = pid;
        e["tid"] = tid;
        e["args"] = std::move(args);
        return e;
    }
    std::vector<Json> m_events;
};

/// The track and the name of the amount (with its unit) of a denoiser activity.
struct UnitTrack {
    int tid;
    const char* cat;
    const char* amount_key;  ///< nullptr: no amount
    std::uint64_t amount_scale;
};

UnitTrack unit_track(const Activity& a) {
    switch (a.unit) {
        case Activity::Unit::phase:
            return {kPhasesTid, "denoiser.phase",
                    a.phase == denoiser::Phase::weight_load ? "bytes" : nullptr, 2};
        case Activity::Unit::conv_core:
            return {kCoreTid0 + static_cast<int>(a.index), "denoiser.core", "macs", 1};
        case Activity::Unit::noise_lane:
            return {kLaneTid0 + static_cast<int>(a.index), "denoiser.lane", "elements", 1};
        case Activity::Unit::leaky_relu:
            return {kReluTid, "denoiser.leaky_relu", "elements", 1};
        case Activity::Unit::dma_in:
            return {kDmaInTid, "denoiser.dma", "bytes", 2};
        case Activity::Unit::dma_out:
            return {kDmaOutTid, "denoiser.dma", "bytes", 2};
        case Activity::Unit::weight_sram_port:
            return {a.phase == denoiser::Phase::weight_load ? kWeightPortDmaTid : kWeightPortTid,
                    "denoiser.sram", "bytes", 2};
        case Activity::Unit::activation_sram_port: {
            const bool dma =
                a.phase == denoiser::Phase::input_load || a.phase == denoiser::Phase::output_store;
            return {dma ? kActivationPortDmaTid : kActivationPortTid, "denoiser.sram", "bytes", 2};
        }
    }
    return {kPhasesTid, "denoiser", nullptr, 1};
}

Json step_args(std::size_t index, const platform::StepReport& s) {
    Json a;
    a["layer_index"] = index;
    a["op"] = s.op;
    a["kind"] = platform::to_string(s.kind);
    a["cycles"] = s.cycles;
    a["time_ns"] = ns_ps(s.time_ns);
    if (s.kind == platform::StepKind::Analog || s.kind == platform::StepKind::Digital)
        a["macs"] = s.macs;
    if (s.kind == platform::StepKind::Analog) {
        a["crossbars"] = s.crossbars;
        a["replication"] = s.replication;
    }
    if (s.kind == platform::StepKind::Denoiser)
        a["block_cycles"] = s.block_cycles;
    return a;
}

const char* overlap_name(platform::DenoiserOverlap o) {
    return o == platform::DenoiserOverlap::Dependence ? "dependence" : "off";
}

}  // namespace

std::string trace_json(const platform::Timeline& timeline, const platform::ReplayResult& result,
                       const platform::ReplayConfig& config, const std::string& model) {
    const denoiser::DenoiserConfig& dcfg = config.soc.denoiser;
    const double den_ns = 1e3 / dcfg.clock_mhz;  // one denoiser cycle
    Events ev;

    // Which tracks are used, so that only those are named.
    bool digital = false, block_steps = false;
    std::vector<std::size_t> analog;
    for (const auto& t : timeline.steps) {
        const auto kind = result.steps[t.step].kind;
        if (kind == platform::StepKind::Analog)
            analog.push_back(t.step);
        else if (kind == platform::StepKind::Digital)
            digital = true;
        else if (kind == platform::StepKind::Denoiser)
            block_steps = true;
    }
    std::sort(analog.begin(), analog.end());
    analog.erase(std::unique(analog.begin(), analog.end()), analog.end());

    ev.process(kHostPid, "host (SoC driver): steps as the host saw them", 0);
    ev.thread(kHostPid, kHostStepsTid, "steps");
    if (block_steps)
        ev.thread(kHostPid, kHostBlockStepsTid, "denoiser steps (programming to DONE and reads)");
    if (!timeline.waits.empty())
        ev.thread(kHostPid, kHostWaitsTid, "waits for a block");
    ev.process(kCgraPid, "MX-CGRA", 1);
    if (digital)
        ev.thread(kCgraPid, kDigitalTid, "digital steps");
    for (const std::size_t i : analog) {
        ev.thread(kCgraPid, kAnalogTid0 + static_cast<int>(i),
                  fmt::format("analog {} {}", i, result.steps[i].name));
    }
    if (!timeline.blocks.empty()) {
        ev.process(kDenoiserPid, "denoiser accelerator", 2);
        ev.thread(kDenoiserPid, kBlocksTid, "blocks");
        ev.thread(kDenoiserPid, kPhasesTid, "phases");
        for (unsigned k = 0; k < dcfg.cores; ++k)
            ev.thread(kDenoiserPid, kCoreTid0 + static_cast<int>(k),
                      fmt::format("conv core {}", k));
        for (unsigned l = 0; l < dcfg.lanes; ++l)
            ev.thread(kDenoiserPid, kLaneTid0 + static_cast<int>(l),
                      fmt::format("noise lane {}", l));
        ev.thread(kDenoiserPid, kReluTid, "LeakyReLU unit");
        ev.thread(kDenoiserPid, kDmaInTid, "DMA in (host memory to SRAM)");
        ev.thread(kDenoiserPid, kDmaOutTid, "DMA out (SRAM to host memory)");
        ev.thread(kDenoiserPid, kWeightPortTid, "weight SRAM port: compute");
        ev.thread(kDenoiserPid, kWeightPortDmaTid, "weight SRAM port: DMA");
        ev.thread(kDenoiserPid, kActivationPortTid, "activation SRAM port: compute");
        ev.thread(kDenoiserPid, kActivationPortDmaTid, "activation SRAM port: DMA");
    }

    // The steps: on the host's track, and each CGRA step on its MX-CGRA track.
    for (const auto& t : timeline.steps) {
        const platform::StepReport& s = result.steps[t.step];
        const double dur = t.end_ns - t.start_ns;
        if (dur <= 0.0)
            continue;  // a free step (a reshape) costs nothing
        const std::string cat = platform::to_string(s.kind);
        ev.slice(s.name, cat, kHostPid,
                 s.kind == platform::StepKind::Denoiser ? kHostBlockStepsTid : kHostStepsTid,
                 t.start_ns, dur, step_args(t.step, s));
        if (s.kind == platform::StepKind::Analog) {
            ev.slice(s.name, cat, kCgraPid, kAnalogTid0 + static_cast<int>(t.step), t.start_ns, dur,
                     step_args(t.step, s));
        } else if (s.kind == platform::StepKind::Digital) {
            ev.slice(s.name, cat, kCgraPid, kDigitalTid, t.start_ns, dur, step_args(t.step, s));
        }
    }
    for (const auto& w : timeline.waits) {
        ev.slice("wait for " + result.steps[w.block_step].name, "wait", kHostPid, kHostWaitsTid,
                 w.start_ns, w.end_ns - w.start_ns,
                 Json{{"wait_ns", ns_ps(w.end_ns - w.start_ns)}});
    }

    // The denoiser: blocks, their phases and units, SRAM occupancy, and a flow from the analog
    // layer that ran last before each block's step.
    if (!timeline.blocks.empty()) {
        ev.counter("weight SRAM in use", kDenoiserPid, 0.0, "used_bytes", 0);
        ev.counter("activation SRAM in use", kDenoiserPid, 0.0, "used_bytes", 0);
    }
    std::uint64_t flow_id = 0;
    for (const auto& b : timeline.blocks) {
        const platform::StepReport& s = result.steps[b.step];
        const double end_ns = b.start_ns + static_cast<double>(b.cycles) * den_ns;
        Json args;
        args["layer_index"] = b.step;
        args["image"] = b.image;
        args["block_cycles"] = b.cycles;
        args["channels"] = b.shape.channels;
        args["height"] = b.shape.height;
        args["width"] = b.shape.width;
        args["reduced_channels"] = b.plan.reduced;
        args["tiles"] = b.plan.tiles.size();
        args["tile_rows"] = b.plan.tile_rows;
        args["weights_resident"] = b.plan.weights_resident;
        args["double_buffered"] = b.plan.double_buffered;
        args["activation_sram_footprint_bytes"] = b.plan.activation_words * 2;
        args["denoiser_clock_mhz"] = dcfg.clock_mhz;
        ev.slice(s.name, "denoiser.block", kDenoiserPid, kBlocksTid, b.start_ns,
                 end_ns - b.start_ns, std::move(args));

        const unsigned x_buffers = b.plan.double_buffered ? 2 : 1;
        for (const Activity& a : b.activities) {
            const UnitTrack u = unit_track(a);
            const double at_ns = b.start_ns + static_cast<double>(a.start_cycles) * den_ns;
            Json aa;
            aa["block"] = s.name;
            aa["tile"] = a.tile;
            aa["start_cycle"] = a.start_cycles;
            aa["cycles"] = a.cycles;
            if (u.amount_key != nullptr)
                aa[u.amount_key] = a.amount * u.amount_scale;
            ev.slice(denoiser::phase_name(a.phase), u.cat, kDenoiserPid, u.tid, at_ns,
                     static_cast<double>(a.cycles) * den_ns, std::move(aa));
            // Occupancy from the tile plan: the weights a load brings in (all of them when
            // resident, one group when streamed), and a tile's footprint from its X load on.
            if (a.unit == Activity::Unit::phase && a.phase == denoiser::Phase::weight_load) {
                ev.counter("weight SRAM in use", kDenoiserPid, at_ns, "used_bytes", a.amount * 2);
            }
            if (a.unit == Activity::Unit::dma_in && a.phase == denoiser::Phase::input_load &&
                a.tile < b.plan.tiles.size()) {
                const std::uint64_t words = denoiser::tile_footprint_words(
                    b.shape, b.plan.reduced, b.plan.tiles[a.tile].rows(), x_buffers);
                ev.counter("activation SRAM in use", kDenoiserPid, at_ns, "used_bytes", words * 2);
            }
        }
        ev.counter("activation SRAM in use", kDenoiserPid, end_ns, "used_bytes", 0);
        if (!b.plan.weights_resident)
            ev.counter("weight SRAM in use", kDenoiserPid, end_ns, "used_bytes", 0);

        // The step of this block: when it started on the host.
        double step_start = b.start_ns;
        for (const auto& t : timeline.steps) {
            if (t.step == b.step)
                step_start = std::min(step_start, t.start_ns);
        }
        const platform::TimelineStep* from = nullptr;
        for (const auto& t : timeline.steps) {
            if (result.steps[t.step].kind != platform::StepKind::Analog || t.end_ns <= t.start_ns ||
                t.start_ns > step_start)
                continue;
            if (from == nullptr || t.start_ns >= from->start_ns)
                from = &t;
        }
        if (from != nullptr) {
            // From the layer's last picosecond: its output is complete then.
            const double leave_ns = std::max(from->start_ns, from->end_ns - 1e-3);
            ev.flow(++flow_id, "to denoiser " + s.name, kCgraPid,
                    kAnalogTid0 + static_cast<int>(from->step), leave_ns, kDenoiserPid, kBlocksTid,
                    b.start_ns);
        }
    }

    Json other;
    other["trace_of"] =
        "dnsim run: the timing job, one inference (one image), in simulated time; ts and dur in "
        "microseconds";
    other["model"] = model;
    other["cgra_clock_mhz"] = result.clock_mhz;
    other["denoiser_clock_mhz"] = dcfg.clock_mhz;
    other["cycles_per_inference"] = result.cycles;
    other["cycles_step_sum"] = result.cycles_step_sum;
    other["latency_ns"] = ns_ps(timeline.end_ns);
    other["denoiser_overlap"] = overlap_name(config.soc.denoiser_overlap);
    other["denoiser_blocks"] = timeline.blocks.size();
    other["denoiser_cores"] = dcfg.cores;
    other["noise_lanes"] = dcfg.lanes;
    other["weight_sram_size_bytes"] = dcfg.weight_sram.size_bytes;
    other["activation_sram_size_bytes"] = dcfg.activation_sram.size_bytes;
    return ev.text(other);
}

}  // namespace dnsim::tb
