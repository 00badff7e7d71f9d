#!/usr/bin/env bash
# Input normalisation travels with the model (docs/onnx.md, "Input normalisation"): ONNX
# metadata_props dnsim.input.* written on export, read on import, used by eval/run, overridden
# by the command line. One case per invocation, on copies of the shipped ResNet-18-28 made
# with python3-onnx (set_metadata.py).
# usage: normalisation.sh CASE SCRATCH DNSIM PYTHON MODELS_DIR
set -u
name=$1; scratch=$2; dnsim=$3; python=$4; models=$5
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || fail "cannot make $scratch"
shipped=$models/resnet18_28.onnx
meta() { "$python" "$here/set_metadata.py" "$@" || fail "set_metadata.py $*"; }
# correct MODEL [keys...]: "N of 300" from dnsim eval on the first 300 test images.
correct() {
    local out
    out=$("$dnsim" eval "$@" --dataset.limit 300 2>&1) || fail "dnsim eval $* failed: $out"
    grep -Eo '\([0-9]+ of 300\)' <<<"$out" || fail "no accuracy in: $out"
}
notes() { "$dnsim" eval "$@" --dataset.limit 300 2>&1 | grep -c '^note:'; }

case $name in
roundtrip)
    # A model trained on raw [0, 1] pixels (mean 0, std 1), as in the user's report.
    meta "$shipped" raw.onnx dnsim.input.scale=1/255 dnsim.input.mean=0 dnsim.input.std=1 \
        dnsim.input.channel_order=gray
    "$dnsim" inspect raw.onnx --export exported.onnx >/dev/null || fail "export failed"
    [ "$(meta --print raw.onnx)" = "$(meta --print exported.onnx)" ] ||
        fail "export wrote '$(meta --print exported.onnx)', the model had '$(meta --print raw.onnx)'"
    "$dnsim" inspect exported.onnx | grep -q "^input normalisation: scale 1/255, mean 0, std 1, channel order gray" ||
        fail "import does not read it back: $("$dnsim" inspect exported.onnx | sed -n 2p)"
    meta "$shipped" plain.onnx
    by_flags=$(correct plain.onnx --dataset.mean 0 --dataset.std 1)
    [ "$(correct raw.onnx)" = "$by_flags" ] || fail "eval does not use the metadata"
    [ "$(correct exported.onnx)" = "$by_flags" ] || fail "eval of the export differs"
    [ "$(correct plain.onnx)" != "$by_flags" ] || fail "mean/std make no difference: no test"
    [ "$(notes raw.onnx)" = 0 ] || fail "a note although the model records its normalisation" ;;
cli_overrides)
    meta "$shipped" raw.onnx dnsim.input.mean=0 dnsim.input.std=1
    meta "$shipped" plain.onnx
    default=$(correct plain.onnx)
    [ "$(correct raw.onnx)" != "$default" ] || fail "mean/std make no difference: no test"
    # The shipped model's values, as it records them.
    mean=$(meta --print "$shipped" | sed -n 's/^dnsim.input.mean=//p')
    std=$(meta --print "$shipped" | sed -n 's/^dnsim.input.std=//p')
    [ -n "$mean" ] && [ -n "$std" ] || fail "the shipped model records no mean/std"
    # Each key on the command line beats the metadata; the others still come from the model.
    [ "$(correct raw.onnx --dataset.mean "$mean" --dataset.std "$std")" = "$(correct "$shipped")" ] ||
        fail "--dataset.mean/--dataset.std do not override the metadata"
    [ "$(correct "$shipped" --dataset.mean 0 --dataset.std 1)" = "$(correct raw.onnx)" ] ||
        fail "--dataset.mean/--dataset.std do not override the shipped model's metadata"
    [ "$(correct raw.onnx --dataset.mean "$mean")" = "$(correct plain.onnx --dataset.mean "$mean" --dataset.std 1)" ] ||
        fail "--dataset.mean alone does not combine with the model's std" ;;
malformed)
    for kv in "dnsim.input.std=0.3,abc" "dnsim.input.mean=0.1,0.2,0.3" "dnsim.input.scale=-1" \
              "dnsim.input.channel_order=rgb" "dnsim.input.stdev=0.3"; do
        key=${kv%%=*}
        meta "$shipped" bad.onnx "$kv"
        out=$("$dnsim" eval bad.onnx --dataset.limit 10 2>"$scratch.err"); rc=$?
        err=$(cat "$scratch.err")
        [ "$rc" -eq 1 ] || fail "$kv: exit status $rc (expected 1): $err"
        grep -q "^dnsim: error: bad.onnx: metadata_props '$key': " <<<"$err" ||
            fail "$kv: the error does not name the file and key: $err"
        [ "$(grep -c . <<<"$err")" -eq 1 ] || fail "$kv: expected one error line, got: $err"
        [ -z "$out" ] || fail "$kv: output before the error: $out"
    done
    rm -f "$scratch.err" ;;
no_metadata_note)
    meta "$shipped" plain.onnx
    out=$("$dnsim" eval plain.onnx --dataset.limit 300 2>&1) || fail "eval failed: $out"
    [ "$(grep -c '^note:' <<<"$out")" = 1 ] || fail "expected one note line, got: $out"
    grep -Eq "^note: model 'plain.onnx' does not record its input normalisation.*fashion-mnist default: scale 1/255, mean [0-9.]+, std [0-9.]+.*--dataset.mean/--dataset.std" <<<"$out" ||
        fail "the note does not say which normalisation and how to override: $out"
    # The note names what was used: the default gives the same result as the values it names.
    mean=$(sed -nE 's/^note:.* mean ([0-9.]+),.*/\1/p' <<<"$out")
    std=$(sed -nE 's/^note:.* std ([0-9.]+);.*/\1/p' <<<"$out")
    [ "$(correct plain.onnx)" = "$(correct plain.onnx --dataset.mean "$mean" --dataset.std "$std")" ] ||
        fail "the note's mean $mean / std $std is not what was used"
    [ "$(notes plain.onnx --dataset.mean 0.2 --dataset.std 0.3)" = 0 ] ||
        fail "a note although the command line gives mean and std"
    meta "$shipped" order_only.onnx dnsim.input.channel_order=gray
    [ "$(notes order_only.onnx)" = 1 ] || fail "no note for a model that records no mean/std"
    # A built-in network is not read from a file: the note says so, not "does not record".
    out=$("$dnsim" eval resnet18_28 --dataset.limit 16 2>&1) || fail "eval resnet18_28 failed: $out"
    [ "$(grep -c '^note:' <<<"$out")" = 1 ] || fail "built-in model: expected one note line: $out"
    grep -Eq "^note: built-in model 'resnet18_28' uses the fashion-mnist default input normalisation: scale 1/255, mean [0-9.]+, std [0-9.]+; override with --dataset.mean/--dataset.std$" <<<"$out" ||
        fail "the built-in model's note: $out"
    out=$("$dnsim" run plain.onnx --dataset.limit 16 --out run 2>&1) || fail "run failed: $out"
    [ "$(grep -c '^note:' <<<"$out")" = 1 ] || fail "dnsim run: expected one note line: $out"
    [ "$("$dnsim" run plain.onnx --timing-only --out run 2>&1 | grep -c '^note:')" = 0 ] ||
        fail "a note on a timing-only run, which reads no dataset" ;;
*)
    fail "unknown case" ;;
esac
exit 0
