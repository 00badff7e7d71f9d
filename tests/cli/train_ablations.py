#!/usr/bin/env python3
"""The switches behind issue 19's ablations, end to end on a small run of the shipped backbone:

- block.stochastic 0: the blocks subtract their mean alone, so the variance head gets no
  gradient (two runs at different learning rates keep the same variance weights, not the same
  mean weights); the model replays on its platform.ini with the switch, and the replay times
  its blocks without the variance head (fewer denoiser cycles than the same model with 1)
  and computes the same bits through the SystemC denoiser as through the kernel;
  resuming such a run without the switch is refused.
- --placement all: one block after every convolution (read from the ONNX file here).
- --reconstruction-weight: recorded, changes what is trained, refused outside the denoisers
  stage and on a resume with another weight.
- training on one chip (noise.programming_sigma, stuck_fraction, chip_seed): LibTorch's
  accuracy on the chip is the replay's on the same chip.

usage: train_ablations.py DNSIM_TRAIN DNSIM BACKBONE.onnx WORK_DIR
"""
import configparser
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

train, dnsim, backbone, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r


def train_ok(args, out):
    r = run([train] + args + ["--out", out])
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit("FAIL: dnsim-train %s failed" % " ".join(args))
    return json.load(open(os.path.join(out, "train.json")))


def weights(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}


base = ["denoisers", backbone, "--dataset.limit", "256", "--test-limit", "64",
        "--noise.activation_k", "0.2", "--calibration", "64", "--exec.threads", "2"]
small = base + ["--epochs", "1"]

# --- block.stochastic 0 and --placement all -------------------------------------------------
a_dir, b_dir = os.path.join(work, "mean_only"), os.path.join(work, "mean_only_lr")
a = train_ok(small + ["--block.stochastic", "0", "--placement", "all"], a_dir)
b = train_ok(small + ["--block.stochastic", "0", "--placement", "all", "--lr", "0.01"], b_dir)
convs = {n.name for n in onnx.load(backbone).graph.node if n.op_type == "Conv"}
if set(a["layers"]) != convs:
    fail("--placement all chose %d sites, the backbone has %d convolutions: %s" %
         (len(a["layers"]), len(convs), sorted(set(a["layers"]) ^ convs)))
if a.get("block_stochastic") is not False:
    fail("train.json does not record block_stochastic false: %s" % a.get("block_stochastic"))
ini = configparser.ConfigParser()
ini.read(os.path.join(a_dir, "platform.ini"))
values = {"%s.%s" % (section, k): v for section in ini.sections() for k, v in ini[section].items()}
if values.get("block.stochastic") not in ("0", "false"):
    fail("platform.ini does not carry block.stochastic 0: %s" % values)
wa, wb = weights(os.path.join(a_dir, "model.onnx")), weights(os.path.join(b_dir, "model.onnx"))
var = [n for n in wa if ".denoiser.var." in n]
mean = [n for n in wa if ".denoiser.mean." in n]
if len(var) != 2 * len(convs) or len(mean) != 2 * len(convs):
    fail("expected a variance and a mean head per block: %d, %d" % (len(var), len(mean)))
for n in var:
    if not np.array_equal(wa[n], wb[n]):
        fail("%s trained although the stochastic term is off" % n)
        break
if all(np.array_equal(wa[n], wb[n]) for n in mean):
    fail("the mean heads did not train (the same at lr 1e-3 and 1e-2)")

# The replay on the platform it was trained for, and with the switch on.
def replay(out, extra):
    r = run([dnsim, "run", os.path.join(a_dir, "model.onnx"), "--config",
             os.path.join(a_dir, "platform.ini"), "--dataset.limit", "8", "--run.seeds", "1",
             "--out", out] + extra)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit("FAIL: dnsim run %s failed" % extra)
    return json.load(open(os.path.join(out, "summary.json")))


off = replay(os.path.join(work, "run_off"), ["--save-logits"])
on = replay(os.path.join(work, "run_on"), ["--block.stochastic", "1", "--save-logits"])
# The mean-only blocks through the SystemC denoiser, image by image, one thread: the same
# logits as the fixed-point kernel's batch on two threads.
replay(os.path.join(work, "run_off_tlm"), ["--save-logits", "--run.denoiser_path", "tlm",
                                            "--run.batch", "1", "--run.threads", "1"])
def logits(run):
    return open(os.path.join(work, run, "logits_denoised_seed1.npy"), "rb").read()
if logits("run_off") != logits("run_off_tlm"):
    fail("mean-only blocks: the TLM denoiser and the kernel give different denoised logits")
if logits("run_off") == logits("run_on"):
    fail("the denoised logits do not change with block.stochastic")
if "block.stochastic" not in json.dumps(off):
    fail("summary.json does not record block.stochastic")
if not 0 < off["denoiser_cycles_per_inference"] < on["denoiser_cycles_per_inference"]:
    fail("denoiser cycles without the stochastic term %s, with it %s: expected fewer, not none" %
         (off["denoiser_cycles_per_inference"], on["denoiser_cycles_per_inference"]))

