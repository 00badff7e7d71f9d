// Process-wide SystemC set-up. SystemC 2.3 elaborates once per process: no module can be
// created after the first sc_start() (E529), so a library call that builds a netlist and
// simulates it — run_replay(), run_denoiser_study() — works once per process. It says so by
// calling begin_simulation() first, which throws a clear error on a second call instead of
// SystemC's. A program that needs several simulations runs each in its own process.
#pragma once

namespace dnsim::platform {

/// Makes SystemC warnings and errors throw, and silences the banner (tests, CLI).
void configure_systemc_reporting();

/// Claims this process's one SystemC simulation for `what` (e.g. "run_replay"). Throws
/// std::logic_error naming `what` when a simulation was already claimed or SystemC has
/// already started.
void begin_simulation(const char* what);

/// Call on the main thread when sc_start() has returned. SystemC's coroutines tell
/// AddressSanitizer about each switch, but after a simulation the main thread can be left with
/// a coroutine's stack bounds; an exception thrown then (a result that cannot be written) made
/// ASan skip clearing the stack's stale poison and report its own next call as an overflow.
/// This restores the thread's real bounds; it does nothing in a build without ASan.
void end_simulation();

}  // namespace dnsim::platform
