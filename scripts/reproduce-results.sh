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

if [[ $lanes == 1 ]]; then
    for net in "${nets[@]}"; do
        scripts/train-models.sh "$net"
        scripts/evaluate-models.sh "$net"
    done
else
    root=${DNSIM_TRAINING_DIR:-results/training}
    [[ -z ${DNSIM_QUICK:-} ]] || root=${DNSIM_TRAINING_DIR:-results/training-quick}
    mkdir -p "$root"
    lane() { # lane N: train until train-models.sh finds every stage done
        local log=$root/lane-$1.log
        while true; do
            DNSIM_TRAIN_THREADS=1 scripts/train-models.sh "${nets[@]}" 2>&1 | tee -a "$log"
            [[ ${PIPESTATUS[0]} == 0 ]] || return 1
            tail -n 1 "$log" | grep -q "^== all done" && return 0
            sleep "${DNSIM_LANE_WAIT_S:-60}"  # the other lane holds the stages left: look again
        done
    }
    lane 1 &
    first=$!
    sleep 5  # the first lane takes the first backbone
    status=0
    lane 2 || status=1
    wait "$first" || status=1
    if [[ $status != 0 ]]; then
        echo "reproduce-results.sh: a training lane failed; see $root/lane-1.log and lane-2.log" >&2
        exit 1
    fi
    scripts/evaluate-models.sh "${nets[@]}"
fi
/usr/bin/python3 scripts/make-results.py --ship "${nets[@]}"
