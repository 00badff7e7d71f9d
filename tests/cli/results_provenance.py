#!/usr/bin/env python3
"""Every result file carries the provenance block, and dnsim energy recomputes a run's energy
from its action counts (docs/regression.md, docs/platform.md).
usage: results_provenance.py CASE DNSIM OUT_DIR MODEL_FILE"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

case, dnsim, out, model = sys.argv[1:5]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def fail(msg):
    print(f"FAIL ({case}): {msg}")
    sys.exit(1)


def run(*args):
    p = subprocess.run([dnsim, *args], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"dnsim {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_provenance(doc, want_model=None, builtin=None, dataset=True):
    p = doc.get("provenance")
    if p is None:
        fail("no provenance block")
    for key in ("dnsim_version", "git_commit", "git_dirty", "compiler", "build_type",
                "kernels_isa", "command", "dataset", "config_sha256", "seeds", "host",
                "date_utc", "wall_time_s"):
        if key not in p:
            fail(f"provenance lacks {key}: {p}")
    if doc.get("schema_version") != 3:
        fail(f"schema_version {doc.get('schema_version')}")
    commit = p["git_commit"]
    if commit != "unknown" and len(commit) != 40:
        fail(f"git_commit {commit}")
    # The configuration's hash: SHA-256 of its "key = value" lines in order.
    config = doc.get("config", {})
    if isinstance(config, dict) and config and case != "run":
        text = "".join(f"{k} = {v}\n" for k, v in config.items())
        if hashlib.sha256(text.encode()).hexdigest() != p["config_sha256"]:
            fail("config_sha256 is not the hash of the resolved configuration")
    if want_model is not None:
        if p["model"].get("sha256") != sha256(want_model):
            fail(f"model sha256 {p['model']} is not sha256sum's {sha256(want_model)}")
    if builtin is not None and p["model"] != {"builtin": builtin}:
        fail(f"model {p['model']}")
    if dataset:
        if not p["dataset"]:
            fail("no dataset files")
        for d in p["dataset"]:
            if d["sha256"] != sha256(d["path"]):
                fail(f"dataset {d['path']}: {d['sha256']}")
    return p


if case == "run":
    run("run", model, "--dataset.limit", "16", "--out", f"{out}/r")
    doc = json.load(open(f"{out}/r/summary.json"))
    p = check_provenance(doc, want_model=model)
    if "run.seed" not in p["seeds"] or "noise.chip_seed" not in p["seeds"]:
        fail(f"seeds {p['seeds']}")
    if "--dataset.limit 16" not in p["command"]:
        fail(f"command {p['command']}")
elif case == "denoiser":
    run("denoiser", "--channels", "8", "--height", "4", "--width", "4", "--out", f"{out}/d")
    check_provenance(json.load(open(f"{out}/d/denoiser.json")), dataset=False)
elif case == "eval":
    run("eval", "resnet18_28", "--dataset.limit", "16", "--out", f"{out}/e")
    check_provenance(json.load(open(f"{out}/e/summary.json")), builtin="resnet18_28")
elif case == "energy":
    run("run", "resnet18", "--timing-only", "--denoisers", "conv1", "--out", f"{out}/t")
    summary = json.load(open(f"{out}/t/summary.json"))
    # No change: the run's own energy per component, recomputed from the action counts.
    run("energy", f"{out}/t/summary.json", "--out", f"{out}/same")
    same = json.load(open(f"{out}/same/energy.json"))
    recorded = {e["component"]: e["energy_pJ"] for e in summary["energy_per_inference"]}
    for e in same["energy_per_inference"]:
        want = recorded[e["component"]]
        if abs(e["energy_pJ"] - want) > 1e-9 * abs(want):
            fail(f"{e['component']}: {e['energy_pJ']} recomputed, {want} recorded")
    # SRAM words at 0.63 pJ instead of 2.5 (docs/energy.md's other figure), by hand from the
    # counts: only the components with sram_word actions change, by count x (0.63 - 2.5).
    with open(f"{out}/table.ini", "w") as t:
        t.write("[energy]\nsram_word = 0.63\n")
    run("energy", f"{out}/t/summary.json", "--energy-table", f"{out}/table.ini", "--out",
        f"{out}/sram")
    new = {e["component"]: e["energy_pJ"] for e in
           json.load(open(f"{out}/sram/energy.json"))["energy_per_inference"]}
    delta = {}
    for a in summary["actions_per_inference"]:
        if a["action"] == "sram_word":
            delta[a["component"]] = delta.get(a["component"], 0.0) + a["count"] * (0.63 - 2.5)
    if not delta:
        fail("no sram_word actions in the summary")
    for c, want in recorded.items():
        expect = want + delta.get(c, 0.0)
        if abs(new[c] - expect) > 1e-6 * abs(want):
            fail(f"{c}: {new[c]} with sram_word 0.63, expected {expect}")
    # A 4-bit ADC (docs/energy.md): each conversion at 0.79 pJ instead of 1.67 (the ISAAC
    # table's points), the counts unchanged; dnsim energy takes cgra.adc_bits from the summary
    # and reproduces the run's figures, and an energy.adc_conversion it is given is the 8-bit one.
    run("run", "resnet18", "--timing-only", "--denoisers", "conv1", "--cgra.adc_bits", "4",
        "--out", f"{out}/t4")
    summary4 = json.load(open(f"{out}/t4/summary.json"))
    if summary4["config"].get("cgra.adc_bits") != "4":
        fail(f"cgra.adc_bits in the 4-bit run's config: {summary4['config'].get('cgra.adc_bits')}")
    adc8 = [a for a in summary["actions_per_inference"] if a["action"] == "adc_conversion"]
    adc4 = [a for a in summary4["actions_per_inference"] if a["action"] == "adc_conversion"]
    if len(adc4) != 1 or len(adc8) != 1 or adc4[0]["count"] != adc8[0]["count"]:
        fail(f"ADC conversions: {adc8} at 8 bits, {adc4} at 4 bits")
    conversions = adc4[0]["count"]
    if abs(adc4[0]["energy_pJ"] - conversions * 0.79) > 1e-9 * conversions:
        fail(f"4-bit ADC energy {adc4[0]['energy_pJ']}, expected {conversions} x 0.79 pJ")
    recorded4 = {e["component"]: e["energy_pJ"] for e in summary4["energy_per_inference"]}
    for c, want in recorded.items():
        expect = want + (conversions * (0.79 - 1.67) if c == adc4[0]["component"] else 0.0)
        if abs(recorded4[c] - expect) > 1e-9 * abs(want):
            fail(f"{c}: {recorded4[c]} at 4 bits, expected {expect}")
    run("energy", f"{out}/t4/summary.json", "--out", f"{out}/same4")
    same4 = json.load(open(f"{out}/same4/energy.json"))
    if same4["cgra_adc_bits"] != 4 or abs(same4["adc_energy_scale"] - 0.79 / 1.67) > 1e-12:
        fail(f"energy.json: ADC at {same4['cgra_adc_bits']} bits, x {same4['adc_energy_scale']}")
    for e in same4["energy_per_inference"]:
        want = recorded4[e["component"]]
        for field in ("run_energy_pJ", "energy_pJ"):
            if abs(e[field] - want) > 1e-9 * abs(want):
                fail(f"{e['component']} at 4 bits: {field} {e[field]} recomputed, {want} recorded")
    run("energy", f"{out}/t4/summary.json", "--energy.adc_conversion", "2", "--out",
        f"{out}/adc2")
    new2 = {e["component"]: e["energy_pJ"] for e in
            json.load(open(f"{out}/adc2/energy.json"))["energy_per_inference"]}
    c = adc4[0]["component"]
    expect = recorded4[c] + conversions * (2.0 - 1.67) * 0.79 / 1.67
    if abs(new2[c] - expect) > 1e-9 * abs(expect):
        fail(f"{c}: {new2[c]} with energy.adc_conversion 2 at 4 bits, expected {expect}")
    # A summary without action counts (dnsim eval's) is one clear error.
    run("eval", "resnet18_28", "--dataset.limit", "4", "--out", f"{out}/e")
    p = subprocess.run([dnsim, "energy", f"{out}/e/summary.json"], capture_output=True,
                       text=True)
    if p.returncode != 1 or "has no \"actions_per_inference\"" not in p.stderr:
        fail(f"energy on an eval summary: {p.returncode} {p.stderr}")
    p = subprocess.run([dnsim, "energy", f"{out}/t/summary.json", "--energy.sram_word", "-1"],
                       capture_output=True, text=True)
    if p.returncode != 1 or "energy.sram_word" not in p.stderr:
        fail(f"a negative energy: {p.returncode} {p.stderr}")
else:
    fail("unknown case")
print(f"ok ({case})")
