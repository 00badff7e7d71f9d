#!/usr/bin/env python3
"""A timing-only run builds a built-in model with the shapes of its weights only (no values):
its layers.csv must be byte for byte, and every timing, energy and action-count field of its
summary.json equal to, what the timing job of an accuracy run of the same model (weights
drawn) writes.
usage: timing_only_weights.py DNSIM OUT_DIR"""
import json
import os
import shutil
import subprocess
import sys

dnsim, out = sys.argv[1:3]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
common = ["run", "resnet18_28", "--denoisers", "conv1,layer3.0.relu2"]


def run(name, *args):
    p = subprocess.run([dnsim, *common, *args, "--out", os.path.join(out, name)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: dnsim {' '.join(common + list(args))}: exit {p.returncode}: {p.stderr}")
    with open(os.path.join(out, name, "layers.csv"), "rb") as f:
        layers = f.read()
    with open(os.path.join(out, name, "summary.json")) as f:
        summary = json.load(f)
    return layers, summary


timing_layers, timing = run("timing", "--timing-only")
accuracy_layers, accuracy = run("accuracy", "--dataset.limit", "4")
if timing_layers != accuracy_layers:
    sys.exit("FAIL: layers.csv of the timing-only run differs from the accuracy run's")
# What differs by design: the configuration (dataset keys), provenance and accuracy.
ignored = {"config", "provenance", "accuracy"}
if set(timing) != set(accuracy) - {"accuracy"}:
    sys.exit(f"FAIL: summary.json fields differ: {sorted(set(timing) ^ set(accuracy))}")
for key in sorted(set(timing) - ignored):
    if timing[key] != accuracy[key]:
        sys.exit(f"FAIL: summary.json '{key}': timing-only {timing[key]!r}, "
                 f"accuracy run {accuracy[key]!r}")
print(f"ok: {len(set(timing) - ignored)} summary fields and layers.csv identical")
