// What build of dnsim is running, for the provenance of its results: the source commit (and
// whether the tracked files differed from it), the compiler and the build type. Filled in at
// every build (cmake/dnsim_build_info.cmake); "unknown" outside a git checkout.
#pragma once

namespace dnsim {

struct BuildInfo {
    const char* git_commit;  ///< 40 hex digits, or "unknown"
    bool git_dirty;          ///< tracked files differed from the commit when built
    const char* compiler;    ///< e.g. "GNU 12.2.0"
    const char* build_type;  ///< CMAKE_BUILD_TYPE, e.g. "Release"
};

const BuildInfo& build_info();

}  // namespace dnsim
