#!/usr/bin/env python3
"""Runs one `dnsim run` under every kernel copy this machine (or an emulated CPU) runs and
checks that cycles, action counts, energy and power are identical, and that accuracy differs
by at most --max-flip-pct of the images (the GEMM copies round differently where they use FMA;
the difference is printed for docs/benchmarks.md).

Usage: isa_paths.py DNSIM OUT_DIR [--qemu QEMU] [--max-flip-pct P] -- RUN_ARGS...
Each variant is NAME=ENV_ISA[@QEMU_CPU]: e.g. native-v2=x86-64-v2, emulated-v2=@Nehalem.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def run(dnsim, out, isa, qemu_cpu, qemu, args):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    env.pop("DNSIM_ISA", None)
    if isa:
        env["DNSIM_ISA"] = isa
    cmd = [dnsim, "run", *args, "--out", out]
    if qemu_cpu:
        cmd = [qemu, "-cpu", qemu_cpu, *cmd]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} (DNSIM_ISA={isa}) failed with {p.returncode}:\n"
                 f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def cpu_level(dnsim):
    """The highest copy this CPU runs, from `dnsim --version` ("... (cpu x86-64-vN, ...")."""
    env = dict(os.environ)
    env.pop("DNSIM_ISA", None)
    out = subprocess.run([dnsim, "--version"], env=env, capture_output=True, text=True,
                         check=True).stdout
    for level in (4, 3, 2):
        if f"cpu x86-64-v{level}" in out:
            return level
    return 2


def strip(summary):
    """Everything but accuracy, the kernels' name and where and when it ran: must be identical
    across copies."""
    s = dict(summary)
    s.pop("accuracy", None)
    s.pop("kernels_isa", None)
    s.pop("provenance", None)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dnsim")
    ap.add_argument("out")
    ap.add_argument("--variant", action="append", required=True,
                    help="NAME=DNSIM_ISA[@QEMU_CPU]")
    ap.add_argument("--qemu", default="qemu-x86_64")
    ap.add_argument("--max-flip-pct", type=float, default=1.0)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:split])
    args = argv[split + 1:]
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    results = {}
    best = cpu_level(a.dnsim)
    for v in a.variant:
        name, spec = v.split("=", 1)
        isa, _, cpu = spec.partition("@")
        if not cpu and isa.startswith("x86-64-v") and int(isa[-1]) > best:
            print(f"{name}: skipped, this CPU runs up to x86-64-v{best}")
            continue
        results[name] = run(a.dnsim, os.path.join(a.out, name), isa, cpu, a.qemu, args)
        print(f"{name}: kernels {results[name].get('kernels_isa')}")
    ref_name = next(iter(results))
    ref = results[ref_name]
    failed = False
    for name, r in results.items():
        if strip(r) != strip(ref):
            diff = [k for k in set(strip(r)) | set(strip(ref)) if strip(r).get(k) != strip(ref).get(k)]
            print(f"{name} vs {ref_name}: timing/energy fields differ: {sorted(diff)}")
            failed = True
        if "accuracy" in ref:
            for p_ref, p in zip(ref["accuracy"]["passes"], r["accuracy"]["passes"]):
                d = p["correct"] - p_ref["correct"]
                pct = 100.0 * abs(d) / p["images"]
                print(f"{name}: {p['pass']} seed {p['seed']}: {p['correct']}/{p['images']} correct "
                      f"({d:+d} vs {ref_name})")
                if pct > a.max_flip_pct:
                    print(f"  accuracy differs by {pct:.2f} % > {a.max_flip_pct} %")
                    failed = True
    print("cycles, action counts, energy and power identical across "
          f"{', '.join(results)}" if not failed else "FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
