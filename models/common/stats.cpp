// Statistics counters: lookup and reset.
#include "models/common/stats.h"

#include <cmath>
#include <stdexcept>

namespace dnsim {

std::uint64_t StatGroup::value(const std::string& name) const {
    for (const auto& c : m_counters) {
        if (c.name == name) {
            return c.value;
        }
    }
    throw std::out_of_range("no counter '" + name + "' in stat group '" + m_name + "'");
}

void StatGroup::reset() {
    for (auto& c : m_counters) {
        c.value = 0;
    }
}

double t975(int df) {
    static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                   2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                   2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                   2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df >= 1 && df <= 30)
        return table[df - 1];
    const double z = 1.959964, d = static_cast<double>(df);
    return z + (z * z * z + z) / (4.0 * d) +
           (5.0 * std::pow(z, 5) + 16.0 * z * z * z + 3.0 * z) / (96.0 * d * d);
}

}  // namespace dnsim
