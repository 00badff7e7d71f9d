// The parameter ledger (docs/parameters.md, testbench/commands.h): every key of every command
// says where its default comes from, and every hardware, energy and noise key how far it could
// move in a real design. A key declared without them fails here, named.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "testbench/commands.h"
#include "testbench/presets.h"

using namespace dnsim;

namespace {

/// The names of the keys of every command for which `missing` holds, each once.
template <class F>
std::vector<std::string> keys_where(F missing) {
    std::set<std::string> out;
    for (const tb::CommandKeys& c : tb::every_command_keys()) {
        for (const tb::ConfigBinder::Binding& b : c.bindings) {
            if (missing(b))
                out.insert(b.info.name);
        }
    }
    return {out.begin(), out.end()};
}

}  // namespace

TEST_CASE("ledger: every key of every command has a source with its evidence") {
    // Paper: the sentence; literature: the citation; our choice: the reason; calibrated: the
    // target and the procedure. A class alone says nothing an architect can check.
    const auto no_source = keys_where(
        [](const tb::ConfigBinder::Binding& b) { return b.info.origin.citation.empty(); });
    CHECK(no_source == std::vector<std::string>{});
}

TEST_CASE("ledger: every hardware, energy and noise key has a plausible range") {
    const auto no_range = keys_where([](const tb::ConfigBinder::Binding& b) {
        return b.file_key && tb::in_ledger(b.info.name, b.info) && b.info.plausible.empty();
    });
    CHECK(no_range == std::vector<std::string>{});
    // The sections are in it: a section renamed away from the list would empty the ledger.
    const auto in = keys_where([](const tb::ConfigBinder::Binding& b) {
        return b.file_key && tb::in_ledger(b.info.name, b.info);
    });
    for (const char* key : {"cgra.pass_ns", "noise.activation_k", "denoiser.cores",
                            "weight_sram.size_bytes", "energy.mac_16b"}) {
        INFO(key);
        CHECK(std::find(in.begin(), in.end(), key) != in.end());
    }
}

TEST_CASE("ledger: the paper's calibrated parameter names its target and procedure") {
    const auto calibrated = keys_where([](const tb::ConfigBinder::Binding& b) {
        return b.info.origin.source == config::Source::Calibrated &&
               (b.info.origin.citation.find("target") == std::string::npos ||
                b.info.origin.citation.find("procedure") == std::string::npos);
    });
    CHECK(calibrated == std::vector<std::string>{});
}

TEST_CASE("presets: the list of key sections is every command's") {
    // A preset's key of a listed section that a command lacks is left out; any other section
    // is a misspelling. The list must name every section a command has, and nothing else.
    std::set<std::string> sections;
    for (const tb::CommandKeys& c : tb::every_command_keys()) {
        for (const tb::ConfigBinder::Binding& b : c.bindings) {
            const std::size_t dot = b.info.name.find('.');
            if (b.file_key && dot != std::string::npos)
                sections.insert(b.info.name.substr(0, dot));
        }
    }
    const std::set<std::string> listed(std::begin(tb::kKeySections), std::end(tb::kKeySections));
    CHECK(sections == listed);
}
