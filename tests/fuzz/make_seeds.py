#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/<target>/ (checked in).

Small inputs in each harness's layout (fuzz_common.h: a flags byte, a 16-bit length, two
parts): IDX, CIFAR-10 and .npy files made here, a few Fashion-MNIST images, SCALE-Sim rows,
ONNX models cut from the shipped ones (workloads/models/*.onnx: the first layers, and the last
ones, each with its weights; fuzz_onnx_structured starts from them too), and configurations of
`dnsim run` and `dnsim eval` (an INI file and command-line arguments, fuzz_config.cpp). Deterministic: running it again gives the same files.
Needs Debian's python3-onnx and python3-numpy (scripts/install-deps.sh)."""

import gzip
import os
import shutil
import struct
import sys

import numpy as np
import onnx
from onnx import helper, shape_inference

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
FASHION = "/usr/share/datasets/fashion-mnist"


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pair(flags, first, second):
    return bytes([flags]) + struct.pack("<H", len(first)) + first + second


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def idx_images(pixels):
    n, h, w = pixels.shape
    return struct.pack(">IIII", 0x803, n, h, w) + pixels.astype(np.uint8).tobytes()


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def npy(array, version=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        array.dtype.str, str(tuple(array.shape)))
    prefix = 10 if version == 1 else 12
    while (prefix + len(header) + 1) % 64:
        header += " "
    header += "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + array.tobytes()


def idx_seeds():
    px = np.arange(2 * 2 * 3).reshape(2, 2, 3)
    img, lab = idx_images(px), idx_labels([3, 7])
    put("idx", "plain_2x2x3", pair(0, img, lab))
    put("idx", "gzip_both_limit1", pair(3 | 4, img, lab))
    put("idx", "raw_gzip_images", pair(0, gz(img), lab))
    if os.path.exists(FASHION):
        with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
            head = f.read(16 + 3 * 784)
        with gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
            labels = f.read(8 + 3)
        head = struct.pack(">I", 0x803) + struct.pack(">I", 3) + head[8:]
        labels = struct.pack(">II", 0x801, 3) + labels[8:]
        put("idx", "fashion_mnist_3", pair(0, head, labels))


def cifar_seeds():
    rec = bytes([6]) + bytes((i * 7) % 256 for i in range(3072))
    rec2 = bytes([9]) + bytes((i * 3) % 256 for i in range(3072))
    put("cifar10", "one_record", pair(0, rec, b""))
    put("cifar10", "two_files_gzip", pair(16 | 2, rec, rec2))
    put("cifar10", "two_records_limit1", pair(4, rec, rec2))


def npy_seeds():
    u8 = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    put("npy", "u1_nhw_i8", pair(0, npy(u8), npy(np.array([1, 0, 2], dtype="<i8"))))
    f4 = (np.arange(2 * 3 * 2 * 2, dtype="<f4") / 8).reshape(2, 3, 2, 2)
    put("npy", "f4_nchw_u1", pair(0, npy(f4), npy(np.array([5, 9], dtype="|u1"))))
    f8 = np.linspace(0, 1, 4, dtype="<f8").reshape(1, 2, 2)
    put("npy", "f8_v2_i4", pair(1, npy(f8, 2), npy(np.array([4], dtype="<i4"))))
    put("npy", "u1_limit2_u2", pair(8, npy(u8), npy(np.array([0, 1, 2], dtype="<u2"))))


def csv_seeds():
    header = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
              "Num Filter, Strides,\n")
    rows = ["Conv1, 227, 227, 11, 11, 3, 96, 4,", "Conv2, 31, 31, 5, 5, 96, 256, 1,",
            "Conv3, 15, 15, 3, 3, 256, 384, 1,", "FC1, 1, 1, 1, 1, 9216, 4096, 1,"]
    put("scalesim_csv", "alexnet_like.csv", (header + "\n".join(rows) + "\n").encode())
    put("scalesim_csv", "no_header_crlf.csv", b"L1, 56, 56, 3, 3, 64, 64, 1\r\nL2, 7, 7, 1, 1, 2, 2, 7\r\n")
    shutil.copy(os.path.join(ROOT, "tests", "cli", "bad_topology.csv"),
                os.path.join(OUT, "scalesim_csv", "bad_topology.csv"))


def config(flags, ini, args):
    """fuzz_config's layout: flags (1: --config FILE appended, 8: eval), INI text, arguments
    separated by NUL bytes."""
    return pair(flags, ini.encode(), b"\0".join(a.encode() for a in args))


def config_seeds():
    run_ini = """; every group of keys dnsim run binds
[cgra]
clock_mhz = 1000
crossbars = 16128
replication = 2
replication_policy = balanced
depthwise = block_diagonal
adc_bits = 8
[noise]
fidelity = activation
activation_k = 0.06
magnitude = channel
distribution = laplace
chip_seed = 7
drift_time_s = 3600
drift_compensation = 1
adc_clip = 0.5
[denoiser]
clock_mhz = 500
cores = 4
lanes = 8
[weight_sram]
size_bytes = 65536
width_bits = 64
[activation_sram]
banks = 4
[block]
bottleneck_ratio = 0.25
activation_frac_bits = 8
leaky_shift = 3
[dataset]
format = idx
images = images.idx
labels = labels.idx
limit = 100
max_elements = 1000000
mean = 0.5, 0.25, 0.125
std = 0.2,0.2,0.2
scale = 1/255
channel_order = bgr
[model]
max_tensor_elements = 1048576
max_macs_per_image = 1000000000
[run]
seed = 3
seeds = 2
batch = 16
threads = 1
denoiser_path = tlm
[energy]
mac_16b = 1.5
sram_leakage_per_kib = 0
"""
    put("config", "run_all_groups", config(1, run_ini, ["model.onnx", "--out", "results"]))
    windows = ("\ufeff; dnsim settings\r\n# comment\r\n[cgra]\r\ncrossbars = 200 ; few\r\n"
               "adc_bits=6\t# six\r\n\r\n[noise]\r\nactivation_k = 1e-3\r\n")
    put("config", "bom_crlf_comments", config(1, windows, ["--cgra.crossbars", "300"]))
    put("config", "command_line_only", config(0, "", [
        "m.onnx", "--timing-only", "--noise.magnitude=element", "--dataset.mean", "0.5",
        "--run.batch", "-1", "--denoisers", "conv1,conv2", "--denoiser-ratio", "0.5",
        "--save-logits"]))
    put("config", "config_in_arguments", config(0, "[run]\nseeds = 1001\n", [
        "--energy.adc_conversion", "2", "--config", "x.ini", "--", "model"]))
    put("config", "eval", config(8 | 1, "[dataset]\nformat = npy\nlimit = 10\n"
                                         "[exec]\nthreads = 2\n", ["m.onnx", "--run.seed=9"]))
    with open(os.path.join(ROOT, "tests", "cli", "bad_value.ini")) as f:
        put("config", "bad_value", config(1, f.read(), []))


def cut(model, first, last, metadata):
    """The nodes first..last-1 of `model` as a model of their own, with their weights (and the
    model's metadata_props if `metadata`: the input normalisation fits the first layers only)."""
    g = model.graph
    inferred = shape_inference.infer_shapes(model).graph
    infos = {v.name: v for v in list(inferred.value_info) + list(g.input) + list(g.output)}
    nodes = list(g.node[first:last])
    inits = {t.name: t for t in g.initializer}
    produced = {o for n in nodes for o in n.output}
    used = [i for n in nodes for i in n.input if i]
    inputs = []
    for name in used:
        if name not in produced and name not in inits and name not in [i.name for i in inputs]:
            if name not in infos:
                return None
            inputs.append(infos[name])
    out = nodes[-1].output[0]
    outputs = [infos[out]] if out in infos else [helper.make_tensor_value_info(
        out, onnx.TensorProto.FLOAT, None)]
    graph = helper.make_graph(nodes, g.name, inputs, outputs,
                              [inits[i] for i in dict.fromkeys(used) if i in inits])
    m = helper.make_model(graph, opset_imports=list(model.opset_import))
    m.ir_version = model.ir_version
    for p in model.metadata_props if metadata else []:
        m.metadata_props.add(key=p.key, value=p.value)
    return m.SerializeToString()


def onnx_seeds():
    models = os.path.join(ROOT, "workloads", "models")
    for name in sorted(os.listdir(models)):
        if not name.endswith(".onnx") or name.endswith("_nit.onnx") or "_k2" in name:
            continue
        m = onnx.load(os.path.join(models, name))
        n = len(m.graph.node)
        for tag, (a, b) in {"head": (0, 8), "tail": (n - 4, n)}.items():
            data = cut(m, a, b, tag == "head")
            while data is not None and len(data) > 48 * 1024 and b - a > 1:
                b -= 1 if tag == "head" else 0
                a += 1 if tag == "tail" else 0
                data = cut(m, a, b, tag == "head")
            if data is not None:
                put("onnx", name.replace(".onnx", "_" + tag), data)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    idx_seeds()
    cifar_seeds()
    npy_seeds()
    csv_seeds()
    config_seeds()
    onnx_seeds()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"seeds in {OUT}: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
