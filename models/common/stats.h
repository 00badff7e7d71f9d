// Statistics counters with name, unit and description (gem5-style), grouped per module.
// Counters are plain integers in the hot path; formatting happens once, at the end of a run.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace dnsim {

/// One counter. `unit` is always spelled out (cycles, words, samples, ...).
struct Counter {
    std::string name;
    std::string unit;
    std::string description;
    std::uint64_t value = 0;

    Counter& operator+=(std::uint64_t n) {
        value += n;
        return *this;
    }
    Counter& operator++() {
        ++value;
        return *this;
    }
};

/// A named group of counters owned by one module; references returned by add() stay valid.
class StatGroup {
  public:
    explicit StatGroup(std::string name) : m_name(std::move(name)) {}

    Counter& add(std::string name, std::string unit, std::string description) {
        m_counters.push_back(Counter{std::move(name), std::move(unit), std::move(description), 0});
        return m_counters.back();
    }

    const std::string& name() const { return m_name; }
    const std::deque<Counter>& counters() const { return m_counters; }
    /// Value of the counter called `name`; throws std::out_of_range if there is none.
    std::uint64_t value(const std::string& name) const;
    void reset();

  private:
    std::string m_name;
    std::deque<Counter> m_counters;
};

/// Student's t quantile t(0.975, df), df >= 1: the half-width of a 95 % confidence interval
/// of a mean over df + 1 samples is t975(df) x std / sqrt(df + 1). Exact to three decimals for
/// df <= 30 (the usual table), the Cornish-Fisher expansion around the normal quantile beyond.
double t975(int df);

}  // namespace dnsim
