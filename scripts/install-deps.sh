#!/usr/bin/env bash
# Installs every Debian package dnsim needs to build, test and run (Debian bookworm, as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
    build-essential cmake pkg-config clang-format ccache binutils qemu-user clang libclang-rt-14-dev
    libsystemc-dev libeigen3-dev libfmt-dev libboost-program-options-dev
    nlohmann-json3-dev catch2
    libonnx-dev libprotobuf-dev zlib1g-dev libtorch-dev
    libonnx-testdata python3-onnx python3-numpy python3-torch python3-torchvision
    dataset-fashion-mnist
    libsqlite3-dev libopenmpi-dev openmpi-bin
    chromium
)
# Node.js and npm for the report's chart scripts: Debian's, unless an npm is already there.
if ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The chart scripts dnsim report embeds (vega, vega-lite, vega-embed), at the versions pinned by
# testbench/report/package-lock.json; reinstalled only when the lock file changed.
report_dir="$(cd "$(dirname "$0")/.." && pwd)/testbench/report"
# Only their browser builds are used, so Node's version does not matter (Debian's 18 is fine;
# npm may warn that vega-lite's tools want a newer one). Without the npm registry dnsim still
# builds and runs; dnsim report and run --report then say what is missing.
if ! cmp -s "$report_dir/package-lock.json" "$report_dir/node_modules/.dnsim-installed-lock"; then
    if (cd "$report_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
        cp "$report_dir/package-lock.json" "$report_dir/node_modules/.dnsim-installed-lock"
    else
        echo "install-deps: warning: npm ci failed in $report_dir: no chart scripts, so no" \
            "report.html (dnsim report needs them)" >&2
    fi
fi
