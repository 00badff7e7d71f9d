#!/usr/bin/env bash
# Sanitizer build and tests (docs/building.md, "Sanitizer build"): configures build-asan with
# AddressSanitizer + UndefinedBehaviorSanitizer (-fno-sanitize-recover=all, LeakSanitizer on at
# exit) and warnings as errors, builds it (-j2 by default; JOBS=n) and runs the test suite under
# it, less a few slow tests (below). The first sanitizer report stops the program (SIGABRT),
# which fails its test. LibTorch is left out
# (DNSIM_BUILD_TRAINING=OFF): dnsim-train and the training tests are not part of this build.
# So is MPI (DNSIM_MPI=OFF): Open MPI's own allocations would be LeakSanitizer reports; this
# build checks the MPI-less sweep (local runner, shards) instead, the main build the MPI one.
# Extra arguments go to ctest (e.g. -R unit: to run a part).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-asan}"
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
supp="$PWD/tests/sanitizers"
# Reports stop the program with SIGABRT, never the exit status 1 that the error-path tests
# expect; LeakSanitizer runs at exit; third-party suppressions are checked in (tests/sanitizers).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1:suppressions=$supp/ubsan.supp"
# use_stacks=0: LeakSanitizer, which runs at exit, does not take thread stacks as roots. Debian's
# libsystemc tells ASan about its coroutine switches (__sanitizer_start_switch_fiber), and after
# a simulation the main thread can be left with a coroutine's stack bounds; once that stack is
# unmapped, LeakSanitizer's scan of it crashed ("Tracer caught signal 11") in a module test. At
# exit no live object is held by a stack alone, so nothing is lost.
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0:use_stacks=0"

# The model-zoo tests reuse the PyTorch exports the normal build's tests made (when zoo.py and
# the packages are unchanged; tests/onnx_zoo/zoo.py checks a key), so their time here goes to
# the instrumented importer and executor, not to PyTorch a second time.
exports="${ZOO_EXPORTS:-$PWD/build/tests/onnx_zoo/exports}"

t0=$SECONDS
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNSIM_SANITIZE=address,undefined \
    -DDNSIM_WERROR=ON -DDNSIM_BUILD_TRAINING=OFF -DDNSIM_MPI=OFF "${launcher[@]}" \
    -DDNSIM_ZOO_EXPORTS="$exports" >/dev/null
cmake --build "$build" -j "${JOBS:-2}"
echo "sanitize: build took $((SECONDS - t0)) s"

# Left out to fit CI's time (docs/building.md, "Sanitizer build", says why each is safe to
# leave out): long runs whose code the other tests run instrumented — the manifest check of
# every shipped model, the 300-image comparison of the kernel copies, batch 1 against batch 256
# for the four shipped models, two chips at the bit-sliced fidelity, the sensitivity studies and
# the report in Chromium (whose time is the browser's) — and qemu-user (an AddressSanitizer
# program does not start under it: it hangs setting up its shadow memory).
skip='qemu-user|shipped models match the manifest|kernel copies give identical cycles'
skip+='|logits at batch 1 and batch 256|run chips independent_bitsliced'
skip+='|docs/sensitivity.md is what|headless Chromium'
skip+='|train-models.sh: two runs'  # shell scripts and stand-ins only: nothing instrumented
# Each numeric option is given 2 of the 8 kinds of bad value, in turn (tests/cli/numeric_keys.py):
# each start of instrumented dnsim costs about a second, and all 8 took 17 minutes.
export DNSIM_NUMERIC_KEYS_SAMPLE=2
t1=$SECONDS
ctest --test-dir "$build" --output-on-failure -j "${JOBS:-2}" -E "$skip" "$@"
echo "sanitize: tests took $((SECONDS - t1)) s"
