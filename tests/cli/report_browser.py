#!/usr/bin/env python3
"""dnsim report in a real browser: headless Chromium opens the report of small runs (one of
them on two chips), and every chart must have drawn its marks — as many as the results hold
layers, components, phases, passes and runs, counted here from layers.csv and summary.json, not
from the page — with no error on the page and no network request from it (Chromium's net log).
Before trusting a pass it checks that it can fail: a page with a broken chart and a page that
fetches a URL must both be caught.

usage: report_browser.py DNSIM WORK_DIR
"""
import csv
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

DNSIM, WORK = sys.argv[1], sys.argv[2]
MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workloads",
                     "models", "resnet18_28_denoised.onnx")
PASSES = ("clean", "noisy", "denoised")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    fail("no chromium on PATH: scripts/install-deps.sh installs Debian's chromium")


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(args)} exited {p.returncode}: {p.stdout}{p.stderr}")
    return p.stdout


class Marks(html.parser.HTMLParser):
    """Per chart container (div.chart): its kind and the SVG marks drawn in it, by mark type
    (the <path> items of each Vega mark group: g.mark-rect, g.mark-symbol, g.mark-rule,
    g.mark-line)."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, chart index or None, mark type or None)
        self.charts = []  # {"kind", "id", "marks": {type: n}, "empty_rects": n}
        self.body = {}
        self.errors_text = ""
        self.in_errors = False
        self.status_hidden = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        chart = self.stack[-1][1] if self.stack else None
        mark = self.stack[-1][2] if self.stack else None
        if tag == "body":
            self.body = a
        if tag == "pre" and a.get("id") == "report-errors":
            self.in_errors = True
        if a.get("id") == "report-status":
            self.status_hidden = "hidden" in a
        if tag == "div" and "chart" in (a.get("class") or "").split():
            self.charts.append({"kind": a.get("data-chart"), "id": a.get("id"),
                                "rendered": a.get("data-rendered"), "marks": {},
                                "degenerate": 0})
            chart = len(self.charts) - 1
        classes = (a.get("class") or "").split()
        if tag == "g" and "role-mark" in classes:
            mark = next((c[5:] for c in classes if c.startswith("mark-")), None)
        if tag in ("path", "line") and chart is not None and mark is not None:
            m = self.charts[chart]["marks"]
            m[mark] = m.get(mark, 0) + 1
            # A bar is a path "Mx,yhWvHh-WZ": one with no width or height (or NaN, from a
            # value the scale cannot map, as 0 on a log scale) shows nothing.
            if mark == "rect":
                bar = re.match(r"M[-\d.e]+,[-\d.e]+h([-\d.e]+)v([-\d.e]+)", a.get("d", ""))
                if not bar or abs(float(bar.group(1))) < 1e-3 or abs(float(bar.group(2))) < 1e-3:
                    self.charts[chart]["degenerate"] += 1
        if tag not in VOID:
            self.stack.append((tag, chart, mark))

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_errors = False
        if any(t == tag for t, _, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)
        if self.in_errors:
            self.errors_text += data


def browse(page, tag):
    """Opens `page` in headless Chromium: its DOM once the scripts settled, a screenshot, and
    the URLs the page itself requested (from the net log)."""
    netlog = os.path.join(WORK, f"{tag}.netlog.json")
    shot = os.path.join(WORK, f"{tag}.png")
    common = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND",
              "--virtual-time-budget=30000"]
    url = "file://" + os.path.abspath(page)
    p = subprocess.run(common + [f"--log-net-log={netlog}", "--dump-dom", url],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0 or "<body" not in p.stdout:
        fail(f"chromium --dump-dom {page} exited {p.returncode}: {p.stderr[-2000:]}")
    subprocess.run(common + [f"--screenshot={shot}", "--window-size=1200,3200", url],
                   capture_output=True, timeout=300)
    if not os.path.exists(shot) or os.path.getsize(shot) < 20000:
        fail(f"no screenshot of {page} (or a blank one): {shot}")
    text = open(netlog).read().rstrip()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a net log cut short at exit
        log = json.loads(text.rstrip(",") + "]}")
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    requested = []
    for ev in log["events"]:
        params = ev.get("params", {})
        if names.get(ev["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        # The browser's own services (updates, time) have no origin; a page's requests do.
        if params.get("initiator") == "not an origin":
            continue
        if params["url"].split(":", 1)[0] not in ("file", "data", "blob", "about"):
            requested.append(params["url"])
    m = Marks()
    m.feed(p.stdout)
    return m, requested


def layers_expected(run_dir):
    with open(os.path.join(run_dir, "layers.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    # One bar per layer without and one with its denoiser blocks (blocks and reshapes have
    # no bar of their own).
    return 2 * sum(1 for r in rows if r["kind"] not in ("denoiser", "none"))


def summary(run_dir):
    with open(os.path.join(run_dir, "summary.json")) as f:
        return json.load(f)


def check_page(page, tag, expected):
    """expected: chart kind -> {mark type: count}. Returns a list of problems."""
    m, requested = browse(page, tag)
    problems = []
    if m.status_hidden is not True:
        problems.append("the page's scripts did not run (its status line is still shown)")
    if m.body.get("data-done") != "1":
        problems.append("the page's charts did not all settle (no data-done)")
    if m.body.get("data-errors") or m.errors_text.strip():
        problems.append(f"errors on the page: {m.errors_text.strip()[:500]}")
    if requested:
        problems.append(f"network requests from the page: {requested[:5]}")
    kinds = [c["kind"] for c in m.charts]
    if sorted(kinds) != sorted(expected):
        problems.append(f"charts {kinds}, expected {sorted(expected)}")
    for c in m.charts:
        want = expected.get(c["kind"], {})
        if c["rendered"] != "1":
            problems.append(f"{c['kind']}: not rendered")
        for mark, n in want.items():
            got = c["marks"].get(mark, 0)
            if got != n:
                problems.append(f"{c['kind']}: {got} {mark} marks drawn, expected {n}")
        if c["kind"].startswith("layers") and c["degenerate"]:
            problems.append(f"{c['kind']}: {c['degenerate']} bars drawn with no size")
    return problems, m


shutil.rmtree(WORK, ignore_errors=True)  # a fresh start on every run
os.makedirs(WORK)


def run_expected(run_dir):
    """The charts of one run's section and their marks, from its layers.csv and summary.json."""
    s = summary(run_dir)
    with open(os.path.join(run_dir, "layers.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    blocks = any(r["kind"] == "denoiser" for r in rows)
    # One bar per layer (blocks and reshapes have none of their own), and with blocks a second
    # one with the blocks after it.
    bars = sum(1 for r in rows if r["kind"] not in ("denoiser", "none")) * (2 if blocks else 1)
    want = {"layers-linear": {"rect": bars}, "layers-log": {"rect": bars},
            "energy": {"rect": 2 * len(s["energy_per_inference"])}}
    if s["denoiser_blocks"]:
        want["phases"] = {"rect": sum(1 for b in s["denoiser_blocks"] for p in b["phases"]
                                      if p["cycles"] > 0)}
    return want


def cross_expected(summaries):
    points = 0
    for s in summaries:
        acc = s.get("accuracy", {})
        points += sum(1 for p in PASSES
                      if (acc.get("clean_pct") if p == "clean" else acc.get(f"{p}_pct_mean"))
                      is not None)
    return {"accuracy-noise": {"symbol": points, "rule": points},
            "pareto": {"symbol": len(summaries)}}


def check_sections(m, sections, tag):
    """sections: a list of expected-chart dicts, in page order: the cross-run charts first, then
    each run's own (a run's section starts with its layers-linear chart)."""
    problems = []
    want = [k for sec in sections for k in sec]
    got = [c["kind"] for c in m.charts]
    if got != want:
        return [f"{tag}: charts {got}, expected {want}"]
    flat = [marks for sec in sections for marks in sec.values()]
    for c, marks in zip(m.charts, flat):
        for mark, n in marks.items():
            if c["marks"].get(mark, 0) != n:
                problems.append(f"{tag} {c['kind']}: {c['marks'].get(mark, 0)} {mark} marks, "
                                f"expected {n}")
    return problems


runs = []
for k in ("0.04", "0.1", "0.2"):
    d = os.path.join(WORK, f"k{k}")
    run(DNSIM, "run", MODEL, "--dataset.limit", "100", "--noise.activation_k", k,
        "--run.seeds", "2", "--report", "--out", d)
    runs.append(d)
multi = os.path.join(WORK, "multi.html")
run(DNSIM, "report", *runs, "-o", multi)

one = runs[0]
s = summary(one)
single_expected = run_expected(one)
if not s["denoiser_blocks"] or single_expected["phases"]["rect"] < 2 * len(s["denoiser_blocks"]):
    fail(f"{one}/summary.json: expected blocks with their phases, got {s['denoiser_blocks']}")

# The test must be able to fail: a broken chart, empty bars and a fetching page are caught.
with open(os.path.join(one, "report.html")) as f:
    page = f.read()
controls = {
    "broken": (page.replace('"mark":{"type":"bar"}', '"mark":{"type":"no-such-mark"}', 1),
               "not rendered"),
    "flat": (page.replace('"x2":{"datum":1},', "", 1), "no size"),
    "fetching": (page.replace("<body>", '<body><img src="http://example.invalid/x.png">', 1),
                 "network"),
    "noscript": (page.replace("vegaEmbed('#'", "vegaEmbedd('#'", 1), "did not"),
}
for tag, (text, caught) in controls.items():
    if text == page:
        fail(f"could not make the '{tag}' negative control")
    path = os.path.join(WORK, f"{tag}.html")
    open(path, "w").write(text)
    found, _ = check_page(path, tag, single_expected)
    if not any(caught in p for p in found):
        fail(f"the '{tag}' negative control passed the checks: {found}")

problems = []
found, m = check_page(os.path.join(one, "report.html"), "single", single_expected)
problems += found
# The summary table shows the summary's figures (formatted here, not by the page).
text = " ".join(m.text)
acc = s["accuracy"]
for figure in (f"{acc['clean_pct']:.2f} ± {1.96 * acc['clean_pct_binomial_se']:.2f}",
               f"{acc['noisy_pct_mean']:.2f} ± {acc['noisy_pct_ci95']:.2f}",
               f"{acc['denoised_pct_mean']:.2f} ± {acc['denoised_pct_ci95']:.2f}",
               f"{s['latency_us']:.1f} ({s['latency_without_denoisers_us']:.1f})",
               f"{s['latency_overhead_pct']:.2f}",
               f"{s['energy_per_inference_uJ']:.3f} ({s['denoiser_energy_per_inference_uJ']:.3f} uJ",
               f"{s['total_average_power_mW']:.3f} (static {s['total_static_power_mW']:.3f}",
               f"{s['denoiser_power_active_window_mW']:.3f} (static"):
    if figure not in text:
        problems.append(f"single: the summary table does not show '{figure}'")

# The lead's differences: the run's paired intervals (summary.json), and what they say.
for name in ("noisy_minus_clean", "denoised_minus_noisy"):
    d, h = acc[name + "_points"], acc[name + "_ci95_points"]
    words = "a real difference" if abs(d) > h else "not distinguishable from 0"
    want = f"{d:+.2f} points{' against noisy' if name.startswith('denoised') else ''}, 95 % " \
        f"interval {d - h:+.2f} to {d + h:+.2f}, paired over the same images: {words}"
    if want not in text:
        problems.append(f"single: the lead does not say '{want}'")

# Several runs: the cross-run charts, then each run directory's section.
m, requested = browse(multi, "multi")
problems += check_sections(m, [cross_expected([summary(d) for d in runs])]
                           + [run_expected(d) for d in runs], "multi")
if m.body.get("data-done") != "1" or m.body.get("data-errors") or m.errors_text.strip():
    problems.append(f"multi: page did not settle cleanly: {m.errors_text.strip()[:300]}")
if requested:
    problems.append(f"multi: network requests {requested[:5]}")

# A timing-only run without denoisers: one bar per layer, no phases, no accuracy.
plain = os.path.join(WORK, "plain")
run(DNSIM, "run", "resnet18_28", "--timing-only", "--report", "--out", plain)
found, _ = check_page(os.path.join(plain, "report.html"), "plain", run_expected(plain))
problems += found

# Hostile names: a layer named like markup that opens a comment and a script, a block named
# with a closing script tag, quotes and an ampersand.
hostile = os.path.join(WORK, "hostile")
shutil.copytree(one, hostile)
with open(os.path.join(hostile, "layers.csv"), newline="") as f:
    rows = list(csv.reader(f))
rows[1][1] = "<!--<script>"
with open(os.path.join(hostile, "layers.csv"), "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
hs = summary(hostile)
hs["denoiser_blocks"][0]["layer"] = '</script><b>"x" & y'
json.dump(hs, open(os.path.join(hostile, "summary.json"), "w"))
hostile_page = os.path.join(WORK, "hostile.html")
run(DNSIM, "report", hostile, "-o", hostile_page)
found, _ = check_page(hostile_page, "hostile", run_expected(hostile))
problems += found

# A run on two chips (run.chips): the same charts, and the summary table shows each chip's
# means, the worst chips and the interval over the chips' means (from summary.json).
chipped = os.path.join(WORK, "chips")
run(DNSIM, "run", MODEL, "--dataset.limit", "60", "--run.chips", "2", "--noise.activation_k",
    "0.1", "--noise.programming_sigma", "0.05", "--report", "--out", chipped)
found, m = check_page(os.path.join(chipped, "report.html"), "chips", run_expected(chipped))
problems += found
text = " ".join(m.text)
ca = summary(chipped)["accuracy"]
figures = ["noisy accuracy, % (95 % CI over the chips' means)",
           f"{ca['noisy_pct_mean']:.2f} ± {ca['noisy_pct_ci95']:.2f}",
           f"{ca['denoised_pct_mean']:.2f} ± {ca['denoised_pct_ci95']:.2f}",
           f"{ca['images']}, 2 x 1", ca["ci95_over"]]
for c in ca["per_chip"]:
    figures += [f"chip {c['chip']} (noise.chip_seed {c['chip_seed']}): noisy, denoised, %",
                f"{c['noisy_pct_mean']:.2f}, {c['denoised_pct_mean']:.2f}"]
for pass_ in ("noisy", "denoised"):
    w = ca[f"{pass_}_worst_chip"]
    figures.append(f"{w['pct']:.2f} (chip {w['chip']}, noise.chip_seed {w['chip_seed']})")
for figure in figures:
    if figure not in text:
        problems.append(f"chips: the summary table does not show '{figure}'")

# A sweep: its points in the cross-run charts (no per-point sections).
study = os.path.join(WORK, "tiny.ini")
with open(study, "w") as f:
    f.write(f"[study]\nname = tiny\nmodel = {os.path.abspath(MODEL)}\n[base]\n"
            "dataset.limit = 50\n[axes]\nnoise.activation_k = 0.05, 0.2\n")
sweep = os.path.join(WORK, "sweep")
run(DNSIM, "sweep", study, "--jobs", "2", "--out", sweep)
sweep_page = os.path.join(WORK, "sweep.html")
run(DNSIM, "report", sweep, "-o", sweep_page)
m, requested = browse(sweep_page, "sweep")
point_summaries = []
for name in sorted(os.listdir(os.path.join(sweep, "points"))) if os.path.isdir(
        os.path.join(sweep, "points")) else []:
    path = os.path.join(sweep, "points", name, "summary.json")
    if os.path.exists(path):
        point_summaries.append(json.load(open(path)))
if len(point_summaries) != 2:
    problems.append(f"sweep: expected 2 point summaries under {sweep}/points, found "
                    f"{len(point_summaries)}")
else:
    problems += check_sections(m, [cross_expected(point_summaries)], "sweep")
if m.body.get("data-done") != "1" or m.errors_text.strip() or requested:
    problems.append(f"sweep: page did not settle cleanly: {m.errors_text.strip()[:300]} "
                    f"{requested[:3]}")

if problems:
    fail("; ".join(problems))
print(f"ok: single, {len(runs)}-run, timing-only, hostile-name, two-chip and sweep pages drew "
      "every mark; no error, no network request; negative controls caught")
