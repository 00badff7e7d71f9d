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
    // Above 32 MiB glibc would still map every allocation afresh and unmap it when freed.
    // MobileNetV2-28's expanded activations at batch 128 are 38 MiB: with mmap on, page faults
    // took 27 % of its training and an epoch ran 30 % longer (docs/training.md). Off, every
    // allocation comes from the heap (a thread's own arena falls back to the main one for a
    // block larger than its 64 MiB heaps).
    mallopt(M_MMAP_MAX, 0);
#endif
}

}  // namespace dnsim
