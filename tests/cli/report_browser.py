#!/usr/bin/env python3
"""dnsim report in a real browser: headless Chromium opens the report of small runs, and every
chart must have drawn its marks — as many as the results hold layers, components, phases,
passes and runs, counted here from layers.csv and summary.json, not from the page — with no
error on the page and no network request from it (Chromium's net log). Before trusting a pass
it checks that it can fail: a page with a broken chart and a page that fetches a URL must both
be caught.

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

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        chart = self.stack[-1][1] if self.stack else None
        mark = self.stack[-1][2] if self.stack else None
        if tag == "body":
            self.body = a
        if tag == "pre" and a.get("id") == "report-errors":
            self.in_errors = True
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
    return problems


os.makedirs(WORK, exist_ok=True)
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
phases = sum(1 for b in s["denoiser_blocks"] for p in b["phases"] if p["cycles"] > 0)
single_expected = {
    "layers-linear": {"rect": layers_expected(one)},
    "layers-log": {"rect": layers_expected(one)},
    "energy": {"rect": 2 * len(s["energy_per_inference"])},
    "phases": {"rect": phases},
}
if not s["denoiser_blocks"] or phases < 2 * len(s["denoiser_blocks"]):
    fail(f"{one}/summary.json: expected blocks with their phases, got {s['denoiser_blocks']}")

points = 0
for d in runs:
    acc = summary(d)["accuracy"]
    points += sum(1 for p in PASSES
                  if (acc.get("clean_pct") if p == "clean" else acc.get(f"{p}_pct_mean"))
                  is not None)
multi_expected = {"accuracy-noise": {"symbol": points, "rule": points},
                  "pareto": {"symbol": len(runs)}}
# The test must be able to fail: a broken chart and a page that fetches are both caught.
broken = os.path.join(WORK, "broken.html")
with open(os.path.join(one, "report.html")) as f:
    page = f.read()
bad = page.replace('"mark":{"type":"bar"}', '"mark":{"type":"no-such-mark"}', 1)
if bad == page:
    fail("could not break a chart spec for the negative control")
open(broken, "w").write(bad)
if not check_page(broken, "broken", single_expected):
    fail("a report with a broken chart passed the checks")
flat = os.path.join(WORK, "flat.html")
no_base = page.replace('"x2":{"datum":1},', "", 1)
if no_base == page:
    fail("could not drop the log chart's bar base for the negative control")
open(flat, "w").write(no_base)
if not any("no size" in p for p in check_page(flat, "flat", single_expected)):
    fail("a log-scale chart drawing empty bars passed the checks")
fetching = os.path.join(WORK, "fetching.html")
open(fetching, "w").write(page.replace("<body>", '<body><img src="http://example.invalid/x.png">',
                                       1))
if not any("network" in p for p in check_page(fetching, "fetching", single_expected)):
    fail("a report that fetches a URL passed the network check")

problems = check_page(os.path.join(one, "report.html"), "single", single_expected)
# The multi-run page: the cross-run charts, and each run directory's own charts.
m_expected = dict(multi_expected)
pages = {}
for d in runs:
    s_d = summary(d)
    pages[d] = {
        "layers-linear": {"rect": layers_expected(d)},
        "layers-log": {"rect": layers_expected(d)},
        "energy": {"rect": 2 * len(s_d["energy_per_inference"])},
        "phases": {"rect": sum(1 for b in s_d["denoiser_blocks"] for p in b["phases"]
                               if p["cycles"] > 0)},
    }
m, requested = browse(multi, "multi")
got_kinds = [c["kind"] for c in m.charts]
want_kinds = ["accuracy-noise", "pareto"] + [k for d in runs for k in pages[d]]
if sorted(got_kinds) != sorted(want_kinds):
    problems.append(f"multi: charts {got_kinds}, expected {want_kinds}")
if m.body.get("data-done") != "1" or m.body.get("data-errors") or m.errors_text.strip():
    problems.append(f"multi: page did not settle cleanly: {m.errors_text.strip()[:300]}")
if requested:
    problems.append(f"multi: network requests {requested[:5]}")
per_run = iter(runs)
current = None
for c in m.charts:
    if c["kind"] in m_expected:
        want = m_expected[c["kind"]]
    else:
        if c["kind"] == "layers-linear":
            current = next(per_run)
        want = pages[current][c["kind"]]
    for mark, n in want.items():
        if c["marks"].get(mark, 0) != n:
            problems.append(f"multi {c['kind']}: {c['marks'].get(mark, 0)} {mark} marks, "
                            f"expected {n}")
if problems:
    fail("; ".join(problems))
print(f"ok: {len(runs)} runs; single page {sum(sum(v.values()) for v in single_expected.values())}"
      f" marks, multi page {len(m.charts)} charts; no network request; negative controls caught")
