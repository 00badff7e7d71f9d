#!/usr/bin/python3
"""Builds the tables of docs/results.md, workloads/models/manifest.json and the shipped ONNX
files from the outputs of scripts/train-models.sh and scripts/evaluate-models.sh.

    /usr/bin/python3 scripts/make-results.py [--ship NET...] [--training DIR] [--eval DIR]
    /usr/bin/python3 scripts/make-results.py --quick [--no-copy]

Every figure comes from a train.json (dnsim-train) or a summary.json (dnsim run over the
10 000 Fashion-MNIST test images); nothing is typed in by hand. The tables replace what sits
between the <!-- BEGIN name --> and <!-- END name --> markers of docs/results.md.

By default it reads the full recipes (results/training, results/eval) and fills the tables of
the section "Full recipes" (markers full-*) for the networks finished so far; --ship NET copies
those networks' models to workloads/models/ and replaces their manifest entries, keeping the
others'. --quick reads the short recipes (results/training-quick, results/eval-quick) and fills
the other tables and the whole manifest, as before issue 19.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys

NETS = ["resnet18_28", "mobilenetv2_28", "densenet121_28", "efficientnet_b0_28"]
PRETTY = {
    "resnet18_28": "ResNet-18-28",
    "mobilenetv2_28": "MobileNetV2-28",
    "densenet121_28": "DenseNet-121-28",
    "efficientnet_b0_28": "EfficientNet-B0-28",
}
MAX_BYTES = 5_000_000  # shipped ONNX files stay under 5 MB


def load(path):
    with open(path) as f:
        return json.load(f)


def maybe(path):
    return load(path) if os.path.exists(path) else None


def k_label(k):
    return "k%02d" % round(float(k) * 100)


def pct(k):
    return "%g %%" % (100 * float(k))


def acc(summary, kind):
    return acc_of(summary["accuracy"], kind)


def acc_of(a, kind):
    """The accuracy of a pass: mean ± std over seeds, or with one seed the mean (its binomial
    standard error is the same for every row of a table: the test set's size)."""
    if kind == "clean":
        return "%.2f" % a["clean_pct"]
    mean, std = a[kind + "_pct_mean"], a[kind + "_pct_std"]
    return "%.2f ± %.2f" % (mean, std) if a["seeds"] > 1 else "%.2f" % mean


def one_pass(summary, kind):
    """The summary's only pass of `kind` (None when there is not exactly one)."""
    found = [p for p in summary["accuracy"].get("passes", []) if p["pass"] == kind]
    return found[0] if len(found) == 1 else None


def paired(a, b, plain):
    """Pass a's accuracy minus pass b's over the same images, paired image by image from their
    hits_hex (dnsim run's summary.json, docs/platform.md): "+1.94 ± 0.43", the 95 % half-width
    1.96 x sqrt(n01 + n10 - (n01 - n10)^2 / n) / n over the images only one of them gets right.
    Without both records' per-image outcomes, the difference `plain` alone."""
    if a is None or b is None:
        return "%+.2f" % plain
    diff = a["accuracy_pct"] - b["accuracy_pct"]
    ha, hb = a.get("hits_hex"), b.get("hits_hex")
    n = a["images"]
    if not ha or not hb or len(ha) != len(hb) or b["images"] != n:
        return "%+.2f" % diff
    x, y = int(ha, 16), int(hb, 16)
    only_a, only_b = bin(x & ~y).count("1"), bin(y & ~x).count("1")
    ci = 1.959964 * 100.0 * (only_a + only_b - (only_a - only_b) ** 2 / n) ** 0.5 / n
    return "%+.2f ± %.2f" % (100.0 * (only_a - only_b) / n, ci)


def in_run(summary, name):
    """A difference summary.json pairs itself (e.g. denoised_minus_noisy): "+1.94 ± 0.43", or
    None in older records without it."""
    a = summary["accuracy"]
    v, ci = a.get(name + "_points"), a.get(name + "_ci95_points")
    return None if v is None else ("%+.2f ± %.2f" % (v, ci) if ci is not None else "%+.2f" % v)


class Results:
    def __init__(self, training, evaluation):
        self.training = training
        self.evaluation = evaluation

    def train(self, net, stage):
        return maybe(os.path.join(self.training, net, stage, "train.json"))

    def summary(self, net, stage):
        return maybe(os.path.join(self.evaluation, net, stage, "summary.json"))

    def k_high(self, net):
        p = os.path.join(self.training, net, "k_high")
        return open(p).read().strip() if os.path.exists(p) else None

    def sweep(self, net):
        d = os.path.join(self.training, net, "sweep")
        rows = []
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                s = maybe(os.path.join(d, name, "summary.json"))
                if s:
                    rows.append((int(name[1:]) / 100, s))
        return rows


def denoised_row(r, net, stage):
    s = r.summary(net, stage)
    t = r.train(net, stage)
    if not s or not t:
        return None
    a = s["accuracy"]
    overhead = 100.0 * s["denoiser_params"] / s["backbone_params"]
    return [
        PRETTY[net],
        pct(t["sigma"]),
        "%d" % s["backbone_params"],
        acc(s, "clean"),
        acc(s, "noisy"),
        acc(s, "denoised"),
        "%+.2f" % (a["denoised_pct_mean"] - a["clean_pct"]),
        "%d (%d, %.2f %%)" % (len(t.get("layers", [])), s["denoiser_params"], overhead),
        "%.2f" % s["latency_overhead_pct"],
        # The denoiser's power over the whole inference (docs/energy.md, its windows).
        "%.2f" % s.get("denoiser_power_inference_window_mW",
                       s.get("denoiser_average_power_mW", 0.0)),
    ]


DEN_HEADER = ["network", "σ (k)", "backbone params", "clean %", "noisy %", "denoised %",
              "denoised − clean, points", "blocks (params, overhead)", "latency overhead %",
              "denoiser power mW"]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def table_1(r):
    rows = [denoised_row(r, n, "den_k06") for n in NETS]
    return table(DEN_HEADER, [x for x in rows if x])


def table_1_high(r):
    rows = []
    for n in NETS:
        kh = r.k_high(n)
        if kh:
            row = denoised_row(r, n, "den_" + k_label(kh))
            if row:
                rows.append(row)
    return table(DEN_HEADER, rows)


def table_2(r):
    net = "resnet18_28"
    stages = ["den_k02", "den_k04", "den_k06", "den_k08"]
    kh = r.k_high(net)
    if kh:
        stages.append("den_" + k_label(kh))
    rows = [denoised_row(r, net, s) for s in stages]
    return table(DEN_HEADER, [x for x in rows if x])


def table_placement(r):
    net = "resnet18_28"
    kh = r.k_high(net)
    if not kh:
        return "(not run yet)"
    rows = []
    for method, suffix in [("gradnorm", ""), ("random", "_random"), ("uniform", "_uniform")]:
        stage = "den_" + k_label(kh) + suffix
        s, t = r.summary(net, stage), r.train(net, stage)
        if not s or not t:
            continue
        a = s["accuracy"]
        rows.append([
            method, pct(kh), ", ".join(t.get("layers", [])),
            "%d (%.2f %%)" % (s["denoiser_params"],
                              100.0 * s["denoiser_params"] / s["backbone_params"]),
            acc(s, "noisy"), acc(s, "denoised"),
            "%+.2f" % (a["denoised_pct_mean"] - a["noisy_pct_mean"]),
            "%.2f" % s["latency_overhead_pct"],
        ])
    return table(["placement", "σ (k)", "sites", "params (overhead)", "noisy %", "denoised %",
                  "gain, points", "latency overhead %"], rows)


def table_nit(r):
    rows = []
    for n in NETS:
        ks = ["0.06"] + ([r.k_high(n)] if r.k_high(n) and k_label(r.k_high(n)) != "k06" else [])
        for k in ks:
            den = r.summary(n, "den_" + k_label(k))
            nit = r.summary(n, "nit_" + k_label(k))
            tden = r.train(n, "den_" + k_label(k))
            tnit = r.train(n, "nit_" + k_label(k))
            if not (den and nit and tden and tnit):
                continue
            rows.append([
                PRETTY[n], pct(k), acc(den, "clean"), acc(den, "noisy"), acc(den, "denoised"),
                acc(nit, "clean"), acc(nit, "noisy"),
                "%d / %d" % (den["denoiser_params"], nit["backbone_params"]),
                "%.0f / %.0f" % (tden["seconds"], tnit["seconds"]),
            ])
    return table(["network", "σ (k)", "clean %", "noisy %", "denoised %", "NIT clean %",
                  "NIT noisy %", "trained params: denoisers / NIT", "training s: denoisers / NIT"],
                 rows)


def table_sweep(r):
    rows = []
    for n in NETS:
        for k, s in r.sweep(n):
            a = s["accuracy"]
            rows.append([PRETTY[n], pct(k), "%.2f" % a["clean_pct"],
                         acc_of(a, "noisy"),
                         "%+.2f" % (a["noisy_pct_mean"] - a["clean_pct"])])
    return table(["network", "σ (k)", "clean %", "noisy %", "noise costs, points"], rows)


def table_backbones(r):
    rows = []
    for n in NETS:
        t = r.train(n, "backbone")
        if not t:
            continue
        e = t["epochs"]
        ev = r.summary(n, "den_k06")
        rows.append([PRETTY[n], "%d" % t["parameters"],
                     "%.2f" % ev["accuracy"]["clean_pct"] if ev else "-",
                     "%.2f" % e[-1]["train_accuracy_pct"], "%.0f" % t["seconds"],
                     "`%s`" % t["command"]])
    return table(["network", "params", "test accuracy % (10 000 images, platform clean pass)",
                  "last-epoch train accuracy %", "training s", "command"], rows)


# Shipped files: (file name, stage, kind).
def shipped(r):
    out = []
    for n in NETS:
        out += [(n + ".onnx", n, "backbone", "backbone"),
                (n + "_denoised.onnx", n, "den_k06", "denoised"),
                (n + "_nit.onnx", n, "nit_k06", "nit")]
    kh = r.k_high("resnet18_28")
    if kh:
        k = k_label(kh)
        out.append(("resnet18_28_denoised_%s.onnx" % k, "resnet18_28", "den_" + k, "denoised"))
        # The budget ablations at k_high: docs/studies.md "Noise level x denoiser budget".
        for b in (1, 2):
            out.append(("resnet18_28_denoised_%s_b%dpct.onnx" % (k, b), "resnet18_28",
                        "den_%s_b%d" % (k, b), "denoised"))
    return out


def manifest(r, models_dir, copy, only=None):
    """Ships the models of `only` (every network when None) and writes manifest.json; entries
    of other networks stay as they are."""
    entries = []
    for fname, net, stage, kind in shipped(r):
        if only is not None and net not in only:
            continue
        src = os.path.join(r.training, net, stage, "model.onnx")
        t = r.train(net, stage)
        if not (os.path.exists(src) and t):
            print("missing, not shipped: %s (%s)" % (fname, src), file=sys.stderr)
            continue
        size = os.path.getsize(src)
        if size >= MAX_BYTES:
            sys.exit("error: %s is %d bytes; shipped models must stay under %d" %
                     (src, size, MAX_BYTES))
        dst = os.path.join(models_dir, fname)
        if copy:
            shutil.copyfile(src, dst)
        sha = hashlib.sha256(open(src, "rb").read()).hexdigest()
        commands = []
        seconds = 0.0
        if kind != "backbone":
            bt = r.train(net, "backbone")
            commands.append(bt["command"])
            seconds += bt["seconds"]
        commands.append(t["command"])
        seconds += t["seconds"]
        e = {"file": fname, "network": net, "kind": kind, "bytes": size, "sha256": sha,
             "parameters": t["parameters"], "denoiser_parameters": t["denoiser_parameters"],
             "seed": t["seed"], "commands": commands,
             "training_seconds": round(seconds, 1)}
        if kind != "backbone":
            e["trained_at_activation_k"] = t["sigma"]
            e["denoiser_layers"] = t.get("layers", [])
        # Platform accuracy over the 10 000 test images (backbones: the noisy pass of their
        # denoised model's evaluation, where the blocks are bypassed).
        s = r.summary(net, stage if kind != "backbone" else "den_k06")
        if s:
            a = s["accuracy"]
            e["evaluation"] = {
                "command": "build/testbench/dnsim run %s --noise.activation_k %s --run.seeds %d%s"
                           % ("results/training/%s/%s/model.onnx" % (net, stage if kind != "backbone" else "den_k06"),
                              s["config"]["noise.activation_k"], a["seeds"],
                              ("" if s["config"]["cgra.depthwise"] == "digital" else
                               " --cgra.depthwise " + s["config"]["cgra.depthwise"]) +
                              ("" if s["config"]["cgra.crossbars"] == "16128" else
                               " --cgra.crossbars " + s["config"]["cgra.crossbars"])),
                "images": a["images"], "activation_k": float(s["config"]["noise.activation_k"]),
                "clean_pct": a["clean_pct"], "noisy_pct": a["noisy_pct_mean"]}
            if kind == "denoised":
                e["evaluation"]["denoised_pct"] = a["denoised_pct_mean"]
                e["evaluation"]["parameter_overhead_pct"] = round(
                    100.0 * s["denoiser_params"] / s["backbone_params"], 3)
                e["evaluation"]["latency_overhead_pct"] = round(s["latency_overhead_pct"], 3)
                e["evaluation"]["denoiser_power_inference_window_mW"] = round(
                    s.get("denoiser_power_inference_window_mW",
                          s.get("denoiser_average_power_mW", 0.0)), 3)
        e["recipe"] = ("short (one working session; DNSIM_QUICK=1 scripts/train-models.sh)"
                       if "quick" in r.training else
                       "full (scripts/train-models.sh; docs/results.md, Full recipes)")
        entries.append(e)
    # Files not shipped now keep their entries (a network's models ship as its stages finish).
    old = maybe(os.path.join(models_dir, "manifest.json"))
    if only is not None and old:
        new_files = {e["file"] for e in entries}
        entries += [e for e in old["models"] if e["file"] not in new_files]
    entries.sort(key=lambda e: (NETS.index(e["network"]) if e["network"] in NETS else 99,
                                e["file"]))
    top = {"dataset": "Fashion-MNIST (Debian dataset-fashion-mnist)",
           "produced_by": "scripts/reproduce-results.sh",
           "input_normalisation": "every model records the preprocessing it was "
           "trained with in its ONNX metadata_props dnsim.input.* (docs/onnx.md), "
           "written by dnsim-train"}
    if only is not None and old:
        # The entries kept are described by the old manifest's notes (e.g. how their input
        # normalisation was stamped); each entry's "recipe" says which recipe made it.
        top = {k: v for k, v in old.items() if k != "models"}
    top["models"] = entries
    text = json.dumps(top, indent=2) + "\n"
    with open(os.path.join(models_dir, "manifest.json.tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(models_dir, "manifest.json.tmp"),
               os.path.join(models_dir, "manifest.json"))
    return entries


# --- Full recipes (issue 19) ------------------------------------------------------------------

def full_nets(r):
    return [n for n in NETS if r.train(n, "backbone")]


def num(fmt, v):
    """`v` formatted, or "-" for a value a record leaves null (no validation set, a NaN loss)."""
    return "-" if v is None else fmt % v


def validation_kept(t):
    return t.get("selected_epoch", len(t["epochs"]))


def table_full_backbones(r):
    rows = []
    for n in full_nets(r):
        t = r.train(n, "backbone")
        kept = validation_kept(t)
        e = t["epochs"][kept - 1]
        kh = r.k_high(n)
        ev = r.summary(n, "den_" + k_label(kh)) if kh else None
        rows.append([
            PRETTY[n], "%d" % t["parameters"],
            "%d of %d%s" % (t["epochs_run"], t["recipe"]["epochs_max"],
                            ", stopped early" if t.get("stopped_early") else ""),
            "%d" % kept, num("%.2f", e["validation_accuracy_pct"]),
            "%.2f" % ev["accuracy"]["clean_pct"] if ev else "-",
            "%.0f" % t["seconds"], "`%s`" % t["command"]])
    if not rows:
        return "(no network finished yet)"
    return table(["network", "params", "epochs run", "epoch kept (best validation)",
                  "validation % (5 000 held-out training images)",
                  "test % (10 000 images, platform clean pass)", "training s", "command"], rows)


def table_full_sweep(r):
    """The noise-sensitivity sweep of each full-recipe backbone (find_k_high in
    scripts/train-models.sh): the first 2000 test images, 2 noise seeds, up the grid until noise
    costs 5 points; the row where it stopped is the network's k_high."""
    rows = []
    for n in full_nets(r):
        kh = r.k_high(n)
        for k, s in r.sweep(n):
            a = s["accuracy"]
            chosen = kh is not None and abs(float(kh) - k) < 1e-9
            command = s.get("provenance", {}).get("command")
            rows.append([PRETTY[n], pct(k) + (" (k_high)" if chosen else ""),
                         "%d" % a["images"], "%d" % a["seeds"], "%.2f" % a["clean_pct"],
                         acc_of(a, "noisy"), "%+.2f" % (a["noisy_pct_mean"] - a["clean_pct"]),
                         "`%s`" % command if command else "-"])
    if not rows:
        return "(no network swept yet)"
    return table(["network", "σ (k)", "test images", "noise seeds", "clean %",
                  "noisy % (mean ± std over the seeds)", "noise costs, points", "command"],
                 rows)


def table_full_curves(r):
    out = []
    for n in full_nets(r):
        t = r.train(n, "backbone")
        kept = validation_kept(t)
        rows = []
        for e in t["epochs"]:
            mark = " (kept)" if e["epoch"] == kept else ""
            rows.append(["%d%s" % (e["epoch"], mark), "%.3g" % e["lr"], num("%.4f", e["loss"]),
                         "%.2f" % e["train_accuracy_pct"],
                         num("%.2f", e["validation_accuracy_pct"]),
                         "%.2f" % e["test_accuracy_pct"], "%.0f" % e["seconds"]])
        out.append("**%s** (`%s`)\n\n" % (PRETTY[n], t["command"]) +
                   table(["epoch", "lr", "training loss", "train % (augmented)",
                          "validation %", "test % (LibTorch)", "s"], rows))
    return "\n\n".join(out) if out else "(no network finished yet)"


def table_full_methods(r):
    rows = []
    for n in full_nets(r):
        kh = r.k_high(n)
        ks = ([kh] if kh else []) + (["0.06"] if not kh or k_label(kh) != "k06" else [])
        for k in ks:
            kl = k_label(k)
            den, tden = r.summary(n, "den_" + kl), r.train(n, "den_" + kl)
            if not (den and tden):
                continue
            a = den["accuracy"]
            base_noisy = a["noisy_pct_mean"]
            base_pass = one_pass(den, "noisy")

            def row(method, params, clean, noisy, seconds, mine=None):
                vs = paired(mine, base_pass, noisy - base_noisy) if method[:4] != "none" else \
                    "%+.2f" % (noisy - base_noisy)
                return [PRETTY[n], pct(k), method, params, clean, "%.2f" % noisy, vs, seconds]

            rows.append(row("none (the backbone)", "0", "%.2f" % a["clean_pct"], base_noisy,
                            "-"))
            quiet = r.summary(n, "den_%s_noiseless" % kl)
            rows.append(row(
                "denoisers (%d blocks)" % len(tden.get("layers", [])),
                "%d" % den["denoiser_params"],
                "%.2f (blocks on)" % quiet["accuracy"]["denoised_pct_mean"] if quiet else "-",
                a["denoised_pct_mean"], "%.0f" % tden["seconds"], one_pass(den, "denoised")))
            ctl, tctl = r.summary(n, "ctl_" + kl), r.train(n, "ctl_" + kl)
            if ctl and tctl:
                cq = r.summary(n, "ctl_%s_noiseless" % kl)
                rows.append(row(
                    "control: the same blocks trained without noise",
                    "%d" % ctl["denoiser_params"],
                    "%.2f (blocks on)" % cq["accuracy"]["denoised_pct_mean"] if cq else "-",
                    ctl["accuracy"]["denoised_pct_mean"], "%.0f" % tctl["seconds"],
                    one_pass(ctl, "denoised")))
            for stage, method in [("nit_", "NIT (whole network, noise injected)"),
                                  ("qat_", "QAT (whole network, %d-bit weights, no noise)")]:
                s, t = r.summary(n, stage + kl), r.train(n, stage + kl)
                if not (s and t):
                    continue
                if stage == "qat_":
                    method = method % t.get("qat", {}).get("weight_bits", 4)
                    if t.get("reused_training"):  # dnsim-train qat --reuse-training
                        method = method[:-1] + "; %s's training)" % os.path.basename(
                            os.path.normpath(t["reused_training"]["from"]))
                rows.append(row(method, "%d" % t["parameters"],
                                "%.2f" % s["accuracy"]["clean_pct"],
                                s["accuracy"]["noisy_pct_mean"], "%.0f" % t["seconds"],
                                one_pass(s, "noisy")))
    if not rows:
        return "(no network finished yet)"
    return table(["network", "σ (k)", "mitigation", "parameters trained", "clean %",
                  "under noise %", "vs none, points (paired 95 % CI)", "training s"], rows)


def table_full_2(r):
    """Table II's analog with the full recipes: ResNet-18-28's denoisers trained and replayed at
    each noise level (den_k02 ... den_k08 and den_kNN at k_high)."""
    net = "resnet18_28"
    if net not in full_nets(r):
        return "(not trained yet)"
    ks = ["0.02", "0.04", "0.06", "0.08"]
    kh = r.k_high(net)
    if kh and kh not in ks:
        ks.append(kh)
    rows = []
    for k in ks:
        stage = "den_" + k_label(k)
        s, t = r.summary(net, stage), r.train(net, stage)
        if not (s and t):
            continue
        a = s["accuracy"]
        quiet = r.summary(net, stage + "_noiseless")
        lost = a["clean_pct"] - a["noisy_pct_mean"]
        recovered = a["denoised_pct_mean"] - a["noisy_pct_mean"]
        rows.append([
            PRETTY[net], pct(k), "%.2f" % a["clean_pct"],
            "%.2f" % quiet["accuracy"]["denoised_pct_mean"] if quiet else "-",
            "%.2f" % a["noisy_pct_mean"], "%.2f" % a["denoised_pct_mean"],
            in_run(s, "noisy_minus_clean") or "%+.2f" % -lost,
            in_run(s, "denoised_minus_noisy") or "%+.2f" % recovered,
            "%d (%d, %.2f %%)" % (len(t.get("layers", [])), s["denoiser_params"],
                                 100.0 * s["denoiser_params"] / s["backbone_params"]),
            "%.2f" % s["latency_overhead_pct"], "%.0f" % t["seconds"]])
    if not rows:
        return "(not trained yet)"
    return table(["network", "σ (k)", "clean % (backbone)", "clean %, blocks on", "noisy %",
                  "denoised %", "noise costs, points (paired 95 % CI)",
                  "denoisers recover, points (paired 95 % CI)",
                  "blocks (params, overhead)", "latency overhead %", "training s"], rows)


# The ablations at k_high (scripts/train-models.sh): stage suffix, what differs from den_kNN.
ABLATIONS = [
    ("", "none: gradient norm, 4 % budget, bottleneck 1/4, σ̂·ε on, task loss"),
    ("_mean_only", "σ̂·ε off at inference only (the den_kNN blocks, block.stochastic 0)"),
    ("_eps0", "σ̂·ε off, trained and replayed without it"),
    ("_recon", "loss: task + feature reconstruction (weight 1)"),
    ("_r2", "bottleneck 1/2"),
    ("_r8", "bottleneck 1/8"),
    ("_b1", "budget 1 %"),
    ("_b2", "budget 2 %"),
    ("_b8", "budget 8 %"),
    ("_all", "placement: after every convolution (no budget)"),
    ("_random", "placement: random"),
    ("_uniform", "placement: uniform over the depth"),
]


def table_full_ablations(r):
    rows = []
    for n in full_nets(r):
        kh = r.k_high(n)
        if not kh:
            continue
        kl = k_label(kh)
        ref = r.summary(n, "den_" + kl)
        if not ref:
            continue
        ref_pass = one_pass(ref, "denoised")
        ref_denoised = ref["accuracy"]["denoised_pct_mean"]
        for suffix, what in ABLATIONS:
            s = r.summary(n, "den_" + kl + suffix)
            # The mean-only replay reuses den_kNN's blocks and training record.
            t = r.train(n, "den_" + kl + ("" if suffix == "_mean_only" else suffix))
            if not (s and t):
                continue
            a = s["accuracy"]
            lost = a["clean_pct"] - a["noisy_pct_mean"]
            recovered = a["denoised_pct_mean"] - a["noisy_pct_mean"]
            rows.append([
                PRETTY[n], pct(kh), what,
                "%d (%d, %.2f %%)" % (len(t.get("layers", [])), s["denoiser_params"],
                                     100.0 * s["denoiser_params"] / s["backbone_params"]),
                "%.2f" % a["clean_pct"], "%.2f" % a["noisy_pct_mean"],
                "%.2f" % a["denoised_pct_mean"],
                "+0.00" if suffix == "" else paired(one_pass(s, "denoised"), ref_pass,
                                                    a["denoised_pct_mean"] - ref_denoised),
                "%.0f %%" % (100.0 * recovered / lost) if lost > 0 else "-",
                "%.2f" % s["latency_overhead_pct"],
                "-" if suffix == "_mean_only" else "%.0f" % t["seconds"]])
    if not rows:
        return "(no network finished yet)"
    return table(["network", "σ (k)", "changed from the denoisers", "blocks (params, overhead)",
                  "clean % (backbone)", "noisy %", "denoised %",
                  "vs the denoisers, points (paired 95 % CI)",
                  "of the loss recovered", "latency overhead %", "training s"], rows)


def chips_mean(s):
    """A --run.chips record's denoised mean ± std and its gain over the noisy pass (paired
    interval over the chips where the record has one)."""
    a = s["accuracy"]
    return ["%.2f ± %.2f" % (a["denoised_pct_mean"], a["denoised_pct_std"]),
            in_run(s, "denoised_minus_noisy") or
            "%+.2f" % (a["denoised_pct_mean"] - a["noisy_pct_mean"])]


def table_full_chips(r):
    """den_kNN (trained without a chip) and, where trained (the ablations: ResNet-18-28),
    den_kNN_chip1 (trained for chip 1) replayed on chips 1-5 (evaluate-models.sh): per chip,
    the backbone's accuracy and each one's; "-" where den_kNN_chip1 was not trained."""
    rows = []
    for n in full_nets(r):
        kh = r.k_high(n)
        if not kh:
            continue
        kl = k_label(kh)
        plain, tuned = r.summary(n, "den_%s_chips" % kl), r.summary(n, "den_%s_chip1_chips" % kl)
        if not plain:
            continue
        tuned_by_seed = {c["chip_seed"]: c for c in tuned["accuracy"]["per_chip"]} if tuned else {}
        for c in plain["accuracy"]["per_chip"]:
            t = tuned_by_seed.get(c["chip_seed"])
            if tuned and t is None:
                continue
            rows.append([
                PRETTY[n], pct(kh),
                "%d%s" % (c["chip_seed"], " (trained for)" if tuned and c["chip_seed"] == 1
                          else ""),
                "%.2f" % c["noisy_pct_mean"], "%.2f" % c["denoised_pct_mean"],
                "%+.2f" % (c["denoised_pct_mean"] - c["noisy_pct_mean"]),
                "%.2f" % t["denoised_pct_mean"] if t else "-",
                "%+.2f" % (t["denoised_pct_mean"] - t["noisy_pct_mean"]) if t else "-"])
        rows.append([PRETTY[n], pct(kh), "mean over chips and seeds",
                     "%.2f ± %.2f" % (plain["accuracy"]["noisy_pct_mean"],
                                      plain["accuracy"]["noisy_pct_std"])]
                    + chips_mean(plain) + (chips_mean(tuned) if tuned else ["-", "-"]))
    if not rows:
        return "(no network finished yet)"
    return table(["network", "σ (k)", "chip (noise.chip_seed)", "noisy %",
                  "denoised %, blocks trained without a chip",
                  "gain, points (mean row: 95 % CI over the chips)",
                  "denoised %, blocks trained for chip 1",
                  "gain, points (mean row: 95 % CI over the chips)"], rows)


def fill(doc, name, content):
    pat = re.compile(r"(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)" % (name, name), re.S)
    if not pat.search(doc):
        sys.exit("error: docs/results.md has no <!-- BEGIN %s --> ... <!-- END %s --> markers"
                 % (name, name))
    return pat.sub(lambda m: m.group(1) + content + "\n" + m.group(2), doc)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="the short recipes: fill the tables before 'Full recipes' and ship "
                   "every model")
    p.add_argument("--ship", nargs="*", default=[], choices=NETS,
                   help="full recipes: copy these networks' models and update their manifest "
                   "entries")
    p.add_argument("--training")
    p.add_argument("--eval")
    p.add_argument("--doc", default="docs/results.md")
    p.add_argument("--models", default="workloads/models")
    p.add_argument("--no-copy", action="store_true", help="do not copy the ONNX files")
    a = p.parse_args()
    suffix = "-quick" if a.quick else ""
    r = Results(a.training or "results/training" + suffix, a.eval or "results/eval" + suffix)
    os.makedirs(a.models, exist_ok=True)
    doc = open(a.doc).read()
    if a.quick:
        entries = manifest(r, a.models, not a.no_copy)
        tables = [("backbones", table_backbones), ("sweep", table_sweep),
                  ("table-1", table_1), ("table-1-high", table_1_high),
                  ("table-2", table_2), ("placement", table_placement), ("nit", table_nit)]
    else:
        entries = manifest(r, a.models, not a.no_copy, a.ship) if a.ship else []
        tables = [("full-backbones", table_full_backbones), ("full-sweep", table_full_sweep),
                  ("full-curves", table_full_curves),
                  ("full-methods", table_full_methods), ("full-table-2", table_full_2),
                  ("full-ablations", table_full_ablations),
                  ("full-chips", table_full_chips)]
    for name, fn in tables:
        doc = fill(doc, name, fn(r))
    with open(a.doc + ".tmp", "w") as f:
        f.write(doc)
    os.replace(a.doc + ".tmp", a.doc)
    print("wrote %s%s" % (a.doc, ", %s/manifest.json (%d models)" % (a.models, len(entries))
                             if entries else ""))


if __name__ == "__main__":
    main()
