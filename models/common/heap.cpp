#include "models/common/heap.h"

#include <climits>  // also brings <features.h>, which defines __GLIBC__

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dnsim {

void keep_freed_memory() {
#if defined(__GLIBC__)
    // Both together: either one alone also freezes the other at glibc's default, and a trim
    // threshold without the mmap threshold made a training epoch 20 times slower.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

}  // namespace dnsim
