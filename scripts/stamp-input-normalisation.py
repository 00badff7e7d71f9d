#!/usr/bin/python3
"""Records a model's input normalisation in its ONNX metadata_props (dnsim.input.*, docs/onnx.md).

Adds or replaces only the dnsim.input.* entries: the script checks that everything else in the
model (graph, weights, opsets) serialises to the same bytes before and after, and writes each
file atomically. With --manifest it also updates the models' "bytes" and "sha256" entries there.

usage: stamp-input-normalisation.py --scale 1/255 --mean 0.286 --std 0.353 --channel-order gray
           [--manifest workloads/models/manifest.json] MODEL.onnx...
"""
import argparse
import hashlib
import json
import os
import sys

import onnx

KEYS = ("dnsim.input.scale", "dnsim.input.mean", "dnsim.input.std", "dnsim.input.channel_order")


def without_dnsim_input(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    kept = [p for p in m.metadata_props if not p.key.startswith("dnsim.input.")]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    return m.SerializeToString()


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path) or ".", ".%s.tmp-%d" % (os.path.basename(path),
                                                                      os.getpid()))
    with open(tmp, "xb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", required=True, help="e.g. 1/255")
    p.add_argument("--mean", required=True, help="one value or one per channel, comma-separated")
    p.add_argument("--std", required=True, help="one value or one per channel, comma-separated")
    p.add_argument("--channel-order", required=True, choices=["gray", "rgb", "bgr"])
    p.add_argument("--manifest", help="manifest.json whose bytes/sha256 entries to update")
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    values = dict(zip(KEYS, (a.scale, a.mean, a.std, a.channel_order)))

    stamped = {}
    for path in a.models:
        model = onnx.load(path, load_external_data=False)
        before = without_dnsim_input(model)
        kept = [q for q in model.metadata_props if not q.key.startswith("dnsim.input.")]
        del model.metadata_props[:]
        model.metadata_props.extend(kept)
        for k in KEYS:
            entry = model.metadata_props.add()
            entry.key = k
            entry.value = values[k]
        if without_dnsim_input(model) != before:
            sys.exit("error: %s: the model changed beyond its metadata; not written" % path)
        data = model.SerializeToString()
        write_atomically(path, data)
        sha = hashlib.sha256(data).hexdigest()
        stamped[os.path.basename(path)] = (len(data), sha)
        print("%s: %d bytes, sha256 %s" % (path, len(data), sha))

    if a.manifest:
        with open(a.manifest) as f:
            manifest = json.load(f)
        for e in manifest["models"]:
            if e["file"] in stamped:
                e["bytes"], e["sha256"] = stamped.pop(e["file"])
        if stamped:
            sys.exit("error: not in %s: %s" % (a.manifest, ", ".join(sorted(stamped))))
        write_atomically(a.manifest, (json.dumps(manifest, indent=2) + "\n").encode())
        print("updated %s" % a.manifest)


if __name__ == "__main__":
    main()
