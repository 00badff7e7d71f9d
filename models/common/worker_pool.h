// A fixed set of worker threads for the replay's per-step data work. The CGRA, the denoiser's
// functional port and the platform's job buffers split a job's images over it once per layer
// and job (hundreds of times per second), so the threads are started once and woken per call;
// spawning threads per call cost more than some layers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dnsim {

class WorkerPool {
  public:
    /// `threads` is the total including the caller's: threads - 1 workers are started.
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Runs task(i) for every i in [0, n), task(0) on the calling thread and the others on the
    /// workers (n must not exceed threads). Returns when all are done; rethrows the exception of
    /// the lowest i that threw.
    void run(std::size_t n, const std::function<void(std::size_t)>& task);

    unsigned threads() const { return static_cast<unsigned>(m_workers.size()) + 1; }

  private:
    void work(std::size_t id);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const std::function<void(std::size_t)>* m_task = nullptr;
    std::size_t m_n = 0;
    std::vector<std::exception_ptr> m_errors;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<std::size_t> m_pending{0};
    bool m_stop = false;
};

}  // namespace dnsim
