#!/usr/bin/env bash
# --out / --export never delete or replace what dnsim did not create (docs/platform.md): every
# case runs in a fresh scratch directory holding a user's file (notes.txt) that must survive.
# usage: out_safety.sh CASE SCRATCH DNSIM [DNSIM_TRAIN]
set -u
name=$1; scratch=$2; dnsim=$3; train=${4:-}
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" "$scratch.err"
mkdir -p "$scratch" && cd "$scratch" || fail "cannot make $scratch"
echo "user notes" > notes.txt

timing() { "$dnsim" run resnet18_28 --timing-only "$@"; }
# A run with a dataset: checking the path after the simulation would print its results first.
accuracy() { "$dnsim" run resnet18_28 --dataset.limit 300 "$@"; }

# refused REGEX command...: exit status 1, one stderr line matching REGEX, and nothing on
# stdout (the path is checked before any work, so no results are printed).
refused() {
    local regex=$1 out rc err
    shift
    out=$("$@" 2>"$scratch.err"); rc=$?
    err=$(cat "$scratch.err")
    [ "$rc" -eq 1 ] || fail "exit status $rc (expected 1) for: $*; stderr: $err"
    grep -Eq -- "$regex" <<<"$err" || fail "stderr '$err' does not match '$regex'"
    [ "$(grep -c . <<<"$err")" -eq 1 ] || fail "expected one error line, got: $err"
    [ -z "$out" ] || fail "output before the error (the path must be checked first): $out"
}
succeeds() {
    "$@" >"$scratch.out" 2>"$scratch.err" || fail "exit status $? for: $*; $(cat "$scratch.err")"
}
notes_intact() {
    [ "$(cat "${1:-notes.txt}" 2>/dev/null)" = "user notes" ] || fail "${1:-notes.txt} was changed or removed"
}
no_temporaries() {
    local left
    left=$(find "${1:-.}" -name '.*tmp*')
    [ -z "$left" ] || fail "temporary files left: $left"
}
results_in() {
    grep -q '"cycles_per_inference"' "$1/summary.json" 2>/dev/null || fail "no $1/summary.json"
    [ -s "$1/layers.csv" ] || fail "no $1/layers.csv"
}
# only_entries DIR NAME...: DIR holds exactly these entries.
only_entries() {
    local dir=$1
    shift
    local want have
    want=$(printf '%s\n' "$@" | sort)
    have=$(ls -A "$dir" | sort)
    [ "$want" = "$have" ] || fail "$dir holds '$(echo $have)', expected '$(echo $want)'"
}

case $name in
out_dot)
    succeeds timing --out .
    notes_intact; results_in .; only_entries . notes.txt summary.json layers.csv ;;
out_dotdot)
    mkdir sub && echo "user notes" > sub/notes.txt
    (cd sub && "$dnsim" run resnet18_28 --timing-only --out .. >/dev/null 2>"$scratch.err") ||
        fail "exit status $?: $(cat "$scratch.err")"
    notes_intact; notes_intact sub/notes.txt; results_in .
    only_entries . notes.txt sub summary.json layers.csv; only_entries sub notes.txt ;;
out_trailing_slash)
    mkdir -p results/keep && echo "user notes" > results/notes.txt
    echo "user notes" > results/keep/inner.txt && echo old > results/summary.json
    succeeds timing --out results/
    notes_intact results/notes.txt; notes_intact results/keep/inner.txt; results_in results
    only_entries results notes.txt keep summary.json layers.csv ;;
out_existing_file)
    refused "out: 'notes.txt' is a regular file; expected a directory" accuracy --out notes.txt
    notes_intact; only_entries . notes.txt ;;
out_empty)
    refused "^dnsim: error: out: is empty; expected the path of a directory" timing --out ""
    refused "^dnsim: error: out: is empty" "$dnsim" denoiser --channels 8 --height 4 --width 4 --out ""
    refused "^dnsim: error: export: is empty; expected the path of a file" \
        "$dnsim" inspect resnet18_28 --export ""
    if [ -n "$train" ]; then
        refused "^dnsim-train: error: out: is empty" "$train" backbone resnet18_28 --out ""
    fi
    notes_intact; only_entries . notes.txt ;;
out_nonempty_dir)
    mkdir -p res/sub && echo "user notes" > res/notes.txt && echo "user notes" > res/.hidden
    echo "user notes" > res/sub/notes.txt && echo "user notes" > res/layers.csv.bak
    succeeds timing --out res
    notes_intact res/notes.txt; notes_intact res/.hidden; notes_intact res/sub/notes.txt
    notes_intact res/layers.csv.bak; results_in res
    only_entries res notes.txt .hidden sub layers.csv.bak summary.json layers.csv ;;
out_unwritable)
    # Root writes through chmod, so the unwritable places are ones root cannot write either:
    # a directory under /proc, and a directory below a regular file.
    refused "out: cannot write into '/proc' to create '/proc/dnsim-out/r'" accuracy --out /proc/dnsim-out/r
    refused "out: cannot create directory 'notes.txt/r': 'notes.txt' is a regular file, not a directory" \
        accuracy --out notes.txt/r
    refused "export: cannot create directory 'notes.txt/d': 'notes.txt' is a regular file" \
        "$dnsim" inspect resnet18_28 --export notes.txt/d/m.onnx
    refused "out: cannot write into '/proc'" "$dnsim" denoiser --channels 8 --height 4 --width 4 \
        --out /proc/dnsim-out
    if [ "$(id -u)" -ne 0 ]; then
        mkdir ro && chmod 555 ro
        refused "out: cannot write into 'ro' to create 'ro/r': Permission denied" accuracy --out ro/r
        chmod 755 ro && rmdir ro
    fi
    if [ -n "$train" ]; then
        refused "dnsim-train: error: out: cannot write into '/proc'" \
            "$train" backbone resnet18_28 --epochs 1 --out /proc/dnsim-out
    fi
    notes_intact; only_entries . notes.txt ;;
