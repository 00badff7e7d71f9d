#!/usr/bin/env python3
"""dnsim sweep end to end (docs/studies.md): the database against the point files, resume,
a sweep killed with SIGKILL and resumed, failed points, shards and --collect, --status,
--pareto against a front computed here, run.chips as an axis with its columns, and an MPI
sweep against the local one.
usage: sweep_run.py CASE DNSIM OUT_DIR [BAD_MODEL]"""
import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

case, dnsim, out = sys.argv[1:4]
bad_model = sys.argv[4] if len(sys.argv) > 4 else ""
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)

# Columns that say where and when a point ran, not what it computed.
RUN_COLUMNS = {"wall_s", "run_wall_s", "worker", "date_utc", "host", "provenance", "result"}


def fail(msg):
    print(f"FAIL ({case}): {msg}")
    sys.exit(1)


def sweep(*args, expect=0, env=None):
    p = subprocess.run([dnsim, "sweep", *args], capture_output=True, text=True, env=env)
    if p.returncode != expect:
        fail(f"dnsim sweep {' '.join(args)}: exit {p.returncode}, expected {expect}\n"
             f"{p.stdout}\n{p.stderr}")
    return p


def write(name, text):
    path = os.path.join(out, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def rows(db, skip=RUN_COLUMNS):
    c = sqlite3.connect(db)
    cols = [r[1] for r in c.execute("PRAGMA table_info(points)")]
    keep = [x for x in cols if x not in skip]
    sel = ", ".join(f'"{k}"' for k in keep)
    data = c.execute(f"SELECT {sel} FROM points ORDER BY point").fetchall()
    c.close()
    return keep, data


def as_dicts(db):
    keep, data = rows(db, skip=set())
    return [dict(zip(keep, r)) for r in data]


# A denoiser block on the accelerator: milliseconds per point.
DENOISER_STUDY = """; a small study of the denoiser accelerator
[study]
name = blocks
command = denoiser

[base]
block.channels = 8
block.height = 6
block.width = 5

[axes]
denoiser.cores = 1, 2, 4
denoiser.lanes = range(1, 4, 3)
"""

# Timing-only ResNet-18 with the paper's two blocks: a few hundred ms per point.
TIMING_STUDY = """[study]
name = timing
model = resnet18
timing_only = true
denoisers = conv1,layer4.1.conv2

[axes]
denoiser.cores = range(1, 8, 1)
cgra.pass_ns = 52, 100
"""


def check_against_files(db_path, study_dir, n):
    """Every row of the database holds what its point's files say."""
    pts = as_dicts(db_path)
    if len(pts) != n:
        fail(f"{len(pts)} rows in the database, expected {n}")
    for r in pts:
        d = os.path.join(study_dir, "points", f"{r['point']:06d}")
        with open(os.path.join(d, "denoiser.json")) as f:
            res = json.load(f)
        with open(os.path.join(d, "point.json")) as f:
            rec = json.load(f)
        if r["status"] != "ok" or rec["status"] != "ok":
            fail(f"point {r['point']}: status {r['status']}")
        if r["cycles"] != res["total_cycles"]:
            fail(f"point {r['point']}: cycles {r['cycles']} != {res['total_cycles']}")
        if abs(r["energy_pJ"] - res["total_energy_pJ"]) > 1e-9 * res["total_energy_pJ"]:
            fail(f"point {r['point']}: energy_pJ {r['energy_pJ']} != {res['total_energy_pJ']}")
        if abs(r["latency_us"] - res["time_ns"] / 1000) > 1e-12 * res["time_ns"]:
            fail(f"point {r['point']}: latency_us {r['latency_us']} != time_ns/1000")
        cfg = res["config"]
        if str(r["denoiser.cores"]) != cfg["denoiser.cores"] or \
                str(r["denoiser.lanes"]) != cfg["denoiser.lanes"]:
            fail(f"point {r['point']}: axis columns {r['denoiser.cores']}, "
                 f"{r['denoiser.lanes']} but the run had {cfg['denoiser.cores']}, "
                 f"{cfg['denoiser.lanes']}")
        if r["denoiser_mac_units"] != r["denoiser.cores"] * 9:
            fail(f"point {r['point']}: MAC units {r['denoiser_mac_units']}")
        if r["config_hash"] != rec["config_hash"]:
            fail(f"point {r['point']}: config hash differs from point.json")
        if not os.path.exists(os.path.join(d, "resolved.ini")):
            fail(f"point {r['point']}: no resolved.ini")
    return pts


if case == "results":
    study = write("blocks.ini", DENOISER_STUDY)
    listing = sweep(study, "--list").stdout
    # Grid order: the first axis slowest.
    want = [(c, l) for c in (1, 2, 4) for l in (1, 4)]
    lines = [l.split() for l in listing.splitlines()[1:]]
    got = [(int(l[2].split("=")[1]), int(l[3].split("=")[1])) for l in lines]
    if got != want:
        fail(f"--list gives {got}, expected {want}")
    d = os.path.join(out, "blocks")
    p = sweep(study, "--out", d, "--jobs", "2")
    if "6 ok, 0 failed" not in p.stdout:
        fail(f"summary line: {p.stdout}")
    pts = check_against_files(os.path.join(d, "study.db"), d, 6)
    # More cores never take more cycles; lanes at a fixed core count likewise.
    by = {(r["denoiser.cores"], r["denoiser.lanes"]): r["cycles"] for r in pts}
    for l in (1, 4):
        if not by[(1, l)] >= by[(2, l)] >= by[(4, l)]:
            fail(f"cycles do not fall with cores at {l} lanes: {by}")
    with open(os.path.join(d, "results.csv")) as f:
        table = list(csv.DictReader(f))
    if len(table) != 6 or [int(r["point"]) for r in table] != list(range(6)):
        fail("results.csv does not hold the 6 points in order")
    if "provenance" in table[0] or table[0]["git_commit"] == "":
        fail("results.csv: the provenance columns")
    # Run again: nothing to do, nothing changes.
    before = rows(os.path.join(d, "study.db"), skip=set())
    p = sweep(study, "--out", d)
    if "0 to run (6 done earlier" not in p.stderr:
        fail(f"a second run should skip every point: {p.stderr}")
    if rows(os.path.join(d, "study.db"), skip=set()) != before:
        fail("a second run changed the database")
    st = sweep(d, "--status").stdout
    if "6 points: 6 done, 0 failed, 0 left" not in st:
        fail(f"--status: {st}")
    # docs/studies.md names every column of the points table.
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "studies.md")
    with open(docs) as f:
        text = f.read()
    c = sqlite3.connect(os.path.join(d, "study.db"))
    cols = [r[1] for r in c.execute("PRAGMA table_info(points)")]
    c.close()
    missing = [col for col in cols if f"`{col}`" not in text and not col.startswith("denoiser.")]
    if missing:
        fail(f"docs/studies.md does not describe the columns {missing}")

