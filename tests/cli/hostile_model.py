#!/usr/bin/env python3
"""Builds one malformed or hostile ONNX model (python3-onnx, written here) and checks that dnsim
refuses it the way docs/reliability.md says: exit status 1, one stderr line naming the file and
the node or tensor, no result files, no crash.

Usage: hostile_model.py CASE DNSIM WORKDIR
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_model(x_shape, pads=(1, 1, 1, 1), eps=None, weight=None, extra=None):
    c = x_shape[1]
    w = weight if weight is not None else np.full((4, c, 3, 3), 0.1, np.float32)
    inits = [numpy_helper.from_array(w, "w")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1", pads=list(pads),
                              kernel_shape=[3, 3])]
    out = "y"
    if eps is not None:
        for name, v in (("s", 1.0), ("b", 0.0), ("m", 0.0), ("v", 1.0)):
            inits.append(numpy_helper.from_array(np.full((4,), v, np.float32), name))
        nodes.append(helper.make_node("BatchNormalization", ["y", "s", "b", "m", "v"], ["z"],
                                      name="bn1", epsilon=eps))
        out = "z"
    nodes.append(helper.make_node("GlobalAveragePool", [out], ["g"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["g"], ["logits"], name="flat"))
    if extra:
        nodes, inits = extra(nodes, inits)
    graph = helper.make_graph(
        nodes, "hostile", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def constant_of_shape(shape):
    def add(nodes, inits):
        inits.append(numpy_helper.from_array(np.array(shape, np.int64), "big_shape"))
        nodes.insert(0, helper.make_node("ConstantOfShape", ["big_shape"], ["big"],
                                         name="make_big"))
        nodes.insert(1, helper.make_node("Shape", ["big"], ["big_dims"], name="shape_big"))
        return nodes, inits
    return add


def range_node(start, limit, delta):
    def add(nodes, inits):
        for name, v in (("r0", start), ("r1", limit), ("r2", delta)):
            inits.append(numpy_helper.from_array(np.array(v, np.int64), name))
        nodes.insert(0, helper.make_node("Range", ["r0", "r1", "r2"], ["rng"], name="range1"))
        nodes.insert(1, helper.make_node("Shape", ["rng"], ["rng_dims"], name="shape_rng"))
        return nodes, inits
    return add


def nan_weight():
    w = np.full((4, 1, 3, 3), 0.1, np.float32)
    w[2, 0, 1, 1] = np.nan
    return w


def denoiser_out_of_format(dnsim, work):
    """ResNet-18-28 with a denoiser after conv1 whose reduce weight holds 1e38: the float
    executor can run it, the accelerator's 16-bit format cannot hold it."""
    base = os.path.join(work, "base.onnx")
    subprocess.run([dnsim, "inspect", "resnet18_28", "--denoisers", "conv1", "--export", base],
                   check=True, capture_output=True)
    m = onnx.load(base)
    node = next(n for n in m.graph.node if n.op_type == "Denoiser")
    init = next(i for i in m.graph.initializer if i.name == node.input[1])
    w = numpy_helper.to_array(init).copy()
    w.flat[5] = 1e38
    init.CopyFrom(numpy_helper.from_array(w, init.name))
    return m


