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

}  // namespace dnsim::platform
