// sc_main for the SystemC module tests: runs one Catch2 session. CTest runs each test case in
// its own process (catch_discover_tests), because SystemC cannot elaborate again after
// sc_start(). SystemC warnings throw, so they fail the test.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

#include "platform/simulation.h"

int sc_main(int argc, char* argv[]) {
    dnsim::platform::configure_systemc_reporting();
    return Catch::Session().run(argc, argv);
}
