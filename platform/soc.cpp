// Platform netlist and host driver.
#include "platform/soc.h"

#include <tlm_utils/tlm_quantumkeeper.h>
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "models/common/config_error.h"
#include "models/common/fixed_point.h"
#include "models/denoiser/block_batch.h"
#include "models/denoiser/registers.h"

namespace dnsim::platform {

namespace {

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) / a * a;
}

/// Host memory layout: the packed weights of every denoiser step, then one input and one
/// output buffer sized for the largest denoised tensor.
struct Layout {
    std::vector<std::uint64_t> weight_addr;
    std::uint64_t in = 0, out = 0, buffer = 0, total = 0;
};

Layout host_layout(const ReplayPlan& plan) {
    Layout l;
    l.weight_addr.assign(plan.steps.size(), 0);
    std::uint64_t at = 0;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& s = plan.steps[i];
        if (s.kind != StepKind::Denoiser)
            continue;
        l.weight_addr[i] = at;
        const auto c = static_cast<unsigned>(s.out_dims[1]);
        at += align_up(denoiser::packed_words(c, static_cast<unsigned>(s.reduced_channels)) * 2,
                       4096);
        l.buffer = std::max<std::uint64_t>(
            l.buffer, static_cast<std::uint64_t>(workloads::numel(s.out_dims)) * 2);
    }
    l.buffer = align_up(std::max<std::uint64_t>(l.buffer, 2), 4096);
    l.in = at;
    l.out = at + l.buffer;
    l.total = l.out + l.buffer;
    return l;
}

}  // namespace

void check_denoiser_weights(const workloads::Graph& g, const workloads::Node& n,
                            const denoiser::BlockFormat& format, const std::string& source) {
    // Weights (odd inputs) use the weight format, biases the activation format. A value the
    // 16-bit format cannot hold would saturate silently, and the float executor (dnsim eval)
    // and the accelerator (dnsim run) would then disagree on the same model.
    for (std::size_t input = 1; input < n.inputs.size(); ++input) {
        const auto& t = g.initializer(n.inputs[input]);
        const FixedFormat f = input % 2 == 1 ? format.weight() : format.activation();
        const double half = 0.5 * f.lsb();
        for (std::size_t i = 0; i < t.data.size(); ++i) {
            const float v = t.data[i];
            if (!(v >= f.min_value() - half && v <= f.max_value() + half)) {
                throw ConfigError(
                    source,
                    fmt::format("node '{}' (Denoiser): {} ('{}') holds {} at index {}, outside "
                                "the block's 16-bit format with {} fraction bits ({} to {}); "
                                "retrain or rescale the block, or change block.{}_frac_bits",
                                n.name, workloads::kDenoiserWeightRoles[input - 1], n.inputs[input],
                                v, i, f.frac_bits(), f.min_value(), f.max_value(),
                                input % 2 == 1 ? "weight" : "activation"));
            }
        }
    }
}

denoiser::BlockWeights denoiser_weights(const workloads::Graph& g, const workloads::Node& n,
                                        const denoiser::BlockFormat& format) {
    check_denoiser_weights(g, n, format, g.name);
    const auto& rw = g.initializer(n.inputs[1]);
    const auto cr = static_cast<unsigned>(rw.dims[0]);
    const auto c = static_cast<unsigned>(rw.dims[1]);
    denoiser::BlockWeightsF w(c, cr);
    const auto copy = [&g, &n](std::size_t input, std::vector<double>& out) {
        const auto& t = g.initializer(n.inputs[input]);
        out.assign(t.data.begin(), t.data.end());
    };
    copy(1, w.reduce_w);
    copy(2, w.reduce_b);
    copy(3, w.dw_w);
    copy(4, w.dw_b);
    copy(5, w.mean_w);
    copy(6, w.mean_b);
    copy(7, w.var_w);
    copy(8, w.var_b);
    return denoiser::quantize_block(w, format);
}

