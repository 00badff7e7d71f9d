// The MX-CGRA as a loosely-timed TLM target. The host writes one CgraCommand per layer step; the
// CGRA charges that step's analytic cost (cycles x images, action counts for energy) and
// computes the step on the operands the command points to: an analog step through its
// analog-layer model (analog_model.h, one per layer of this chip, picked by noise.fidelity)
// when the pass has analog noise, every other step — and an analog step of a pass without
// noise — as the float executor evaluates the node (the digital tiles, and an ideal crossbar).
// A command without operands is charged only (the timing job). It leaves out the PE-level
// schedule and the context memory: the per-layer formulas in layer_cost.h stand for them
// (docs/cgra.md).
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/cgra/analog_model.h"
#include "models/cgra/layer_cost.h"
#include "models/common/energy.h"
#include "models/common/sim_time.h"
#include "models/common/worker_pool.h"
#include "workloads/graph/graph.h"

namespace dnsim::cgra {

/// One slice of a job's images (one per worker thread): the step's input tensors, and its
/// output once the CGRA has computed it.
struct CgraSlice {
    std::int64_t first_image = 0;  ///< dataset index of the slice's image 0 (keys the noise)
    std::int64_t images = 0;
    std::vector<const workloads::Tensor*> inputs;  ///< the node's inputs, images along dim 0
    /// inputs[0] itself when no later node reads it and the node is elementwise
    /// (workloads::writes_into_input): a digital step then writes its output over it.
    workloads::Tensor* into = nullptr;
    workloads::Tensor output;
};

/// The data a command points to (the host's activation buffers, as a DMA descriptor would).
struct CgraOperands {
    bool analog_noise = false;  ///< analog layers with their non-idealities (else ideal)
    std::uint64_t seed = 0;     ///< run seed of the pass (keys the noise streams)
    /// The chip instance computing (the noise.chip_seed of its programming variation and
    /// stuck cells), with analog noise; none: the chip the CGRA was made for.
    std::optional<std::uint64_t> chip_seed;
    std::vector<CgraSlice> slices;
};

/// Written by the host to offset 0 of the CGRA's window.
struct CgraCommand {
    std::uint32_t step = 0;            ///< index into the loaded program
    std::uint32_t images = 1;          ///< images processed back to back
    CgraOperands* operands = nullptr;  ///< null: charge the step only
};

/// What the host loads for each step of its plan.
struct ProgramStep {
    LayerCost cost;            ///< per image (zero for steps the CGRA does not run)
    std::size_t node = 0;      ///< the graph node the step computes
    bool analog = false;       ///< runs on crossbars
    std::uint64_t key = 0;     ///< the layer's stream key
    workloads::Dims out_dims;  ///< output for one image
};

class MxCgra : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<MxCgra> socket;

    /// `cfg` and `noise` must have passed validate().
    MxCgra(const sc_core::sc_module_name& name, const CgraConfig& cfg, const NoiseConfig& noise);

    /// The program: one entry per step of `graph` (which must outlive the CGRA). A step's
    /// crossbars are programmed (its analog-layer model, of the kind noise.fidelity names, built
    /// from the weights) by the first command that computes it with analog noise, so a run that
    /// only charges commands (timing only) never copies the weights. A command for another chip
    /// instance (CgraOperands::chip_seed) than the one programmed drops every programmed step
    /// first: the CGRA holds one chip's weights at a time.
    void load_program(const workloads::Graph& graph, std::vector<ProgramStep> program);
    /// Slices of a command run in parallel on `pool` (serially without one).
    void set_worker_pool(WorkerPool* pool) { m_pool = pool; }

    /// Cycles charged per step so far (all images).
    const std::vector<std::uint64_t>& step_cycles() const { return m_step_cycles; }
    std::uint64_t busy_cycles() const { return m_busy_cycles; }
    /// Energy of the actions charged so far under `table` (the run's; the ADC's conversions at
    /// cgra.adc_bits, charged_energy_table).
    EnergyAccount energy(const EnergyTable& table) const;

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    /// Computes every slice of `ops` for step `step`.
    void compute(std::size_t step, CgraOperands& ops);
    /// Step `step`'s analog-layer model on chip `chip_seed`, built on first use; null for a
    /// digital step.
    const AnalogLayerModel* analog_model(std::size_t step, std::uint64_t chip_seed);

    CgraConfig m_cfg;
    NoiseConfig m_noise;  ///< as made; its chip_seed: the chip of a command that names none
    std::uint64_t m_programmed_chip = 0;  ///< chip_seed of the steps programmed in m_models
    Clock m_clock;
    const workloads::Graph* m_graph = nullptr;
    std::vector<ProgramStep> m_program;
    std::vector<std::unique_ptr<AnalogLayerModel>> m_models;  ///< per step, once programmed
    WorkerPool* m_pool = nullptr;
    std::vector<std::uint64_t> m_step_cycles;
    std::vector<std::uint64_t> m_step_images;
    std::uint64_t m_busy_cycles = 0;
};

}  // namespace dnsim::cgra
