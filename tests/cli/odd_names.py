"""Copies of an ONNX model with unusual names, made with Debian's python3-onnx, and an
independent reader of dnsim's result files (Python's csv and json modules).
usage: odd_names.py rename IN OUT NAME        node 0 renamed to NAME (any Unicode text)
       odd_names.py bad-node IN OUT           node 0 named with bytes that are not UTF-8
       odd_names.py bad-graph IN OUT          the graph named with bytes that are not UTF-8
       odd_names.py layers CSV                the 'layer' column of a layers.csv, one ascii() a line
       odd_names.py json FILE KEY...          a value of a JSON file (strict UTF-8), as ascii()"""
import csv
import json
import sys

# Protobuf strings are UTF-8 in Python: the invalid bytes are patched into the serialised
# model in place of a placeholder of the same length, so every length prefix stays valid.
PLACEHOLDER = b"PLACEHOLDER_0123"
INVALID = b"conv\xff\xfe1_\xc0\xaf______"
assert len(PLACEHOLDER) == len(INVALID)


def load(path):
    import onnx

    return onnx.load(path)


def save_patched(model, out):
    data = model.SerializeToString()
    assert data.count(PLACEHOLDER) == 1
    with open(out, "wb") as f:
        f.write(data.replace(PLACEHOLDER, INVALID))


cmd = sys.argv[1]
if cmd == "rename":
    import onnx

    model = load(sys.argv[2])
    model.graph.node[0].name = sys.argv[4]
    onnx.save(model, sys.argv[3])
elif cmd == "bad-node":
    model = load(sys.argv[2])
    model.graph.node[0].name = PLACEHOLDER.decode()
    save_patched(model, sys.argv[3])
elif cmd == "bad-graph":
    model = load(sys.argv[2])
    model.graph.name = PLACEHOLDER.decode()
    save_patched(model, sys.argv[3])
elif cmd == "layers":
    with open(sys.argv[2], newline="", encoding="utf-8", errors="strict") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for row in rows[1:]:
        if len(row) != len(header):
            sys.exit(f"row with {len(row)} fields, header has {len(header)}: {row!r}")
        print(ascii(row[header.index("layer")]))
elif cmd == "json":
    with open(sys.argv[2], encoding="utf-8", errors="strict") as f:
        value = json.load(f)
    for key in sys.argv[3:]:
        value = value[key]
    print(ascii(value))
else:
    sys.exit(f"unknown command {cmd}")
