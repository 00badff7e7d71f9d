// The message of a ConfigError, for the unit tests that check error texts.
#pragma once

#include <functional>
#include <string>

#include "models/common/config_error.h"

namespace dnsim::test {

/// The message of the ConfigError `f` throws; "" when it throws none.
inline std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace dnsim::test
