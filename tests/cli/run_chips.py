#!/usr/bin/env python3
"""dnsim run --run.chips N (docs/noise.md, "Chips"), one case per CTest:

  independent            chip c of a two-chip run is the one-chip run of noise.chip_seed B + c
                         and run.seed S + c: the same accuracies and the same logits bytes; a
                         run on chip B with seed S + 1 differs (the comparison sees the chip)
  independent_bitsliced  the same at the bit-sliced fidelity (each cell drawn per chip)
  statistics             means, standard deviations, per-chip means, worst chips and the 95 %
                         interval over the chips' means, computed here from the passes
  one_chip               --run.chips 1 is the run without the key: the same logits files, names
                         and bytes, and the same summary.json accuracy
  batch_threads          two chips give bit-identical logits at run.batch 1 / run.threads 1 and
                         run.batch 64 / run.threads 2
  note                   several chips without a per-chip source: one note on stderr
  paired                 one chip, one seed: the paired differences and their 95 % intervals
                         (discordant images) computed here from the saved logits and the labels

usage: run_chips.py CASE DNSIM OUT_DIR MODEL"""
import glob
import json
import math
import os
import shutil
import subprocess
import sys

case, dnsim, out, model = sys.argv[1:5]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)

# Student's t quantile t(0.975, df) from the standard table (e.g. NIST/SEMATECH e-Handbook,
# table 1.3.6.7.2): df 1: 12.706, df 2: 4.303, df 5: 2.571.
T975 = {1: 12.706, 2: 4.303, 5: 2.571}
NOTE = "chips differ only in their noise draws"
# Per-chip sources on: every chip has its own programming variation and stuck cells.
CHIP_NOISE = ["--noise.activation_k", "0.1", "--noise.programming_sigma", "0.05",
              "--noise.stuck_fraction", "0.02"]


def fail(msg):
    print(f"FAIL ({case}): {msg}")
    sys.exit(1)


