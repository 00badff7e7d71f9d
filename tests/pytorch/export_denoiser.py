"""Exports a small PyTorch network with a denoiser block in the form docs/onnx.md describes
(custom op ai.dnsim::Denoiser), plus one input and PyTorch's output, as an ONNX backend test
case: OUT/model.onnx and OUT/test_data_set_0/{input_0,output_0}.pb. dnsim must import the
model and reproduce PyTorch's output (dnsim_onnx_conformance --case OUT).

The network also uses the ops PyTorch exports in its own way: ReLU6 (Clip with constant
bounds), SiLU (x * Sigmoid(x)), Hardswish, BatchNorm, squeeze-excitation Mul, Flatten, Linear.

usage: export_denoiser.py OUT_DIR
"""
import os
import sys

import torch
from onnx import numpy_helper


class DnsimDenoiserFn(torch.autograd.Function):
    """The denoiser block; `symbolic` tells torch.onnx to emit one ai.dnsim::Denoiser node."""

    @staticmethod
    def forward(ctx, x, wr, br, wd, bd, wm, bm, wv, bv, alpha, eps):
        f = torch.nn.functional
        h1 = f.leaky_relu(f.conv2d(x, wr, br), alpha)
        h2 = f.leaky_relu(f.conv2d(h1, wd, bd, padding=1, groups=wd.shape[0]), alpha)
        mu = f.conv2d(h2, wm, bm)
        sigma = torch.sqrt(torch.clamp(f.conv2d(h2, wv, bv), min=0.0))
        return x - (eps * sigma + mu)

    @staticmethod
    def symbolic(g, x, wr, br, wd, bd, wm, bm, wv, bv, alpha, eps):
        return g.op("ai.dnsim::Denoiser", x, wr, br, wd, bd, wm, bm, wv, bv, alpha_f=alpha)


class Denoiser(torch.nn.Module):
    def __init__(self, channels, ratio=0.25, alpha=2.0 ** -7):
        super().__init__()
        cr = max(1, round(channels * ratio))
        self.alpha = alpha
        self.reduce = torch.nn.Conv2d(channels, cr, 1)
        self.depthwise = torch.nn.Conv2d(cr, cr, 3, padding=1, groups=cr)
        self.mean = torch.nn.Conv2d(cr, channels, 1)
        self.var = torch.nn.Conv2d(cr, channels, 1)

    def forward(self, x):
        # eps: the noise-lane samples. Zero here, so the exported case is deterministic; dnsim
        # supplies its own samples when it runs the block.
        eps = torch.zeros_like(x)
        return DnsimDenoiserFn.apply(x, self.reduce.weight, self.reduce.bias,
                                     self.depthwise.weight, self.depthwise.bias,
                                     self.mean.weight, self.mean.bias, self.var.weight,
                                     self.var.bias, self.alpha, eps)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.den1 = Denoiser(8)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.se1 = torch.nn.Conv2d(16, 4, 1)
        self.se2 = torch.nn.Conv2d(4, 16, 1)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = torch.nn.functional.relu6(self.bn1(self.conv1(x)))
        x = self.den1(x)
        x = torch.nn.functional.silu(self.conv2(x))
        s = torch.sigmoid(self.se2(torch.relu(self.se1(x.mean((2, 3), keepdim=True)))))
        x = torch.nn.functional.hardswish(x * s)
        x = torch.nn.functional.adaptive_avg_pool2d(self.pool(x), 1)
        return self.fc(torch.flatten(x, 1))


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():  # non-trivial BN statistics
        net.bn1.running_mean.uniform_(-0.5, 0.5)
        net.bn1.running_var.uniform_(0.5, 1.5)
    net.eval()
    x = torch.randn(2, 1, 12, 12)
    with torch.no_grad():
        y = net(x)
    torch.onnx.export(net, x, os.path.join(out, "model.onnx"), opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
                      custom_opsets={"ai.dnsim": 1})
    for name, t in (("input_0", x), ("output_0", y)):
        with open(os.path.join(out, "test_data_set_0", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy()).SerializeToString())
    print("exported", os.path.join(out, "model.onnx"))


if __name__ == "__main__":
    main()
