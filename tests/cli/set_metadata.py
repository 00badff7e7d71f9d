"""Writes a copy of an ONNX model with its dnsim.input.* metadata_props replaced, using Debian's
python3-onnx the way a PyTorch user would (docs/onnx.md), or prints them.
usage: set_metadata.py IN OUT [KEY=VALUE ...]   (no KEY=VALUE: all dnsim.input.* removed)
       set_metadata.py --print IN"""
import sys

import onnx

if sys.argv[1] == "--print":
    model = onnx.load(sys.argv[2])
    for p in model.metadata_props:
        if p.key.startswith("dnsim.input."):
            print("%s=%s" % (p.key, p.value))
    sys.exit(0)
model = onnx.load(sys.argv[1])
kept = [p for p in model.metadata_props if not p.key.startswith("dnsim.input.")]
del model.metadata_props[:]
model.metadata_props.extend(kept)
for kv in sys.argv[3:]:
    key, value = kv.split("=", 1)
    entry = model.metadata_props.add()
    entry.key = key
    entry.value = value
onnx.save(model, sys.argv[2])
