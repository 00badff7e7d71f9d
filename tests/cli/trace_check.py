#!/usr/bin/env python3
"""dnsim run --trace: the Chrome trace-event file of one inference (docs/platform.md, "Timeline
trace"). Every event is checked against the format's required fields, and the slices against
figures computed elsewhere: the host steps against layers.csv and summary.json (the replay's
own step times), each denoiser block's phases against `dnsim denoiser` run on the same block
shape (the denoiser study, another simulation), the conv cores' MACs against the block's
arithmetic by hand. Bad --trace paths are refused before the simulation.

usage: trace_check.py DNSIM SCRATCH CASE
  CASE: default | tiled_streamed | overlap | images | bad_paths
"""
import csv
import json
import math
import os
import shutil
import subprocess
import sys

DNSIM, SCRATCH, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = "resnet18_28"
BLOCKS = "layer1.0.relu2,layer3.1.relu2"
# Hardware keys of each case, passed to both `dnsim run` and `dnsim denoiser`.
CASES = {
    "default": [],
    # Several row tiles per block, the second block's weights streamed per group.
    "tiled_streamed": ["--activation_sram.size_bytes", "16384", "--weight_sram.size_bytes",
                       "2048"],
    # Blocks beside later steps (layer2.0.downsample.0 does not read layer2.0.conv1's block)
    # and double-buffered X tiles.
    "overlap": ["--denoiser.dma_double_buffer", "1", "--activation_sram.size_bytes", "65536"],
    # Many double-buffered tiles (loads and stores beside compute on the SRAM ports) at a
    # denoiser clock whose period is no whole number of ns (phase ends rounded to the ps).
    "double_buffered_333mhz": ["--denoiser.dma_double_buffer", "1",
                               "--activation_sram.size_bytes", "16384",
                               "--weight_sram.size_bytes", "2048",
                               "--denoiser.clock_mhz", "333"],
}
OVERLAP_RUN = ["--soc.denoiser_overlap", "dependence"]
OVERLAP_BLOCKS = "layer2.0.conv1,layer1.0.relu2"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def finish():
    if failures:
        for f in failures[:40]:
            print("FAIL:", f)
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")
    sys.exit(0)


