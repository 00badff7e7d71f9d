#!/usr/bin/env bash
# Installs dependencies, builds, checks formatting and runs every test (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cmake --build build --target format-check
# The outcome also as JUnit XML (build/ctest-junit.xml) for CI systems that display it.
ctest --test-dir build --output-on-failure -j "${JOBS:-2}" --output-junit ctest-junit.xml
