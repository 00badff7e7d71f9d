// The text of dnsim's JSON result files.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace dnsim::tb {

/// `j` as a result file: 2-space indent and a final newline. Strings that are not valid UTF-8
/// (a path given by the user can be any bytes) have each invalid byte replaced by U+FFFD
/// instead of failing the dump after the work is done.
template <typename Json>
std::string json_text(const Json& j) {
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace dnsim::tb
