// The host memory of the platform and the testbenches: a Memory with a fixed access latency and
// switchable DMI (to exercise both DMA paths of the denoiser).
#pragma once

#include <cstdint>
#include <systemc>

#include "models/common/memory.h"

namespace dnsim::platform {

class HostMemory : public Memory {
  public:
    HostMemory(const sc_core::sc_module_name& name, std::uint64_t size_bytes,
               sc_core::sc_time latency, bool allow_dmi)
        : Memory(name, size_bytes, allow_dmi, latency), m_latency(latency) {}

  private:
    sc_core::sc_time access_delay(bool /*read*/, std::uint64_t /*bytes*/) override {
        return m_latency;
    }

    sc_core::sc_time m_latency;
};

}  // namespace dnsim::platform
