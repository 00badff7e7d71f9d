#!/usr/bin/env bash
# Everything behind workloads/models/ and docs/results.md, one network at a time: training
# (scripts/train-models.sh), replay through the platform (scripts/evaluate-models.sh), then the
# tables, the manifest and the shipped files (scripts/make-results.py). Several hours on 2
# cores; rerunning skips finished steps.
set -euo pipefail
cd "$(dirname "$0")/.."
nets=("$@")
[[ ${#nets[@]} -gt 0 ]] || nets=(resnet18_28 mobilenetv2_28 densenet121_28 efficientnet_b0_28)
for net in "${nets[@]}"; do
    scripts/train-models.sh "$net"
    scripts/evaluate-models.sh "$net"
done
/usr/bin/python3 scripts/make-results.py --ship "${nets[@]}"
