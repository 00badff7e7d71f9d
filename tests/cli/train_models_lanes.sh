#!/usr/bin/env bash
# scripts/train-models.sh with two runs on one network (docs/training.md, "Threads and
# machines"): each stage is trained by exactly one run, the runs between them train every
# stage, the noise sweep that picks k_high runs once, the control waits for its denoisers'
# sites, QAT at 6 % reuses QAT at k_high's training once it ends, and a run that found a stage
# taken says so. Then DNSIM_LANES=2
# scripts/reproduce-results.sh over two networks: every stage of both trained once, then one
# evaluation and one make-results. The scripts run in a scratch copy of the repository's
# layout with stand-ins for dnsim-train, dnsim, evaluate-models.sh and make-results.py that log
# each call (the trainer's sleep, so that runs overlap); no network is trained.
# usage: train_models_lanes.sh SOURCE_DIR WORK_DIR
set -u
src=${1:?usage: train_models_lanes.sh SOURCE_DIR WORK_DIR}; work=${2:?usage: train_models_lanes.sh SOURCE_DIR WORK_DIR}
rm -rf "$work"; mkdir -p "$work/scripts" "$work/build/testbench"
cp "$src/scripts/train-models.sh" "$src/scripts/reproduce-results.sh" "$work/scripts/"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export STUB_LOG="$work/calls.log"

# dnsim-train KIND MODEL ... --out NET/NAME: logs "start NET/NAME SITES" and "end NET/NAME",
# writes the files a finished stage has (the denoisers' sites in train.json).
cat > "$work/build/testbench/dnsim-train" <<'EOF'
#!/usr/bin/env bash
out=; prev=; for a in "$@"; do [[ $prev == --out ]] && out=$a; prev=$a; done
name=$(basename "$(dirname "$out")")/$(basename "$out")
sites=; prev=; for a in "$@"; do [[ $prev == --denoisers ]] && sites=$a; prev=$a; done
echo "start $name $sites" >> "$STUB_LOG"
reuse=; prev=; for a in "$@"; do [[ $prev == --reuse-training ]] && reuse=$a; prev=$a; done
if [[ -n $reuse ]]; then
    # As dnsim-train: a reused training is not resumed.
    if [[ " $* " == *" --resume "* ]]; then
        echo "dnsim-train: error: reuse-training: takes a finished stage's training; --resume" \
            "continues this stage's own: give one of them" >&2
        exit 1
    fi
    echo "reuse $name $(basename "$(dirname "$reuse")")/$(basename "$reuse")" >> "$STUB_LOG"
fi
sleep 0.2
# The stages named by STUB_GATED (a regular expression) wait for the test's go-ahead, the file
# STUB_GATE, so that runs overlap however loaded the machine is.
if [[ -n ${STUB_GATED:-} && $name =~ $STUB_GATED ]]; then
    while [[ ! -e $STUB_GATE ]]; do sleep 0.1; done
