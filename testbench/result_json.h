// The text of dnsim's JSON result files.
#pragma once

#include <exception>
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

/// A CSV cell (layers.csv) as JSON: an integer, a real, or the text as it is.
template <typename Json>
Json csv_cell_json(const std::string& text) {
    try {
        std::size_t used = 0;
        if (text.find_first_of(".eE") == std::string::npos) {
            const long long v = std::stoll(text, &used);
            if (used == text.size())
                return v;
        }
        const double d = std::stod(text, &used);
        if (used == text.size())
            return d;
    } catch (const std::exception&) {
    }
    return text;
}

}  // namespace dnsim::tb
