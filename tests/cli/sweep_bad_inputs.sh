#!/usr/bin/env bash
# Bad input to dnsim sweep end to end: each case writes its study files in SCRATCH/work and runs
# dnsim sweep there, which must end with exit status 1, nothing on stdout, one error line on
# stderr naming the study file, section and key where there are such, and no file written or
# changed under SCRATCH/work (neither --out nor the default results/sweep/NAME).
# usage: sweep_bad_inputs.sh CASE SCRATCH DNSIM
set -u
name=$1; scratch=$2; dnsim=$3
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch/work" && cd "$scratch/work" || fail "cannot make $scratch"

# Every path under work with its type, every file's size, time and SHA-256. (Not the times of
# directories: dnsim checks that it can write an existing --out by making and removing a file.)
snapshot() {
    find . -printf '%p %y\n' | sort
    find . -type f -printf '%p %s %T@\n' | sort
    find . -type f -exec sha256sum {} + | sort
}
# expect REGEX ARGS...: dnsim sweep ARGS fails cleanly with an error matching REGEX.
expect() {
    local regex=$1 before after err out rc
    shift
    before=$(snapshot)
    out=$("$dnsim" sweep "$@" 2>"$scratch/stderr"); rc=$?
    err=$(cat "$scratch/stderr")
    after=$(snapshot)
    [ "$rc" -eq 1 ] || fail "sweep $*: expected exit status 1, got $rc; stderr: $err"
    [ -z "$out" ] || fail "sweep $*: printed on stdout: $out"
    [ "$(grep -c . <<<"$err")" -eq 1 ] || fail "sweep $*: expected one error line, got: $err"
    grep -Eq -- "^dnsim: error: .*$regex" <<<"$err" ||
        fail "sweep $*: stderr '$err' does not match '$regex'"
    [ "$before" = "$after" ] ||
        fail "sweep $*: wrote or changed files: $(diff <(echo "$before") <(echo "$after"))"
}
# study FILE [STUDY_KEYS] < AXES: a denoiser study of a 4x3x3 block (each point takes
# milliseconds) with STUDY_KEYS in [study] and the sections on stdin after [base].
study() {
    {
        printf '[study]\ncommand = denoiser\n%s[base]\n' "${2:-}"
        printf 'block.channels = 4\nblock.height = 3\nblock.width = 3\n'
        cat
    } >"$1"
}
# The line number of the first line of FILE matching the fixed string TEXT.
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }

case $name in
unknown_key)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2\ndenoiser.corse = 1, 2'
    expect "s\.ini \[axes\] denoiser\.corse \(line $(line_of s.ini corse)\): no such configuration key" \
        s.ini --out out
    expect "s\.ini \[axes\] denoiser\.corse" s.ini --list ;;
empty_axis)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2\ndenoiser.lanes ='
    expect "s\.ini \[axes\] denoiser\.lanes \(line $(line_of s.ini lanes)\): the axis has no values" \
        s.ini --out out ;;
range_misses_end)
    study s.ini <<<$'[axes]\ndenoiser.cores = range(1, 8, 3)'
    expect "s\.ini \[axes\] denoiser\.cores \(line $(line_of s.ini cores)\): range\(1, 8, 3\): the step 3 does not reach the end 8" \
        s.ini --out out ;;
missing_model)
    printf '[study]\nmodel = no_such_net\ntiming_only = true\n[axes]\ncgra.pass_ns = 50, 100\n' >s.ini
    expect "s\.ini \[study\] model: model 'no_such_net' is neither a built-in model .* nor a file \(.*/work/no_such_net does not exist\)" \
        s.ini --out out
    printf '[study]\ntiming_only = true\n[axes]\nmodel = resnet18_28, nets/gone.onnx\n' >a.ini
    expect "a\.ini \[axes\] model \(line 4\): model 'nets/gone\.onnx' is neither" a.ini --out out ;;
denoiser_layer)
    # A layer that one of the models lacks: bad input of the study, before any point runs.
    printf '[study]\ntiming_only = true\ndenoisers = conv1,layer9.conv\n[axes]\nmodel = resnet18_28, resnet18\n' >s.ini
    expect "s\.ini \[study\] denoisers: model resnet18_28: .*layer9\.conv" s.ini --out out
    printf '[study]\ntiming_only = true\nmodel = resnet18\n[axes]\ndenoisers = conv1, "conv1,nope"\n' >a.ini
    expect "a\.ini \[axes\] denoisers: model resnet18: .*nope" a.ini --out out ;;
safety_limit)
    # 200 x 51 = 10200 points, over the limit of 10000; the default output directory
    # (results/sweep/s) is not made either.
    study s.ini <<<$'[axes]\ndenoiser.cores = range(1, 200, 1)\ndenoiser.lanes = range(1, 51, 1)'
    expect "s\.ini: describes 10200 points, more than the safety limit of 10000; .*--yes" s.ini
    expect "s\.ini: describes 10200 points" s.ini --out out --jobs 2 ;;
