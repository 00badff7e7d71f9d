// Conversions between cycle counts of a clock domain and sc_time, and a small Clock value type.
#pragma once

#include <cstdint>
#include <systemc>

namespace dnsim {

/// A clock domain: frequency in MHz; converts cycles <-> sc_time and ns.
class Clock {
  public:
    explicit Clock(double freq_mhz) : m_freq_mhz(freq_mhz) {}

    double freq_mhz() const { return m_freq_mhz; }
    double period_ns() const { return 1e3 / m_freq_mhz; }
    sc_core::sc_time period() const { return sc_core::sc_time(period_ns(), sc_core::SC_NS); }

    double cycles_to_ns(std::uint64_t cycles) const {
        return static_cast<double>(cycles) * period_ns();
    }
    sc_core::sc_time cycles_to_time(std::uint64_t cycles) const {
        return sc_core::sc_time(cycles_to_ns(cycles), sc_core::SC_NS);
    }
    /// Whole cycles elapsed in `t` (rounded to nearest, since sc_time is itself quantised).
    std::uint64_t time_to_cycles(const sc_core::sc_time& t) const {
        return static_cast<std::uint64_t>(t.to_seconds() * 1e9 / period_ns() + 0.5);
    }

  private:
    double m_freq_mhz;
};

}  // namespace dnsim
