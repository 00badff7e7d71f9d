// Run-time choice of the vector instruction set for dnsim's hot kernels. The portable build
// compiles for a baseline (x86-64-v2 unless DNSIM_ARCH says otherwise) and compiles each hot
// kernel file once more for x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512), each copy in its
// own namespace (cmake/DnsimIsa.cmake); the wrappers pick the copy this CPU runs best, so one
// binary serves a whole cluster. DNSIM_ISA=x86-64-v2|x86-64-v3|x86-64-v4 caps the choice (to
// compare the paths on one machine); a build with DNSIM_NATIVE has one copy, for its own CPU.
#pragma once

#include <string>

namespace dnsim::isa {

enum class Level {
    Base = 2,  ///< the build's baseline (x86-64-v2, or the build machine's CPU with DNSIM_NATIVE)
    V3 = 3,    ///< x86-64-v3: AVX2, FMA, BMI1/2
    V4 = 4,    ///< x86-64-v4: AVX-512 F/BW/CD/DQ/VL
};

/// "x86-64-v2", "x86-64-v3", "x86-64-v4"; the baseline of a native build is "native".
const char* name(Level level);

/// The highest level this CPU (and the OS's saved vector state) supports that the build has a
/// copy for.
Level cpu_level();

/// The level the hot kernels run with: cpu_level(), lowered by DNSIM_ISA. Fixed on first use.
Level active();

/// Reads DNSIM_ISA and throws ConfigError naming it when the value is unknown or above what
/// this CPU supports. Programs call it at start-up so a bad value is one clear error; active()
/// alone falls back to cpu_level() for such a value.
void check_environment();

/// One line for logs and result files, e.g. "x86-64-v4 (cpu x86-64-v4, portable build)".
std::string describe();

}  // namespace dnsim::isa

// DNSIM_ISA_SELECT(fn): a pointer to the copy of `fn` (declared in the namespaces isa_base,
// isa_v3, isa_v4 of the calling scope) for the active level.
#if defined(DNSIM_ISA_DISPATCH)
#define DNSIM_ISA_SELECT(fn)                                           \
    (::dnsim::isa::active() == ::dnsim::isa::Level::V4   ? &isa_v4::fn \
     : ::dnsim::isa::active() == ::dnsim::isa::Level::V3 ? &isa_v3::fn \
                                                         : &isa_base::fn)
#else
#define DNSIM_ISA_SELECT(fn) (&isa_base::fn)
#endif

// DNSIM_ISA_FOR_EACH(X): X(isa_base) X(isa_v3) X(isa_v4), to declare every copy of a kernel set.
#define DNSIM_ISA_FOR_EACH(X) X(isa_base) X(isa_v3) X(isa_v4)
