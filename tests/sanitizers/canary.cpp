// Sanitizer canary (built only in the sanitizer build): each mode commits one class of error
// that scripts/sanitize.sh must catch. The tests (tests/sanitizers/CMakeLists.txt) expect the
// program to stop with the sanitizer's report, so they fail if a sanitizer or one of the
// script's options (leak check at exit, halt on the first report, float-to-integer checks)
// is lost.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// Opaque to the optimiser: every value comes from the command line.
volatile int g_sink = 0;

int leak(int n) {
    int* p = new int[static_cast<unsigned>(n)];
    p[0] = n;
    g_sink = p[0];
    return 0;  // p is never freed: LeakSanitizer reports it at exit
}

int heap_overflow(int n) {
    int* p = new int[static_cast<unsigned>(n)];
    p[n] = 1;  // one past the end
    g_sink = p[0];
    delete[] p;
    return 0;
}

int signed_overflow(int n) {
    int x = INT_MAX - 1;
    x += n;
    g_sink = x;
    return 0;
}

int shift_out_of_range(int n) {
    g_sink = 1 << (31 + n);
    return 0;
}

int float_to_int(int n) {
    const double big = 1e10 * n;
    g_sink = static_cast<int>(big);
    return 0;
}

int misaligned_load(int n) {
    alignas(8) unsigned char bytes[16] = {};
    const int* p = reinterpret_cast<const int*>(bytes + n);
    g_sink = *p;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dnsim_sanitizer_canary MODE N\n");
        return 2;
    }
    const std::string mode = argv[1];
    const int n = std::atoi(argv[2]);
    if (mode == "leak")
        return leak(n);
    if (mode == "heap-overflow")
        return heap_overflow(n);
    if (mode == "signed-overflow")
        return signed_overflow(n);
    if (mode == "shift")
        return shift_out_of_range(n);
    if (mode == "float-cast")
        return float_to_int(n);
    if (mode == "misaligned")
        return misaligned_load(n);
    if (mode == "none")
        return 0;
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
}
