// Fast standard-normal samples by Marsaglia and Tsang's ziggurat method (J. Stat. Software
// 5(8), 2000): 128 layers, a table lookup and one compare for ~98.8 % of samples, from the
// keyed xoshiro stream of rng.h. Used where millions of samples per image are drawn (analog
// noise); Rng::normal() (Box-Muller) stays for everything else.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "models/common/rng.h"

namespace dnsim {

class Ziggurat {
  public:
    /// The shared tables (built once).
    static const Ziggurat& tables() {
        static const Ziggurat z;
        return z;
    }

    /// One N(0, 1) sample drawn from `rng`.
    double sample(Rng& rng) const {
        while (true) {
            const auto hz =
                static_cast<std::int32_t>(static_cast<std::uint32_t>(rng.next_u64() >> 32));
            const std::size_t iz = static_cast<std::uint32_t>(hz) & 127u;
            if (static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(hz))) < m_kn[iz]) {
                return hz * m_wn[iz];
            }
            const double x = hz * m_wn[iz];
            if (iz == 0) {
                // The tail beyond r, by Marsaglia's exponential rejection.
                double tx = 0.0;
                double ty = 0.0;
                do {
                    tx = -std::log(1.0 - rng.uniform()) / kR;
                    ty = -std::log(1.0 - rng.uniform());
                } while (ty + ty < tx * tx);
                return hz > 0 ? kR + tx : -kR - tx;
            }
            if (m_fn[iz] + rng.uniform() * (m_fn[iz - 1] - m_fn[iz]) < std::exp(-0.5 * x * x)) {
                return x;
            }
        }
    }

    /// out[0, n) = n samples from `rng`, the same values (and stream position after) as n
    /// calls of sample(). The stream state is a local copy the fast path keeps in registers;
    /// only the rare slow path (about 1.2 % of samples) takes it through memory.
    void fill(Rng& rng, double* out, std::int64_t n) const {
        fill(rng, out, n, [](std::int64_t) {});
    }

    /// fill() that also calls each(i) once per sample, in order: independent work (a running
    /// sum) whose latency then overlaps the stream's.
    template <class Each>
    void fill(Rng& rng, double* out, std::int64_t n, Each&& each) const {
        Rng r = rng;
        for (std::int64_t i = 0; i < n; ++i) {
            each(i);
            const auto hz =
                static_cast<std::int32_t>(static_cast<std::uint32_t>(r.next_u64() >> 32));
            const std::size_t iz = static_cast<std::uint32_t>(hz) & 127u;
            if (static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(hz))) < m_kn[iz]) {
                out[i] = hz * m_wn[iz];
                continue;
            }
            const Slow s = slow(r, hz, iz);
            r = s.rng;
            out[i] = s.value;
        }
        rng = r;
    }

  private:
    struct Slow {
        double value;
        Rng rng;
    };

    /// sample() from the point where its fast test failed for `hz`: the tail, the wedge test,
    /// and on rejection a fresh sample. State in and out by value (see fill).
    __attribute__((noinline)) Slow slow(Rng r, std::int32_t hz, std::size_t iz) const {
        const double x = hz * m_wn[iz];
        if (iz == 0) {
            double tx = 0.0;
            double ty = 0.0;
            do {
                tx = -std::log(1.0 - r.uniform()) / kR;
                ty = -std::log(1.0 - r.uniform());
            } while (ty + ty < tx * tx);
            return {hz > 0 ? kR + tx : -kR - tx, r};
        }
        if (m_fn[iz] + r.uniform() * (m_fn[iz - 1] - m_fn[iz]) < std::exp(-0.5 * x * x))
            return {x, r};
        const double v = sample(r);
        return {v, r};
    }

    static constexpr double kR = 3.442619855899;       ///< start of the tail
    static constexpr double kV = 9.91256303526217e-3;  ///< area of each layer

    Ziggurat() {
        const double m1 = 2147483648.0;
        double dn = kR;
        double tn = dn;
        const double q = kV / std::exp(-0.5 * dn * dn);
        m_kn[0] = static_cast<std::uint32_t>((dn / q) * m1);
        m_kn[1] = 0;
        m_wn[0] = q / m1;
        m_wn[127] = dn / m1;
        m_fn[0] = 1.0;
        m_fn[127] = std::exp(-0.5 * dn * dn);
        for (std::size_t i = 126; i >= 1; --i) {
            dn = std::sqrt(-2.0 * std::log(kV / dn + std::exp(-0.5 * dn * dn)));
            m_kn[i + 1] = static_cast<std::uint32_t>((dn / tn) * m1);
            tn = dn;
            m_fn[i] = std::exp(-0.5 * dn * dn);
            m_wn[i] = dn / m1;
        }
    }

    std::array<std::uint32_t, 128> m_kn{};
    std::array<double, 128> m_wn{};
    std::array<double, 128> m_fn{};
};

}  // namespace dnsim
