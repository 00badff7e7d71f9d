// Fixed-point Box-Muller: the ROM contents (the integer datapath is inline in the header), and
// the run-time choice of the batch converter's copy (box_muller_batch.cpp).
#include "models/denoiser/box_muller.h"

#include <cmath>

#include "models/denoiser/block_reference_isa.h"

namespace dnsim::denoiser {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

BoxMuller::Tables::Tables() {
    for (std::size_t i = 0; i < ln.size(); ++i) {
        ln[i] = std::llround(std::log1p(static_cast<double>(i) / 256.0) * 268435456.0);
    }
    for (std::size_t i = 0; i < ln.size(); ++i)
        ln32[i] = static_cast<std::int32_t>(ln[i]);
    for (std::size_t i = 0; i <= 1024; ++i) {
        cos[i] = static_cast<std::int32_t>(
            std::llround(std::cos(static_cast<double>(i) / 1024.0 * kPi / 2.0) * 1073741824.0));
    }
    cos[1024] = 0;
    cos[1025] = 0;  // guard: read with weight 0 at x = 16384
}

const BoxMuller::Tables& BoxMuller::tables() {
    static const Tables t;
    return t;
}

BoxMuller::BoxMuller() : m_t(&tables()) {}

void BoxMuller::normals(const std::uint32_t* s1, const std::uint16_t* p, std::int16_t* out,
                        std::size_t n) const {
    DNSIM_ISA_SELECT(box_muller_normals)(*this, s1, p, out, n);
}

}  // namespace dnsim::denoiser
