#!/usr/bin/python3
"""Carries the full-recipe training of scripts/train-models.sh from one machine to the next.

    /usr/bin/python3 scripts/training-state.py save [--training DIR] [--state DIR] [--eval DIR]
    /usr/bin/python3 scripts/training-state.py restore [--training DIR] [--state DIR] [--eval DIR]

The full recipes take tens of hours on 2 cores, more than one working session, and the
development machines keep nothing but the repository between sessions. `save` copies what a
later `scripts/train-models.sh` needs to go on from results/training/ into
workloads/training-state/ (tracked), `restore` copies it back into a fresh checkout, after which
train-models.sh skips the finished stages and resumes the unfinished one where it stopped.

What is saved, per network:
- a finished stage (its model.onnx exists): model.onnx, train.json, epochs.json, platform.ini,
  placement.json and the stage's log, not its epoch checkpoints;
- an unfinished stage: epochs.json, the last epoch's weights and optimizer state
  (epoch_<k>.onnx, optimizer_<k>.pt) and the weights of the epoch with the best validation
  accuracy so far (what dnsim-train --keep-checkpoints needed keeps), and its log;
- k_high and the noise-sensitivity sweep's summary.json files;
- the evaluations' summary.json files (scripts/evaluate-models.sh, results/eval/NET/RUN/), under
  eval/ here, so that scripts/make-results.py can regenerate docs/results.md on the next
  machine without replaying every model again. Each records the build that computed it.
`save` builds the new state beside the old one and swaps it in at the end, so an epoch that
finishes during the save (dnsim-train then removes the epoch files it no longer needs) makes
it stop with an error and leaves the previous state whole: run it again. `restore` copies a
stage only into a training directory that has no such stage yet, and never replaces a file.
"""
import argparse
import json
import os
import re
import shutil
import sys

FINISHED = ["model.onnx", "train.json", "epochs.json", "platform.ini", "placement.json"]


def needed_checkpoints(stage_dir):
    """The epoch files an unfinished stage resumes from (see the module's docstring)."""
    last = 0
    for f in os.listdir(stage_dir):
        m = re.fullmatch(r"epoch_([1-9][0-9]*)\.onnx", f)
        if m:
            last = max(last, int(m.group(1)))
    if last == 0:
        return []
    if not os.path.exists(os.path.join(stage_dir, "optimizer_%d.pt" % last)):
        sys.exit("error: %s: epoch_%d.onnx has no optimizer_%d.pt beside it; the stage cannot "
                 "resume from it" % (stage_dir, last, last))
    files = ["epoch_%d.onnx" % last, "optimizer_%d.pt" % last]
    with open(os.path.join(stage_dir, "epochs.json")) as f:
        epochs = json.load(f)["epochs"][:last]
    val = [e["validation_accuracy_pct"] for e in epochs]
    if val and all(isinstance(v, (int, float)) for v in val):
        best = val.index(max(val)) + 1  # the first of equal bests, as dnsim-train keeps
        if best != last:
            files.append("epoch_%d.onnx" % best)
    return files


def state_files(training):
    """(relative path) of every file to save."""
    out = []
    for net in sorted(os.listdir(training)):
        nd = os.path.join(training, net)
        if not os.path.isdir(nd):
            continue
        for name in sorted(os.listdir(nd)):
            p = os.path.join(nd, name)
            if name in ("k_high", "k_high.none") or (name.endswith(".log") and os.path.isfile(p)):
                out.append(os.path.join(net, name))
            elif name == "sweep" and os.path.isdir(p):
                for k in sorted(os.listdir(p)):
                    if os.path.exists(os.path.join(p, k, "summary.json")):
                        out.append(os.path.join(net, "sweep", k, "summary.json"))
            elif os.path.isdir(p):
                if os.path.exists(os.path.join(p, "model.onnx")):
                    files = [f for f in FINISHED if os.path.exists(os.path.join(p, f))]
                elif os.path.exists(os.path.join(p, "epochs.json")):
                    files = ["epochs.json"] + needed_checkpoints(p)
                else:
                    files = []
                out += [os.path.join(net, name, f) for f in files]
    return out


# The evaluations' summaries are kept in this subdirectory of the state (no network has this
# name).
EVAL_DIR = "eval"


