#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job on the built-in default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/testbench/dnsim denoiser --out results/default "$@"