elif case == "run_metrics":
    # The run command's metric columns, and docs/studies.md naming each of them.
    study = write("timing.ini", TIMING_STUDY.replace("range(1, 8, 1)", "4").replace(
        "52, 100", "52"))
    d = os.path.join(out, "timing")
    sweep(study, "--out", d)
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "studies.md")
    with open(docs) as f:
        text = f.read()
    r = as_dicts(os.path.join(d, "study.db"))[0]
    missing = [col for col in r if f"`{col}`" not in text and "." not in col]
    if missing:
        fail(f"docs/studies.md does not describe the columns {missing}")
    with open(os.path.join(d, "points", "000000", "summary.json")) as f:
        s = json.load(f)
    energy = sum(e["energy_pJ"] for e in s["energy_per_inference"]) * 1e-6
    den = sum(e["energy_pJ"] for e in s["energy_per_inference"]
              if e["component"].startswith("denoiser.")) * 1e-6
    checks = {"latency_us": s["latency_us"], "energy_uJ": energy, "denoiser_energy_uJ": den,
              "cycles_per_inference": s["cycles_per_inference"],
              "latency_overhead_pct": s["latency_overhead_pct"],
              "parameter_overhead_pct": 100 * s["denoiser_params"] / s["backbone_params"],
              "denoiser_sram_bytes": 65536 + 262144, "denoiser_mac_units": 4 * 9}
    for k, v in checks.items():
        if abs(r[k] - v) > 1e-9 * max(1, abs(v)):
            fail(f"{k} = {r[k]}, the summary gives {v}")
    for k in ("accuracy_pct", "accuracy_ci95_pct", "images"):
        if r[k] is not None:
            fail(f"a timing-only point has {k} = {r[k]}")
    layers = sqlite3.connect(os.path.join(d, "study.db")).execute(
        "SELECT layer, cycles FROM layers WHERE point = 0").fetchall()
    with open(os.path.join(d, "points", "000000", "layers.csv")) as f:
        want = [(row["layer"], int(row["cycles"])) for row in csv.DictReader(f)]
    if layers != want:
        fail("the layers table differs from layers.csv")