Soc::Soc(const sc_core::sc_module_name& name, const SocConfig& config,
         const cgra::NoiseConfig& noise, const workloads::Graph& graph, const ReplayPlan& plan,
         JobSource jobs, WorkerPool* pool)
    : sc_core::sc_module(name),
      m_cfg(config),
      m_graph(graph),
      m_plan(plan),
      m_jobs(std::move(jobs)),
      m_cgra("cgra", config.cgra, noise),
      m_denoiser("denoiser", config.denoiser),
      m_memory("host_memory", host_layout(plan).total, config.host_latency, true),
      m_bus("bus", {{"denoiser", kDenoiserBase, kDenoiserSize}, {"cgra", kCgraBase, kCgraSize}},
            config.bus_latency),
      m_socket("socket"),
      m_host(m_socket),
      m_denoiser_driver(m_host, kDenoiserBase) {
    const Layout l = host_layout(plan);
    m_weight_addr = l.weight_addr;
    m_in_addr = l.in;
    m_out_addr = l.out;
    m_buffer_bytes = l.buffer;
    m_socket.bind(m_bus.target);
    m_bus.initiator.bind(m_denoiser.ext_socket);
    m_bus.initiator.bind(m_cgra.socket);
    m_denoiser.dma_socket.bind(m_memory.socket);
    std::vector<cgra::ProgramStep> program;
    for (const Step& s : plan.steps)
        program.push_back({s.cost, s.node, s.kind == StepKind::Analog, s.key, s.out_dims});
    m_cgra.load_program(graph, std::move(program));
    m_cgra.set_worker_pool(pool);
    m_denoiser.set_worker_pool(pool);
    m_step_ns.assign(plan.steps.size(), 0.0);
    std::vector<std::size_t> step_of_node(graph.nodes.size(), plan.steps.size());
    for (std::size_t i = 0; i < plan.steps.size(); ++i)
        step_of_node[plan.steps[i].node] = i;
    m_reads.resize(plan.steps.size());
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        for (const std::string& t : graph.nodes[plan.steps[i].node].inputs) {
            const std::optional<std::size_t> n = graph.producer(t);
            if (n && step_of_node[*n] < plan.steps.size())
                m_reads[i].push_back(step_of_node[*n]);
        }
    }
    m_denoiser_cycles.assign(plan.steps.size(), 0);
    m_denoiser_phases.assign(plan.steps.size(), {});
    // Packed weights of every block, resident in host memory from the start.
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        if (plan.steps[i].kind != StepKind::Denoiser)
            continue;
        const auto packed = denoiser::pack_block(
            denoiser_weights(graph, graph.nodes[plan.steps[i].node], config.format));
        std::memcpy(m_memory.data() + m_weight_addr[i], packed.data(), packed.size() * 2);
    }
    SC_THREAD(driver);
    // The driver's coroutine computes a job's first share of the functional work itself (the
    // worker pool's chunk 0): Eigen's GEMMs keep blocking buffers of up to 128 KiB on the
    // stack, and the bit-sliced crossbar model nests them inside its own frames. SystemC's
    // default coroutine stack (a few hundred KiB) overflowed there under AddressSanitizer
    // (cli: run chips independent_bitsliced); 16 MiB is twice a main thread's default.
    set_stack_size(std::size_t{16} << 20);
}

void Soc::set_timeline(Timeline* timeline) {
    m_timeline = timeline;
    if (timeline == nullptr) {
        m_denoiser.control().set_activity_listener(nullptr);
        return;
    }
    m_denoiser.control().set_activity_listener([this](const denoiser::Activity& a) {
        if (m_recording && !m_timeline->blocks.empty())
            m_timeline->blocks.back().activities.push_back(a);
    });
}

void Soc::start_denoiser(std::size_t si, std::uint32_t image, std::uint32_t block_id,
                         const ReplayJob& job, bool wait, sc_core::sc_time& delay) {
    const Step& s = m_plan.steps[si];
    const auto c = static_cast<std::uint32_t>(s.out_dims[1]);
    const std::uint64_t elements = static_cast<std::uint64_t>(workloads::numel(s.out_dims));
    std::vector<std::int16_t> x(elements, 0);
    if (job.data != nullptr)
        job.data->block_input(si, image, x);
    const std::int64_t first = job.data != nullptr ? job.data->first() : 0;
    // The CGRA's output buffer is host memory: the noisy tensor lands there (untimed here; the
    // CGRA step charged its data-memory traffic).
    std::memcpy(m_memory.data() + m_in_addr, x.data(), elements * 2);
    BlockProgram p;
    p.shape = {c, static_cast<unsigned>(s.out_dims[2]), static_cast<unsigned>(s.out_dims[3])};
    p.format = m_cfg.format;
    // The ratio register must reproduce the block's C_r: C_r / C.
    p.format.bottleneck_ratio = static_cast<double>(s.reduced_channels) / c;
    p.seed = block_seed(job.seed, first + image, s.key);
    p.block_id = block_id;
    p.src = m_in_addr;
    p.dst = m_out_addr;
    p.weights = m_weight_addr[si];
    m_denoiser_driver.program(p, delay);
    if (m_recording) {
        TimelineBlock b;
        b.step = si;
        b.image = image;
        b.shape = p.shape;
        m_timeline->blocks.push_back(std::move(b));
    }
    // The control unit sequences the whole block at START: its phase counters move by this
    // block's phases.
    const auto before = m_denoiser.control().phase_cycles();
    m_denoiser_driver.start(wait, delay);
    if (job.record) {
        const auto& after = m_denoiser.control().phase_cycles();
        for (std::size_t k = 0; k < denoiser::kPhaseCount; ++k)
            m_denoiser_phases[si][k] += after[k] - before[k];
    }
    if (m_recording) {
        TimelineBlock& b = m_timeline->blocks.back();
        b.start_ns = job_ns(m_denoiser.control().start_time());
        b.plan = m_denoiser.control().last_plan();
    }
}