fi
mkdir -p "$out"; echo '{"layers": ["conv1", "layer2.0.conv1"]}' > "$out/train.json"
touch "$out/model.onnx"
echo "end $name" >> "$STUB_LOG"
EOF
# dnsim run ... --out DIR/sweep/kNN: noise costs 10 points from k = 0.15 on, 1 below.
cat > "$work/build/testbench/dnsim" <<'EOF'
#!/usr/bin/env bash
out=; prev=; for a in "$@"; do [[ $prev == --out ]] && out=$a; prev=$a; done
k=$(basename "$out")
echo "sweep $k" >> "$STUB_LOG"
sleep 0.1
noisy=89; [[ $k == k06 || $k == k10 ]] && noisy=98
[[ -n ${STUB_NOISY:-} ]] && noisy=$STUB_NOISY
mkdir -p "$out"
echo "{\"accuracy\": {\"clean_pct\": 99, \"noisy_pct_mean\": $noisy}}" > "$out/summary.json"
EOF
chmod +x "$work"/build/testbench/* "$work/scripts/train-models.sh"

net=efficientnet_b0_28
dir="$work/results/training/$net"

wait_for() { # wait_for PATTERN: up to 30 s for a line of the call log
    for _ in $(seq 300); do grep -q "$1" "$STUB_LOG" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
export STUB_GATE="$work/gate" STUB_GATED="/backbone$"

# While one run trains the backbone, a second has nothing to do on that network: it says so
# and exits with status 75.
(cd "$work" && scripts/train-models.sh $net > first.out 2>&1) &
first=$!
wait_for "^start $net/backbone" || fail "the first run did not start the backbone"
status=0
# (Bounded: a second run that trained the backbone too would wait for the gate.)
(cd "$work" && timeout 30 scripts/train-models.sh $net > second.out 2>&1) || status=$?
[[ $status == 75 ]] || fail "a second run during the backbone exited with $status, not 75"
grep -q "backbone: another train-models.sh is training it" "$work/second.out" ||
    fail "a second run during the backbone did not say the backbone was taken"
grep -q "the backbone is not trained yet" "$work/second.out" ||
    fail "a second run during the backbone did not skip the network"
touch "$STUB_GATE"
# The first run goes on alone and trains every stage.
wait "$first" || fail "the first run failed: $(tail -n 3 "$work/first.out")"
grep -q "^== all done" "$work/first.out" || fail "the first run did not train every stage"

# With the backbone trained, two runs started together share the other stages.
# The first stage taken waits until the other run has taken one too.
rm -rf "$work/results" "$STUB_LOG" "$STUB_GATE"
mkdir -p "$dir/backbone"; touch "$dir/backbone/model.onnx"
export STUB_GATED="/den_k15$"
(cd "$work" && scripts/train-models.sh $net > a.out 2>&1) &
a=$!
(cd "$work" && scripts/train-models.sh $net > b.out 2>&1) &
b=$!
for _ in $(seq 300); do [[ $(grep -c "^start" "$STUB_LOG" 2>/dev/null) -ge 2 ]] && break; sleep 0.1; done
touch "$STUB_GATE"
status_a=0; wait "$a" || status_a=$?
status_b=0; wait "$b" || status_b=$?

stages="den_k15 nit_k15 qat_k15 ctl_k15 den_k06 nit_k06 qat_k06"
for s in $stages; do
    n=$(grep -c "^start $net/$s " "$STUB_LOG")
    [[ $n == 1 ]] || fail "$s was started $n times (once expected)"
    [[ -f $dir/$s/model.onnx ]] || fail "$s was not trained"
done
[[ $(grep -c "^sweep k15" "$STUB_LOG") == 1 ]] || fail "the k_high sweep ran more than once"
[[ $(cat "$dir/k_high" 2>/dev/null) == 0.15 ]] || fail "k_high is not 0.15: $(cat "$dir/k_high")"
# The control starts after its denoisers ended, with their sites.
den_end=$(grep -n "^end $net/den_k15$" "$STUB_LOG" | head -n 1 | cut -d: -f1)
ctl_start=$(grep -n "^start $net/ctl_k15 " "$STUB_LOG" | head -n 1 | cut -d: -f1)
[[ -n $den_end && -n $ctl_start && $ctl_start -gt $den_end ]] ||
    fail "ctl_k15 started before den_k15 ended"
grep -q "^start $net/ctl_k15 conv1,layer2.0.conv1$" "$STUB_LOG" || fail "ctl_k15 did not get den_k15's sites"
# QAT at 6 % reuses qat_k15's training (QAT trains without noise), after it ended.
qat_end=$(grep -n "^end $net/qat_k15$" "$STUB_LOG" | head -n 1 | cut -d: -f1)
qat06_start=$(grep -n "^start $net/qat_k06 " "$STUB_LOG" | head -n 1 | cut -d: -f1)
[[ -n $qat_end && -n $qat06_start && $qat06_start -gt $qat_end ]] ||
    fail "qat_k06 started before qat_k15 ended"
[[ $(grep "^reuse $net/qat_k06 " "$STUB_LOG") == "reuse $net/qat_k06 $net/qat_k15" ]] ||
    fail "qat_k06 did not reuse qat_k15's training: $(grep "^reuse" "$STUB_LOG")"
[[ $(grep -c "^reuse" "$STUB_LOG") == 1 ]] ||
    fail "$(grep -c "^reuse" "$STUB_LOG") stages reused a training (qat_k06 alone expected)"
# Both runs trained; one that skipped a stage named it and exited with 75, one that did not, 0.
for r in a b; do
    st=status_$r
    trained=$(grep -c "^== .*: build/testbench/dnsim-train" "$work/$r.out")
    [[ $trained -ge 1 ]] || fail "run $r trained nothing"
    if grep -q "another train-models.sh is training it\|waits for den_k15's sites\|waits for qat_k15's training" \
        "$work/$r.out"; then
        grep -q "^== done, but for stages another run was training" "$work/$r.out" ||
            fail "run $r skipped stages without saying so at the end"
        [[ ${!st} == 75 ]] || fail "run $r skipped stages and exited with ${!st}, not 75"
    else
        [[ ${!st} == 0 ]] || fail "run $r failed (exit ${!st}): $(tail -n 3 "$work/$r.out")"
    fi
done
# Run again: everything is done already.
(cd "$work" && scripts/train-models.sh $net > again.out 2>&1) || fail "a third run failed"
grep -q "^== all done" "$work/again.out" || fail "a third run did not find every stage done"

# A run of the script from before 2026-12-02 held the whole network (an exclusive lock on
# NET/.lock): a run now refuses the network rather than train beside it.
rm -rf "$work/results"; mkdir -p "$dir"
exec {holder}>"$dir/.lock"
flock -x "$holder"
status=0
(cd "$work" && scripts/train-models.sh $net > old.out 2>&1) || status=$?
[[ $status == 1 ]] || fail "a run beside a whole-network lock exited with $status, not 1"
grep -q "another train-models.sh holds the whole network $net" "$work/old.out" ||
    fail "a run beside a whole-network lock gave no clear error: $(cat "$work/old.out")"
[[ -d $dir/backbone ]] && fail "a run beside a whole-network lock started training"
exec {holder}>&-

# No k in the grid costs 5 points: the sweep runs once, its outcome is kept, and the 6 % stages
# still train.
rm -rf "$work/results" "$STUB_LOG"
mkdir -p "$dir/backbone"; touch "$dir/backbone/model.onnx"
for r in 1 2; do
    (cd "$work" && STUB_NOISY=98.5 scripts/train-models.sh $net > none$r.out 2>&1) ||
        fail "run $r with no k costing 5 points failed: $(tail -n 3 "$work/none$r.out")"
done
[[ $(grep -c "^sweep" "$STUB_LOG") == 8 ]] ||
    fail "with no k costing 5 points the grid of 8 was swept $(grep -c "^sweep" "$STUB_LOG") times in two runs"
for s in den_k06 nit_k06 qat_k06; do
    [[ -f $dir/$s/model.onnx ]] || fail "with no k costing 5 points $s was not trained"
done
grep -q "^reuse" "$STUB_LOG" && fail "with no k_high, qat_k06 reused a training: $(grep "^reuse" "$STUB_LOG")"

# reproduce-results.sh with two lanes over two networks (stand-ins for the evaluation and the
# tables): both lanes train, every stage of both networks once, then one evaluation and one
# make-results.
cat > "$work/scripts/evaluate-models.sh" <<'EOF'
#!/usr/bin/env bash
echo "evaluate $*" >> "$STUB_LOG"
EOF
cat > "$work/scripts/make-results.py" <<'EOF'
import os, sys
open(os.environ["STUB_LOG"], "a").write("make-results %s\n" % " ".join(sys.argv[1:]))
EOF
chmod +x "$work/scripts/evaluate-models.sh"
rm -rf "$work/results" "$STUB_LOG" "$STUB_GATE"
export STUB_GATED="/backbone$"
# The backbones wait for the gate until both have started: the second lane does not wait for
# the first network's backbone but starts the next one's.
(cd "$work" && DNSIM_LANES=2 DNSIM_LANE_WAIT_S=1 scripts/reproduce-results.sh mobilenetv2_28 \
    densenet121_28 > lanes.out 2>&1) &
repro=$!
wait_for "^start densenet121_28/backbone" ||
    fail "two lanes: the second network's backbone did not start beside the first's"
touch "$STUB_GATE"
wait "$repro" || fail "DNSIM_LANES=2 reproduce-results.sh failed: $(tail -n 3 "$work/lanes.out")"
for n in mobilenetv2_28 densenet121_28; do
    for s in backbone $stages; do
        c=$(grep -c "^start $n/$s " "$STUB_LOG")
        [[ $c == 1 ]] || fail "two lanes: $n/$s was started $c times (once expected)"
    done
done
for l in 1 2; do
    grep -q "^== .*: build/testbench/dnsim-train" "$work/results/training/lane-$l.log" ||
        fail "two lanes: lane $l trained nothing"
done
grep "backbone" "$STUB_LOG" | head -n 2 | grep -q "^start mobilenetv2_28/backbone" ||
    fail "two lanes: the first network's backbone did not start first"
[[ $(grep -c "^evaluate mobilenetv2_28 densenet121_28$" "$STUB_LOG") == 1 ]] ||
    fail "two lanes: not one evaluation of both networks"
[[ $(tail -n 1 "$STUB_LOG") == "make-results --ship mobilenetv2_28 densenet121_28" ]] ||
    fail "two lanes: make-results did not come last: $(tail -n 1 "$STUB_LOG")"
[[ $(tail -n 2 "$STUB_LOG" | head -n 1) == "evaluate mobilenetv2_28 densenet121_28" ]] ||
    fail "two lanes: the evaluation did not come after all the training"
(cd "$work" && DNSIM_LANES=3 scripts/reproduce-results.sh > bad.out 2>&1) &&
    fail "DNSIM_LANES=3 was accepted"
grep -q "DNSIM_LANES must be 1 or 2" "$work/bad.out" || fail "DNSIM_LANES=3: no clear error"
(cd "$work" && DNSIM_LANES=2 DNSIM_LANE_WAIT_S=1m scripts/reproduce-results.sh > bad.out 2>&1) &&
    fail "DNSIM_LANE_WAIT_S=1m was accepted"
grep -q "DNSIM_LANE_WAIT_S must be a whole number of seconds, not '1m'" "$work/bad.out" ||
    fail "DNSIM_LANE_WAIT_S=1m: no clear error"

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "two lanes trained $(grep -c '^start' "$STUB_LOG") stages of two networks, each once"
