#!/usr/bin/python3
"""PyTorch's side of the replay-speed comparison (tests/bench/compare_pytorch.py runs it).

Rebuilds an ONNX model of dnsim (a backbone without Denoiser nodes) as a PyTorch module that
runs the graph's nodes with torch operators, then times inference over Fashion-MNIST test
images in every variant a user who picked PyTorch might run:

  eager NCHW, eager channels_last, TorchScript traced + frozen (NCHW, channels_last), and
  traced + frozen + torch.jit.optimize_for_inference (NCHW, channels_last),

at the given batch sizes, clean and noisy. The noisy pass is dnsim's activation-noise model
(noise.magnitude tensor, Gaussian) as forward code: the output y of every Conv and Gemm gets
k * mean|y| (per image and tensor) * N(0, 1). Prints one JSON object per measurement on stdout.
"""
import argparse
import gzip
import json
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F


def load_images(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    rows = int.from_bytes(data[8:12], "big")
    cols = int.from_bytes(data[12:16], "big")
    px = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)
    px = px[:limit].astype(np.float32) / 255.0
    return torch.from_numpy(px.copy())


def load_labels(path, limit):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=8)[:limit].astype(np.int64))


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxModule(torch.nn.Module):
    """The ONNX graph's nodes in order, each one torch call; k > 0 adds the activation noise."""

    def __init__(self, model, k):
        super().__init__()
        g = model.graph
        self.k = float(k)
        self.nodes = []
        self.params = torch.nn.ParameterList()
        self.index = {}
        for init in g.initializer:
            self.index[init.name] = len(self.params)
            t = torch.from_numpy(onnx.numpy_helper.to_array(init).copy())
            self.params.append(torch.nn.Parameter(t, requires_grad=False))
        supported = {"Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "Add", "Mul",
                     "Concat", "GlobalAveragePool", "AveragePool", "MaxPool", "Flatten", "Gemm"}
        for n in g.node:
            if n.op_type not in supported:
                sys.exit(f"pytorch_side.py: {n.op_type} (node '{n.name}') is not supported; "
                         f"give the backbone file (without Denoiser nodes)")
            self.nodes.append((n.op_type, list(n.input), n.output[0], attrs_of(n)))
        self.input = g.input[0].name
        self.output = g.output[0].name

    def value(self, env, name):
        if name in env:
            return env[name]
        return self.params[self.index[name]]

    def noise(self, y):
        if self.k == 0.0:
            return y
        dims = tuple(range(1, y.dim()))
        sigma = self.k * y.abs().mean(dim=dims, keepdim=True)
        return y + sigma * torch.randn_like(y)

    def forward(self, x):
        env = {self.input: x}
        for op, ins, out, a in self.nodes:
            v = [self.value(env, i) for i in ins if i]
            if op == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                y = F.conv2d(v[0], v[1], v[2] if len(v) > 2 else None,
                             stride=a.get("strides", [1, 1]), padding=(pads[0], pads[1]),
                             dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
                y = self.noise(y)
            elif op == "BatchNormalization":
                y = F.batch_norm(v[0], v[3], v[4], v[1], v[2], False, 0.0,
                                 a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(v[0])
            elif op == "Clip":
                y = torch.clamp(v[0], float(v[1]), float(v[2]))
            elif op == "Sigmoid":
                y = torch.sigmoid(v[0])
            elif op == "Add":
                y = v[0] + v[1]
            elif op == "Mul":
                y = v[0] * v[1]
            elif op == "Concat":
                y = torch.cat(v, dim=a.get("axis", 1))
            elif op == "GlobalAveragePool":
                y = F.adaptive_avg_pool2d(v[0], 1)
            elif op == "AveragePool":
                y = F.avg_pool2d(v[0], a["kernel_shape"], a.get("strides"),
                                 a.get("pads", [0, 0, 0, 0])[:2])
            elif op == "MaxPool":
                y = F.max_pool2d(v[0], a["kernel_shape"], a.get("strides"),
                                 a.get("pads", [0, 0, 0, 0])[:2])
            elif op == "Flatten":
                y = torch.flatten(v[0], a.get("axis", 1))
            elif op == "Gemm":
                w = v[1].t() if a.get("transB", 0) else v[1]
                y = v[0] @ w
                if len(v) > 2:
                    y = y + v[2]
                y = self.noise(y)
            env[out] = y
        return env[self.output]


def variants(model, k, example, which):
    """(name, callable) for every requested variant; TorchScript ones traced on `example`."""
    out = []
    for layout in ("nchw", "channels_last"):
        mem = torch.channels_last if layout == "channels_last" else torch.contiguous_format
        m = OnnxModule(model, k).eval().to(memory_format=mem)
        if "eager" in which:
            out.append((f"eager/{layout}", m, mem))
        with torch.inference_mode():
            ex = example.to(memory_format=mem)
            if "script" in which or "optimized" in which:
                traced = torch.jit.trace(m, ex, check_trace=False)
            if "script" in which:
                out.append((f"traced+frozen/{layout}", torch.jit.freeze(traced.eval()), mem))
            if "optimized" in which:
                frozen = torch.jit.freeze(torch.jit.trace(m, ex, check_trace=False).eval())
                out.append((f"traced+frozen+optimize_for_inference/{layout}",
                            torch.jit.optimize_for_inference(frozen), mem))
    return out


def time_variant(fn, mem, images, labels, batch, seed):
    torch.manual_seed(seed)
    correct = 0
    with torch.inference_mode():
        # Warm-up: one batch (TorchScript profiles and specialises on its first calls).
        for _ in range(2):
            fn(images[:batch].contiguous(memory_format=mem))
        t0 = time.perf_counter()
        for s in range(0, images.shape[0], batch):
            x = images[s:s + batch].contiguous(memory_format=mem)
            correct += int((fn(x).argmax(dim=1) == labels[s:s + batch]).sum())
        wall = time.perf_counter() - t0
    return wall, correct


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", help="ONNX backbone (no Denoiser nodes)")
    p.add_argument("--images", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,16,64,256")
    p.add_argument("--k", type=float, default=0.06)
    p.add_argument("--variants", default="eager,script,optimized")
    p.add_argument("--passes", default="clean,noisy")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    images = load_images(f"{args.data}/t10k-images-idx3-ubyte.gz", args.images)
    labels = load_labels(f"{args.data}/t10k-labels-idx1-ubyte.gz", args.images)
    model = onnx.load(args.model)
    # The input normalisation dnsim reads from the model's metadata (docs/onnx.md).
    meta = {m.key: m.value for m in model.metadata_props}
    mean = float(meta.get("dnsim.input.mean", "0"))
    std = float(meta.get("dnsim.input.std", "1"))
    images = ((images - np.float32(mean)) / np.float32(std)).contiguous()
    which = args.variants.split(",")
    for pass_name in args.passes.split(","):
        k = 0.0 if pass_name == "clean" else args.k
        for batch in [int(b) for b in args.batches.split(",")]:
            example = images[:batch]
            for name, fn, mem in variants(model, k, example, which):
                wall, correct = time_variant(fn, mem, images, labels, batch, seed=1)
                print(json.dumps({"side": "pytorch", "pass": pass_name, "variant": name,
                                  "batch": batch, "images": int(images.shape[0]),
                                  "wall_s": wall, "images_per_s": images.shape[0] / wall,
                                  "accuracy_pct": 100.0 * correct / images.shape[0],
                                  "threads": args.threads, "torch": torch.__version__}),
                      flush=True)


if __name__ == "__main__":
    main()
