// Crossbar-level ("bit-sliced") model of one analog matrix product, the slow fidelity level:
// weights quantised to weight_bits and sliced over cells of bits_per_cell bits (offset
// encoding), inputs quantised to input_bits and streamed through dac_bits DACs pass by pass,
// every crossbar column's sum over its row tile converted by an adc_bits ADC (rounded, clipped
// at full scale), and the digital shift-and-add of passes, slices and row tiles. Cell
// conductances carry the chip's programming variation, stuck cells and drift; each column read
// gets read noise. docs/noise.md describes it; a test checks it is exact with ideal devices and
// a wide enough ADC.
#pragma once

#include <cstdint>
#include <vector>

#include "models/cgra/analog_noise.h"
#include "models/cgra/cgra_config.h"
#include "models/common/rng.h"

namespace dnsim::cgra {

/// Throws ConfigError("cgra.dac_bits") unless `cfg` has 1-bit DACs, the only kind the
/// bit-sliced model handles.
void check_bitsliced_config(const AnalogConfig& cfg);

/// One layer's weights as a chip holds them (prepared once per chip).
class BitSlicedWeights {
  public:
    /// `w`: out x in row-major float weights of one group; `layer` keys the chip's streams.
    BitSlicedWeights(const float* w, std::int64_t out, std::int64_t in, const AnalogConfig& cfg,
                     const NoiseConfig& noise, std::uint64_t layer);

    std::int64_t out() const { return m_out; }
    std::int64_t in() const { return m_in; }

    /// y (out x p, row-major) = W x for the in x p matrix x (columns are MVMs), through the
    /// crossbars. `rng` draws the read noise.
    void multiply(const float* x, std::int64_t p, float* y, Rng& rng) const;

  private:
    AnalogConfig m_cfg;
    double m_read_sigma;
    std::int64_t m_out, m_in, m_slices;
    double m_w_scale;    ///< weight LSB
    double m_out_scale;  ///< drift compensation factor
    /// Cell conductances in units of one cell level: [in][slice * out + o].
    std::vector<float> m_cells;
};

}  // namespace dnsim::cgra
