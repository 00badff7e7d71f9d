#!/usr/bin/python3
"""Replay speed against PyTorch at its best, both sides timed in the same run (issue 17).

Each round runs, one after the other on the same machine, thread count and images:
  - PyTorch (tests/bench/pytorch_side.py): every variant (eager, TorchScript traced + frozen, with
    and without optimize_for_inference; NCHW and channels_last) at batch sizes 1, 16, 64 and
    256, clean and noisy (dnsim's activation-noise model as forward code);
  - dnsim (dnsim_bench_replay_speed): the float executor (clean), the platform replay's noisy
    pass alone, and its denoised pass alone.
For each round it prints images/s per side and the ratios dnsim / best PyTorch, clean and noisy;
at the end the spread over rounds. Never a test: the figures go to docs/benchmarks.md.

  tests/bench/compare_pytorch.py BUILD_DIR [--rounds 3] [--images 10000] [--threads 2] [--json F]

PyTorch runs with glibc's heap trimming off (GLIBC_TUNABLES), which removes the page-fault
storms that otherwise make its rates swing 2-4x between runs: its best, as the issue asks.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # tests/bench -> the repository
TUNABLES = "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=4294967295"


def run_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    rows = []
    for line in out.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    return rows


def pytorch_round(args):
    env = dict(os.environ, GLIBC_TUNABLES=TUNABLES, OMP_NUM_THREADS=str(args.threads))
    rows = []
    model = os.path.join(ROOT, "workloads", "models", "resnet18_28.onnx")
    for batch in args.batches.split(","):
        # Batch 1 and 16 are slow in eager mode; their rate per image is measured on fewer
        # images (the rate, not the total, is compared).
        images = args.images if int(batch) >= 64 else min(args.images, args.small_batch_images)
        rows += run_lines(["/usr/bin/python3", os.path.join(HERE, "pytorch_side.py"), model,
                           "--images", str(images), "--threads", str(args.threads),
                           "--batches", batch, "--k", str(args.k)], env)
    return rows


def dnsim_round(args):
    exe = os.path.join(args.build, "tests", "bench", "dnsim_bench_replay_speed")
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    rows = []
    for what in ("clean", "noisy", "denoised"):
        model = os.path.join(ROOT, "workloads", "models",
                             "resnet18_28_denoised.onnx" if what == "denoised"
                             else "resnet18_28.onnx")
        rows += run_lines([exe, what, model, str(args.images), str(args.threads), str(args.k)],
                          env)
    return rows


def best(rows, side, pass_name):
    c = [r for r in rows if r["side"] == side and r["pass"] == pass_name]
    return max(c, key=lambda r: r["images_per_s"]) if c else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", help="build directory (holds tests/bench/dnsim_bench_replay_speed)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--images", type=int, default=10000)
    p.add_argument("--small-batch-images", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,16,64,256")
    p.add_argument("--k", type=float, default=0.06)
    p.add_argument("--json", help="also write every measurement to this file")
    args = p.parse_args()
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print(f"machine: {cpu}, {os.cpu_count()} CPUs; {args.threads} threads per side; "
          f"{args.images} Fashion-MNIST test images; k = {args.k}", flush=True)
    all_rows = []
    summary = []
    for rnd in range(1, args.rounds + 1):
        t0 = time.time()
        rows = pytorch_round(args) + dnsim_round(args)
        for r in rows:
            r["round"] = rnd
        all_rows += rows
        print(f"\nround {rnd} ({time.time() - t0:.0f} s):")
        print(f"  {'side':8} {'pass':9} {'variant':52} {'batch':>5} {'images/s':>9} "
              f"{'accuracy %':>10}")
        for r in sorted(rows, key=lambda r: (r["pass"], r["side"], -r["images_per_s"])):
            print(f"  {r['side']:8} {r['pass']:9} {r['variant']:52} {r['batch']:>5} "
                  f"{r['images_per_s']:9.1f} {r['accuracy_pct']:10.2f}")
        line = {"round": rnd}
        for pass_name in ("clean", "noisy"):
            torch_best = best(rows, "pytorch", pass_name)
            ours = best(rows, "dnsim", pass_name)
            ratio = ours["images_per_s"] / torch_best["images_per_s"]
            line[pass_name] = (ours["images_per_s"], torch_best["images_per_s"], ratio,
                               f"{torch_best['variant']} @ {torch_best['batch']}")
            print(f"  {pass_name}: dnsim {ours['images_per_s']:.1f} images/s, PyTorch at its "
                  f"best {torch_best['images_per_s']:.1f} ({torch_best['variant']}, batch "
                  f"{torch_best['batch']}): ratio {ratio:.2f}", flush=True)
        summary.append(line)
    print("\nsummary (dnsim images/s, best PyTorch images/s, ratio):")
    for pass_name in ("clean", "noisy"):
        ratios = [s[pass_name][2] for s in summary]
        at_least = sum(r >= 1.0 for r in ratios)
        print(f"  {pass_name}: " + "; ".join(
            f"round {s['round']}: {s[pass_name][0]:.0f} / {s[pass_name][1]:.0f} = "
            f"{s[pass_name][2]:.2f}" for s in summary) +
            f"; ratio >= 1.0 in {at_least} of {len(ratios)} rounds")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
