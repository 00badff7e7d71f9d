#!/usr/bin/env python3
"""zoo.py's kept exports: an export made under the current key is reused (its files are not
written again), one made under another key (another zoo.py or package version) is exported
anew, and a scratch folder left by an interrupted export is never taken for an export.

usage: export_reuse.py ZOO_PY HELPER WORK_DIR
"""
import os
import shutil
import subprocess
import sys

zoo, helper, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
exports = os.path.join(work, "exports")
CASE = "vit_tiny/o13"
folder = os.path.join(exports, "vit_tiny_o13")
failures = []


def run(tag):
    r = subprocess.run([sys.executable, zoo, "--case", CASE, "--helper", helper, "--work",
                        os.path.join(work, tag), "--exports", exports],
                       capture_output=True, text=True)
    if r.returncode != 0 or ": passed:" not in r.stdout:
        sys.exit(f"FAIL: {tag}: zoo.py exited {r.returncode}: {r.stdout}{r.stderr}")


def stamp():
    return {f: os.stat(os.path.join(folder, f)).st_mtime_ns
            for f in ("model.onnx", "input.pb", "output.pb", "export.key")}


run("first")
first = stamp()
key = open(os.path.join(folder, "export.key")).read()
if len(key) != 64:
    failures.append(f"export.key holds {key!r}, not a SHA-256 digest")

# The same key: nothing is written again.
run("same")
if stamp() != first:
    failures.append("an export with the current key was written again instead of reused")

# A scratch folder of an interrupted export is not an export, and is not read.
os.makedirs(folder + ".partial-1", exist_ok=True)
open(os.path.join(folder + ".partial-1", "model.onnx"), "w").write("not a model")
run("scratch")
if stamp() != first:
    failures.append("a scratch folder changed the kept export")

# Another key: exported anew, under the current key.
open(os.path.join(folder, "export.key"), "w").write("0" * 64)
stale = stamp()
run("other")
now = stamp()
if now["model.onnx"] == stale["model.onnx"] or now["output.pb"] == stale["output.pb"]:
    failures.append("an export made under another key was reused")
if open(os.path.join(folder, "export.key")).read() != key:
    failures.append("the new export does not carry the current key")
left = [n for n in os.listdir(exports) if ".stale-" in n or n.startswith("vit_tiny_o13.partial-")
        and n != "vit_tiny_o13.partial-1"]
if left:
    failures.append(f"left behind: {left}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
