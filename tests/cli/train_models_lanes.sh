#!/usr/bin/env bash
# scripts/train-models.sh with two runs on one network (docs/training.md, "Threads and
# machines"): each stage is trained by exactly one run, the runs between them train every
# stage, the noise sweep that picks k_high runs once, the control waits for its denoisers'
# sites, and a run that found a stage taken says so. The script runs in a scratch copy of the
# repository's layout with stand-ins for dnsim-train and dnsim that log each call and sleep,
# so the two runs overlap; no network is trained.
# usage: train_models_lanes.sh SOURCE_DIR WORK_DIR
set -u
src=$1; work=$2
rm -rf "$work"; mkdir -p "$work/scripts" "$work/build/testbench"
cp "$src/scripts/train-models.sh" "$work/scripts/"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export STUB_LOG="$work/calls.log"

# dnsim-train KIND MODEL ... --out DIR: logs "start NAME" and "end NAME", writes the files a
# finished stage has (the denoisers' sites in train.json).
cat > "$work/build/testbench/dnsim-train" <<'EOF'
#!/usr/bin/env bash
out=; prev=; for a in "$@"; do [[ $prev == --out ]] && out=$a; prev=$a; done
name=$(basename "$out")
sites=; prev=; for a in "$@"; do [[ $prev == --denoisers ]] && sites=$a; prev=$a; done
echo "start $name $sites" >> "$STUB_LOG"
sleep 1
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
sleep 0.5
noisy=89; [[ $k == k06 || $k == k10 ]] && noisy=98
mkdir -p "$out"
echo "{\"accuracy\": {\"clean_pct\": 99, \"noisy_pct_mean\": $noisy}}" > "$out/summary.json"
EOF
chmod +x "$work"/build/testbench/* "$work/scripts/train-models.sh"

net=efficientnet_b0_28
dir="$work/results/training/$net"

# While one run trains the backbone, a second has nothing to do on that network.
(cd "$work" && scripts/train-models.sh $net > first.out 2>&1) &
first=$!
for _ in $(seq 50); do grep -q "start backbone" "$STUB_LOG" 2>/dev/null && break; sleep 0.1; done
(cd "$work" && scripts/train-models.sh $net > second.out 2>&1)
grep -q "backbone: another train-models.sh is training it" "$work/second.out" ||
    fail "a second run during the backbone did not say the backbone was taken"
grep -q "the backbone is not trained yet" "$work/second.out" ||
    fail "a second run during the backbone did not skip the network"
grep -q "^end backbone" "$STUB_LOG" &&
    fail "the backbone ended before the second run did: the runs did not overlap"
# The first run goes on alone and trains every stage.
wait "$first" || fail "the first run failed: $(tail -n 3 "$work/first.out")"
grep -q "^== all done" "$work/first.out" || fail "the first run did not train every stage"

# With the backbone trained, two runs started together share the other stages.
rm -rf "$work/results" "$STUB_LOG"
mkdir -p "$dir/backbone"; touch "$dir/backbone/model.onnx"
(cd "$work" && scripts/train-models.sh $net > a.out 2>&1) &
a=$!
(cd "$work" && scripts/train-models.sh $net > b.out 2>&1) &
b=$!
wait "$a" || fail "run a failed: $(tail -n 3 "$work/a.out")"
wait "$b" || fail "run b failed: $(tail -n 3 "$work/b.out")"

stages="den_k15 nit_k15 qat_k15 ctl_k15 den_k06 nit_k06 qat_k06"
for s in $stages; do
    n=$(grep -c "^start $s " "$STUB_LOG")
    [[ $n == 1 ]] || fail "$s was started $n times (once expected)"
    [[ -f $dir/$s/model.onnx ]] || fail "$s was not trained"
done
[[ $(grep -c "^sweep k15" "$STUB_LOG") == 1 ]] || fail "the k_high sweep ran more than once"
[[ $(cat "$dir/k_high" 2>/dev/null) == 0.15 ]] || fail "k_high is not 0.15: $(cat "$dir/k_high")"
# The control starts after its denoisers ended, with their sites.
den_end=$(grep -n "^end den_k15$" "$STUB_LOG" | head -n 1 | cut -d: -f1)
ctl_start=$(grep -n "^start ctl_k15 " "$STUB_LOG" | head -n 1 | cut -d: -f1)
[[ -n $den_end && -n $ctl_start && $ctl_start -gt $den_end ]] ||
    fail "ctl_k15 started before den_k15 ended"
grep -q "^start ctl_k15 conv1,layer2.0.conv1$" "$STUB_LOG" || fail "ctl_k15 did not get den_k15's sites"
# Both runs trained, and each one that skipped a stage named it.
for r in a b; do
    trained=$(grep -c "^== .*: build/testbench/dnsim-train" "$work/$r.out")
    [[ $trained -ge 1 ]] || fail "run $r trained nothing"
    if grep -q "another train-models.sh is training it" "$work/$r.out"; then
        grep -q "^== done, but for stages another run was training" "$work/$r.out" ||
            fail "run $r skipped stages without saying so at the end"
    fi
done
# Run again: everything is done already.
(cd "$work" && scripts/train-models.sh $net > again.out 2>&1) || fail "a third run failed"
grep -q "^== all done" "$work/again.out" || fail "a third run did not find every stage done"

if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "two runs trained $(grep -c '^start' "$STUB_LOG") stages, each once"
