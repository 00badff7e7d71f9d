#!/usr/bin/env bash
# Bad dataset and topology files end to end (issue 12, docs/reliability.md): each case makes its
# files (a gzip bomb, a FIFO, crafted IDX/.npy headers, ...) in SCRATCH and runs dnsim through
# expect_error.sh: exit status 1, one error line naming the file and field, no result file.
# usage: bad_inputs.sh CASE SCRATCH DNSIM PYTHON
set -u
name=$1; scratch=$2; dnsim=$3; python=$4
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL ($name): $*"; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || fail "cannot make $scratch"
expect() { "$here/expect_error.sh" "$1" "$scratch/out" -- "$dnsim" "${@:2}" || fail "see above"; }
eval_idx() { expect "$1" eval resnet18_28 --dataset.format idx --dataset.images "$2" --dataset.labels "$3"; }
eval_npy() { expect "$1" eval resnet18_28 --dataset.format npy --dataset.images "$2" --dataset.labels "$3"; }
run_npy() {
    expect "$1" run resnet18_28 --dataset.format npy --dataset.images "$2" --dataset.labels "$3" \
        --out "$scratch/out"
}
# py FILE CODE: writes what CODE (Python, with idx/npy helpers) leaves in `data` to FILE.
py() {
    "$python" - "$1" <<EOF || fail "python failed"
import struct, sys
def idx(n, h, w, pixels=b""): return struct.pack(">IIII", 0x803, n, h, w) + pixels
def labels(n, data=b""): return struct.pack(">II", 0x801, n) + data
def npy(descr, shape, data=b""):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * (-(10 + len(h) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + data
$2
open(sys.argv[1], "wb").write(data)
EOF
}
# 64 MiB of zeros as one gzip member (about 64 KiB); members concatenate into a bomb.
zeros_member() { head -c 67108864 /dev/zero | gzip -1 >zeros.gz || fail "gzip failed"; }
# Runs its arguments with dnsim's memory limited to 2 GiB: reading a 4 GiB bomb whole cannot
# succeed (it ended in "internal error: std::bad_alloc"). An AddressSanitizer build reserves
# terabytes of shadow address space at start, so there the limit is ASan's own: no allocation
# above 2 GiB (one would stop dnsim with an out-of-memory report, which fails the test).
small_memory() {
    if ldd "$dnsim" 2>/dev/null | grep -q libasan; then
        (export ASAN_OPTIONS="${ASAN_OPTIONS:-}:max_allocation_size_mb=2048" && "$@") || exit 1
    else
        (ulimit -v 2097152 && "$@") || exit 1
    fi
}

case $name in
dev_zero)
    eval_idx "/dev/zero: is a character device, not a regular file; input files must be regular files" \
        /dev/zero /dev/zero ;;
directory)
    mkdir dir
    eval_npy "/dir: is a directory, not a regular file" "$scratch/dir" "$scratch/dir" ;;
fifo)
    # Opening a FIFO without a writer must not wait (the test's timeout catches a hang).
    mkfifo fifo || fail "mkfifo failed"
    eval_idx "/fifo: is a FIFO \(pipe\), not a regular file" "$scratch/fifo" "$scratch/fifo" ;;
gzip_bomb)
    # 4 GiB of zeros in 4 MiB: not an IDX header, found after reading 16 bytes, not 4 GiB.
    zeros_member
    for _ in $(seq 64); do cat zeros.gz; done >bomb.gz
    py labels.idx 'data = labels(10, bytes(10))'
    small_memory eval_idx "bomb.gz: not an IDX image file: expected magic 0x00000803 \(unsigned bytes, 3 dimensions\), found 0x00000000" \
        "$scratch/bomb.gz" "$scratch/labels.idx" ;;
gzip_bomb_after_header)
    # A valid header for 10 images of 28x28, then 4 GiB of zeros: refused one byte after the
    # declared 7856 bytes.
    zeros_member
    py head.idx 'data = idx(10, 28, 28, bytes(7840))'
    { gzip -c head.idx; for _ in $(seq 64); do cat zeros.gz; done; } >bomb.gz
    py labels.idx 'data = labels(10, bytes(10))'
    small_memory eval_idx "bomb.gz: truncated or oversized: the header declares 10 images of 28x28 \(7856 bytes\), the file has more" \
        "$scratch/bomb.gz" "$scratch/labels.idx" ;;
cifar10_gzip_bomb)
    # Zeros are valid CIFAR-10 records (label 0): counted as they are decompressed, refused when
    # they pass dataset.max_elements (2^28 values by default), before any image is stored.
    zeros_member
    for _ in $(seq 64); do cat zeros.gz; done >bomb.gz
    small_memory expect "bomb.gz: at least [0-9]+ records of 3x32x32 pixels: [0-9]+ values, more than dataset.max_elements = 268435456" \
        eval resnet18_28 --dataset.format cifar10 --dataset.images "$scratch/bomb.gz" ;;
