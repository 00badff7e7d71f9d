#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: `dnsim run` on the shipped denoised
# ResNet-18-28 over the 10 000 Fashion-MNIST test images (docs/results.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/testbench/dnsim run --out results/default "$@"
