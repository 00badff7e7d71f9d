#!/usr/bin/env bash
# Everything behind workloads/models/ and docs/results.md: training (scripts/train-models.sh),
# replay through the platform (scripts/evaluate-models.sh), then the tables, the manifest and
# the shipped files (scripts/make-results.py). Tens of hours on 2 cores; rerunning skips
# finished steps and resumes an interrupted stage from its last epoch.
#
#   scripts/reproduce-results.sh [NET...]           one network at a time, 2 LibTorch threads
#   DNSIM_LANES=2 scripts/reproduce-results.sh      two training runs of one thread each
#
# With two lanes both runs go through the networks in order and share their stages (a lock per
# stage, docs/training.md "Threads and machines"): while one trains a backbone the other starts
# the next network's, and once a backbone is trained both train its stages. A lane that finds
# only stages the other is training waits and looks again, so both end when every stage is
# done. Each lane logs to results/training/lane-N.log. A stage keeps the thread count it
# started with, so keep DNSIM_LANES the same when resuming.
set -euo pipefail
cd "$(dirname "$0")/.."
nets=("$@")
[[ ${#nets[@]} -gt 0 ]] || nets=(resnet18_28 mobilenetv2_28 densenet121_28 efficientnet_b0_28)
lanes=${DNSIM_LANES:-1}
if [[ $lanes != 1 && $lanes != 2 ]]; then
    echo "reproduce-results.sh: DNSIM_LANES must be 1 or 2 (one run per core on 2 cores), not '$lanes'" >&2
    exit 1
fi

wait_s=${DNSIM_LANE_WAIT_S:-60}
if [[ ! $wait_s =~ ^[0-9]+$ ]]; then
    echo "reproduce-results.sh: DNSIM_LANE_WAIT_S must be a whole number of seconds, not '$wait_s'" >&2
    exit 1
fi

if [[ $lanes == 1 ]]; then
    for net in "${nets[@]}"; do
        status=0
        scripts/train-models.sh "$net" || status=$?
        if [[ $status == 75 ]]; then
            echo "reproduce-results.sh: another train-models.sh is training stages of $net;" \
                "run this again when it has ended" >&2
        fi
        [[ $status == 0 ]] || exit "$status"
        scripts/evaluate-models.sh "$net"
    done
else
    root=${DNSIM_TRAINING_DIR:-results/training}
    [[ -z ${DNSIM_QUICK:-} ]] || root=${DNSIM_TRAINING_DIR:-results/training-quick}
    mkdir -p "$root"
    lane() { # lane N: train until train-models.sh finds every stage done
        local log=$root/lane-$1.log status
        while true; do
            status=0
            DNSIM_TRAIN_THREADS=1 scripts/train-models.sh "${nets[@]}" >>"$log" 2>&1 || status=$?
            [[ $status == 75 ]] || return "$status"  # 0: all done; else failed
            sleep "$wait_s"  # the other lane holds the stages left: look again
        done
    }
    kill_tree() { # the lane, its train-models.sh and its dnsim-train
        local p
        for p in $(pgrep -P "$1"); do kill_tree "$p"; done
        kill "$1" 2>/dev/null || true
    }
    pids=()
    trap 'for p in "${pids[@]}"; do kill_tree "$p"; done' EXIT
    trap 'exit 130' INT TERM
    echo "reproduce-results.sh: two training lanes, logs $root/lane-1.log and lane-2.log"
    lane 1 &
    pids+=($!)
    sleep 5  # the first lane takes the first backbone
    lane 2 &
    pids+=($!)
    # The first lane to fail stops the other (the trap); both must end with every stage done.
    for _ in 1 2; do
        if ! wait -n; then
            echo "reproduce-results.sh: a training lane failed; see $root/lane-1.log and lane-2.log" >&2
            exit 1
        fi
    done
    trap - EXIT
    scripts/evaluate-models.sh "${nets[@]}"
fi
/usr/bin/python3 scripts/make-results.py --ship "${nets[@]}"