def run(args, **kw):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    return subprocess.run([DNSIM] + args, capture_output=True, text=True, env=env, **kw)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def finite_nonneg(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def check_format(doc):
    """The trace-event format's required fields, per phase type."""
    check(isinstance(doc, dict), "the file is a JSON object")
    events = doc.get("traceEvents")
    check(isinstance(events, list) and events, "traceEvents is a non-empty list")
    check(doc.get("displayTimeUnit") == "ns", "displayTimeUnit is ns")
    check(isinstance(doc.get("otherData"), dict), "otherData is an object")
    for i, e in enumerate(events):
        where = f"event {i} {e.get('name')!r} ph={e.get('ph')!r}"
        check(e.get("ph") in ("X", "M", "C", "s", "f"), f"{where}: known ph")
        check(isinstance(e.get("name"), str) and e["name"], f"{where}: name")
        check(isinstance(e.get("pid"), int) and isinstance(e.get("tid"), int),
              f"{where}: integer pid and tid")
        check(finite_nonneg(e.get("ts")), f"{where}: ts finite and >= 0")
        ph = e.get("ph")
        if ph == "X":
            check(finite_nonneg(e.get("dur")), f"{where}: dur finite and >= 0")
            check(isinstance(e.get("cat"), str), f"{where}: cat")
            check(isinstance(e.get("args"), dict), f"{where}: args")
        elif ph == "C":
            a = e.get("args")
            check(isinstance(a, dict) and a and all(finite_nonneg(v) for v in a.values()),
                  f"{where}: counter args are numbers")
        elif ph in ("s", "f"):
            check(isinstance(e.get("id"), int), f"{where}: flow id")
            check(e.get("cat") == "flow", f"{where}: flow cat")
            if ph == "f":
                check(e.get("bp") == "e", f"{where}: finish binds to the enclosing slice")
        elif ph == "M":
            check(e["name"] in ("process_name", "process_sort_index", "thread_name",
                                "thread_sort_index"), f"{where}: metadata name")
            check(isinstance(e.get("args"), dict), f"{where}: metadata args")
    return events


def tracks(events):
    procs, threads = {}, {}
    for e in events:
        if e["ph"] == "M" and e["name"] == "process_name":
            procs[e["pid"]] = e["args"]["name"]
        if e["ph"] == "M" and e["name"] == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
    for e in events:
        if e["ph"] != "M":
            check(e["pid"] in procs, f"pid {e['pid']} of {e['name']!r} has a process_name")
        if e["ph"] in ("X", "s", "f"):
            check((e["pid"], e["tid"]) in threads,
                  f"track {e['pid']}/{e['tid']} of {e['name']!r} has a thread_name")
    return procs, threads


def pid_named(procs, prefix):
    found = [p for p, n in procs.items() if n.startswith(prefix)]
    check(len(found) == 1, f"one process named {prefix}...")
    return found[0] if found else None


def tid_named(threads, pid, name):
    found = [t for (p, t), n in threads.items() if p == pid and n == name]
    check(len(found) == 1, f"one track {name!r} in process {pid}")
    return found[0] if found else None


def end(e):
    return e["ts"] + e["dur"]


def within(inner_ts, inner_end, outer, tol=1e-6):
    return outer["ts"] - tol <= inner_ts and inner_end <= end(outer) + tol


def denoiser_study(c, h, w, cr, hw_keys, out):
    """The same block through `dnsim denoiser` (the denoiser bench): phase cycles."""
    r = run(["denoiser", "--channels", str(c), "--height", str(h), "--width", str(w),
             "--block.bottleneck_ratio", repr(cr / c), "--out", out] + hw_keys)
    if not check(r.returncode == 0, f"dnsim denoiser {c}x{h}x{w}: {r.stderr.strip()}"):
        return None
    with open(os.path.join(out, "denoiser.json")) as f:
        return json.load(f)


def validate(trace_path, out_dir, hw_keys, overlap):
    with open(trace_path) as f:
        doc = json.load(f)
    events = check_format(doc)
    with open(os.path.join(out_dir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out_dir, "layers.csv")) as f:
        layers = list(csv.DictReader(f))
    cgra_mhz = float(summary["clock_mhz"])
    den_mhz = float(summary["config"]["denoiser.clock_mhz"])
    procs, threads = tracks(events)
    host = pid_named(procs, "host")
    cgra = pid_named(procs, "MX-CGRA")
    den = pid_named(procs, "denoiser")
    steps_tid = tid_named(threads, host, "steps")
    xs = [e for e in events if e["ph"] == "X"]

    # On every track the slices nest or follow each other, exactly (in whole picoseconds):
    # the format's complete events on one thread must, or viewers drop or misplace them.
    by_track = {}
    for e in xs:
        by_track.setdefault((e["pid"], e["tid"]), []).append(
            (round(e["ts"] * 1e6), round((e["ts"] + e["dur"]) * 1e6), e["name"]))
    for track, items in by_track.items():
        items.sort(key=lambda x: (x[0], -x[1]))
        open_ends = []
        for start, stop, name in items:
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            check(not open_ends or stop <= open_ends[-1],
                  f"track {threads.get(track, track)}: {name} [{start}, {stop}] ps overlaps the "
                  f"slice it starts in (ends {open_ends[-1] if open_ends else None})")
            open_ends.append(stop)

    # Host steps: one slice per step with time, each as long as layers.csv says (the denoiser
    # steps on a track of their own: under overlap they run beside later steps).
    block_steps_tid = [t for (p, t), n in threads.items()
                       if p == host and n.startswith("denoiser steps")]
    steps = [e for e in xs if e["pid"] == host and
             (e["tid"] == steps_tid or e["tid"] in block_steps_tid)]
    by_index = {}
    for e in steps:
        i = e["args"]["layer_index"]
        check(i not in by_index, f"step {i} appears once on the host track")
        by_index[i] = e
    timed = [r for r in layers if float(r["time_ns"]) > 0]
    check(len(timed) == len(steps), f"{len(steps)} host step slices, {len(timed)} timed layers")
    for r in timed:
        e = by_index.get(int(r["index"]))
        if not check(e is not None, f"layer {r['index']} {r['layer']} has a host slice"):
            continue
        check(e["name"] == r["layer"], f"step {r['index']}: name {e['name']!r} = {r['layer']!r}")
        check(abs(e["dur"] * 1e3 - float(r["time_ns"])) <= 2e-3,
              f"step {r['layer']}: {e['dur'] * 1e3} ns, layers.csv {r['time_ns']}")
    # The steps add up: to the step sum, and their end is the latency.
    sum_cycles = sum(e["dur"] for e in steps) * cgra_mhz
    check(abs(sum_cycles - summary["cycles_step_sum"]) <= 0.5 * len(steps) + 1e-6,
          f"steps add up to {sum_cycles} cycles, summary cycles_step_sum "
          f"{summary['cycles_step_sum']}")
    last = max(end(e) for e in steps) * cgra_mhz
    check(abs(last - summary["cycles_per_inference"]) <= 1.0,
          f"the last step ends at {last} cycles, summary cycles_per_inference "
          f"{summary['cycles_per_inference']}")
    check(doc["otherData"]["cycles_per_inference"] == summary["cycles_per_inference"],
          "otherData cycles_per_inference")
    if not overlap:
        check(summary["cycles_step_sum"] == summary["cycles_per_inference"],
              "without overlap the steps add up to the latency")
        ordered = sorted(steps, key=lambda e: e["ts"])
        for a, b in zip(ordered, ordered[1:]):
            check(abs(end(a) - b["ts"]) <= 1e-6, f"{b['name']} starts where {a['name']} ends")
    # Steps other than blocks never overlap each other.
    cgra_steps = sorted((e for e in steps if e["cat"] != "denoiser"), key=lambda e: e["ts"])
    for a, b in zip(cgra_steps, cgra_steps[1:]):
        check(end(a) <= b["ts"] + 1e-6, f"CGRA steps {a['name']} and {b['name']} overlap")
    # Each analog layer on its own MX-CGRA track, the digital steps on one.
    analog = [e for e in xs if e["pid"] == cgra and e["cat"] == "analog"]
    n_analog = sum(1 for r in timed if r["kind"] == "analog")
    check(len(analog) == n_analog, f"{len(analog)} analog slices, {n_analog} analog layers")
    check(len({e["tid"] for e in analog}) == len(analog), "one track per analog layer")
    for e in analog:
        check(threads.get((cgra, e["tid"]), "").endswith(e["name"]),
              f"track of {e['name']} is named after it")

    # Denoiser blocks.
    blocks_tid = tid_named(threads, den, "blocks")
    phases_tid = tid_named(threads, den, "phases")
    blocks = [e for e in xs if e["pid"] == den and e["tid"] == blocks_tid]
    n_blocks = sum(1 for r in layers if r["kind"] == "denoiser")
    check(len(blocks) == n_blocks, f"{len(blocks)} block slices, {n_blocks} denoiser steps")
    phase_names = ["wake_up", "weight_load", "input_load", "pw_reduce", "leaky_relu_1",
                   "depthwise", "leaky_relu_2", "pw_mean", "pw_var", "noise_cancel",
                   "output_store"]
    for bi, b in enumerate(blocks):
        a = b["args"]
        name, cycles = b["name"], a["block_cycles"]
        check(abs(b["dur"] * den_mhz - cycles) <= 1e-3,
              f"{name}: slice {b['dur']} us = {cycles} cycles at {den_mhz} MHz")
        step = by_index.get(a["layer_index"])
        if check(step is not None, f"{name}: its host step"):
            check(within(b["ts"], end(b), step), f"{name}: the block lies within its host step")
            check(step["dur"] * 1e3 >= cycles * 1e3 / den_mhz - 1e-3,
                  f"{name}: the host step is at least the block's cycles")
        mine = [e for e in xs if e["pid"] == den and e["args"].get("block") == name]
        phases = sorted((e for e in mine if e["tid"] == phases_tid),
                        key=lambda e: e["args"]["start_cycle"])
        check(sum(e["args"]["cycles"] for e in phases) == cycles,
              f"{name}: phases add up to {sum(e['args']['cycles'] for e in phases)}, "
              f"CYCLES {cycles}")
        if phases:
            check(abs(phases[0]["ts"] - b["ts"]) <= 1e-6, f"{name}: first phase at the START")
        for p, q in zip(phases, phases[1:]):
            check(p["args"]["start_cycle"] + p["args"]["cycles"] == q["args"]["start_cycle"],
                  f"{name}: {q['name']} starts where {p['name']} ends (no gap, no overlap)")
        for e in mine:
            check(within(e["ts"], end(e), b), f"{name}: {e['name']} on track {e['tid']} lies "
                  "within the block")
        # Independently: the same block shape through the denoiser study.
        study = denoiser_study(a["channels"], a["height"], a["width"], a["reduced_channels"],
                               hw_keys, os.path.join(SCRATCH, f"study{bi}"))
        if study is not None:
            check(study["total_cycles"] == cycles,
                  f"{name}: dnsim denoiser gives {study['total_cycles']} cycles, trace {cycles}")
            for ph in phase_names:
                got = sum(e["args"]["cycles"] for e in phases if e["name"] == ph)
                check(study["phase_cycles"][ph] == got,
                      f"{name}: {ph} {got} cycles, dnsim denoiser {study['phase_cycles'][ph]}")
            check(study["plan"]["tiles"] == a["tiles"],
                  f"{name}: {a['tiles']} tiles, dnsim denoiser {study['plan']['tiles']}")
        # A compute phase lasts as long as its slowest unit or SRAM port.
        units = [e for e in mine if e["tid"] != phases_tid]
        for p in phases:
            if p["name"] not in ("pw_reduce", "leaky_relu_1", "depthwise", "leaky_relu_2",
                                 "pw_mean", "pw_var", "noise_cancel"):
                continue
            inside = [u["args"]["cycles"] for u in units if u["name"] == p["name"] and
                      u["args"]["start_cycle"] == p["args"]["start_cycle"]]
            check(inside and max(inside) == p["args"]["cycles"],
                  f"{name}: {p['name']} at {p['args']['start_cycle']} lasts "
                  f"{p['args']['cycles']}, its units at most {max(inside, default=None)}")
        # MACs by hand: C x C_r per pixel for the reduce (on the tiles' rows with halo), 9 per
        # pixel and channel for the depthwise, C_r x C for each head.
        c, cr, h, w, tiles = (a["channels"], a["reduced_channels"], a["height"], a["width"],
                              a["tiles"])
        expect = {"pw_reduce": c * cr * w * (h + 2 * (tiles - 1)), "depthwise": 9 * cr * h * w,
                  "pw_mean": cr * c * h * w, "pw_var": cr * c * h * w}
        for ph, macs in expect.items():
            got = sum(u["args"].get("macs", 0) for u in units if u["name"] == ph)
            check(got == macs, f"{name}: {ph} {got} MACs, by hand {macs}")
        # DMA: X in and X_hat out, 2 bytes per element, once per element plus the halo rows.
        dma_in = sum(u["args"]["bytes"] for u in units if u["cat"] == "denoiser.dma" and
                     u["name"] == "input_load")
        dma_out = sum(u["args"]["bytes"] for u in units if u["cat"] == "denoiser.dma" and
                      u["name"] == "output_store")
        check(dma_in == 2 * c * w * (h + 2 * (tiles - 1)), f"{name}: X in {dma_in} bytes")
        check(dma_out == 2 * c * h * w, f"{name}: X_hat out {dma_out} bytes")

    # Flows: one per block, from an analog layer that ran before it to the block.
    flows = {}
    for e in events:
        if e["ph"] in ("s", "f"):
            flows.setdefault(e["id"], {}).setdefault(e["ph"], []).append(e)
    check(len(flows) == len(blocks), f"{len(flows)} flows, {len(blocks)} blocks")
    for fid, f in flows.items():
        if not check(len(f.get("s", [])) == 1 and len(f.get("f", [])) == 1,
                     f"flow {fid}: one start, one finish"):
            continue
        s, t = f["s"][0], f["f"][0]
        check(s["ts"] <= t["ts"], f"flow {fid}: starts before it finishes")
        src = [e for e in analog if e["tid"] == s["tid"] and within(s["ts"], s["ts"], e)]
        dst = [e for e in blocks if t["tid"] == blocks_tid and within(t["ts"], t["ts"], e)]
        check(s["pid"] == cgra and len(src) == 1, f"flow {fid}: starts in an analog layer")
        check(t["pid"] == den and len(dst) == 1, f"flow {fid}: ends in a block")
        if src and dst:
            check(src[0]["args"]["layer_index"] < dst[0]["args"]["layer_index"],
                  f"flow {fid}: from an earlier layer")

    # SRAM occupancy counters: within each SRAM's capacity, in use while a block runs.
    counters = {}
    for e in events:
        if e["ph"] == "C":
            counters.setdefault(e["name"], []).append((e["ts"], list(e["args"].values())[0]))
    sizes = {"weight SRAM in use": int(summary["config"]["weight_sram.size_bytes"]),
             "activation SRAM in use": int(summary["config"]["activation_sram.size_bytes"])}
    for name, cap in sizes.items():
        samples = counters.get(name, [])
        check(samples, f"counter {name}")
        check(all(v <= cap for _, v in samples), f"{name} within {cap} bytes")
        check([t for t, _ in samples] == sorted(t for t, _ in samples), f"{name} in time order")
    act = counters.get("activation SRAM in use", [])
    for b in blocks:
        mid = b["ts"] + b["dur"] / 2
        before = [v for t, v in act if t <= mid]
        check(before and before[-1] > 0, f"activation SRAM in use during {b['name']}")
    if act:
        check(act[-1][1] == 0, "activation SRAM free after the last block")
    return doc


def trace_run(name, extra, blocks=BLOCKS, model_args=("--timing-only",)):
    d = fresh(os.path.join(SCRATCH, name))
    trace = os.path.join(d, "trace.json")
    r = run(["run", MODEL, *model_args, "--denoisers", blocks, "--trace", trace,
             "--out", os.path.join(d, "out")] + extra)
    check(r.returncode == 0, f"dnsim run {name}: exit {r.returncode}: {r.stderr.strip()}")
    check(f"trace: {trace}" in r.stdout, "dnsim run prints the trace's path")
    return trace, os.path.join(d, "out")


def refused(args, regex_parts, must_not_exist):
    r = run(args)
    err = r.stderr.strip()
    check(r.returncode == 1, f"{args}: exit status {r.returncode} (expected 1); {err}")
    check(len(err.splitlines()) == 1, f"{args}: one error line, got {err!r}")
    for part in regex_parts:
        check(part in err, f"{args}: error {err!r} names {part!r}")
    check(r.stdout == "", f"{args}: nothing printed before the error (checked first): "
          f"{r.stdout[:200]!r}")
    for p in must_not_exist:
        check(not os.path.exists(p), f"{args}: {p} was created")


os.makedirs(SCRATCH, exist_ok=True)
if CASE in CASES:
    hw = CASES[CASE]
    overlap = CASE == "overlap"
    trace, out = trace_run(CASE, hw + (OVERLAP_RUN if overlap else []),
                           OVERLAP_BLOCKS if overlap else BLOCKS)
    if not failures:
        doc = validate(trace, out, hw, overlap)
        names = {e["args"].get("double_buffered") for e in doc["traceEvents"]
                 if e.get("cat") == "denoiser.block"}
        if CASE == "double_buffered_333mhz":
            blocks = [e["args"] for e in doc["traceEvents"] if e.get("cat") == "denoiser.block"]
            check(any(b["tiles"] >= 3 and b["double_buffered"] for b in blocks),
                  "a double-buffered block of three tiles or more")
        if CASE == "tiled_streamed":
            blocks = [e["args"] for e in doc["traceEvents"] if e.get("cat") == "denoiser.block"]
            check(any(b["tiles"] > 1 for b in blocks), "a block of several tiles")
            check(any(not b["weights_resident"] for b in blocks), "a block with streamed weights")
        if overlap:
            check(names == {True}, "the blocks ran double-buffered")
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            check(s["cycles_hidden_by_overlap"] > 0, "a step ran beside a block")
        # Determinism: the same run gives the same bytes.
        trace2, _ = trace_run(CASE + "_again", hw + (OVERLAP_RUN if overlap else []),
                              OVERLAP_BLOCKS if overlap else BLOCKS)
        with open(trace, "rb") as a, open(trace2, "rb") as b:
            check(a.read() == b.read(), "the same run writes the same trace bytes")
elif CASE == "images":
    # The trace is of the timing job's one image whatever the dataset: a run over images
    # writes the same trace as the timing-only run.
    t1, _ = trace_run("timing", [])
    t2, out = trace_run("images", [], model_args=("--dataset.limit", "40"))
    if not failures:
        with open(t1, "rb") as a, open(t2, "rb") as b:
            check(a.read() == b.read(), "a run over 40 images writes the timing-only trace")
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        check(s["accuracy"]["images"] == 40, "the run did go over 40 images")
elif CASE == "bad_paths":
    d = fresh(os.path.join(SCRATCH, "bad"))
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("user notes\n")
    os.makedirs(os.path.join(d, "adir"))
    base = ["run", MODEL, "--timing-only", "--denoisers", BLOCKS, "--out",
            os.path.join(d, "out")]
    out = os.path.join(d, "out")
    # A missing directory that cannot be created (below a regular file).
    refused(base + ["--trace", os.path.join(d, "notes.txt", "sub", "t.json")],
            ["trace:", os.path.join(d, "notes.txt", "sub")], [out])
    # Under /proc, where nobody (root included) can create a file.
    refused(base + ["--trace", "/proc/dnsim-trace/t.json"], ["trace:", "/proc"], [out])
    refused(base + ["--trace", ""], ["trace:", "empty"], [out])
    refused(base + ["--trace", os.path.join(d, "adir")], ["trace:", "adir"], [out])
    refused(base + ["--trace", os.path.join(d, "adir") + "/"], ["trace:", "adir"], [out])
    refused(base + ["--trace", "/dev/null"], ["trace:", "/dev/null"], [out])
    # A trace path that is one of the run's own result files.
    refused(base + ["--trace", os.path.join(out, "summary.json")],
            ["trace:", "is the summary.json this command writes"], [out])
    with open(os.path.join(d, "notes.txt")) as f:
        check(f.read() == "user notes\n", "notes.txt untouched")
    check(sorted(os.listdir(d)) == ["adir", "notes.txt"], f"nothing else left: {os.listdir(d)}")
    check(os.listdir(os.path.join(d, "adir")) == [], "adir untouched")
    # A missing directory that can be created is created, and nothing but the trace is left.
    t = os.path.join(d, "new", "deeper", "t.json")
    r = run(base + ["--trace", t])
    check(r.returncode == 0 and os.path.isfile(t), f"--trace into a new directory: {r.stderr}")
    check(os.listdir(os.path.dirname(t)) == ["t.json"], "no temporary file left beside it")
else:
    print(f"unknown case {CASE}")
    sys.exit(2)
finish()