elif case == "accuracy":
    # Accuracy columns against the passes of each point's summary.json, the confidence interval
    # computed here (t table value for 2 degrees of freedom: 4.303).
    models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workloads",
                          "models")
    study = write("acc.ini", f"""[study]
name = acc
model = {os.path.join(models, "resnet18_28_denoised.onnx")}
[base]
dataset.limit = 100
run.seeds = 3
[axes]
noise.activation_k = 0.1, 0.3
""")
    d = os.path.join(out, "acc")
    sweep(study, "--out", d, "--jobs", "2")
    for r in as_dicts(os.path.join(d, "study.db")):
        with open(os.path.join(d, "points", f"{r['point']:06d}", "summary.json")) as f:
            passes = json.load(f)["accuracy"]["passes"]
        den = [100.0 * p["correct"] / p["images"] for p in passes if p["pass"] == "denoised"]
        noisy = [100.0 * p["correct"] / p["images"] for p in passes if p["pass"] == "noisy"]
        if len(den) != 3 or r["images"] != 100 or r["seeds"] != 3:
            fail(f"point {r['point']}: {len(den)} denoised passes, {r['images']} images")
        mean = sum(den) / 3
        std = (sum((x - mean) ** 2 for x in den) / 2) ** 0.5
        # Paired: each seed's denoised pass minus its noisy pass, the interval over the three
        # pairs.
        by_seed = {(p["pass"], p["seed"]): 100.0 * p["correct"] / p["images"] for p in passes}
        gains = [v - by_seed[("noisy", seed)] for (kind, seed), v in by_seed.items()
                 if kind == "denoised"]
        gain = sum(gains) / 3
        gain_std = (sum((x - gain) ** 2 for x in gains) / 2) ** 0.5
        for k, v in (("accuracy_pct", mean), ("accuracy_denoised_pct", mean),
                     ("accuracy_noisy_pct", sum(noisy) / 3),
                     ("accuracy_ci95_pct", 4.303 * std / 3 ** 0.5),
                     ("accuracy_gain_points", gain),
                     ("accuracy_gain_ci95_points", 4.303 * gain_std / 3 ** 0.5)):
            if abs(r[k] - v) > 1e-9:
                fail(f"point {r['point']}: {k} = {r[k]}, expected {v}")