def run(name, *args):
    d = os.path.join(out, name)
    p = subprocess.run([dnsim, "run", model, *args, "--out", d], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"dnsim run {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    with open(os.path.join(d, "summary.json")) as f:
        return d, json.load(f)["accuracy"], p


def read(path):
    with open(path, "rb") as f:
        return f.read()


def logits(d):
    return {os.path.basename(p): read(p) for p in glob.glob(os.path.join(d, "logits_*.npy"))}


def pass_pct(acc, kind, seed, chip=None):
    found = [p for p in acc["passes"] if p["pass"] == kind and p["seed"] == seed
             and (chip is None or p["chip"] == chip)]
    if len(found) != 1:
        fail(f"{len(found)} {kind} passes with seed {seed} on chip {chip}: {acc['passes']}")
    return found[0]["accuracy_pct"]


def independent(extra):
    base_chip, base_seed = 3, 7
    common = ["--run.seeds", "1", "--save-logits", *CHIP_NOISE, *extra]
    both, acc, p = run("chips", *common, "--run.chips", "2", "--noise.chip_seed",
                       str(base_chip), "--run.seed", str(base_seed))
    if NOTE in p.stderr:
        fail(f"a note although every chip has its own draws: {p.stderr}")
    if acc["chips"] != 2 or acc["seeds"] != 1:
        fail(f"chips {acc['chips']}, seeds {acc['seeds']}")
    names = sorted(logits(both))
    want = sorted([f"logits_clean_seed{base_seed}.npy"] +
                  [f"logits_{k}_chip{c}_seed{base_seed + c}.npy"
                   for c in (0, 1) for k in ("noisy", "denoised")])
    if names != want:
        fail(f"logits files {names}, expected {want}")
    for c in (0, 1):
        one, ref, _ = run(f"chip{c}", *common, "--noise.chip_seed", str(base_chip + c),
                          "--run.seed", str(base_seed + c))
        seed = base_seed + c
        for kind in ("noisy", "denoised"):
            got = pass_pct(acc, kind, seed, chip=c)
            if got != pass_pct(ref, kind, seed):
                fail(f"chip {c} {kind}: {got} %, the one-chip run gives "
                     f"{pass_pct(ref, kind, seed)} %")
            if read(os.path.join(both, f"logits_{kind}_chip{c}_seed{seed}.npy")) != \
                    read(os.path.join(one, f"logits_{kind}_seed{seed}.npy")):
                fail(f"chip {c} {kind}: logits differ from the one-chip run's")
        if [e for e in acc["per_chip"] if e["chip"] == c][0]["chip_seed"] != base_chip + c:
            fail(f"per_chip {acc['per_chip']}")
    # The control: chip 1's seed on chip 0's weights is another result, so the equality above
    # could not hold if chip 1 were computed on chip 0's weights.
    same_chip, _, _ = run("control", *common, "--noise.chip_seed", str(base_chip),
                          "--run.seed", str(base_seed + 1))
    if read(os.path.join(same_chip, f"logits_noisy_seed{base_seed + 1}.npy")) == \
            read(os.path.join(both, f"logits_noisy_chip1_seed{base_seed + 1}.npy")):
        fail("chip 1's noisy logits equal chip 0's weights with chip 1's seed")


def mean(v):
    return sum(v) / len(v)


def std(v):
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def close(a, b):
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


if case == "independent":
    independent(["--dataset.limit", "40"])

elif case == "independent_bitsliced":
    independent(["--dataset.limit", "3", "--noise.fidelity", "bitsliced"])

elif case == "statistics":
    chips, seeds, base_chip, base_seed = 3, 2, 11, 20
    _, acc, proc = run("stats", "--dataset.limit", "100", "--run.chips", str(chips), "--run.seeds",
                    str(seeds), "--noise.chip_seed", str(base_chip), "--run.seed",
                    str(base_seed), *CHIP_NOISE[:2], "--noise.programming_sigma", "0.15",
                    "--noise.stuck_fraction", "0.05")
    if acc["chips"] != chips or acc["seeds"] != seeds:
        fail(f"chips {acc['chips']}, seeds {acc['seeds']}")
    if not acc["ci95_over"].startswith("chips: Student's t over the 3 chips' mean accuracies"):
        fail(f"ci95_over: {acc['ci95_over']}")
    clean = [p for p in acc["passes"] if p["pass"] == "clean"]
    if len(clean) != 1 or clean[0]["chip"] is not None or clean[0]["chip_seed"] is not None:
        fail(f"clean passes: {clean}")
    for kind in ("noisy", "denoised"):
        passes = [p for p in acc["passes"] if p["pass"] == kind]
        if len(passes) != chips * seeds:
            fail(f"{len(passes)} {kind} passes")
        # Chip c: chip seed B + c, run seeds S + c x seeds + s.
        for p in passes:
            c = p["chip"]
            if p["chip_seed"] != base_chip + c or \
                    not base_seed + c * seeds <= p["seed"] < base_seed + (c + 1) * seeds:
                fail(f"{kind} pass {p}: not chip {c}'s seeds")
            if not close(p["accuracy_pct"], 100.0 * p["correct"] / p["images"]):
                fail(f"{kind} pass {p}: accuracy_pct")
        pct = [100.0 * p["correct"] / p["images"] for p in passes]
        chip_means = [mean([100.0 * p["correct"] / p["images"] for p in passes
                            if p["chip"] == c]) for c in range(chips)]
        want = {f"{kind}_pct_mean": mean(pct), f"{kind}_pct_std": std(pct),
                f"{kind}_pct_ci95": T975[chips - 1] * std(chip_means) / math.sqrt(chips)}
        for k, v in want.items():
            if not close(acc[k], v):
                fail(f"{k} = {acc[k]}, computed here {v}")
        for c in range(chips):
            e = acc["per_chip"][c]
            if e["chip"] != c or e["chip_seed"] != base_chip + c or \
                    not close(e[f"{kind}_pct_mean"], chip_means[c]):
                fail(f"per_chip[{c}] = {e}, computed here {chip_means[c]}")
        worst = min(range(chips), key=lambda c: (chip_means[c], c))
        w = acc[f"{kind}_worst_chip"]
        if w["chip"] != worst or w["chip_seed"] != base_chip + worst or \
                not close(w["pct"], chip_means[worst]):
            fail(f"{kind}_worst_chip = {w}, computed here chip {worst} at {chip_means[worst]}")
        # The interval must be over the chips: the one over all passes is another figure.
        if len(set(chip_means)) > 1 and close(acc[f"{kind}_pct_ci95"],
                                              T975[5] * std(pct) / math.sqrt(len(pct))):
            fail(f"{kind}_pct_ci95 is the interval over every pass")
    # The paired differences: each noisy pass minus the clean one, each denoised pass minus the
    # noisy pass of its chip and seed; the interval over the chips' mean differences.
    by = {(p["pass"], p["chip"], p["seed"]): 100.0 * p["correct"] / p["images"]
          for p in acc["passes"]}
    clean_pct = by[("clean", None, base_seed)]
    for name, a, b in (("noisy_minus_clean", "noisy", None), ("denoised_minus_noisy", "denoised",
                                                              "noisy")):
        diffs = {}
        for (kind, c, seed), v in by.items():
            if kind == a:
                diffs.setdefault(c, []).append(v - (by[(b, c, seed)] if b else clean_pct))
        flat = [d for c in sorted(diffs) for d in diffs[c]]
        ci = T975[chips - 1] * std([mean(diffs[c]) for c in sorted(diffs)]) / math.sqrt(chips)
        if len(flat) != chips * seeds or not close(acc[name + "_points"], mean(flat)) or \
                not close(acc[name + "_ci95_points"], ci):
            fail(f"{name}: {acc[name + '_points']} +- {acc[name + '_ci95_points']}, computed "
                 f"here {mean(flat)} +- {ci} from {diffs}")
    if acc["difference_ci95_over"] != "chips: Student's t over the 3 chips' mean differences":
        fail(f"difference_ci95_over: {acc['difference_ci95_over']}")
    # The console: a line per chip and the worst chips.
    for c in range(chips):
        line = (f"  chip {c} (noise.chip_seed {base_chip + c}): noisy "
                f"{acc['per_chip'][c]['noisy_pct_mean']:.2f}, denoised "
                f"{acc['per_chip'][c]['denoised_pct_mean']:.2f}\n")
        if line not in proc.stdout:
            fail(f"console: no line '{line.strip()}'")
    nw = acc["noisy_worst_chip"]
    if f"  worst chip: noisy {nw['pct']:.2f} on chip {nw['chip']} " \
            f"(noise.chip_seed {nw['chip_seed']}); denoised" not in proc.stdout:
        fail(f"console: no worst-chip line\n{proc.stdout}")

elif case == "one_chip":
    common = ["--dataset.limit", "40", "--run.seeds", "2", "--save-logits", *CHIP_NOISE]
    a, acc_a, _ = run("default", *common)
    b, acc_b, _ = run("one", *common, "--run.chips", "1")
    la, lb = logits(a), logits(b)
    want = sorted(["logits_clean_seed1.npy", "logits_noisy_seed1.npy", "logits_noisy_seed2.npy",
                   "logits_denoised_seed1.npy", "logits_denoised_seed2.npy"])
    if sorted(la) != want or sorted(lb) != want:
        fail(f"logits files {sorted(la)} and {sorted(lb)}, expected today's {want}")
    if la != lb:
        fail("--run.chips 1 changed logits bytes")
    if acc_a != acc_b:
        fail(f"--run.chips 1 changed summary.json's accuracy:\n{acc_a}\n{acc_b}")
    # The fields of one chip mean what they meant before chips: over the seeds.
    if acc_a["seeds"] != 2 or acc_a["chips"] != 1 or \
            acc_a["ci95_over"] != "seeds: Student's t over the seeds' accuracies" or \
            "noisy_worst_chip" in acc_a or len(acc_a["per_chip"]) != 1:
        fail(f"one chip: {acc_a}")
    noisy = [p["accuracy_pct"] for p in acc_a["passes"] if p["pass"] == "noisy"]
    if not close(acc_a["noisy_pct_ci95"], T975[1] * std(noisy) / math.sqrt(2)):
        fail(f"noisy_pct_ci95 {acc_a['noisy_pct_ci95']} is not over the two seeds")

elif case == "batch_threads":
    common = ["--dataset.limit", "20", "--run.chips", "2", "--run.seeds", "2", "--save-logits",
              *CHIP_NOISE]
    a, acc_a, _ = run("a", *common, "--run.batch", "1", "--run.threads", "1")
    b, acc_b, _ = run("b", *common, "--run.batch", "64", "--run.threads", "2")
    la, lb = logits(a), logits(b)
    if len(la) != 9:
        fail(f"expected 9 logits files (clean, 2 chips x 2 seeds x noisy, denoised): {sorted(la)}")
    if la != lb:
        fail("logits differ between batch 1 / 1 thread and batch 64 / 2 threads: " +
             ", ".join(sorted(k for k in la if la[k] != lb.get(k))))
    if acc_a != acc_b:
        fail("summary.json's accuracy differs between batch 1 / 1 thread and batch 64 / 2 threads")
    if la["logits_noisy_chip0_seed1.npy"] == la["logits_noisy_chip1_seed3.npy"]:
        fail("chips 0 and 1 gave the same noisy logits")

elif case == "note":
    _, _, p = run("note", "--dataset.limit", "8", "--run.chips", "2")
    lines = [l for l in p.stderr.splitlines() if NOTE in l]
    if lines != ["note: run.chips 2 with noise.programming_sigma and noise.stuck_fraction 0: the "
                 "chips differ only in their noise draws"]:
        fail(f"stderr: {p.stderr}")

elif case == "paired":
    import gzip
    import numpy as np
    images, seed = 300, 4
    d, acc, proc = run("paired", "--dataset.limit", str(images), "--run.seeds", "1",
                       "--run.seed", str(seed), "--noise.activation_k", "0.3", "--save-logits")
    labels_file = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
    with gzip.open(labels_file) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8)[8:8 + images]
    hits = {k: np.load(os.path.join(d, f"logits_{k}_seed{seed}.npy")).argmax(1) == labels
            for k in ("clean", "noisy", "denoised")}
    # Each pass's hits_hex: the same outcomes, 8 images a byte, the first in the top bit.
    for p in acc["passes"]:
        packed = np.frombuffer(bytes.fromhex(p["hits_hex"]), np.uint8)
        if len(p["hits_hex"]) != 2 * ((images + 7) // 8) or \
                not np.array_equal(np.unpackbits(packed)[:images].astype(bool), hits[p["pass"]]) \
                or np.unpackbits(packed)[images:].any():
            fail(f"{p['pass']} pass: hits_hex does not give the outcomes of its logits")
    for name, a, b, draws in (("noisy_minus_clean", "noisy", "clean", ""),
                              ("denoised_minus_noisy", "denoised", "noisy", " and noise draws"),
                              ("denoised_minus_clean", "denoised", "clean", "")):
        only_a = int(np.sum(hits[a] & ~hits[b]))
        only_b = int(np.sum(~hits[a] & hits[b]))
        diff = 100.0 * (only_a - only_b) / images
        # The standard error of a paired difference of proportions (e.g. Agresti, Categorical
        # Data Analysis, 10.1.1): sqrt(b + c - (b - c)^2 / n) / n.
        ci = 1.959964 * 100.0 * math.sqrt(only_a + only_b - (only_a - only_b) ** 2 / images) / \
            images
        if only_a + only_b == 0:
            fail(f"{name}: no discordant images, so the case cannot tell a paired interval "
                 "from none")
        if acc[name + "_discordant_images"] != {f"only_{a}": only_a, f"only_{b}": only_b}:
            fail(f"{name}: discordant {acc[name + '_discordant_images']}, counted here "
                 f"{only_a} / {only_b}")
        if not close(acc[name + "_points"], diff) or not close(acc[name + "_ci95_points"], ci):
            fail(f"{name}: {acc[name + '_points']} +- {acc[name + '_ci95_points']}, computed "
                 f"here {diff} +- {ci}")
        text = f"{diff:+.2f} (95 % CI {diff - ci:+.2f} to {diff + ci:+.2f}, paired over the " \
            f"same images{draws})"
        if text not in proc.stdout:
            fail(f"console: no '{text}'\n{proc.stdout}")
    if not acc["difference_ci95_over"].startswith("images: one pair"):
        fail(f"difference_ci95_over: {acc['difference_ci95_over']}")

else:
    fail(f"unknown case '{case}'")
print(f"ok: {case}")
