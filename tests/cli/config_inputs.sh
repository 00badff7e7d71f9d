#!/usr/bin/env bash
# Bad configuration input and outputs with unusual names (docs/reliability.md, "Configuration
# and outputs"): one case per invocation, in a fresh scratch directory. Every refusal must be
# clean (expect_error.sh: exit status 1, one stderr line matching, no result file).
# usage: config_inputs.sh CASE SCRATCH DNSIM PYTHON [DNSIM_TRAIN]
set -u
name=$1; scratch=$2; dnsim=$3; python=$4; train=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || fail "cannot make $scratch"
out=$scratch/out

# refused REGEX ARGS...: `dnsim ARGS` fails cleanly with one stderr line matching REGEX (a
# time limit turns a hang, e.g. reading a FIFO, into a failure).
refused() {
    local regex=$1 msg
    shift
    msg=$("$here/expect_error.sh" "$regex" "$out" -- timeout 30 "$dnsim" "$@") ||
        fail "dnsim $*: $msg"
}
succeeds() {
    "$dnsim" "$@" >"$scratch/stdout" 2>"$scratch/stderr" ||
        fail "exit status $? for dnsim $*: $(cat "$scratch/stderr")"
}
small=(--channels 16 --height 8 --width 8)
# same_results A B: two result files equal but for their provenance (the command line, host,
# date and wall time differ between runs; the configuration's hash may not).
same_results() {
    "$python" - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
pa, pb = a.pop("provenance"), b.pop("provenance")
sys.exit(0 if a == b and pa["config_sha256"] == pb["config_sha256"] else 1)
PY
}

case $name in
numeric_keys)
    # Every numeric option of each command, listed from its --help (numeric_keys.py).
    nk() { "$python" "$here/numeric_keys.py" "$dnsim" "$out" "$@" || exit 1; }
    nk 70 run resnet18_28 --timing-only --out "$out"
    nk 45 denoiser "${small[@]}" --out "$out"
    nk 3 eval resnet18_28
    nk 3 inspect resnet18_28 --denoisers conv1 ;;
nonfinite_in_ini)
    # The same checks for values from a file, which name the file and the line.
    printf '[cgra]\nclock_mhz = nan\n' >clock.ini
    refused "^dnsim: error: cgra\.clock_mhz: config file '.*clock\.ini', line 2: 'nan' is not a finite decimal number" \
        run resnet18_28 --timing-only --config clock.ini --out "$out"
    printf '# noise\n[noise]\n\nactivation_k = inf\n' >k.ini
    refused "^dnsim: error: noise\.activation_k: config file '.*k\.ini', line 4: 'inf' is not a finite decimal number" \
        run resnet18_28 --timing-only --config k.ini --out "$out"
    printf '[block]\nbottleneck_ratio = 1e400\n' >ratio.ini
    refused "^dnsim: error: block\.bottleneck_ratio: config file '.*ratio\.ini', line 2: 1e400 is outside the range of a double" \
        denoiser "${small[@]}" --config ratio.ini --out "$out"
    # Lists of numbers take the same numbers.
    refused "^dnsim: error: dataset\.mean: 'nan' is not a comma-separated list of numbers$" \
        eval resnet18_28 --dataset.mean nan
    refused "^dnsim: error: dataset\.std: 'inf' is not a comma-separated list of numbers$" \
        eval resnet18_28 --dataset.std inf ;;
integer_ranges)
    refused "^dnsim: error: run\.runs: 4294967295 is out of range; accepted: 1 to 1000000$" \
        denoiser "${small[@]}" --run.runs 4294967295 --out "$out"
    # 64x56x56 (the default block) x 2 bytes x (input + output) = 802816 bytes a run: 4 GiB
    # hold 5349 of them.
    refused "^dnsim: error: run\.runs: 100000 runs of a 64x56x56 block need [0-9.]+ GiB .*accepted: at most 5349 runs of this block" \
        denoiser --run.runs 100000 --out "$out"
    refused "^dnsim: error: exec\.threads: 100000 is out of range; accepted: 1 to 256$" \
        eval resnet18_28 --exec.threads 100000
    for v in -1 4294967296 9223372036854775808 18446744073709551616 -9223372036854775809; do
        refused "^dnsim: error: denoiser\.cores: $v is not a valid unsigned value" \
            denoiser "${small[@]}" --denoiser.cores "$v" --out "$out"
        refused "^dnsim: error: run\.seed: $v is not a valid unsigned value" \
            run resnet18_28 --timing-only --run.seed "$v" --out "$out"
    done
    # A shorthand is its key: the same parser and message.
    refused "^dnsim: error: block\.channels: -1 is not a valid unsigned value" \
        denoiser --channels -1 --out "$out"
    refused "^dnsim: error: dataset\.limit: -1 is out of range; accepted: 0 to 9223372036854775807$" \
        eval resnet18_28 --dataset.limit -1
    refused "^dnsim: error: run\.batch: 9223372036854775808 is out of range" \
        run resnet18_28 --timing-only --run.batch 9223372036854775808 --out "$out"
    # The key's own range, with the value given (not a clamped one).
    refused "^dnsim: error: block\.leaky_shift: 1000 bits is out of range; accepted: 0 to 15 bits$" \
        denoiser "${small[@]}" --block.leaky_shift 1000 --out "$out"
    refused "^dnsim: error: noise\.drift_compensation: 2 is out of range; accepted: 0 to 1$" \
        run resnet18_28 --timing-only --noise.drift_compensation 2 --out "$out"
    refused "^dnsim: error: energy\.mac_16b: 1e\+300 is not a valid energy" \
        denoiser "${small[@]}" --energy.mac_16b 1e300 --out "$out" ;;
