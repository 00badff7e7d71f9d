// Worker pool: a generation counter announces each call; threads spin on it briefly (calls
// follow each other within microseconds during a job) and then sleep on a condition variable.
#include "models/common/worker_pool.h"

#include <stdexcept>

namespace dnsim {

namespace {

/// Busy-wait rounds before sleeping: roughly 20-50 us, longer than the platform's gap between
/// two steps of a job, far shorter than a scheduler time slice.
constexpr int kSpinRounds = 1 << 12;

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

}  // namespace

WorkerPool::WorkerPool(unsigned threads) {
    const unsigned workers = threads > 1 ? threads - 1 : 0;
    m_workers.reserve(workers);
    for (unsigned i = 0; i < workers; ++i)
        m_workers.emplace_back([this, i] { work(i + 1); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_workers)
        t.join();
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& task) {
    if (n == 0)
        return;
    if (n > threads())
        throw std::logic_error("WorkerPool::run: more tasks than threads");
    m_errors.assign(n, nullptr);
    if (n > 1) {
        m_pending.store(n - 1, std::memory_order_relaxed);
        {
            // Task and size change only under the lock, where workers read them together with
            // the generation: a worker that slept through a call never sees a mixed state.
            std::lock_guard<std::mutex> lock(m_mutex);
            m_task = &task;
            m_n = n;
            m_generation.fetch_add(1, std::memory_order_release);
        }
        m_wake.notify_all();
    }
    try {
        task(0);
    } catch (...) {
        m_errors[0] = std::current_exception();
    }
    if (n > 1) {
        for (int i = 0; i < kSpinRounds && m_pending.load(std::memory_order_acquire) != 0; ++i)
            pause();
        if (m_pending.load(std::memory_order_acquire) != 0) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_done.wait(lock, [this] { return m_pending.load(std::memory_order_acquire) == 0; });
        }
    }
    for (const std::exception_ptr& e : m_errors) {
        if (e)
            std::rethrow_exception(e);
    }
}

void WorkerPool::work(std::size_t id) {
    std::uint64_t seen = 0;
    while (true) {
        for (int i = 0; i < kSpinRounds && m_generation.load(std::memory_order_acquire) == seen;
             ++i)
            pause();
        const std::function<void(std::size_t)>* task = nullptr;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] {
                return m_stop || m_generation.load(std::memory_order_acquire) != seen;
            });
            if (m_stop)
                return;
            seen = m_generation.load(std::memory_order_acquire);
            if (id < m_n)
                task = m_task;
        }
        if (task == nullptr)
            continue;
        try {
            (*task)(id);
        } catch (...) {
            m_errors[id] = std::current_exception();
        }
        if (m_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done.notify_one();
        }
    }
}

}  // namespace dnsim
