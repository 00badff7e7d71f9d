#!/usr/bin/env bash
# The main job's settings (workloads/models/main-job.ini): `dnsim run` without MODEL replays the
# shipped model at the file's noise level; the command line, --config and --preset override it;
# a run with a MODEL never reads it; without the file the main job stops with one error naming it.
# usage: main_job.sh DNSIM MODELS_DIR WORK_DIR
set -u
dnsim=$1; models=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The k the file sets, read here from the file itself.
file_k=$(sed -n 's/^noise.activation_k *= *//p' "$models/main-job.ini")
[ -n "$file_k" ] || fail "main-job.ini sets no noise.activation_k"

k_of() { # k_of SUMMARY: noise.activation_k of a run's summary.json
    /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["config"]["noise.activation_k"])' "$1"
}

"$dnsim" run --dataset.limit 8 --no-report --out "$work/plain" >"$work/plain.log" 2>&1 ||
    fail "the main job failed: $(cat "$work/plain.log")"
grep -q "main-job.ini" "$work/plain.log" || fail "the main job does not name its settings file"
same_number() { /usr/bin/python3 -c 'import sys; sys.exit(float(sys.argv[1]) != float(sys.argv[2]))' "$1" "$2"; }
same_number "$(k_of "$work/plain/summary.json")" "$file_k" ||
    fail "the main job ran at k $(k_of "$work/plain/summary.json"), main-job.ini says $file_k"

"$dnsim" run --dataset.limit 8 --no-report --noise.activation_k 0.1 --out "$work/cli" >/dev/null 2>&1 ||
    fail "the main job with --noise.activation_k failed"
[ "$(k_of "$work/cli/summary.json")" = "0.1" ] || fail "the command line does not override main-job.ini"

printf 'noise.activation_k = 0.15\n' >"$work/my.ini"
"$dnsim" run --dataset.limit 8 --no-report --config "$work/my.ini" --out "$work/config" >/dev/null 2>&1 ||
    fail "the main job with --config failed"
[ "$(k_of "$work/config/summary.json")" = "0.15" ] || fail "--config does not override main-job.ini"

# A preset's keys win over main-job.ini too (a preset directory of our own, with a noise key).
mkdir -p "$work/presets"
printf 'noise.activation_k = 0.12\n' >"$work/presets/noisy.ini"
DNSIM_PRESETS_DIR=$work/presets "$dnsim" run --dataset.limit 8 --no-report --preset noisy \
    --out "$work/preset" >/dev/null 2>&1 || fail "the main job with --preset failed"
[ "$(k_of "$work/preset/summary.json")" = "0.12" ] || fail "--preset does not override main-job.ini"

# A MODEL given: the file plays no part (the run's own default, 0.06, applies).
"$dnsim" run "$models/resnet18_28_denoised.onnx" --dataset.limit 8 --out "$work/model" >/dev/null 2>&1 ||
    fail "a run with MODEL failed"
[ "$(k_of "$work/model/summary.json")" = "0.06" ] || fail "a run with MODEL read main-job.ini"

# The file missing: one error naming it, exit 1, nothing written.
mkdir -p "$work/models_no_ini"
cp "$models/resnet18_28_denoised_k20.onnx" "$work/models_no_ini/"
err=$(DNSIM_MODELS_DIR=$work/models_no_ini "$dnsim" run --dataset.limit 8 --out "$work/no_ini" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] || fail "without main-job.ini: exit $rc"
grep -q "main job's settings '.*models_no_ini/main-job.ini' are missing" <<<"$err" ||
    fail "without main-job.ini: $err"
[ "$(grep -c . <<<"$err")" -eq 1 ] || fail "without main-job.ini: more than one line: $err"
[ ! -e "$work/no_ini" ] || fail "without main-job.ini: $work/no_ini was written"
# ... but help still works.
DNSIM_MODELS_DIR=$work/models_no_ini "$dnsim" run --help >/dev/null || fail "dnsim run --help needs main-job.ini"

[ $failures -eq 0 ] && echo "main job: k $file_k from main-job.ini; overrides and errors as documented"
exit $((failures > 0))