prefix_keys)
    # Abbreviations are unknown options, not the option they begin.
    refused "unrecogni[sz]ed option '--denoiser\.core'" denoiser "${small[@]}" --denoiser.core 4 --out "$out"
    refused "unrecogni[sz]ed option '--ou'" run resnet18_28 --timing-only --ou "$out"
    refused "unrecogni[sz]ed option '--chan'" denoiser --chan 16 --height 8 --width 8 --out "$out"
    refused "unrecogni[sz]ed option '--no-ver'" denoiser "${small[@]}" --no-ver --out "$out"
    refused "unrecogni[sz]ed option '--timing'" run resnet18_28 --timing --out "$out"
    refused "unrecogni[sz]ed option '--denoiser-rat'" inspect resnet18_28 --denoisers conv1 --denoiser-rat 0.5
    refused "unrecogni[sz]ed option '--noise\.activation'" run resnet18_28 --timing-only --noise.activation 0.1 --out "$out"
    if [ -n "$train" ]; then
        msg=$("$here/expect_error.sh" "unrecogni[sz]ed option '--epoch'" "$out" -- "$train" backbone resnet18_28 --epoch 1 --out "$out") ||
            fail "dnsim-train --epoch: $msg"
    fi ;;
config_not_regular)
    refused "^dnsim: error: config: config file '/dev/zero' is a character device; expected a regular file" \
        denoiser "${small[@]}" --config /dev/zero --out "$out"
    mkdir dir.ini
    refused "^dnsim: error: config: config file 'dir\.ini' is a directory" \
        denoiser "${small[@]}" --config dir.ini --out "$out"
    mkfifo fifo.ini
    refused "^dnsim: error: config: config file 'fifo\.ini' is a FIFO" \
        run resnet18_28 --timing-only --config fifo.ini --out "$out"
    # 1 MiB + 1 byte of comments: larger than the limit.
    head -c 1048577 /dev/zero | tr '\0' '#' >big.ini
    refused "^dnsim: error: config: config file 'big\.ini' is larger than 1048576 bytes" \
        denoiser "${small[@]}" --config big.ini --out "$out"
    refused "^dnsim: error: config: cannot open config file 'missing\.ini': No such file or directory$" \
        denoiser "${small[@]}" --config missing.ini --out "$out" ;;
ini_errors)
    printf '[denoiser]\n# a comment\ncores = 0\n' >range.ini
    refused "^dnsim: error: denoiser\.cores: config file '.*range\.ini', line 3: 0 is out of range; accepted: 1 to 256$" \
        denoiser "${small[@]}" --config range.ini --out "$out"
    printf '[weight_sram]\nbanks = many\n' >malformed.ini
    refused "^dnsim: error: weight_sram\.banks: config file '.*malformed\.ini', line 2: 'many' is not an integer" \
        denoiser "${small[@]}" --config malformed.ini --out "$out"
    printf '[denoiser]\ncores = 2\n\n[denoiser]\nturbo = 1\n' >unknown.ini
    refused "^dnsim: error: config file '.*unknown\.ini', line 5: unknown key 'denoiser\.turbo'$" \
        denoiser "${small[@]}" --config unknown.ini --out "$out"
    printf '[denoiser]\ncores = 2\ncores = 3\n' >twice.ini
    refused "^dnsim: error: denoiser\.cores: config file '.*twice\.ini', line 3: set twice \(first on line 2\)$" \
        denoiser "${small[@]}" --config twice.ini --out "$out"
    printf '[denoiser]\ncores 2\n' >noeq.ini
    refused "^dnsim: error: config file '.*noeq\.ini', line 2: 'cores 2' is not 'key = value'" \
        denoiser "${small[@]}" --config noeq.ini --out "$out"
    printf '[dataset]\nimages = caf\xe9.gz\n' >latin1.ini
    refused "^dnsim: error: config file '.*latin1\.ini', line 2: byte 0xe9 is not valid UTF-8" \
        denoiser "${small[@]}" --config latin1.ini --out "$out"
    # A range error found only once the model is loaded still names the file and line.
    printf '[run]\nseeds = 1\n[cgra]\ncrossbars = 1000\n' >late.ini
    refused "^dnsim: error: cgra\.crossbars: config file '.*late\.ini', line 4: model 'resnet18' needs [0-9]+ crossbars" \
        run resnet18 --timing-only --config late.ini --out "$out"
    # The command line wins over the file, bad value and all.
    succeeds denoiser "${small[@]}" --config range.ini --denoiser.cores 2 ;;
