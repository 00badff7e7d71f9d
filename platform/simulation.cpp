// Process-wide SystemC set-up.
#include "platform/simulation.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <systemc>

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

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

void end_simulation() {
#if defined(__SANITIZE_ADDRESS__)
    // A "switch" from the thread's stack to itself: ASan takes the new bounds as current.
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    void* bottom = nullptr;
    std::size_t size = 0;
    const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!known)
        return;
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace dnsim::platform