void Soc::finish_denoiser(std::size_t si, std::uint32_t image, const ReplayJob& job,
                          sc_core::sc_time& delay) {
    const Step& s = m_plan.steps[si];
    const auto c = static_cast<std::uint32_t>(s.out_dims[1]);
    const std::uint64_t elements = static_cast<std::uint64_t>(workloads::numel(s.out_dims));
    const std::uint32_t status = m_denoiser_driver.status(delay);
    if (!denoiser::reg::status_done.in(status)) {
        const std::uint32_t code = m_denoiser_driver.error_code(delay);
        // The codes a block's shape or the SRAM sizes can cause, in words (the others: the
        // ERROR_CODE table of docs/denoiser.md).
        const char* why = code == 1   ? "its shape is out of range"
                          : code == 2 ? "its bottleneck ratio is out of range"
                          : code == 4 ? "the activation SRAM cannot hold one tile of it "
                                        "(raise activation_sram.size_bytes)"
                          : code == 5 ? "the weight SRAM cannot hold its weights (raise "
                                        "weight_sram.size_bytes)"
                                      : "see the ERROR_CODE table of docs/denoiser.md";
        throw ConfigError(
            s.name, fmt::format("the denoiser accelerator rejected this block, "
                                "{}x{}x{} with C_r {}: error code {}, {}",
                                c, s.out_dims[2], s.out_dims[3], s.reduced_channels, code, why));
    }
    const std::uint64_t cycles = m_denoiser_driver.cycles(delay);
    if (job.record)
        m_denoiser_cycles[si] += cycles;
    if (m_recording)
        m_timeline->blocks.back().cycles = cycles;
    if (job.data != nullptr) {
        std::vector<std::int16_t> y(elements);
        std::memcpy(y.data(), m_memory.data() + m_out_addr, elements * 2);
        job.data->block_output(si, image, y);
    }
}

void Soc::run_denoiser_batch(std::size_t si, JobData& data, sc_core::sc_time& delay) {
    denoiser::BlockBatchCommand cmd = data.block_batch(si);
    cmd.weights = m_weight_addr[si];
    m_host.command(kDenoiserBase + denoiser::addr::batch, cmd, delay);
    data.store_batch(si, cmd);
}

void Soc::driver() {
    try {
        drive_jobs();
    } catch (const ConfigError&) {
        // The driver is the one thread with work: the simulation ends when it returns.
        m_failure = std::current_exception();
    }
}