ini_bom_comments)
    # A file as Windows editors write it: byte order mark, CRLF, ';' and '#' comments.
    printf '\xef\xbb\xbf; dnsim settings\r\n# a small block\r\n[denoiser]\r\ncores = 3 ; three\r\nlanes=2\t# two\r\n\r\n[block]\r\nchannels = 24\r\nheight = 10\r\nwidth = 9\r\n' >windows.ini
    succeeds denoiser --config windows.ini --out "$out"
    for kv in "config denoiser.cores:'3'" "config denoiser.lanes:'2'" "block channels:24" \
        "block height:10" "block width:9"; do
        keys=${kv%%:*}; want=${kv#*:}
        # shellcheck disable=SC2086
        got=$("$python" "$here/odd_names.py" json "$out/denoiser.json" $keys) || fail "reading $keys"
        [ "$got" = "$want" ] || fail "denoiser.json $keys is $got, expected $want"
    done ;;
csv_roundtrip)
    succeeds inspect resnet18_28 --export base.onnx
    odd=$'conv "1", a\nb\r, c\xc3\xa9'
    "$python" "$here/odd_names.py" rename base.onnx odd.onnx "$odd" || fail "rename failed"
    succeeds run odd.onnx --timing-only --out "$out"
    layers=$("$python" "$here/odd_names.py" layers "$out/layers.csv") || fail "layers.csv: $layers"
    [ "$(head -1 <<<"$layers")" = "'conv \"1\", a\\nb\\r, c\\xe9'" ] ||
        fail "first layer reads back as $(head -1 <<<"$layers")"
    [ "$(sed -n 2p <<<"$layers")" = "'bn1'" ] || fail "second layer reads back as $(sed -n 2p <<<"$layers")"
    [ "$(grep -c . <<<"$layers")" -gt 60 ] || fail "only $(grep -c . <<<"$layers") layers" ;;
invalid_utf8_names)
    succeeds inspect resnet18_28 --export base.onnx
    "$python" "$here/odd_names.py" bad-node base.onnx bad.onnx || fail "bad-node failed"
    refused "^dnsim: error: model: '.*bad\.onnx': the name of node 0 'conv\\\\xff\\\\xfe1_\\\\xc0\\\\xaf______' is not valid UTF-8 \(byte 0xff at offset 4\)" \
        run bad.onnx --timing-only --out "$out"
    refused "^dnsim: error: model: '.*bad\.onnx': the name of node 0 .* is not valid UTF-8" inspect bad.onnx
    refused "^dnsim: error: model: '.*bad\.onnx': the name of node 0 .* is not valid UTF-8" eval bad.onnx ;;
json_invalid_utf8)
    # Text dnsim does not check (the graph's name, a dataset path) reaches summary.json with each
    # invalid byte replaced by U+FFFD: the JSON stays valid and the run succeeds.
    succeeds inspect resnet18_28 --export base.onnx
    "$python" "$here/odd_names.py" bad-graph base.onnx badgraph.onnx || fail "bad-graph failed"
    ln -s /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz $'images\xff.gz'
    succeeds run badgraph.onnx --dataset.format idx --dataset.images $'images\xff.gz' \
        --dataset.labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz \
        --dataset.limit 16 --run.seeds 1 --out "$out"
    got=$("$python" "$here/odd_names.py" json "$out/summary.json" model) || fail "summary.json: $got"
    [ "$got" = "'conv\\ufffd\\ufffd1_\\ufffd\\ufffd______'" ] || fail "model is $got"
    got=$("$python" "$here/odd_names.py" json "$out/summary.json" config dataset.images) ||
        fail "summary.json: $got"
    [ "$got" = "'images\\ufffd.gz'" ] || fail "dataset.images is $got" ;;