def eval_files(evaluation):
    """(relative path) of every evaluation summary to save."""
    out = []
    if not os.path.isdir(evaluation):
        return out
    for net in sorted(os.listdir(evaluation)):
        nd = os.path.join(evaluation, net)
        if not os.path.isdir(nd):
            continue
        for run in sorted(os.listdir(nd)):
            if os.path.isfile(os.path.join(nd, run, "summary.json")):
                out.append(os.path.join(net, run, "summary.json"))
    return out


def save(training, state, evaluation):
    if not os.path.isdir(training):
        sys.exit("error: %s: no training directory to save" % training)
    files = state_files(training)
    evals = eval_files(evaluation)
    new = state.rstrip("/") + ".new"
    shutil.rmtree(new, ignore_errors=True)
    try:
        for f in files:
            os.makedirs(os.path.dirname(os.path.join(new, f)), exist_ok=True)
            shutil.copyfile(os.path.join(training, f), os.path.join(new, f))
        for f in evals:
            dst = os.path.join(new, EVAL_DIR, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(evaluation, f), dst)
    except FileNotFoundError as e:
        shutil.rmtree(new, ignore_errors=True)
        sys.exit("error: %s disappeared during the save (an epoch finished and dnsim-train "
                 "removed the files it no longer needs); %s is unchanged: run the save again"
                 % (e.filename, state))
    readme = os.path.join(state, "README.md")
    if os.path.exists(readme):
        shutil.copyfile(readme, os.path.join(new, "README.md"))
    old = state.rstrip("/") + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(state):
        os.rename(state, old)
    os.rename(new, state)
    shutil.rmtree(old, ignore_errors=True)
    size = sum(os.path.getsize(os.path.join(state, f)) for f in files)
    print("saved %d files (%.1f MB) from %s and %d evaluation summaries from %s to %s" %
          (len(files), size / 1e6, training, len(evals), evaluation, state))


def copy_new(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst + ".tmp")
    os.replace(dst + ".tmp", dst)


def restore(training, state, evaluation):
    if not os.path.isdir(state):
        sys.exit("error: %s: no saved training state" % state)
    copied = skipped = evals = 0
    saved_evals = os.path.join(state, EVAL_DIR)
    for f in eval_files(saved_evals):
        # An evaluation present here already is newer than the saved one: left as it is.
        if not os.path.exists(os.path.join(evaluation, f)):
            copy_new(os.path.join(saved_evals, f), os.path.join(evaluation, f))
            evals += 1
    for net in sorted(os.listdir(state)):
        nd = os.path.join(state, net)
        if not os.path.isdir(nd) or net == EVAL_DIR:
            continue
        for name in sorted(os.listdir(nd)):
            src, dst = os.path.join(nd, name), os.path.join(training, net, name)
            if os.path.isdir(src) and name != "sweep":
                # A stage is restored whole or not at all: its epoch record and checkpoints
                # must belong together.
                if os.path.exists(dst) and os.listdir(dst):
                    print("note: %s exists; its saved state is not restored" % dst)
                    skipped += 1
                    continue
                for f in sorted(os.listdir(src)):
                    copy_new(os.path.join(src, f), os.path.join(dst, f))
                    copied += 1
            else:
                for root, _, names in os.walk(src) if os.path.isdir(src) else [(nd, [], [name])]:
                    for n in names:
                        rel = os.path.relpath(os.path.join(root, n), nd)
                        if not os.path.exists(os.path.join(training, net, rel)):
                            copy_new(os.path.join(root, n), os.path.join(training, net, rel))
                            copied += 1
    print("restored %d files from %s to %s (%d stages present already, left as they were) "
          "and %d evaluation summaries to %s" % (copied, state, training, skipped, evals,
                                                 evaluation))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("action", choices=["save", "restore"])
    p.add_argument("--training", default="results/training")
    p.add_argument("--state", default="workloads/training-state")
    p.add_argument("--eval", default="results/eval",
                   help="the evaluations of scripts/evaluate-models.sh")
    a = p.parse_args()
    (save if a.action == "save" else restore)(a.training, a.state, a.eval)


if __name__ == "__main__":
    main()
