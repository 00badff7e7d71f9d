// dnsim's version: CMake's project(VERSION), passed to every target as DNSIM_VERSION.
#pragma once

#ifndef DNSIM_VERSION
#error "DNSIM_VERSION is defined by models/common/CMakeLists.txt"
#endif

namespace dnsim {

inline constexpr const char* kVersion = DNSIM_VERSION;

}  // namespace dnsim