# A resume must keep the switch: the record says false, the run leaves the default.
r = run([train] + base + ["--placement", "all", "--epochs", "2", "--resume", "--out", a_dir])
if r.returncode == 0 or "block.stochastic" not in r.stderr or "cannot resume" not in r.stderr:
    fail("a resume without --block.stochastic 0 was not refused clearly (%d): %s" %
         (r.returncode, r.stderr))

# --- the reconstruction loss ------------------------------------------------------------------
sites = sorted(convs)[:2]
two = small + ["--denoisers", ",".join(sites)]
two_resumed = base + ["--denoisers", ",".join(sites), "--epochs", "2", "--resume"]
plain = train_ok(two, os.path.join(work, "task_loss"))
recon = train_ok(two + ["--reconstruction-weight", "10"], os.path.join(work, "recon"))
if recon.get("reconstruction_weight") != 10 or plain.get("reconstruction_weight") != 0:
    fail("train.json records reconstruction_weight %s / %s" %
         (recon.get("reconstruction_weight"), plain.get("reconstruction_weight")))
wp, wr = (weights(os.path.join(work, d, "model.onnx")) for d in ("task_loss", "recon"))
if all(np.array_equal(wp[n], wr[n]) for n in wp if ".denoiser." in n):
    fail("the reconstruction term changed no block weight")
# Its loss adds a non-negative term to the same first batches' cross-entropy: with weight 10
# the epoch's mean loss is larger.
if not recon["epochs"][0]["loss"] > plain["epochs"][0]["loss"]:
    fail("epoch loss with the reconstruction term %s, without %s" %
         (recon["epochs"][0]["loss"], plain["epochs"][0]["loss"]))
r = run([train] + two_resumed + ["--reconstruction-weight", "1", "--out",
                                 os.path.join(work, "recon")])
if r.returncode == 0 or "reconstruction-weight" not in r.stderr or "cannot resume" not in r.stderr:
    fail("a resume with another reconstruction weight was not refused (%d): %s" %
         (r.returncode, r.stderr))
r = run([train, "nit", backbone, "--reconstruction-weight", "1", "--out",
         os.path.join(work, "nit")])
if r.returncode == 0 or "reconstruction-weight" not in r.stderr or \
        os.path.exists(os.path.join(work, "nit", "train.json")):
    fail("nit --reconstruction-weight was not refused (%d): %s" % (r.returncode, r.stderr))

# --- training on one chip ----------------------------------------------------------------------
# Before training, LibTorch's accuracy of the backbone on chip 2 (programming variation and
# stuck cells, no activation noise: nothing random) must be the replay's noisy pass on the same
# chip and images, and its clean accuracy the replay's clean pass.
chip = ["--noise.programming_sigma", "0.1", "--noise.stuck_fraction", "0.02",
        "--noise.chip_seed", "2"]
c_dir = os.path.join(work, "chip")
c = train_ok(["nit", backbone, "--dataset.limit", "256", "--test-limit", "64", "--epochs", "1",
              "--noise.activation_k", "0", "--exec.threads", "2"] + chip, c_dir)
r = run([dnsim, "run", backbone, "--noise.activation_k", "0", "--dataset.limit", "64",
         "--run.seeds", "1", "--out", os.path.join(work, "chip_run")] + chip)
if r.returncode != 0:
    print(r.stdout, r.stderr)
    sys.exit("FAIL: dnsim run on chip 2 failed")
replayed = json.load(open(os.path.join(work, "chip_run", "summary.json")))["accuracy"]
if "%.2f" % c["before"]["noisy_pct"] != "%.2f" % replayed["noisy_pct_mean"] or \
        "%.2f" % c["before"]["clean_pct"] != "%.2f" % replayed["clean_pct"]:
    fail("on chip 2, LibTorch gives clean %.2f / chip %.2f, the replay %.2f / %.2f" %
         (c["before"]["clean_pct"], c["before"]["noisy_pct"], replayed["clean_pct"],
          replayed["noisy_pct_mean"]))
if not c["before"]["noisy_pct"] < c["before"]["clean_pct"]:
    fail("chip 2 costs no accuracy (%s): the check above would not see a missing chip" %
         c["before"])
if c.get("chip", {}).get("chip_seed") != 2:
    fail("train.json does not record the chip: %s" % c.get("chip"))
ini = configparser.ConfigParser()
ini.read(os.path.join(c_dir, "platform.ini"))
if ini["noise"].get("programming_sigma") != "0.1" or ini["noise"].get("chip_seed") != "2":
    fail("platform.ini does not carry the chip: %s" % dict(ini["noise"]))

if failures:
    sys.exit("%d failure(s)" % len(failures))
print("ok: mean-only blocks (%d sites), replay cycles %d < %d, reconstruction loss %.4f > %.4f" %
      (len(a["layers"]), off["denoiser_cycles_per_inference"],
       on["denoiser_cycles_per_inference"], recon["epochs"][0]["loss"],
       plain["epochs"][0]["loss"]))
