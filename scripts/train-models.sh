#!/usr/bin/env bash
# Trains every network behind workloads/models/ and docs/results.md, in priority
# order, one stage at a time (two runs side by side: DNSIM_TRAIN_THREADS below).
# Each stage resumes from its last epoch checkpoint, so an interrupted run is simply rerun.
#
#   scripts/train-models.sh [NET...]        default: resnet18_28 first, then the other three
#   DNSIM_STAGES_UPTO=k06 scripts/train-models.sh NET   only the backbone and the 6 % stages
#   DNSIM_TRAIN_THREADS=1 scripts/train-models.sh NET   LibTorch threads per stage (default 2)
#
# Two networks at once, one thread each, train more per hour on 2 cores than one network on
# two threads (docs/training.md, "Threads and machines"): 1.37 times for MobileNetV2-28's denoisers, 1.09
# for DenseNet-121-28's backbone. Never more threads in all than cores: OpenMP threads that
# share a core wait on each other, and an epoch can take five times as long.
#   DNSIM_TRAIN_THREADS=1 scripts/train-models.sh densenet121_28 &
#   DNSIM_TRAIN_THREADS=1 scripts/train-models.sh efficientnet_b0_28 &
# A stage keeps the thread count it started with (dnsim-train --resume refuses another: the
# sums, and so the model, depend on it). Two runs may also share one network: each stage is
# locked (results/training/NET/STAGE.lock) while a run trains it, and the other run goes on to
# the next stage it can train, so once a backbone has converged two lanes train its stages:
#   DNSIM_TRAIN_THREADS=1 scripts/train-models.sh efficientnet_b0_28 &   (twice)
# A run that left stages to another run says which and exits with status 75.
#
# Per network: the backbone, then the stages at k_high (denoisers, NIT, QAT, control), then the
# 6 % stages (QAT's takes k_high's training: it trains without noise), then (ResNet-18-28) the
# denoisers trained for chip 1, the ablations at k_high (stochastic term, loss, bottleneck,
# budget, placement) and the noise levels of Table II.
#
# Output: results/training/NET/STAGE/{model.onnx,train.json,...} and STAGE.log beside it.
# A stage whose model.onnx exists is skipped, and an interrupted stage resumes from its last
# epoch checkpoint, so the script can simply be run again. The full recipes take tens of hours
# on 2 cores (docs/results.md); DNSIM_QUICK=1 about two.
# The recipes are documented in docs/results.md; change them here, not there.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=build/testbench/dnsim-train
DNSIM=build/testbench/dnsim
# The quick recipes train into their own folder: a finished quick stage is not a full one.
if [[ -n ${DNSIM_QUICK:-} ]]; then
    ROOT=${DNSIM_TRAINING_DIR:-results/training-quick}
else
    ROOT=${DNSIM_TRAINING_DIR:-results/training}
fi
PY=/usr/bin/python3

# Recipes (docs/results.md, "Protocol"). Every full-recipe stage holds out the last 5 000 training images as
# a validation set and keeps the epoch with the best validation accuracy (under the stage's
# noise for denoisers and NIT); the test images never choose.
# - Backbones: to convergence on the other 55 000 images. Adam 1e-3, divided by 5 after two
#   epochs without a better validation accuracy, stopped after six; images shifted by up to 2
#   pixels and mirrored. At most 60 epochs.
# - Denoisers, NIT and the controls: the paper's recipe, 5 epochs over the 55 000 images, Adam
#   at a constant 1e-3 (Azizi et al. 2024, Section IV).
# DNSIM_QUICK=1 keeps the old one-session recipes (docs/results.md before issue 19): 1-3
# backbone epochs, 1-2 fine-tuning epochs on 5 000 images.
backbone_args() {
    if [[ -n ${DNSIM_QUICK:-} ]]; then
        case $1 in
            resnet18_28) echo "--epochs 3 --test-limit 2000" ;;
            *) echo "--epochs 1 --dataset.limit 20000 --test-limit 1000" ;;
        esac
        return
    fi
    echo "--epochs 60 --validation 5000 --lr-schedule plateau --lr-patience 2 --lr-factor 0.2 \
--patience 6 --augment crop-flip"
}
finetune_args() {
    if [[ -n ${DNSIM_QUICK:-} ]]; then
        case $1 in
            resnet18_28) echo "--epochs 2 --dataset.limit 5000 --test-limit 2000" ;;
            *) echo "--epochs 1 --dataset.limit 5000 --test-limit 1000" ;;
        esac
        return
    fi
    echo "--epochs 5 --validation 5000"
}
SEED=1
# LibTorch threads: passed only when set, so the stages trained before this option (2 threads,
# the default) resume with the same command.
THREADS=() RUN_THREADS=()  # dnsim-train's exec.threads; dnsim run's run.threads (find_k_high)
if [[ -n ${DNSIM_TRAIN_THREADS:-} ]]; then
    THREADS=(--exec.threads "$DNSIM_TRAIN_THREADS")
    RUN_THREADS=(--run.threads "$DNSIM_TRAIN_THREADS")
