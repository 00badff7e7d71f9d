// How the programs ask glibc to manage the heap.
#pragma once

namespace dnsim {

/// Makes glibc keep the memory a program frees for its next allocations instead of handing it
/// back to the kernel, which then faults it in, zeroed, on the next use. Training allocates and
/// frees LibTorch's activation tensors for every batch: with glibc's defaults the kernel's page
/// faults took 14 % of a noisy epoch, and the epoch ran about 12 % longer (docs/training.md).
/// Every allocation comes from the heap (no mmap, whatever its size), and freed heap memory
/// stays mapped: the process keeps its peak footprint. Like the GLIBC_TUNABLES
/// tests/bench/compare_pytorch.py gives PyTorch. dnsim-train, dnsim and
/// dnsim_bench_replay_speed call it first thing: the float executor's main thread faulted its
/// new activations in again for every group of images (a 4 % faster clean pass with it,
/// docs/benchmarks.md). A library's user keeps their own settings.
void keep_freed_memory();

}  // namespace dnsim