elif case == "chips":
    # run.chips as an axis: the chips, seeds and worst-chip columns and the confidence interval
    # over the chips' means against the passes of each point's summary.json. Student's t
    # quantiles t(0.975, df) from the standard table: df 1: 12.706, df 2: 4.303.
    t975 = {1: 12.706, 2: 4.303}
    models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workloads",
                          "models")
    study = write("chips.ini", f"""[study]
name = chips
model = {os.path.join(models, "resnet18_28_denoised.onnx")}
[base]
dataset.limit = 40
run.seeds = 2
noise.activation_k = 0.1
noise.programming_sigma = 0.05
noise.stuck_fraction = 0.02
[axes]
run.chips = 1, 3
""")
    d = os.path.join(out, "chips")
    sweep(study, "--out", d, "--jobs", "2")
    pts = as_dicts(os.path.join(d, "study.db"))
    if [r["run.chips"] for r in pts] != [1, 3] or [r["chips"] for r in pts] != [1, 3]:
        fail(f"run.chips axis / chips column: {[(r['run.chips'], r['chips']) for r in pts]}")
    for r in pts:
        with open(os.path.join(d, "points", f"{r['point']:06d}", "summary.json")) as f:
            passes = json.load(f)["accuracy"]["passes"]
        chips = r["chips"]
        if r["seeds"] != 2:
            fail(f"point {r['point']}: seeds {r['seeds']}, expected 2 per chip")
        for kind in ("noisy", "denoised"):
            acc = [[100.0 * p["correct"] / p["images"] for p in passes
                    if p["pass"] == kind and p["chip"] == c] for c in range(chips)]
            if any(len(a) != 2 for a in acc):
                fail(f"point {r['point']}: {kind} passes per chip {[len(a) for a in acc]}")
            means = [sum(a) / 2 for a in acc]
            mean = sum(means) / chips
            if chips > 1:
                sd = (sum((m - mean) ** 2 for m in means) / (chips - 1)) ** 0.5
                ci = t975[chips - 1] * sd / chips ** 0.5
                worst = min(means)
            else:
                sd = (sum((x - mean) ** 2 for x in acc[0]) / 1) ** 0.5
                ci = t975[1] * sd / 2 ** 0.5
                worst = None
            for k, v in ((f"accuracy_{kind}_pct", mean), (f"accuracy_{kind}_ci95_pct", ci),
                         (f"accuracy_{kind}_worst_chip_pct", worst)):
                if (v is None) != (r[k] is None) or (v is not None and abs(r[k] - v) > 1e-9):
                    fail(f"point {r['point']}: {k} = {r[k]}, expected {v}")
        if abs(r["accuracy_ci95_pct"] - r["accuracy_denoised_ci95_pct"]) > 1e-12:
            fail(f"point {r['point']}: accuracy_ci95_pct is not the denoised pass's")
    # A database made before these columns (by an older dnsim): resuming adds them, empty in
    # the points it held, and records the rerun point in full.
    new_columns = ("chips", "accuracy_noisy_worst_chip_pct", "accuracy_denoised_worst_chip_pct")
    c = sqlite3.connect(os.path.join(d, "study.db"))
    for col in new_columns:
        c.execute(f'ALTER TABLE points DROP COLUMN "{col}"')
    c.execute("DELETE FROM points WHERE point = 0")
    c.commit()
    c.close()
    shutil.rmtree(os.path.join(d, "points", "000000"))
    sweep(study, "--out", d)
    again = as_dicts(os.path.join(d, "study.db"))
    if [(r["point"], r["chips"]) for r in again] != [(0, 1), (1, None)]:
        fail(f"resumed old database: {[(r['point'], r['chips']) for r in again]}")
    if again[0]["accuracy_noisy_pct"] != pts[0]["accuracy_noisy_pct"]:
        fail("resumed old database: point 0 recomputed differently")

elif case == "pareto":
    study = write("blocks.ini", DENOISER_STUDY)
    d = os.path.join(out, "blocks")
    sweep(study, "--out", d, "--jobs", "2")
    p = sweep(d, "--pareto", "latency_us:min,energy_pJ:min,denoiser_mac_units:min")
    pts = as_dicts(os.path.join(d, "study.db"))
    objs = [("latency_us", -1), ("energy_pJ", -1), ("denoiser_mac_units", -1)]

    def dominates(a, b):
        ge = all(s * a[k] >= s * b[k] for k, s in objs)
        gt = any(s * a[k] > s * b[k] for k, s in objs)
        return ge and gt
    front = sorted(r["point"] for r in pts if not any(dominates(o, r) for o in pts))
    with open(os.path.join(d, "pareto.csv")) as f:
        got = sorted(int(r["point"]) for r in csv.DictReader(f))
    if got != front:
        fail(f"pareto.csv holds points {got}; the front is {front}")
    if f"{len(front)} points" not in p.stdout:
        fail(f"printed front: {p.stdout}")

elif case == "failed":
    if not bad_model:
        fail("needs a model file that does not load")
    study = write("models.ini", f"""[study]
name = models
timing_only = true
[axes]
model = resnet18, "{bad_model}"
""")
    d = os.path.join(out, "models")
    p = sweep(study, "--out", d, expect=2)
    pts = as_dicts(os.path.join(d, "study.db"))
    if [r["status"] for r in pts] != ["ok", "failed"]:
        fail(f"statuses {[r['status'] for r in pts]}")
    if pts[1]["exit_status"] != 1 or os.path.basename(bad_model) not in pts[1]["error"]:
        fail(f"failed point: exit {pts[1]['exit_status']}, error {pts[1]['error']!r}")
    if "point 1" not in p.stdout or "1 failed" not in p.stdout:
        fail(f"summary does not report the failed point: {p.stdout}")
    # Without --resume a failed point stays; with it, it is rerun (and fails again).
    p = sweep(study, "--out", d, expect=2)
    if "0 to run" not in p.stderr:
        fail(f"without --resume: {p.stderr}")
    p = sweep(study, "--out", d, "--resume", expect=2)
    if "1 to run (1 done earlier" not in p.stderr:
        fail(f"--resume: {p.stderr}")
    if "1 done, 1 failed, 0 left" not in sweep(d, "--status").stdout:
        fail("--status after a failed point")