fi
# Noise levels (noise.activation_k, tensor magnitude): the paper's 6 % for the shipped models,
# 2/4/8 % for Table II, and per network the smallest k in HIGH_GRID where noise costs at least
# 5 points of clean accuracy (first 2000 test images, 2 seeds) for the "k_high" columns.
HIGH_GRID="0.06 0.10 0.15 0.20 0.25 0.30 0.40 0.50"

# The platform each network is trained for (cgra.* keys). dnsim-train and dnsim run decide which
# layers are analog (noisy) with the same function (models/cgra/layer_mapping.h), and every
# stage writes the keys it was trained for to STAGE/platform.ini, which evaluate-models.sh
# replays with (dnsim run --config). The networks with depthwise layers map them onto crossbars
# (block-diagonal, analog) rather than onto the digital tiles (the default, noise-free).
platform_args() {
    case $1 in
        mobilenetv2_28) echo "--cgra.depthwise block_diagonal" ;;
        # Block-diagonal depthwise layers need 20 520 crossbars here, more than the default.
        efficientnet_b0_28) echo "--cgra.depthwise block_diagonal --cgra.crossbars 24576" ;;
        *) echo "" ;;
    esac
}

SKIPPED=()  # stages another run was training when this one came to them
stage() { # stage NAME DIR ARGS... : run one dnsim-train stage unless its model exists
    local name=$1 dir=$2
    shift 2
    if [[ -f $dir/$name/model.onnx ]]; then
        echo "== $dir/$name: done already"
        return
    fi
    mkdir -p "$dir"
    # One run per stage: another run that holds the lock trains it, and this one moves on. The
    # lock is held through the file descriptor, which dnsim-train inherits: it is released when
    # the stage ends, or when both this script and its dnsim-train have ended.
    local lock
    exec {lock}>"$dir/$name.lock"
    if ! flock -n "$lock"; then
        echo "== $dir/$name: another train-models.sh is training it; on to the next stage"
        SKIPPED+=("$dir/$name")
        exec {lock}>&-
        return
    fi
    if [[ -f $dir/$name/model.onnx ]]; then  # finished while this run waited for the lock
        echo "== $dir/$name: done already"
        exec {lock}>&-
        return
    fi
    # An interrupted stage resumes from its checkpoints; one that takes another stage's
    # training (--reuse-training) has none and trains nothing.
    local resume=(--resume)
    [[ " $* " == *" --reuse-training "* ]] && resume=()
    echo "== $dir/$name: $TRAIN $*"
    # shellcheck disable=SC2046
    if ! "$TRAIN" "$@" $(platform_args "$NET") "${THREADS[@]}" --run.seed $SEED \
        --out "$dir/$name" "${resume[@]}" 2>>"$dir/$name.log"; then
        # Its error (a bad setting, a refused resume) is in the log: show it here too.
        echo "$dir/$name failed; the end of $dir/$name.log:" >&2
        tail -n 3 "$dir/$name.log" >&2
        exit 1
    fi
    exec {lock}>&-
}

k_label() { $PY -c "print('k%02d' % round(float('$1') * 100))"; }

