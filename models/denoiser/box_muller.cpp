// Fixed-point Box-Muller: the ROM contents (the integer datapath is inline in the header).
#include "box_muller.h"

#include <cmath>

namespace dnsim::denoiser {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

BoxMuller::Tables::Tables() {
    for (std::size_t i = 0; i < ln.size(); ++i) {
        ln[i] = std::llround(std::log1p(static_cast<double>(i) / 256.0) * 268435456.0);
    }
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

}  // namespace dnsim::denoiser