elif case == "kill":
    study = write("timing.ini", TIMING_STUDY)
    n = 16
    ref = os.path.join(out, "reference")
    sweep(study, "--out", ref, "--jobs", "1")
    d = os.path.join(out, "killed")
    proc = subprocess.Popen([dnsim, "sweep", study, "--out", d, "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = os.path.join(d, "study.db")
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline:
        if os.path.exists(db):
            try:
                c = sqlite3.connect(db, timeout=5)
                done = c.execute("SELECT COUNT(*) FROM points").fetchone()[0]
                c.close()
            except sqlite3.Error:
                done = 0
        if done >= 3 or proc.poll() is not None:
            break
        time.sleep(0.02)
    if proc.poll() is not None:
        fail("the sweep finished before it could be killed; make its points slower")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def orphans():
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if f"DNSIM_SWEEP_PARENT={proc.pid}".encode() in f.read().split(b"\0"):
                        found.append(pid)
            except OSError:
                pass
        return found

    # Its point processes end with it: those running get SIGKILL from the kernel; one spawned
    # an instant before the kill ends as soon as it starts and sees its parent gone. On a
    # loaded machine that start (loading the libraries) can take seconds, so wait for it,
    # but not forever.
    deadline = time.time() + 30
    left = orphans()
    while left and time.time() < deadline:
        time.sleep(0.1)
        left = orphans()
    if left:
        fail(f"point processes outlived the killed sweep by 30 s: {left}")
    c = sqlite3.connect(db)
    partial = c.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    c.close()
    if not 3 <= partial < n:
        fail(f"{partial} points recorded when killed")
    p = sweep(study, "--out", d, "--jobs", "2", "--resume")
    # A point whose results were written to its directory just before the kill, but not yet
    # into the database, is collected by the resume: at most one per worker (--jobs 2).
    m = re.search(r"(\d+) to run \((\d+) done earlier", p.stderr)
    if not m:
        fail(f"the resumed sweep does not say what it runs: {p.stderr}")
    todo, earlier = int(m.group(1)), int(m.group(2))
    if todo + earlier != n or not partial <= earlier <= partial + 2:
        fail(f"{partial} points recorded when killed; the resumed sweep should take those "
             f"(and at most 2 written but not recorded) and run the rest: {p.stderr}")
    if rows(db) != rows(os.path.join(ref, "study.db")):
        fail("after the kill and --resume the database differs from an uninterrupted sweep")
    left = [e for e in os.listdir(d) + os.listdir(os.path.join(d, "points"))
            if e == "work" or e.endswith(".tmp")]
    if left:
        fail(f"leftovers after the resume: {left}")

elif case == "shards":
    study = write("blocks.ini", DENOISER_STUDY)
    ref = os.path.join(out, "reference")
    sweep(study, "--out", ref, "--jobs", "1")
    d = os.path.join(out, "sharded")
    for k in (1, 2, 3):
        p = sweep(study, "--out", d, "--shard", f"{k}/3")
        if "2 to run" not in p.stderr:
            fail(f"shard {k}/3 should run 2 of 6 points: {p.stderr}")
    if os.path.exists(os.path.join(d, "study.db")):
        fail("a shard wrote the database")
    st = sweep(d, "--status").stdout
    if "6 point directories are not in the database yet" not in st:
        fail(f"--status before --collect: {st}")
    p = sweep(d, "--collect")
    if "collected 6 new point results" not in p.stdout:
        fail(f"--collect: {p.stdout}")
    if rows(os.path.join(d, "study.db")) != rows(os.path.join(ref, "study.db")):
        fail("the collected database differs from the local sweep's")
    p = sweep(d, "--collect")
    if "collected 0 new" not in p.stdout:
        fail(f"a second --collect: {p.stdout}")

elif case == "signals":
    # A point process killed by SIGKILL (the OOM killer, say) is run again; one ended by
    # SIGTERM (the sweep being stopped) is not recorded, and the next run runs it.
    study = write("timing.ini", TIMING_STUDY)
    d = os.path.join(out, "signals")

    def children(parent):
        found = []
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/environ", "rb") as f:
                        if f"DNSIM_SWEEP_PARENT={parent}".encode() in f.read().split(b"\0"):
                            found.append(int(pid))
                except OSError:
                    pass
        return found

    for sig in (signal.SIGKILL, signal.SIGTERM):
        shutil.rmtree(d, ignore_errors=True)
        proc = subprocess.Popen([dnsim, "sweep", study, "--out", d], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        victim = None
        deadline = time.time() + 60
        while victim is None and time.time() < deadline and proc.poll() is None:
            kids = children(proc.pid)
            victim = kids[0] if kids else None
            time.sleep(0.002)
        if victim is None:
            fail("found no point process to signal")
        os.kill(victim, sig)
        stdout, stderr = proc.communicate(timeout=120)
        pts = as_dicts(os.path.join(d, "study.db"))
        if sig == signal.SIGKILL:
            if proc.returncode != 0 or len(pts) != 16 or any(r["status"] != "ok" for r in pts):
                fail(f"after a SIGKILL the sweep should rerun the point: exit {proc.returncode}, "
                     f"{len(pts)} rows\n{stdout}\n{stderr}")
            if sorted(r["attempts"] for r in pts)[-1] != 2:
                fail("no point took two attempts")
        else:
            if proc.returncode != 2 or len(pts) != 15 or "interrupted" not in stderr:
                fail(f"after a SIGTERM of a point: exit {proc.returncode}, {len(pts)} rows\n"
                     f"{stdout}\n{stderr}")
            p = sweep(study, "--out", d)
            if "1 to run (15 done earlier" not in p.stderr:
                fail(f"the interrupted point should run next time: {p.stderr}")

elif case == "directories":
    study = write("blocks.ini", DENOISER_STUDY)
    # A directory with a 'points' that is not a sweep's is refused; another 'work' is untouched.
    d = os.path.join(out, "theirs")
    os.makedirs(os.path.join(d, "points"))
    sweep(study, "--out", d, expect=1)
    d = os.path.join(out, "mine")
    os.makedirs(os.path.join(d, "work"))
    write(os.path.join("mine", "work", "thesis.tex"), "x")
    sweep(study, "--out", d)
    if not os.path.exists(os.path.join(d, "work", "thesis.tex")):
        fail("the sweep removed a file it did not create")
    # Shards' results not collected yet are taken by the next sweep, not run again.
    d = os.path.join(out, "mixed")
    sweep(study, "--out", d, "--shard", "1/2")
    p = sweep(study, "--out", d)
    if "3 to run (3 done earlier" not in p.stderr:
        fail(f"the sweep should take the shard's 3 points: {p.stderr}")
    ref = os.path.join(out, "reference")
    sweep(study, "--out", ref)
    if rows(os.path.join(d, "study.db")) != rows(os.path.join(ref, "study.db")):
        fail("shard results taken by a sweep differ from a plain sweep's")
    # A shard is refused while a sweep holds the directory, and a sweep while a shard does.
    slow = write("timing.ini", TIMING_STUDY)
    d = os.path.join(out, "busy")
    proc = subprocess.Popen([dnsim, "sweep", slow, "--out", d], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(d, "study.db")) and time.time() < deadline:
        time.sleep(0.01)
    p = sweep(slow, "--out", d, "--shard", "1/2", expect=1)
    if "another dnsim sweep (not a shard) is running" not in p.stderr:
        fail(f"a shard beside a sweep: {p.stderr}")
    proc.wait()

elif case == "mpi":
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        fail("mpirun not found (openmpi-bin)")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    for name, text in (("blocks", DENOISER_STUDY), ("timing", TIMING_STUDY)):
        study = write(f"{name}.ini", text)
        ref = os.path.join(out, f"{name}_jobs1")
        sweep(study, "--out", ref, "--jobs", "1")
        d = os.path.join(out, f"{name}_mpi")
        p = subprocess.run([mpirun, "-np", "3", "--oversubscribe", dnsim, "sweep", study,
                            "--out", d], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            fail(f"mpirun: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        a, b = rows(os.path.join(d, "study.db")), rows(os.path.join(ref, "study.db"))
        if a != b:
            fail(f"{name}: the MPI sweep's database differs from --jobs 1's")
        # Points ran on the worker ranks only (which of the two takes how many depends on
        # timing).
        workers = {r["worker"] for r in as_dicts(os.path.join(d, "study.db"))}
        if not workers or not workers <= {"rank 1 on " + os.uname().nodename,
                                          "rank 2 on " + os.uname().nodename}:
            fail(f"{name}: points ran on {workers}; expected the worker ranks 1 and 2")
else:
    fail(f"unknown case {case}")
print(f"ok ({case})")