idx_overflow)
    # 4 x 2^31 x 2^31 pixels wrap to 0 bytes in 64 bits: this crashed in the normalisation.
    py images.idx 'data = idx(4, 2**31, 2**31)'
    py labels.idx 'data = labels(4, bytes(4))'
    eval_idx "images.idx: the header declares 4 images of 2147483648x2147483648 pixels \(images x rows x columns\): the element count overflows 64-bit arithmetic" \
        "$scratch/images.idx" "$scratch/labels.idx" ;;
npy_overflow_pair)
    # Both sizes wrap to 0 bytes; the label reader read past its buffer and printed a
    # different "label" on every run.
    py x.npy 'data = npy("|u1", "(2305843009213693952, 1, 1, 8)")'
    py y.npy 'data = npy("<i8", "(2305843009213693952,)")'
    expect "x.npy: shape \(2305843009213693952, 1, 1, 8\): the element count overflows 64-bit arithmetic" \
        eval resnet18_28 --dataset.format npy --dataset.images "$scratch/x.npy" \
        --dataset.labels "$scratch/y.npy" --dataset.limit 5 ;;
npy_negative_shape)
    py x.npy 'data = npy("|u1", "(-2, 28, 28)", bytes(1568))'
    py y.npy 'data = npy("<i8", "(2,)", bytes(16))'
    eval_npy "x.npy: malformed .npy header: negative dimension in 'shape'" "$scratch/x.npy" "$scratch/y.npy" ;;
npy_unclosed_shape)
    py x.npy 'data = npy("|u1", "(2, 28, 28", bytes(1568))'
    py y.npy 'data = npy("<i8", "(2,)", bytes(16))'
    eval_npy "x.npy: malformed .npy header: unclosed shape tuple" "$scratch/x.npy" "$scratch/y.npy" ;;
npy_huge_dimension)
    py x.npy 'data = npy("|u1", "(99999999999999999999, 28, 28)")'
    py y.npy 'data = npy("<i8", "(2,)", bytes(16))'
    eval_npy "x.npy: malformed .npy header: dimension 99999999999999999999 in 'shape' is too large" \
        "$scratch/x.npy" "$scratch/y.npy" ;;
zero_images_eval)
    py x.npy 'data = npy("|u1", "(0, 28, 28)")'
    py y.npy 'data = npy("<i8", "(0,)")'
    eval_npy "x.npy: shape \(0, 28, 28\) declares 0 images; a dataset needs at least one" \
        "$scratch/x.npy" "$scratch/y.npy" ;;
zero_images_run)
    # No summary is written (expect_error.sh checks the output directory stays empty).
    py x.idx 'data = idx(0, 28, 28)'
    py y.idx 'data = labels(0)'
    expect "x.idx: the header declares 0 images; a dataset needs at least one" \
        run resnet18_28 --dataset.format idx --dataset.images "$scratch/x.idx" \
        --dataset.labels "$scratch/y.idx" --out "$scratch/out" ;;
max_elements)
    # Fashion-MNIST's test set declares 10000 x 28 x 28 = 7840000 values.
    expect "t10k-images-idx3-ubyte.gz: the header declares 10000 images of 28x28 pixels \(images x rows x columns\): 7840000 values, more than dataset.max_elements = 7839999; raise dataset.max_elements" \
        eval resnet18_28 --dataset.limit 10 --dataset.max_elements 7839999
    expect "dataset.max_elements: 0 is out of range; accepted: 1 to 9223372036854775807" \
        eval resnet18_28 --dataset.max_elements 0
    out=$("$dnsim" eval resnet18_28 --dataset.limit 10 --dataset.max_elements 7840000 2>&1) ||
        fail "the limit at the data set's size refuses it: $out"
    grep -q "(float executor, no noise): [0-9.]* % ([0-9]* of 10)" <<<"$out" || fail "no accuracy in: $out" ;;
scalesim_huge_map)
    printf 'Big, 1000000, 1000000, 3, 3, 1, 1, 1,\n' >huge.csv
    msg="huge.csv: line 1: the IFMAP \(Channels 1 x IFMAP Height 1000000 x IFMAP Width 1000000\) has 1000000000000 elements; the limit is 268435456 elements per tensor and image \(raise it with --model.max_tensor_elements\)"
    expect "$msg" inspect "$scratch/huge.csv"
    expect "$msg" run "$scratch/huge.csv" --timing-only --out "$scratch/out" ;;
scalesim_fifo)
    mkfifo topology.csv || fail "mkfifo failed"
    expect "topology.csv: is a FIFO \(pipe\), not a regular file" inspect "$scratch/topology.csv" ;;
onnx_fifo)
    # Was a hang: the ONNX reader read any path whole.
    mkfifo model.onnx || fail "mkfifo failed"
    expect "model.onnx: is a FIFO \(pipe\), not a regular file" inspect "$scratch/model.onnx" ;;
onnx_dev_zero)
    # Was "internal error: std::bad_alloc" after reading until memory ran out.
    ln -s /dev/zero zero.onnx || fail "ln failed"
    small_memory expect "zero.onnx: is a character device, not a regular file" inspect "$scratch/zero.onnx" ;;
*)
    fail "unknown case" ;;
esac
exit 0
