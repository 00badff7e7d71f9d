#!/usr/bin/env bash
# Replays every model trained by scripts/train-models.sh through the platform (`dnsim run`)
# over the 10 000 Fashion-MNIST test images, at the noise level it was trained for (the
# backbone's noisy accuracy is the noisy pass of these runs: the denoisers are bypassed there).
#
#   scripts/evaluate-models.sh [NET...]
#
# Output: results/eval/NET/STAGE/{summary.json,layers.csv} (skipped when present), and for the
# denoisers and controls also STAGE_noiseless/ (the blocks run without noise), for den_kNN also
# den_kNN_mean_only/ (the blocks replayed without sigma_hat * epsilon).
set -euo pipefail
cd "$(dirname "$0")/.."
DNSIM=build/testbench/dnsim
if [[ -n ${DNSIM_QUICK:-} ]]; then  # the quick recipes' models (train-models.sh)
    ROOT=${DNSIM_TRAINING_DIR:-results/training-quick}
    EVAL=${DNSIM_EVAL_DIR:-results/eval-quick}
else
    ROOT=${DNSIM_TRAINING_DIR:-results/training}
    EVAL=${DNSIM_EVAL_DIR:-results/eval}
fi
SEEDS=${DNSIM_EVAL_SEEDS:-1}

nets=("$@")
[[ ${#nets[@]} -gt 0 ]] || nets=(resnet18_28 mobilenetv2_28 densenet121_28 efficientnet_b0_28)
for net in "${nets[@]}"; do
    for dir in "$ROOT/$net"/*/; do
        stage=$(basename "$dir")
        [[ $stage == backbone || $stage == sweep ]] && continue
        [[ -f $dir/model.onnx && -f $dir/train.json ]] || continue
        out=$EVAL/$net/$stage
        if [[ -f $out/summary.json ]]; then
            echo "== $out: done already"
            continue
        fi
        # The platform and noise the stage was trained for (dnsim-train writes them).
        if [[ ! -f $dir/platform.ini ]]; then
            echo "$dir: no platform.ini (trained before dnsim-train wrote one); train it again" >&2
            exit 1
        fi
        # A control stage ctl_kNN was trained without noise: it is replayed at the k it
        # controls for (0.NN), the noise its denoising twin den_kNN was trained at.
        local_k=()
        if [[ $stage =~ ^ctl_k([0-9]+)$ ]]; then
            local_k=(--noise.activation_k "$(/usr/bin/python3 -c "print(int('${BASH_REMATCH[1]}') / 100)")")
        fi
        echo "== $out: dnsim run $dir/model.onnx --config $dir/platform.ini ${local_k[*]}"
        mkdir -p "$EVAL/$net"
        "$DNSIM" run "$dir/model.onnx" --config "$dir/platform.ini" "${local_k[@]}" \
            --run.seeds "$SEEDS" --out "$out" >"$out.log" 2>&1
    done
    # Blocks without noise: what the denoisers and their controls do to clean accuracy (the
    # denoised pass at k 0 runs the blocks; the clean pass bypasses them).
    for dir in "$ROOT/$net"/*/; do
        stage=$(basename "$dir")
        [[ $stage =~ ^(den|ctl)_k[0-9]+$ && -f $dir/model.onnx ]] || continue
        out=$EVAL/$net/${stage}_noiseless
        [[ -f $out/summary.json ]] && continue
        echo "== $out: dnsim run $dir/model.onnx --config $dir/platform.ini --noise.activation_k 0"
        "$DNSIM" run "$dir/model.onnx" --config "$dir/platform.ini" --noise.activation_k 0 \
            --out "$out" >"$out.log" 2>&1
    done
    # The blocks trained at k_high with sigma_hat * epsilon, replayed without it
    # (block.stochastic 0): what the random draw contributes at inference (the ablations).
    if [[ -f $ROOT/$net/k_high ]]; then
        kl=$(/usr/bin/python3 -c "print('k%02d' % round(float(open('$ROOT/$net/k_high').read()) * 100))")
        dir=$ROOT/$net/den_$kl
        out=$EVAL/$net/den_${kl}_mean_only
        if [[ -f $dir/model.onnx && ! -f $out/summary.json ]]; then
            echo "== $out: dnsim run $dir/model.onnx --config $dir/platform.ini --block.stochastic 0"
            "$DNSIM" run "$dir/model.onnx" --config "$dir/platform.ini" --block.stochastic 0 \
                --run.seeds "$SEEDS" --out "$out" >"$out.log" 2>&1
        fi
        # Blocks trained without a chip (den_kNN) and for chip 1 (den_kNN_chip1), each on
        # chips 1-5: does training for one chip carry over to the others?
        chip=(--noise.programming_sigma 0.05 --noise.stuck_fraction 0.005 --noise.chip_seed 1
            --run.chips 5 --run.seeds 2)
        for stage in den_$kl den_${kl}_chip1; do
            dir=$ROOT/$net/$stage
            out=$EVAL/$net/${stage}_chips
            if [[ -f $dir/model.onnx && ! -f $out/summary.json ]]; then
                echo "== $out: dnsim run $dir/model.onnx --config $dir/platform.ini ${chip[*]}"
                "$DNSIM" run "$dir/model.onnx" --config "$dir/platform.ini" "${chip[@]}" \
                    --out "$out" >"$out.log" 2>&1
            fi
        done
    fi
done
echo "== evaluation done"
