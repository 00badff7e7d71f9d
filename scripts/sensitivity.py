#!/usr/bin/python3
"""Writes docs/sensitivity.md and the presets table of docs/validation.md: how far the paper
study's latency overhead, energy per inference and power move when each ambiguous hardware
assumption moves over its plausible range (docs/parameters.md), which single assumptions move
the denoiser's power by more than 2x, and which combinations land on both of the paper's
figures (+11 % latency, 1.78 mW).

    /usr/bin/python3 scripts/sensitivity.py [--dnsim build/testbench/dnsim] [--out DIR]
                                            [--check]

It runs three studies with `dnsim sweep` (docs/studies/presets.ini, sensitivity.ini and
paper-readings.ini: the paper study, timing only, a few seconds on two cores) afresh into DIR
(a new directory; default: a temporary one, removed afterwards), then replaces what sits between the
<!-- BEGIN name --> and <!-- END name --> markers of docs/sensitivity.md and docs/validation.md.
Every figure comes from a point's summary.json through the sweep's results.csv; nothing is
typed in by hand. --check writes nothing and exits 1 when the documents differ from what the
studies give.
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER_OVERHEAD_PCT = 11.0  # "increases latency by only 11%"
PAPER_POWER_MW = 1.78  # "with the average power overhead of 1.78 mW"
OVERHEAD_TOLERANCE_PCT = 0.5  # points
POWER_TOLERANCE = 0.2  # relative

METRICS = [
    ("latency_overhead_pct", "latency overhead, %", "{:.2f}"),
    ("energy_uJ", "energy per inference, uJ", "{:.1f}"),
    ("denoiser_energy_share_pct", "denoiser share, %", "{:.2f}"),
    ("denoiser_power_inference_window_mW", "denoiser power over the inference, mW", "{:.3f}"),
    ("denoiser_power_active_window_mW", "denoiser power while it runs, mW", "{:.2f}"),
    ("denoiser_logic_power_inference_window_mW",
     "denoiser logic (no SRAM macros) over the inference, mW", "{:.3f}"),
    ("total_average_power_mW", "total average power, mW", "{:.1f}"),
]
WINDOWS = [
    ("denoiser_power_inference_window_mW", "denoiser, over the inference"),
    ("denoiser_power_active_window_mW", "denoiser, while it runs"),
    ("denoiser_logic_power_inference_window_mW", "denoiser logic (no SRAM macros), over the inference"),
    ("denoiser_logic_power_active_window_mW", "denoiser logic (no SRAM macros), while it runs"),
]


def fail(message):
    print("sensitivity.py: error: " + message, file=sys.stderr)
    sys.exit(1)


LOGIC = ("denoiser.conv_cores", "denoiser.noise_lanes", "denoiser.leaky_relu",
         "denoiser.control")


def add_logic_power(out, rows):
    """Adds to each row the denoiser's logic power (its cores, lanes, LeakyReLU and control,
    without the SRAM macros and the interface) in both windows, from the point's summary.json:
    what a synthesis report of the logic alone would cover (Design Compiler reports the
    synthesised cells; SRAM macros come from a memory compiler's own models)."""
    for r in rows:
        path = os.path.join(out, "points", "%06d" % int(r["point"]), "summary.json")
        try:
            with open(path) as f:
                summary = json.load(f)
            pJ = sum(e["energy_pJ"] for e in summary["energy_per_inference"]
                     if e["component"] in LOGIC)
            inference_ns = 1e3 * summary["latency_us"]
            active_ns = 1e3 * summary.get("denoiser_active_window_us", 0.0)
        except (OSError, ValueError, KeyError, TypeError) as e:
            fail("%s: cannot read the denoiser's logic energy (%s)" % (path, e))
        r["denoiser_logic_power_inference_window_mW"] = "%r" % (pJ / inference_ns)
        r["denoiser_logic_power_active_window_mW"] = "%r" % (pJ / active_ns if active_ns else 0)


def sweep(dnsim, study, out):
    """Runs (or resumes) `study` into `out`; its rows from results.csv."""
    cmd = [dnsim, "sweep", study, "--out", out]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if done.returncode != 0:
        fail("%s exited with %d:\n%s" % (" ".join(cmd), done.returncode, done.stderr[-2000:]))
    path = os.path.join(out, "results.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    bad = [r for r in rows if r["status"] != "ok"]
    if bad:
        fail("%s: %d points failed, e.g. point %s: %s" % (path, len(bad), bad[0]["point"],
                                                         bad[0]["error"]))
    rows = sorted(rows, key=lambda r: int(r["point"]))
    add_logic_power(out, rows)
    return rows


def axes_of(study):
    """The keys a study file varies, in file order ([axes] and [zip NAME] sections)."""
    keys, section = [], None
    with open(study) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]").strip()
            elif "=" in line and not line.startswith(("#", ";")) and section is not None and (
                    section == "axes" or section.startswith("zip ")):
                keys.append(line.split("=", 1)[0].strip())
    return keys


def number(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        fail("results.csv has no number in column %s (point %s)" % (key, row.get("point")))


def fmt_metric(row, key, spec):
    return spec.format(number(row, key))


def table(header, rows):
    out = "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
    for r in rows:
        out += "| " + " | ".join(r) + " |\n"
    return out


def presets_table(rows):
    body = []
    for r in rows:
        body.append(["`%s`" % r["preset"]] + [fmt_metric(r, k, s) for k, _, s in METRICS])
    return table(["preset"] + [h for _, h, _ in METRICS], body)


def one_at_a_time(rows, axes):
    """The baseline row, then a row per point that moves one assumption; and per assumption
    the ratio of its largest to its smallest denoiser power (each window)."""
    base = rows[0]
    body = [["baseline (defaults)", ""] + [fmt_metric(base, k, s) for k, _, s in METRICS]]
    spans = {}
    for r in rows[1:]:
        moved = [a for a in axes if r[a] != base[a]]
        name = " + ".join("`%s`" % a for a in moved) if moved else "(the baseline again)"
        value = ", ".join(r[a] for a in moved)
        body.append([name, value] + [fmt_metric(r, k, s) for k, _, s in METRICS])
        for window, _ in WINDOWS:
            v = spans.setdefault((name, window), [number(base, window), number(base, window)])
            p = number(r, window)
            v[0], v[1] = min(v[0], p), max(v[1], p)
    moves = []
    for (name, window), (lo, hi) in sorted(spans.items()):
        ratio = hi / lo if lo > 0 else float("inf")
        moves.append((name, window, lo, hi, ratio))
    return table(["assumption", "value"] + [h for _, h, _ in METRICS], body), moves


def movers(moves):
    rows = []
    for name, window, lo, hi, ratio in sorted(moves, key=lambda m: -m[4]):
        if ratio > 2.0:
            rows.append([name, dict(WINDOWS)[window],
                         "%.3f" % lo, "%.3f" % hi, "%.1fx" % ratio])
    if not rows:
        return "No single assumption moves the denoiser's power by more than 2x.\n"
    return table(["assumption", "power window", "lowest, mW", "highest, mW", "ratio"], rows)


def readings(rows, axes):
    hits = []
    for r in rows:
        overhead = number(r, "latency_overhead_pct")
        if abs(overhead - PAPER_OVERHEAD_PCT) > OVERHEAD_TOLERANCE_PCT:
            continue
        for window, label in WINDOWS:
            p = number(r, window)
            if abs(p - PAPER_POWER_MW) <= POWER_TOLERANCE * PAPER_POWER_MW:
                hits.append(["; ".join("`%s` %s" % (a, r[a]) for a in axes),
                             "%.2f" % overhead, "%.3f" % p, label])
    summary = ("%d of %d combinations give a latency overhead within %.1f points of +11 %% and a "
               "denoiser power within %d %% of 1.78 mW in one of the four readings of the "
               "power (whole denoiser or its logic alone; over the inference or while it "
               "runs).\n\n"
               % (len({h[0] for h in hits}), len(rows), OVERHEAD_TOLERANCE_PCT,
                  round(100 * POWER_TOLERANCE)))
    if not hits:
        return summary
    return summary + table(["combination", "latency overhead, %", "power, mW",
                            "what the power covers"], hits)


def replace(text, name, body, path):
    begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        fail("%s has no %s ... %s markers" % (path, begin, end))
    return pattern.sub(lambda _: begin + "\n" + body + end, text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dnsim", default=os.path.join(ROOT, "build", "testbench", "dnsim"))
    ap.add_argument("--out", help="keep the studies' results in this new directory (default: a "
                                  "temporary one, removed afterwards)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the documents differ from the studies")
    args = ap.parse_args()
    if not os.access(args.dnsim, os.X_OK):
        fail("%s is not an executable dnsim (build it, or give --dnsim)" % args.dnsim)
    # The studies always run afresh: a sweep resumes points by their configuration, and a
    # changed dnsim must not reuse an older one's results.
    if args.out is not None and os.path.exists(args.out) and os.listdir(args.out):
        fail("%s exists and is not empty; the studies run afresh into a new directory"
             % args.out)
    out = args.out if args.out is not None else tempfile.mkdtemp(prefix="dnsim-sensitivity-")
    studies = os.path.join(ROOT, "docs", "studies")
    results = {}
    try:
        for name in ("presets", "sensitivity", "paper-readings"):
            study = os.path.join(studies, name + ".ini")
            results[name] = (sweep(args.dnsim, study, os.path.join(out, name)), axes_of(study))
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    oat, moves = one_at_a_time(*results["sensitivity"])
    parts = {
        "docs/validation.md": {"presets": presets_table(results["presets"][0])},
        "docs/sensitivity.md": {
            "presets": presets_table(results["presets"][0]),
            "one-at-a-time": oat,
            "movers": movers(moves),
            "readings": readings(*results["paper-readings"]),
        },
    }
    stale = []
    for doc, blocks in parts.items():
        path = os.path.join(ROOT, doc)
        with open(path) as f:
            text = f.read()
        new = text
        for name, body in blocks.items():
            new = replace(new, name, body, doc)
        if new != text:
            stale.append(doc)
            if not args.check:
                with open(path, "w") as f:
                    f.write(new)
    if args.check and stale:
        fail("not what the studies give: " + ", ".join(stale))
    print("sensitivity.py: %s %s" % ("checked" if args.check else "wrote",
                                     ", ".join(parts) if not args.check else "the documents"))


if __name__ == "__main__":
    main()
