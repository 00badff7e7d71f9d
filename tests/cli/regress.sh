#!/usr/bin/env bash
# dnsim regress (docs/regression.md): the project's suite passes and writes JUnit; a changed
# default fails the cases that depend on it with readable diffs (exit 2); --update rewrites
# only what moved; bad cases are one clear error (exit 1) and leave no JUnit file.
# usage: regress.sh CASE SCRATCH DNSIM SUITE
set -u
name=$1; scratch=$2; dnsim=$3; suite=$4
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || fail "cannot make $scratch"
export TMPDIR=$scratch

# run EXPECTED_STATUS ARGS...: dnsim regress ARGS, output in $scratch/log.
run() {
    local want=$1
    shift
    "$dnsim" regress "$@" >"$scratch/log" 2>&1
    local got=$?
    [ "$got" = "$want" ] || fail "exit status $got (expected $want) for dnsim regress $*: $(cat "$scratch/log")"
}
has() { grep -qE -- "$1" "$scratch/log" || fail "no line matching '$1' in: $(cat "$scratch/log")"; }
# A copy of some of the suite's cases to change.
copy() {
    rm -rf "$scratch/cases" && mkdir -p "$scratch/cases"
    for c in "$@"; do cp -r "$suite/$c" "$scratch/cases/"; done
}

case $name in
suite)
    run 0 "$suite" --junit "$scratch/junit.xml" --jobs 2
    has "^[0-9]+ passed, 0 failed, 0 errors"
    grep -q '<testsuite name="dnsim regress"' "$scratch/junit.xml" || fail "no JUnit file"
    [ -z "$(ls "$scratch" | grep dnsim-regress)" ] || fail "the work directory of a passing run was left"
    ;;
changed_default)
    # cgra.pass_ns 60 instead of 52: every analog layer takes 18 x 30 + 1 cycles per MVM.
    copy paper_study denoiser_c4_3x3
    printf '[cgra]\npass_ns = 60\n' >"$scratch/cases/paper_study/config.ini"
    run 2 "$scratch/cases" --junit "$scratch/junit.xml"
    has "^FAIL   paper_study"
    has "layers.csv#conv1/cycles: expected 5870593, got 6773761 \(\+15.38 %\), tolerance exact"
    has "summary.json#/latency_overhead_pct: expected 11.00295909219"
    has "^pass   denoiser_c4_3x3"
    has "^1 passed, 1 failed, 0 errors"
    grep -q '<failure message="layers.csv#conv1/cycles: expected 5870593' "$scratch/junit.xml" ||
        fail "the JUnit file lacks the failure"
    # --update takes the new values, then the case passes; the hand-checked tolerances stay.
    run 0 "$scratch/cases" --update
    has "layers.csv#conv1/cycles: 5870593 -> 6773761"
    run 0 "$scratch/cases"
    has "^2 passed, 0 failed"
    grep -q '"rel": 1e-06' "$scratch/cases/paper_study/expected.json" || fail "update lost a tolerance"
    ;;
filter)
    run 0 "$suite" --filter 'denoiser_c4*'
    has "^pass   denoiser_c4_3x3"
    has "^1 passed, 0 failed, 0 errors"
    run 1 "$suite" --filter 'nothing*'
    has "holds no case matching 'nothing\*'"
    ;;
bad_cases)
    # Each bad case: exit 1, one error naming the case's file and what is wrong, no JUnit file.
    bad() {
        local regex=$1
        run 1 "$scratch/cases" --junit "$scratch/bad.xml"
        has "$regex"
        [ ! -e "$scratch/bad.xml" ] || fail "a JUnit file was written for a bad case"
    }
    copy denoiser_c4_3x3
    rm "$scratch/cases/denoiser_c4_3x3/args"
    bad "denoiser_c4_3x3/args: case denoiser_c4_3x3: no 'args' file"
    copy denoiser_c4_3x3
    sed -i 's/"value": 48/"value": 48, "abs": -1/' "$scratch/cases/denoiser_c4_3x3/expected.json"
    bad "\"abs\" is -1; expected a non-negative number"
    copy denoiser_c4_3x3
    sed -i 's/"value": 48/"value": 48, "rel": "abc"/' "$scratch/cases/denoiser_c4_3x3/expected.json"
    bad "\"rel\" is \"abc\"; expected a non-negative number"
    copy denoiser_c4_3x3
    sed -i 's/"value": 48/"value": 48, "tol": 1/' "$scratch/cases/denoiser_c4_3x3/expected.json"
    bad "unknown field \"tol\"; accepted: value, abs, rel, images"
    copy denoiser_c4_3x3
    echo '{"metrics": ' >"$scratch/cases/denoiser_c4_3x3/expected.json"
    bad "expected.json: case denoiser_c4_3x3: not valid JSON"
    copy denoiser_c4_3x3
    printf 'inspect\nresnet18\n' >"$scratch/cases/denoiser_c4_3x3/args"
    bad "'inspect' is not a command with result files; accepted: run, denoiser, eval"
    copy denoiser_c4_3x3
    echo --out >>"$scratch/cases/denoiser_c4_3x3/args"
    bad "'--out' is set by dnsim regress"
    # A metric the command does not produce: found after the run, the case is an ERROR.
    copy denoiser_c4_3x3
    sed -i 's|denoiser.json#/total_cycles|denoiser.json#/total_cycle|' "$scratch/cases/denoiser_c4_3x3/expected.json"
    run 1 "$scratch/cases"
    has "^ERROR  denoiser_c4_3x3: denoiser.json#/total_cycle: not among the results of case denoiser_c4_3x3 \(denoiser.json has no /total_cycle\)"
    copy denoiser_c4_3x3
    run 1 "$scratch/cases" --junit "$scratch/missing/dir/j.xml"
    has "junit: the directory of '.*/missing/dir/j.xml' does not exist"
    [ ! -e "$scratch/missing" ] || fail "the missing JUnit directory was created"
    run 1 "$scratch/nothing"
    has "nothing: is not a directory of regression cases"
    ;;
*) fail "unknown case" ;;
esac
echo "ok ($name)"
