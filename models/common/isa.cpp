// Run-time choice of the hot kernels' vector instruction set (see isa.h).
#include "models/common/isa.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "models/common/config_error.h"

#if !defined(DNSIM_ISA_BASE_NAME)
#define DNSIM_ISA_BASE_NAME "x86-64-v2"
#endif

namespace dnsim::isa {

namespace {

constexpr const char* kEnv = "DNSIM_ISA";

Level detect() {
#if defined(DNSIM_ISA_DISPATCH) && (defined(__x86_64__) || defined(__i386__))
    // libgcc's checks include the OS's XSAVE state (AVX/AVX-512 registers enabled).
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return Level::V4;
    if (__builtin_cpu_supports("x86-64-v3"))
        return Level::V3;
#endif
    return Level::Base;
}

/// The level DNSIM_ISA asks for, nullopt when unset; throws for an unknown value.
std::optional<Level> requested() {
    const char* v = std::getenv(kEnv);
    if (v == nullptr || *v == '\0')
        return std::nullopt;
    const std::string s(v);
    if (s == "x86-64-v2" || s == "v2" || s == "base" || s == "native")
        return Level::Base;
    if (s == "x86-64-v3" || s == "v3")
        return Level::V3;
    if (s == "x86-64-v4" || s == "v4")
        return Level::V4;
    throw ConfigError(kEnv, fmt::format("'{}' is not a vector ISA level; accepted: x86-64-v2, "
                                        "x86-64-v3, x86-64-v4 (or unset: the best this CPU runs)",
                                        s));
}

Level resolve() {
    const Level cpu = cpu_level();
    try {
        const auto want = requested();
        if (want && static_cast<int>(*want) <= static_cast<int>(cpu))
            return *want;
    } catch (const ConfigError&) {
    }
    return cpu;
}

}  // namespace

const char* name(Level level) {
#if defined(DNSIM_ISA_DISPATCH)
    switch (level) {
        case Level::Base:
            return DNSIM_ISA_BASE_NAME;
        case Level::V3:
            return "x86-64-v3";
        case Level::V4:
            return "x86-64-v4";
    }
#endif
    return level == Level::Base ? "native" : "unknown";
}

Level cpu_level() {
    static const Level level = detect();
    return level;
}

Level active() {
    static const Level level = resolve();
    return level;
}

void check_environment() {
    const auto want = requested();
    if (want && static_cast<int>(*want) > static_cast<int>(cpu_level())) {
        throw ConfigError(kEnv, fmt::format("{} is above what this CPU and build run (best: {})",
                                            name(*want), name(cpu_level())));
    }
}

std::string describe() {
#if defined(DNSIM_ISA_DISPATCH)
    return fmt::format("{} (cpu {}, portable build)", name(active()), name(cpu_level()));
#else
    return "native (built with -march=native)";
#endif
}

}  // namespace dnsim::isa
