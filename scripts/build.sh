#!/usr/bin/env bash
# Configures and builds dnsim in ./build (Release, -j2 by default; override with JOBS=n).
# Portable by default (runs on any x86-64-v2 CPU, picks AVX2/AVX-512 kernels at run time);
# DNSIM_NATIVE=ON builds for this machine only; DNSIM_WERROR=ON makes warnings errors (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    -DDNSIM_NATIVE="${DNSIM_NATIVE:-OFF}" -DDNSIM_WERROR="${DNSIM_WERROR:-OFF}" >/dev/null
cmake --build build -j "${JOBS:-2}"