# case: (model builder, dnsim arguments after MODEL, stderr regex)
CASES = {
    "huge_input": (lambda: conv_model([1, 1, 100000, 100000]), ["inspect"],
                   r"graph input 'x' has shape 1x1x100000x100000; the limit is \d+ elements"),
    "huge_input_timing_only": (lambda: conv_model([1, 1, 100000, 100000]),
                               ["run", "--timing-only"],
                               r"graph input 'x' has shape .*max_tensor_elements"),
    "overflowing_input": (lambda: conv_model([1, 3, 2**40, 2**40]), ["inspect"],
                          r"graph input 'x' has shape .*the limit is"),
    "huge_pads": (lambda: conv_model([1, 1, 28, 28], pads=(50000,) * 4), ["run", "--timing-only"],
                  r"node 'conv1' \(Conv\): output shape 1x4x100026x100026; the limit"),
    "absurd_pads": (lambda: conv_model([1, 1, 28, 28], pads=(2**62,) * 4), ["inspect"],
                    r"node 'conv1' \(Conv\): pads must be 0 to \d+"),
    "bn_epsilon_nan": (lambda: conv_model([1, 1, 28, 28], eps=float("nan")), ["inspect"],
                       r"node 'bn1' \(BatchNormalization\): attribute epsilon is nan"),
    "bn_epsilon_negative": (lambda: conv_model([1, 1, 28, 28], eps=-1e-3), ["inspect"],
                            r"node 'bn1' \(BatchNormalization\): epsilon is -0.001; it must be "
                            r"greater than 0"),
    "nan_weight": (lambda: conv_model([1, 1, 28, 28], weight=nan_weight()), ["eval"],
                   r"initializer 'w' holds nan at index 22; weights must be finite"),
    "constant_of_shape_huge": (lambda: conv_model([1, 1, 28, 28],
                                                  extra=constant_of_shape([100000, 100000])),
                               ["inspect"],
                               r"node 'make_big' \(ConstantOfShape\).*exceeds the limit"),
    "range_huge": (lambda: conv_model([1, 1, 28, 28], extra=range_node(0, 2**62, 1)),
                   ["inspect"], r"node 'range1' \(Range\).*exceeds the limit"),
    "range_overflow": (lambda: conv_model([1, 1, 28, 28],
                                          extra=range_node(-2**62, 2**62 + 2**61, 1)),
                       ["inspect"], r"node 'range1' \(Range\).*overflow"),
    "denoiser_weight_out_of_format": (denoiser_out_of_format, ["run", "--dataset.limit", "2"],
                                      r"node 'conv1.denoiser' \(Denoiser\): reduce.weight .* "
                                      r"holds 1e\+38 at index 5, outside the block's 16-bit "
                                      r"format"),
}

# Accepted with a warning on stdout (exit status 0): case -> (builder, arguments, stdout regex).
WARNINGS = {
    "eval_warns_denoiser_out_of_format": (
        denoiser_out_of_format, ["eval"],
        r"warning: .*node 'conv1.denoiser' \(Denoiser\): reduce.weight .* holds 1e\+38 at index "
        r"5, outside the block's 16-bit format.*; the float result below is not what the "
        r"accelerator computes, and dnsim run refuses this model"),
}


def main():
    case, dnsim, work = sys.argv[1], sys.argv[2], sys.argv[3]
    warn = case in WARNINGS
    build, args, regex = WARNINGS[case] if warn else CASES[case]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    model = os.path.join(work, f"{case}.onnx")
    onnx.save(build(dnsim, work) if build is denoiser_out_of_format else build(), model)
    out = os.path.join(work, "out")
    cmd = [dnsim, args[0], model, *args[1:]]
    if args[0] == "run":
        cmd += ["--out", out]
    if args[0] == "eval":
        cmd += ["--dataset.limit", "4"]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    import re
    if warn:
        if p.returncode != 0 or not re.search(regex, p.stdout) or p.stderr.strip():
            print(f"{' '.join(cmd)}\nexit {p.returncode}\nstdout: {p.stdout}\nstderr: "
                  f"{p.stderr}\nexpected exit 0 and a line matching: {regex}")
            return 1
        print(f"{case}: {p.stdout.splitlines()[0]}")
        return 0
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    ok = (p.returncode == 1 and len(lines) == 1 and re.search(regex, lines[0])
          and not os.path.exists(out))
    if not ok:
        print(f"{' '.join(cmd)}\nexit {p.returncode}\nstderr: {p.stderr}\nexpected one line "
              f"matching: {regex}")
        return 1
    print(f"{case}: {lines[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