find_k_high() { # find_k_high NET MODEL DIR : prints the chosen k, caches it in DIR/k_high
    local net=$1 model=$2 dir=$3
    # Two runs on one network: the second waits for the first's sweep and reads its k.
    local lock
    exec {lock}>"$dir/k_high.lock"
    flock "$lock"
    if [[ -f $dir/k_high ]]; then
        cat "$dir/k_high"
        return
    fi
    if [[ -f $dir/k_high.none ]]; then  # an earlier sweep found none: not swept again
        echo "no k in $HIGH_GRID costs 5 points for $model (swept before: $dir/k_high.none)" >&2
        exit 1
    fi
    local k
    for k in $HIGH_GRID; do
        # shellcheck disable=SC2046
        "$DNSIM" run "$model" --noise.activation_k "$k" --dataset.limit 2000 --run.seeds 2 \
            $(platform_args "$net") "${RUN_THREADS[@]}" --out "$dir/sweep/$(k_label "$k")" \
            >"$dir/sweep_$(k_label "$k").log"
        if $PY - "$dir/sweep/$(k_label "$k")/summary.json" <<'EOF'; then
import json, sys
a = json.load(open(sys.argv[1]))["accuracy"]
sys.exit(0 if a["clean_pct"] - a["noisy_pct_mean"] >= 5.0 else 1)
EOF
            echo "$k" >"$dir/k_high"
            echo "$k"
            return
        fi
    done
    echo "$HIGH_GRID" >"$dir/k_high.none"
    echo "no k in $HIGH_GRID costs 5 points for $model" >&2
    exit 1
}

