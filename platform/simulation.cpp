// Process-wide SystemC set-up.
#include "platform/simulation.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <systemc>

namespace dnsim::platform {

void configure_systemc_reporting() {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                            sc_core::SC_DISPLAY | sc_core::SC_THROW);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR,
                                            sc_core::SC_DISPLAY | sc_core::SC_THROW);
    // Debian's SystemC reports its deprecated sc_time(double, bool) use of default time units
    // only when asked; nothing here relies on it.
}

void begin_simulation(const char* what) {
    static std::atomic<bool> claimed{false};
    if (claimed.exchange(true) || sc_core::sc_start_of_simulation_invoked()) {
        throw std::logic_error(
            std::string(what) +
            ": a process runs one SystemC simulation (SystemC cannot elaborate a new netlist "
            "after sc_start); run each simulation in its own process");
    }
}

}  // namespace dnsim::platform
