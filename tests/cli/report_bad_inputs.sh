#!/usr/bin/env bash
# dnsim report and dnsim run --report on bad input: each case is one error line naming the path
# or key, exit status 1, and no report.html (nor any other file) left behind.
# usage: report_bad_inputs.sh DNSIM WORK_DIR
set -u
dnsim=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
failures=0

# expect REGEX OUT_FILE command...: exit 1, one stderr line matching REGEX, OUT_FILE absent.
expect() {
    local regex=$1 out=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" -ne 1 ]; then echo "FAIL ($*): exit $rc, expected 1; stderr: $err"; failures=$((failures + 1)); return; fi
    if ! grep -Eq -- "$regex" <<<"$err"; then echo "FAIL ($*): stderr '$err' does not match '$regex'"; failures=$((failures + 1)); return; fi
    if [ "$(grep -c . <<<"$err")" -ne 1 ]; then echo "FAIL ($*): expected one error line, got: $err"; failures=$((failures + 1)); return; fi
    if [ -e "$out" ]; then echo "FAIL ($*): left $out"; failures=$((failures + 1)); return; fi
    if ls "$(dirname "$out")" 2>/dev/null | grep -q '\.tmp'; then echo "FAIL ($*): left a temporary file"; failures=$((failures + 1)); fi
}

# A good run to derive the bad ones from.
good=$work/good
"$dnsim" run resnet18_28 --timing-only --denoisers layer1.0.relu2 --out "$good" >/dev/null || {
    echo "FAIL: the good run failed"; exit 1; }
out=$work/report.html

# A directory without summary.json (and no study.db).
mkdir -p "$work/empty"
expect "empty'?: has no summary.json .* and no study.db" "$out" "$dnsim" report "$work/empty" -o "$out"
# A path that does not exist.
expect "$work/nothing: no such file or directory" "$out" "$dnsim" report "$work/nothing" -o "$out"
# A summary of an unknown schema version.
mkdir -p "$work/future"
sed 's/"schema_version": [0-9]*/"schema_version": 99/' "$good/summary.json" > "$work/future/summary.json"
expect "future/summary.json: schema_version 99; this dnsim reads results of schema version 3" "$out" "$dnsim" report "$work/future" -o "$out"
# Not JSON.
mkdir -p "$work/garbage"
printf '{"schema_version": 3, "model": ' > "$work/garbage/summary.json"
expect "garbage/summary.json: not valid JSON" "$out" "$dnsim" report "$work/garbage" -o "$out"
# A summary of another command (dnsim eval's has no timing).
mkdir -p "$work/eval"
printf '{"schema_version": 3, "model": "m", "accuracy": {}}\n' > "$work/eval/summary.json"
expect "eval/summary.json: not a dnsim run summary \(no 'cycles_per_inference'\)" "$out" "$dnsim" report "$work/eval" -o "$out"
# A broken layers.csv beside a good summary.
mkdir -p "$work/badcsv"
cp "$good/summary.json" "$work/badcsv/"
printf 'index,layer,op,kind,cycles,time_ns,macs,crossbars,replication\n0,conv1,Conv,analog,lots,1.0,1,1,1\n' > "$work/badcsv/layers.csv"
expect "badcsv/layers.csv: line 2: cycles 'lots' is not a non-negative integer" "$out" "$dnsim" report "$work/badcsv" -o "$out"
# A layer name with a line break (quoted over two lines, as dnsim writes it) is read, not refused.
mkdir -p "$work/newline"
cp "$good/summary.json" "$work/newline/"
awk 'NR == 2 { sub(/,conv1,/, ",\"conv\n1\",") } { print }' "$good/layers.csv" > "$work/newline/layers.csv"
if ! "$dnsim" report "$work/newline" -o "$work/newline.html" >/dev/null 2>&1; then echo "FAIL: a name with a line break was refused"; failures=$((failures + 1)); fi
# The output in a directory that does not exist.
expect "out: .*'$work/missing' does not exist" "$work/missing/report.html" "$dnsim" report "$good" -o "$work/missing/report.html"
# The output is a directory (which stays as it was).
expect "out: '$work/empty' is a directory; expected a file name" "$work/empty/report.html" "$dnsim" report "$good" -o "$work/empty"
if [ -n "$(ls -A "$work/empty")" ]; then echo "FAIL: wrote into $work/empty"; failures=$((failures + 1)); fi
# A sweep of dnsim denoiser, and a sweep whose every point failed.
printf '[study]\nname = blocks\ncommand = denoiser\n[base]\nblock.channels = 8\nblock.height = 4\nblock.width = 4\n[axes]\ndenoiser.cores = 2, 4\n' > "$work/blocks.ini"
"$dnsim" sweep "$work/blocks.ini" --jobs 2 --out "$work/blocks" >/dev/null 2>&1 || { echo "FAIL: the denoiser sweep failed"; failures=$((failures + 1)); }
expect "blocks/study.db: a sweep of dnsim denoiser; dnsim report reads sweeps of dnsim run" "$out" "$dnsim" report "$work/blocks" -o "$out"
printf '[study]\nname = nofit\nmodel = resnet18_28\ntiming_only = true\n[axes]\ncgra.crossbars = 1, 2\n' > "$work/nofit.ini"
"$dnsim" sweep "$work/nofit.ini" --jobs 2 --out "$work/nofit" >/dev/null 2>&1
expect "nofit/study.db: no finished point \(status ok\) to report" "$out" "$dnsim" report "$work/nofit/study.db" -o "$out"
# A summary whose fields have the wrong type, and a block with a negative cycle count.
mkdir -p "$work/typed" "$work/negative"
sed 's/"energy_per_inference": \[/"energy_per_inference": "x", "unused": [/' "$good/summary.json" > "$work/typed/summary.json"
expect "typed/summary.json: a field has an unexpected type or value" "$out" "$dnsim" report "$work/typed" -o "$out"
sed '0,/"block_cycles": [0-9]*/s//"block_cycles": -5/' "$good/summary.json" > "$work/negative/summary.json"
expect "negative/summary.json: denoiser_blocks: block_cycles -5 is not a cycle count" "$out" "$dnsim" report "$work/negative" -o "$out"
# No chart scripts installed: dnsim report, and dnsim run --report before it simulates.
expect "report: the chart script '/nonexistent/vega/build/vega.min.js' is missing" "$out" env DNSIM_VEGA_DIR=/nonexistent "$dnsim" report "$good" -o "$out"
expect "report: the chart script '/nonexistent/vega/build/vega.min.js' is missing" "$work/run_noscripts/summary.json" env DNSIM_VEGA_DIR=/nonexistent "$dnsim" run resnet18_28 --timing-only --report --out "$work/run_noscripts"
# --report and --no-report together.
expect "report: --report and --no-report both given" "$work/run_both/summary.json" "$dnsim" run resnet18_28 --timing-only --report --no-report --out "$work/run_both"

if [ "$failures" -ne 0 ]; then echo "$failures case(s) failed"; exit 1; fi
echo "ok: every bad input refused with one message and no file"