train_net() {
    local net=$1 dir=$ROOT/$1
    NET=$net  # the platform of every stage (platform_args)
    mkdir -p "$dir"
    # Runs of this script share a network (a lock per stage, below) but hold this lock shared,
    # so a run that takes the whole network (exclusive, as this script did before 2026-12-02)
    # and these runs refuse each other.
    exec {NETLOCK}>"$dir/.lock"
    if ! flock -s -n "$NETLOCK"; then
        echo "$dir: another train-models.sh holds the whole network $net (lock $dir/.lock)" >&2
        exit 1
    fi
    local FINETUNE
    FINETUNE=$(finetune_args "$net")
    # shellcheck disable=SC2046
    stage backbone "$dir" backbone "$net" $(backbone_args "$net")
    local bb=$dir/backbone/model.onnx
    if [[ ! -f $bb ]]; then  # another run trains the backbone, which every other stage needs
        echo "== $dir: the backbone is not trained yet; on to the next network"
        return
    fi
    # The level where noise costs 5 points comes first: it is where the methods differ. With
    # no k in the grid costing 5 points the 6 % stages still train. DNSIM_STAGES_UPTO=k06: only
    # the 6 % stages (the paper's level), e.g. to evaluate them first.
    local kh=
    if [[ ${DNSIM_STAGES_UPTO:-} != k06 ]]; then
        kh=$(find_k_high "$net" "$bb" "$dir") || kh=
    fi
    if [[ -n $kh ]]; then
        local kl
        kl=$(k_label "$kh")
        stage "den_$kl" "$dir" denoisers "$bb" --noise.activation_k "$kh" $FINETUNE
        stage "nit_$kl" "$dir" nit "$bb" --noise.activation_k "$kh" $FINETUNE
        # QAT (Wang et al. 2025's other hardening method): trained without noise on a 4-bit
        # weight grid; its noise.activation_k only sets the noise it is evaluated at (platform.ini).
        stage "qat_$kl" "$dir" qat "$bb" --noise.activation_k "$kh" $FINETUNE
        # The control: the same sites, trained with the same recipe but without noise. Its gain
        # under noise is what extra capacity alone buys; evaluate-models.sh replays it at k_high.
        # (The denoisers' sites: when another run is still training them, so is the control.)
        local sites=
        if [[ -f $dir/den_$kl/train.json ]]; then
            sites=$($PY -c 'import json, sys; print(",".join(json.load(open(sys.argv[1]))["layers"]))' \
                "$dir/den_$kl/train.json")
            stage "ctl_$kl" "$dir" denoisers "$bb" --noise.activation_k 0 --denoisers "$sites" $FINETUNE
        elif [[ ! -f $dir/ctl_$kl/model.onnx ]]; then
            echo "== $dir/ctl_$kl: waits for den_$kl's sites; on to the next stage"
            SKIPPED+=("$dir/ctl_$kl")
        fi
    fi
    stage den_k06 "$dir" denoisers "$bb" --noise.activation_k 0.06 $FINETUNE
    stage nit_k06 "$dir" nit "$bb" --noise.activation_k 0.06 $FINETUNE
    # QAT trains without noise, so the 6 % stage takes qat_kNN's training (the same epochs and
    # model) and is only measured at 6 % (dnsim-train --reuse-training; docs/training.md). While
    # another run trains qat_kNN, it waits.
    if [[ -n $kh && $kl != k06 && ! -f $dir/qat_k06/model.onnx ]]; then
        if [[ -f $dir/qat_$kl/model.onnx ]]; then
            stage qat_k06 "$dir" qat "$bb" --noise.activation_k 0.06 $FINETUNE \
                --reuse-training "$dir/qat_$kl"
        else
            echo "== $dir/qat_k06: waits for qat_$kl's training, which it reuses; on to the" \
                "next stage"
            SKIPPED+=("$dir/qat_k06")
        fi
    else
        stage qat_k06 "$dir" qat "$bb" --noise.activation_k 0.06 $FINETUNE
    fi
    [[ ${DNSIM_STAGES_UPTO:-} == k06 ]] && return
    if [[ $net == resnet18_28 && -n $kh ]]; then
        # Ablations at k_high (docs/results.md, "Ablations"): each changes one thing of den_kNN
        # (gradient-norm placement, 4 % budget, bottleneck 1/4, sigma_hat * epsilon on, task loss).
        local ab=(denoisers "$bb" --noise.activation_k "$kh" $FINETUNE)
        # Trained for one chip (chip 1: 5 % programming variation, 0.5 % stuck cells, as in
        # docs/studies.md "Chips"), at den_kNN's sites; evaluate-models.sh replays it and
        # den_kNN on chips 1-5.
        if [[ -n $sites ]]; then
            stage "den_${kl}_chip1" "$dir" "${ab[@]}" --denoisers "$sites" \
                --noise.programming_sigma 0.05 --noise.stuck_fraction 0.005 --noise.chip_seed 1
        elif [[ ! -f $dir/den_${kl}_chip1/model.onnx ]]; then
            SKIPPED+=("$dir/den_${kl}_chip1")
        fi
        stage "den_${kl}_eps0" "$dir" "${ab[@]}" --block.stochastic 0
        stage "den_${kl}_recon" "$dir" "${ab[@]}" --reconstruction-weight 1
        stage "den_${kl}_r2" "$dir" "${ab[@]}" --denoiser-ratio 0.5
        stage "den_${kl}_r8" "$dir" "${ab[@]}" --denoiser-ratio 0.125
        local b
        for b in 1 2 8; do
            stage "den_${kl}_b$b" "$dir" "${ab[@]}" --budget "0.0$b"
        done
        stage "den_${kl}_all" "$dir" "${ab[@]}" --placement all
        stage "den_${kl}_random" "$dir" "${ab[@]}" --placement random
        stage "den_${kl}_uniform" "$dir" "${ab[@]}" --placement uniform
        local k
        for k in 0.02 0.04 0.08; do
            stage "den_$(k_label $k)" "$dir" denoisers "$bb" --noise.activation_k $k $FINETUNE
        done
    fi
}

nets=("$@")
[[ ${#nets[@]} -gt 0 ]] || nets=(resnet18_28 mobilenetv2_28 densenet121_28 efficientnet_b0_28)
for net in "${nets[@]}"; do
    train_net "$net"
done
# Exit status 75 (EX_TEMPFAIL): stages are left that another run was training.
if [[ ${#SKIPPED[@]} -gt 0 ]]; then
    echo "== done, but for stages another run was training (run this script again once it ends):"
    printf '   %s\n' "${SKIPPED[@]}"
    exit 75
fi
echo "== all done"
