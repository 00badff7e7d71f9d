#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ (clang, ASan + UBSan, no SystemC) into
# build-fuzz/ and runs each for SECONDS_PER_TARGET seconds (default 60, two targets at a time),
# starting from the checked-in seeds (tests/fuzz/corpus/) and the corpus earlier runs grew
# (build-fuzz/corpus/). Fails on any finding: a crash, a sanitizer report, an uncaught
# exception, an input taking over 10 s or 2 GB, or an error message that is not one line naming
# the file. Findings are written to build-fuzz/findings/TARGET/ (docs/reliability.md).
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: idx cifar10 npy
#        scalesim_csv onnx onnx_structured config; FUZZ_JOBS=N runs N at a time, FUZZ_BUILD_DIR
#        another build directory, FUZZ_SEED=N libFuzzer's seed)
# Without FUZZ_SEED each run explores from a new random seed (printed, so a finding can be
# replayed). CI gives a fixed one: from a clean build directory, libFuzzer then executes the
# same inputs in the same order and only the time limit decides how far it gets, so a stage
# that passed for longer with that seed on a machine at least as fast passes in CI too, and a
# CI failure is a regression of the change under test, not bad luck.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx cifar10 npy scalesim_csv onnx onnx_structured config)
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-2}
seed=${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
if ! [[ $seed =~ ^[1-9][0-9]{0,9}$ ]] || [ "$seed" -gt 4294967295 ]; then
    echo "fuzz: FUZZ_SEED=$seed: expected a whole number from 1 to 4294967295 (libFuzzer takes 0 as 'a random seed')" >&2
    exit 2
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
t0=$SECONDS
CXX=clang++ cmake -S tests/fuzz -B "$build" "${launcher[@]}" >/dev/null
if ! cmake --build "$build" -j2 >"$build/build.log" 2>&1; then
    echo "fuzz: the harnesses do not build; end of $build/build.log:"
    tail -40 "$build/build.log"
    exit 1
fi
echo "fuzz: harnesses built in $((SECONDS - t0)) s; libFuzzer seed $seed (FUZZ_SEED=$seed replays it)"

# ONNX also starts from the backend node tests' small models of the ops dnsim imports.
extra_onnx=$build/seeds/onnx-testdata
mkdir -p "$extra_onnx"
for d in /usr/share/libonnx-testdata/data/node/test_{conv,gemm,relu,maxpool,averagepool,batchnorm,concat,reshape,flatten,add,mul,softmax,clip,leakyrelu,hardsigmoid,matmul,globalaveragepool,sigmoid}*; do
    [ -f "$d/model.onnx" ] && cp "$d/model.onnx" "$extra_onnx/$(basename "$d").onnx"
done

max_len() {
    case $1 in
        onnx | onnx_structured) echo 65536 ;;
        scalesim_csv | config) echo 4096 ;;
        *) echo 8192 ;;
    esac
}

run_one() {
    local t=$1
    local corpus=$build/corpus/$t findings=$build/findings/$t
    rm -rf "$findings"
    mkdir -p "$corpus" "$findings"
    local seeds=(tests/fuzz/corpus/"$t")
    # The structured ONNX harness starts from the ONNX seeds.
    [ "$t" = onnx_structured ] && seeds=(tests/fuzz/corpus/onnx)
    [[ "$t" = onnx* ]] && seeds+=("$extra_onnx")
    TMPDIR=$tmp ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/fuzz_$t" -seed="$seed" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
        "$corpus" "${seeds[@]}" >"$build/logs/$t.log" 2>&1
}

# The dataset harnesses write their input to files: in memory (/dev/shm) that is many times
# faster than on disk.
tmp=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm

mkdir -p "$build/logs"
declare -A pid_of
failed=()
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_one "$t" &
    pid_of[$t]=$!
    running=$((running + 1))
done
for t in "${targets[@]}"; do
    if ! wait "${pid_of[$t]}"; then
        failed+=("$t")
    fi
done

printf '%-16s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    log=$build/logs/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    result=ok
    if [[ " ${failed[*]} " == *" $t "* ]]; then
        result="FINDING: $(ls "$build/findings/$t" | tr '\n' ' ') (log $log)"
    fi
    printf '%-16s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${corp:-?}" "$result"
done
echo "fuzz: total $((SECONDS - t0)) s"
if [ ${#failed[@]} -gt 0 ]; then
    for t in "${failed[@]}"; do
        echo "=== fuzz: $t finding, end of $build/logs/$t.log:"
        grep -v '^#' "$build/logs/$t.log" | tail -40
    done
    exit 1
fi