dump_config)
    # --dump-config writes every key with its resolved value; --config FILE reruns the same.
    succeeds run resnet18_28 --dataset.limit 24 --run.seeds 2 --noise.activation_k 0.07 \
        --noise.magnitude channel --cgra.replication 2 --energy.mac_16b 1.5 \
        --dump-config run.ini --out "$scratch/a"
    grep -qx 'activation_k = 0.07' run.ini || fail "run.ini lacks noise.activation_k: $(cat run.ini)"
    [ "$(grep -c '^\[' run.ini)" -ge 10 ] || fail "run.ini has too few sections"
    succeeds run resnet18_28 --config run.ini --out "$scratch/b"
    same_results "$scratch/a/summary.json" "$scratch/b/summary.json" || fail "summary.json differs on rerun"
    cmp "$scratch/a/layers.csv" "$scratch/b/layers.csv" || fail "layers.csv differs on rerun"
    succeeds denoiser "${small[@]}" --denoiser.cores 4 --run.runs 2 --seed 9 \
        --dump-config denoiser.ini --out "$scratch/c"
    grep -qx 'channels = 16' denoiser.ini || fail "denoiser.ini lacks the shorthand's value"
    succeeds denoiser --config denoiser.ini --out "$scratch/d"
    same_results "$scratch/c/denoiser.json" "$scratch/d/denoiser.json" || fail "denoiser.json differs"
    succeeds eval resnet18_28 --dataset.limit 50 --exec.threads 1 --dump-config eval.ini
    head -n -1 "$scratch/stdout" >eval1.txt
    succeeds eval resnet18_28 --config eval.ini
    head -n -1 "$scratch/stdout" >eval2.txt
    cmp eval1.txt eval2.txt || fail "dnsim eval differs on rerun"
    # A value an INI file cannot hold is refused, naming the key.
    refused "^dnsim: error: dataset\.images: ' x\.npy' cannot be written to an INI file" \
        eval resnet18_28 --dataset.format npy --dataset.images " x.npy" --dataset.labels y.npy \
        --dump-config bad.ini ;;
presets)
    # --preset NAME: the file's keys, under --config and the command line; the resolved
    # configuration shows which value won. Every shipped preset is a valid `dnsim run` file.
    paper=(run resnet18 --timing-only --denoisers conv1,layer4.1.conv2)
    succeeds "${paper[@]}" --preset paper-4core --dump-config p.ini --out "$scratch/p4"
    grep -qx 'cores = 4' p.ini || fail "paper-4core: denoiser.cores is not 4: $(cat p.ini)"
    grep -qx 'pass_ns = 100' p.ini || fail "paper-4core: cgra.pass_ns is not 100"
    printf '[denoiser]\ncores = 6\n' >six.ini
    succeeds "${paper[@]}" --preset paper-4core --config six.ini --cgra.pass_ns 80 \
        --dump-config q.ini --out "$scratch/q"
    grep -qx 'cores = 6' q.ini || fail "--config does not win over the preset: $(cat q.ini)"
    grep -qx 'pass_ns = 80' q.ini || fail "the command line does not win over the preset"
    # dnsim denoiser takes the preset's denoiser keys and leaves its cgra keys.
    succeeds denoiser "${small[@]}" --preset paper-4core --dump-config d.ini --out "$scratch/d"
    grep -qx 'cores = 4' d.ini || fail "dnsim denoiser: paper-4core's cores not applied"
    for p in "$(dirname "$here")/../platform/presets"/*.ini; do
        succeeds "${paper[@]}" --preset "$(basename "$p" .ini)" --out "$scratch/all"
    done
    refused "^dnsim: error: preset: 'nope' is not a preset; accepted: calibrated-11pct, isaac, paper-10core, paper-4core, puma" \
        "${paper[@]}" --preset nope --out "$out"
    refused "^dnsim: error: preset: '\.\./x' is not a preset" "${paper[@]}" --preset ../x --out "$out"
    mkdir presets && printf '[denoiser]\ncorse = 4\n' >presets/typo.ini
    DNSIM_PRESETS_DIR=$scratch/presets refused \
        "^dnsim: error: preset file '.*typo\.ini', line 2: unknown key 'denoiser\.corse'" \
        "${paper[@]}" --preset typo --out "$out"
    printf '[denoisr]\ncores = 4\n' >presets/section.ini
    DNSIM_PRESETS_DIR=$scratch/presets refused \
        "^dnsim: error: preset file '.*section\.ini', line 2: unknown key 'denoisr\.cores'" \
        denoiser "${small[@]}" --preset section --out "$out"
    printf '[denoiser]\ncores = 0\n' >presets/zero.ini
    DNSIM_PRESETS_DIR=$scratch/presets refused \
        "^dnsim: error: denoiser\.cores: preset file '.*zero\.ini', line 2: 0 is out of range" "${paper[@]}" --preset zero --out "$out" ;;
*) fail "unknown case" ;;
esac
exit 0