void Soc::drive_jobs() {
    tlm_utils::tlm_quantumkeeper qk;
    qk.set_global_quantum(m_cfg.quantum);
    qk.reset();
    std::uint32_t block_id = 0;
    const bool overlap = m_cfg.denoiser_overlap == DenoiserOverlap::Dependence;
    while (const std::optional<ReplayJob> job = m_jobs()) {
        JobData* const data = job->data;
        // A job without data (the timing job) reads only cycles: the denoiser times and counts
        // its blocks without computing them.
        m_denoiser.control().set_compute(data != nullptr);
        const sc_core::sc_time job_start = sc_core::sc_time_stamp() + qk.get_local_time();
        m_recording = m_timeline != nullptr && job->record;
        m_job_start = job_start;
        // The block running beside the host's later steps (overlap): its step, last image and
        // the simulation time its step began.
        struct Pending {
            std::size_t step;
            std::uint32_t image;
            sc_core::sc_time step_start;
        };
        std::optional<Pending> pending;
        // Sleeps until the block is done (a DONE interrupt), then reads STATUS and CYCLES;
        // returns the time waited.
        const auto complete = [&](sc_core::sc_time& delay) {
            const Pending p = *pending;
            pending.reset();
            const sc_core::sc_time now = sc_core::sc_time_stamp() + delay;
            const sc_core::sc_time done = m_denoiser.control().done_time();
            const sc_core::sc_time waited = done > now ? done - now : sc_core::SC_ZERO_TIME;
            delay += waited;
            const sc_core::sc_time reads = delay;
            finish_denoiser(p.step, p.image, *job, delay);
            if (job->record) {
                // From programming to DONE, plus the reads after it (as without overlap).
                m_step_ns[p.step] += (done - p.step_start + (delay - reads)).to_seconds() * 1e9;
            }
            if (m_recording) {
                m_timeline->steps.push_back(
                    {p.step, job_ns(p.step_start), job_ns(done + (delay - reads))});
                if (waited > sc_core::SC_ZERO_TIME)
                    m_timeline->waits.push_back({p.step, job_ns(now), job_ns(now + waited)});
            }
            return waited;
        };
        const std::size_t n = m_plan.steps.size();
        const auto is_block = [&](std::size_t i) {
            return m_plan.steps[i].kind == StepKind::Denoiser && job->denoisers &&
                   job->tlm_denoisers;
        };
        // A step can run now: it is not the next block while one runs, and it reads no output
        // of a step not yet run or of the running block.
        std::vector<char> executed(n, 0);
        const auto ready = [&](std::size_t i) {
            if (pending && is_block(i))
                return false;
            for (const std::size_t j : m_reads[i]) {
                if (!executed[j] || (pending && pending->step == j))
                    return false;
            }
            return true;
        };
        // Overlap in a timing job: a ready list, the lowest plan index that can run first (so
        // the plan order whenever nothing waits on a block). A job with data keeps the plan
        // order (its buffers are released in that order) and waits before a reader instead.
        const bool reorder = overlap && data == nullptr;
        for (std::size_t k = 0, cursor = 0; k < n; ++k) {
            sc_core::sc_time delay = qk.get_local_time();
            sc_core::sc_time waited = sc_core::SC_ZERO_TIME;
            std::size_t si = n;
            if (reorder) {
                while (cursor < n && executed[cursor])
                    ++cursor;
                for (std::size_t i = cursor; i < n && si == n; ++i) {
                    if (!executed[i] && ready(i))
                        si = i;
                }
                if (si == n) {
                    // Everything left needs the running block.
                    waited = complete(delay);
                    for (std::size_t i = cursor; i < n && si == n; ++i) {
                        if (!executed[i] && ready(i))
                            si = i;
                    }
                }
            } else {
                si = k;
                if (!ready(si))
                    waited = complete(delay);
            }
            if (si == n)
                throw std::logic_error("the replay plan is not in topological order");
            executed[si] = 1;
            const Step& s = m_plan.steps[si];
            const sc_core::sc_time before = delay;
            bool recorded_at_completion = false;
            if (s.kind != StepKind::Denoiser) {
                // Free steps (reshapes) cost nothing but still pass their data on.
                cgra::CgraOperands ops;
                cgra::CgraCommand cmd{static_cast<std::uint32_t>(si), job->images, nullptr};
                if (data != nullptr) {
                    ops = data->cgra_operands(si);
                    cmd.operands = &ops;
                }
                m_host.command(kCgraBase, cmd, delay);
                if (data != nullptr)
                    data->store(si, ops);
            } else if (job->denoisers) {
                if (job->tlm_denoisers) {
                    // BLOCK_ID names the weights: a different block reloads them.
                    block_id = static_cast<std::uint32_t>(si) + 1;
                    for (std::uint32_t image = 0; image < job->images; ++image) {
                        if (!overlap) {
                            start_denoiser(si, image, block_id, *job, true, delay);
                            finish_denoiser(si, image, *job, delay);
                            continue;
                        }
                        // The accelerator runs one block at a time: the previous image's
                        // block completes (its output read) before this one starts. The step's
                        // time adds up from `before` to the last image's DONE and reads.
                        if (pending)
                            complete(delay);
                        pending = Pending{si, image,
                                          sc_core::sc_time_stamp() + (image == 0 ? before : delay)};
                        start_denoiser(si, image, block_id, *job, false, delay);
                    }
                    recorded_at_completion = overlap;
                } else if (data != nullptr) {
                    run_denoiser_batch(si, *data, delay);
                }
            } else if (data != nullptr) {
                data->bypass(si);
            }
            if (m_recording && !recorded_at_completion) {
                const sc_core::sc_time stamp = sc_core::sc_time_stamp();
                m_timeline->steps.push_back({si, job_ns(stamp + before), job_ns(stamp + delay)});
            }
            if (job->record) {
                if (!recorded_at_completion)
                    m_step_ns[si] += (delay - before).to_seconds() * 1e9;
                m_block_wait_ns += waited.to_seconds() * 1e9;
            }
            qk.set(delay);
            if (qk.need_sync())
                qk.sync();
        }
        if (pending) {
            sc_core::sc_time delay = qk.get_local_time();
            const sc_core::sc_time waited = complete(delay);
            if (job->record)
                m_block_wait_ns += waited.to_seconds() * 1e9;
            qk.set(delay);
        }
        if (job->record) {
            m_recorded_ns +=
                (sc_core::sc_time_stamp() + qk.get_local_time() - job_start).to_seconds() * 1e9;
        }
        if (m_recording)
            m_timeline->end_ns = job_ns(sc_core::sc_time_stamp() + qk.get_local_time());
        m_recording = false;
    }
    m_finish = sc_core::sc_time_stamp() + qk.get_local_time();
    qk.sync();
}

}  // namespace dnsim::platform
