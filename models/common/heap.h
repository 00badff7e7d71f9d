// How the programs ask glibc to manage the heap.
#pragma once

namespace dnsim {

/// Makes glibc keep the memory a program frees for its next allocations instead of handing it
/// back to the kernel, which then faults it in, zeroed, on the next use. Training allocates and
/// frees LibTorch's activation tensors for every batch: with glibc's defaults the kernel's page
/// faults took 14 % of a noisy epoch, and the epoch ran about 12 % longer (docs/training.md).
/// Allocations up to 32 MiB (glibc's largest mmap threshold) come from the heap, and freed heap
/// memory stays mapped: the process keeps its peak footprint. Like the GLIBC_TUNABLES
/// bench/compare_pytorch.py gives PyTorch. dnsim-train calls it first thing (dnsim does not: it
/// gained under 1 %, docs/benchmarks.md); a library's user keeps their own settings.
void keep_freed_memory();

}  // namespace dnsim
