// Statistics counters: lookup and reset.
#include "models/common/stats.h"

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

}  // namespace dnsim
