#!/usr/bin/env python3
"""Power figures of dnsim run say their window (issue 16, docs/energy.md): a run without
denoiser blocks reports the idle denoiser's static power and no denoiser power; a run with
blocks reports both windows, each split into static and dynamic. The idle static power and the
active window's static power are checked against hand computations from the default keys.
usage: power_windows.py DNSIM OUT_DIR"""
import json
import os
import shutil
import subprocess
import sys

dnsim, out = sys.argv[1:3]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def run(name, *args):
    cmd = [dnsim, "run", "resnet18_28", "--timing-only", *args, "--out", os.path.join(out, name)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}: exit {p.returncode}: {p.stderr}")
    with open(os.path.join(out, name, "summary.json")) as f:
        return json.load(f), p.stdout


def close(a, b, what):
    if abs(a - b) > 1e-9 * max(1.0, abs(b)):
        sys.exit(f"FAIL: {what}: {a} != {b} (hand computed)")


# Default keys: 10 cores x 200 uW, 4 lanes x 170 uW, control 20 uW; SRAMs 64 + 256 KiB x
# 15.5 uW/KiB; weight SRAM idle in retention (x 0.25), activation SRAM gated (x 0.03), logic
# gated (x 0.03).
logic_uW = 10 * 200 + 4 * 170 + 20
sram_uW = (64 + 256) * 15.5
on_mW = (logic_uW + sram_uW) * 1e-3
idle_mW = (logic_uW * 0.03 + 64 * 15.5 * 0.25 + 256 * 15.5 * 0.03) * 1e-3

windows = ["denoiser_power_inference_window_mW", "denoiser_power_active_window_mW",
           "denoiser_power_active_window_static_mW", "denoiser_power_active_window_dynamic_mW",
           "denoiser_average_power_mW"]
for policy, expect in [("between_blocks", idle_mW), ("always_on", on_mW),
                       ("between_inferences", (logic_uW + sram_uW) * 0.03e-3)]:
    s, stdout = run("none_" + policy, "--denoiser.power_gating", policy)
    for k in windows:
        if k in s:
            sys.exit(f"FAIL: {policy}: a run without denoiser blocks writes {k}")
    if "denoiser average power" in stdout or "denoiser power" in stdout:
        sys.exit(f"FAIL: {policy}: the console prints a denoiser power without blocks")
    close(s["denoiser_idle_static_power_mW"], expect, f"{policy}: idle static power")
    if "denoiser idle static power" not in stdout:
        sys.exit(f"FAIL: {policy}: no idle static power line in the console")

s, stdout = run("conv1", "--denoisers", "conv1")
if "denoiser_idle_static_power_mW" in s:
    sys.exit("FAIL: a run with blocks writes the idle static power")
close(s["denoiser_power_active_window_static_mW"], on_mW, "active window static power")
for w in ["inference_window", "active_window"]:
    total = s[f"denoiser_power_{w}_mW"]
    close(s[f"denoiser_power_{w}_static_mW"] + s[f"denoiser_power_{w}_dynamic_mW"], total,
          f"{w}: static + dynamic")
if not s["denoiser_power_active_window_mW"] > s["denoiser_power_inference_window_mW"]:
    sys.exit("FAIL: the denoiser's power while it runs is not above its inference average")
share = 100 * s["denoiser_energy_per_inference_uJ"] / s["energy_per_inference_uJ"]
close(s["denoiser_energy_share_pct"], share, "denoiser energy share")
print("ok")