other_study_out)
    study a.ini <<<$'[axes]\ndenoiser.cores = 1, 2'
    study b.ini <<<$'[axes]\ndenoiser.cores = 1, 3'
    "$dnsim" sweep a.ini --out out >/dev/null 2>&1 || fail "the sweep of a.ini failed"
    [ -f out/study.db ] || fail "the sweep of a.ini wrote no out/study.db"
    expect "out/sweep\.json: 'out' holds the results of another study \('a', .*/work/a\.ini\)" \
        b.ini --out out
    # The database alone says so too.
    mkdir other && cp out/study.db other/ || fail "cannot copy the database"
    expect "other/study\.db: holds the results of another study \('a', a\.ini\)" b.ini --out other
    # A study directory is its own results directory.
    expect "out: a study directory is given: it is the results directory" out --out other ;;
unknown_section)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2\n[axis]\ndenoiser.lanes = 1, 2'
    expect "s\.ini \[axis\] \(line $(line_of s.ini 'lanes')\): unknown section; accepted: \[study\], \[base\], \[axes\], \[zip NAME\]" \
        s.ini --out out ;;
unknown_study_key)
    study s.ini $'speed = fast\n' <<<$'[axes]\ndenoiser.cores = 1, 2'
    expect "s\.ini \[study\] speed \(line 3\): unknown key of \[study\]; accepted: name, command" \
        s.ini --out out ;;
base_and_axis)
    study s.ini <<<$'denoiser.cores = 4\n[axes]\ndenoiser.cores = 1, 2'
    expect "s\.ini \[axes\] denoiser\.cores \(line $(line_of s.ini 'cores = 1')\): also fixed in \[base\]" \
        s.ini --out out ;;
zip_lengths)
    study s.ini <<<$'[zip sram]\nweight_sram.banks = 1, 2\nactivation_sram.banks = 1, 2, 4'
    expect "s\.ini \[zip sram\] activation_sram\.banks \(line $(line_of s.ini activation_sram)\): has 3 values, the other keys of \[zip sram\] 2" \
        s.ini --out out ;;
command_eval)
    printf '[study]\ncommand = eval\n[axes]\ndenoiser.cores = 1, 2\n' >s.ini
    expect "s\.ini \[study\] command \(line 2\): 'eval' is not a command a study runs; accepted: run, denoiser" \
        s.ini --out out ;;
missing_study)
    expect "nowhere\.ini: cannot open config file 'nowhere\.ini'" nowhere.ini --out out
    expect "nowhere\.ini: cannot open" nowhere.ini --list ;;
directory_not_sweep)
    mkdir plain && echo "not a sweep" >plain/notes.txt
    expect "plain: is not a dnsim sweep directory \(no sweep\.json\)" plain
    expect "plain: is not a dnsim sweep directory \(no sweep\.json\)" plain --status
    expect "plain: is not a dnsim sweep directory \(no sweep\.json\)" plain --collect
    expect "plain: holds no study\.db yet" plain --pareto latency_us:min,energy_uJ:min ;;
shard)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2, 4'
    expect "shard: 0 is not a shard number of 1 to N \(K/N counts from 1\)" s.ini --shard 0/3 --out out
    expect "shard: 4 is not a shard number of 1 to N" s.ini --shard 4/3 --out out
    expect "shard: 0 is not a shard count of 1 to 1000000" s.ini --shard 1/0 --out out
    expect "shard: '3': expected K/N" s.ini --shard 3 --out out
    expect "shard: runs points; it does not go with --list" s.ini --shard 1/3 --list ;;
pareto)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2\ndenoiser.lanes = 1, 4'
    "$dnsim" sweep s.ini --out out >/dev/null 2>&1 || fail "the sweep of s.ini failed"
    [ -f out/study.db ] || fail "the sweep wrote no out/study.db"
    expect "pareto: 'latency' is not a numeric column of the study's points; metrics: cycles, latency_us," \
        out --pareto latency:min,energy_uJ:min
    expect "pareto: 'status' is not a numeric column of the study's points" \
        out --pareto status:max,energy_uJ:min
    expect "pareto: 'latency_us:up': expected COLUMN:max or COLUMN:min" \
        out --pareto latency_us:up,energy_uJ:min
    expect "pareto: 'energy_uJ': expected COLUMN:max or COLUMN:min" \
        s.ini --out out --pareto latency_us:min,energy_uJ
    expect "pareto: give at least two objectives" out --pareto latency_us:min ;;
jobs)
    study s.ini <<<$'[axes]\ndenoiser.cores = 1, 2'
    expect "jobs: 0 is out of range; accepted: 1 to 1024" s.ini --jobs 0 --out out
    expect "jobs: 1025 is out of range; accepted: 1 to 1024" s.ini --jobs 1025 --out out
    expect "jobs: -1 is out of range; accepted: 1 to 1024" s.ini --jobs -1 --out out
    expect "retries: -1 is out of range; accepted: 0 to 10" s.ini --retries -1 --out out ;;
*)
    fail "unknown case" ;;
esac
echo "ok ($name)"