out_dev_null)
    refused "out: '/dev/null' is a character device; expected a directory" accuracy --out /dev/null
    [ -c /dev/null ] || fail "/dev/null is no longer a character device"
    refused "out: '/dev/null' is a character device" "$dnsim" denoiser --channels 8 --height 4 \
        --width 4 --out /dev/null
    [ -c /dev/null ] || fail "/dev/null is no longer a character device" ;;
export_dev_null)
    refused "export: '/dev/null' exists and is a character device; expected a regular file" \
        "$dnsim" inspect resnet18_28 --export /dev/null
    [ -c /dev/null ] || fail "/dev/null is no longer a character device" ;;
out_fifo)
    mkfifo fifo
    refused "out: 'fifo' is a FIFO; expected a directory" accuracy --out fifo
    refused "export: 'fifo' exists and is a FIFO; expected a regular file" \
        "$dnsim" inspect resnet18_28 --export fifo
    [ -p fifo ] || fail "fifo is no longer a FIFO"
    # A FIFO and a directory holding result-file names inside the results directory.
    mkdir res && mkfifo res/summary.json
    refused "out: 'res/summary.json' exists and is a FIFO; expected a regular file" accuracy --out res
    [ -p res/summary.json ] || fail "res/summary.json is no longer a FIFO"
    rm res/summary.json && mkdir res/layers.csv
    refused "out: 'res/layers.csv' exists and is a directory; expected a regular file" \
        accuracy --out res
    [ -d res/layers.csv ] || fail "res/layers.csv is no longer a directory"
    notes_intact; only_entries . notes.txt fifo res; only_entries res layers.csv ;;
out_symlinks)
    # A link to a directory is written through; a dangling link is refused, not replaced.
    mkdir real && echo "user notes" > real/notes.txt && ln -s real link && ln -s missing dangling
    succeeds timing --out link
    [ -L link ] || fail "link is no longer a symbolic link"
    notes_intact real/notes.txt; results_in real
    refused "out: cannot create directory 'dangling': 'dangling' is a symbolic link to a path that does not exist" \
        accuracy --out dangling
    refused "out: cannot create directory 'dangling/r': 'dangling' is a symbolic link" \
        accuracy --out dangling/r
    [ -L dangling ] || fail "dangling is no longer a symbolic link"
    notes_intact; only_entries . notes.txt real link dangling ;;
out_write_failure)
    # A file size limit makes writing summary.json fail half-way: one error, no partial or
    # temporary file, and the directory dnsim had created for it is removed again.
    mkdir res && echo "user notes" > res/notes.txt && echo old > res/summary.json
    err=$( (trap '' XFSZ; ulimit -f 2; timing --out res/new) 2>&1 >/dev/null); rc=$?
    [ "$rc" -eq 1 ] || fail "exit status $rc (expected 1): $err"
    grep -Eq "out: cannot write '.*File too large" <<<"$err" || fail "unexpected error: $err"
    err=$( (trap '' XFSZ; ulimit -f 2; timing --out res) 2>&1 >/dev/null); rc=$?
    [ "$rc" -eq 1 ] || fail "exit status $rc (expected 1): $err"
    [ "$(cat res/summary.json)" = old ] || fail "res/summary.json was replaced by a partial file"
    no_temporaries; notes_intact res/notes.txt; only_entries res notes.txt summary.json ;;
out_sigterm_while_writing)
    # DNSIM_TEST_RENAME_DELAY_MS holds the complete temporary files before the rename: the
    # signal arrives while they exist, and must remove them and leave the old results.
    mkdir res && echo "user notes" > res/notes.txt && echo old > res/summary.json
    DNSIM_TEST_RENAME_DELAY_MS=60000 "$dnsim" run resnet18_28 --timing-only --out res/ \
        >/dev/null 2>"$scratch.err" &
    pid=$!
    for _ in $(seq 300); do
        [ -n "$(find res -name '.layers.csv.tmp*')" ] && break
        sleep 0.1
    done
    [ -n "$(find res -name '.layers.csv.tmp*')" ] || { kill $pid; fail "no temporary files seen"; }
    kill -TERM $pid; wait $pid; rc=$?
    [ "$rc" -eq 143 ] || fail "exit status $rc (expected 143, ended by SIGTERM)"
    grep -q "interrupted by SIGTERM" "$scratch.err" || fail "stderr: $(cat "$scratch.err")"
    no_temporaries; notes_intact res/notes.txt
    [ "$(cat res/summary.json)" = old ] || fail "res/summary.json was replaced"
    only_entries res notes.txt summary.json ;;
out_sigint_while_simulating)
    # Job control on, so the background job does not inherit SIGINT as ignored.
    set -m
    mkdir res && echo "user notes" > res/notes.txt
    "$dnsim" run resnet18_28 --run.seeds 3 --out res >/dev/null 2>"$scratch.err" &
    pid=$!
    sleep 3
    kill -0 $pid 2>/dev/null || fail "the run ended before the signal: $(cat "$scratch.err")"
    kill -INT $pid; wait $pid; rc=$?
    [ "$rc" -eq 130 ] || fail "exit status $rc (expected 130, ended by SIGINT)"
    no_temporaries; notes_intact res/notes.txt; only_entries res notes.txt ;;
*)
    fail "unknown case" ;;
esac
no_temporaries
rm -f "$scratch.err" "$scratch.out"
exit 0
