#!/usr/bin/env python3
"""dnsim denoiser --vcd (docs/denoiser.md, "Waveforms of the systolic array"): the VCD file
parses (header, $var declarations, value changes, time increasing), holds the PE registers of
every PE, and its clock count equals the array's cycles worked out by hand from the fold
formula; bad requests are refused before the simulation with one error and no file.

usage: vcd_check.py DNSIM SCRATCH CASE   (CASE: block | dims | refused)
"""
import math
import os
import re
import shutil
import subprocess
import sys

DNSIM, SCRATCH, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


TMP = fresh(os.path.join(SCRATCH, "tmp"))  # the scratch file's directory (TMPDIR)


def run(args):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1", TMPDIR=TMP)
    return subprocess.run([DNSIM] + args, capture_output=True, text=True, env=env)


def by_hand(c, h, w, cr, rows, cols):
    """Array cycles of PW-reduce, the depthwise per channel and the two heads: each fold takes
    2 R_a + C_a + T - 2 cycles; a convolution of window S_R over P pixels has
    ceil(S_R / R_a) x ceil(P / C_a) folds."""
    p = h * w

    def conv(window, filters):
        folds = math.ceil(window / rows) * math.ceil(p / cols)
        return folds, folds * (2 * rows + cols + filters - 2)

    parts = [conv(c, cr)] + [conv(9, 1)] * cr + [conv(cr, c)] * 2
    return sum(f for f, _ in parts), sum(k for _, k in parts)


def parse_vcd(text):
    """Declarations {id: (name with scopes, width)}, the timescale and the value changes
    [(time, id, value)], checking the structure as it goes."""
    tokens = text.split()
    i, scopes, decls, timescale = 0, [], {}, None
    check(text.startswith("$date"), "the file starts with $date")
    while i < len(tokens) and tokens[i] != "$enddefinitions":
        t = tokens[i]
        if t == "$scope":
            check(tokens[i + 3] == "$end", "$scope ... $end")
            scopes.append(tokens[i + 2])
            i += 4
        elif t == "$upscope":
            check(scopes and tokens[i + 1] == "$end", "balanced $upscope")
            scopes.pop()
            i += 2
        elif t == "$var":
            end = tokens.index("$end", i)
            kind, width, ident, name = tokens[i + 1:i + 5]
            check(kind == "wire", f"$var {name}: kind wire")
            check(ident not in decls, f"$var {name}: identifier {ident} unique")
            decls[ident] = (".".join(scopes[1:] + [name]), int(width))
            i = end + 1
        elif t == "$timescale":
            end = tokens.index("$end", i)
            timescale = " ".join(tokens[i + 1:end])
            i = end + 1
        elif t in ("$date", "$version", "$comment"):
            i = tokens.index("$end", i) + 1
        else:
            check(False, f"unexpected token {t!r} in the header")
            i += 1
    check(i < len(tokens), "$enddefinitions present")
    check(not scopes, "every $scope closed")
    i += 2  # $enddefinitions $end
    # The initial values ($dumpvars) come before any timestamp: time 0.
    changes, time, last_time = [], 0, -1
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("#"):
            time = int(t[1:])
            check(time > last_time, f"time increases: #{time} after #{last_time}")
            last_time = time
            i += 1
        elif t == "$comment":
            i = tokens.index("$end", i) + 1
        elif t in ("$dumpvars", "$end", "$dumpall", "$dumpon", "$dumpoff"):
            i += 1
        elif t[0] in "bB":
            value, ident = t[1:], tokens[i + 1]
            check(re.fullmatch("[01xzXZ]+", value) is not None, f"binary value {t}")
            check(ident in decls and len(value) <= decls[ident][1],
                  f"vector change of a declared signal within its width: {t} {ident}")
            changes.append((time, ident, value))
            i += 2
        elif t[0] in "01xzXZ":
            ident = t[1:]
            check(ident in decls and decls[ident][1] == 1, f"scalar change of a 1-bit signal {t}")
            changes.append((time, ident, t[0]))
            i += 1
        else:
            check(False, f"unexpected token {t!r} among the value changes")
            i += 1
    return decls, timescale, changes


def block_case(name, extra, c, h, w, cr, rows, cols, clock_mhz=500.0):
    d = fresh(os.path.join(SCRATCH, name))
    vcd = os.path.join(d, "sub", "block.vcd")
    args = ["denoiser", "--channels", str(c), "--height", str(h), "--width", str(w),
            "--block.bottleneck_ratio", repr(cr / c), "--vcd", vcd] + extra
    r = run(args)
    if not check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr.strip()}"):
        return
    folds, cycles = by_hand(c, h, w, cr, rows, cols)
    m = re.search(r"wrote .*block\.vcd: (\d+) cycles of the (\d+)x(\d+) array", r.stdout)
    check(m is not None and int(m.group(1)) == cycles,
          f"{name}: dnsim reports {m.group(1) if m else None} cycles, by hand {cycles}")
    with open(vcd) as f:
        text = f.read()
    decls, timescale, changes = parse_vcd(text)
    names = {n: (ident, width) for ident, (n, width) in decls.items()}
    for r_ in range(rows):
        for c_ in range(cols):
            for reg, width in (("x", 16), ("w", 16), ("w_valid", 1), ("psum", 64),
                               ("psum_valid", 1)):
                key = f"array.pe_{r_}_{c_}.{reg}"
                check(key in names and names[key][1] == width,
                      f"{name}: $var {key} of {width} bits")
    check(len([n for n in names if n.startswith("array.pe_")]) == 5 * rows * cols,
          f"{name}: 5 registers for each of the {rows * cols} PEs, no more")
    check(timescale == "1 ps", f"{name}: timescale {timescale!r}")
    per_signal = {}
    for t, ident, v in changes:
        per_signal.setdefault(ident, []).append((t, v))
    clk = per_signal.get(names.get("array.clk", ("?",))[0], [])
    rises = [t for t, v in clk if v == "1"]
    check(len(rises) == cycles, f"{name}: {len(rises)} clock cycles in the VCD, by hand {cycles}")
    period_ps = round(1e6 / clock_mhz)
    check(all(b - a == period_ps for a, b in zip(rises, rises[1:])),
          f"{name}: one rising edge every {period_ps} ps")
    cyc = per_signal.get(names.get("array.cycle", ("?",))[0], [])
    check(cyc and int(cyc[-1][1], 2) == cycles, f"{name}: the cycle counter ends at {cycles}")
    # Loading: R_a cycles at the start of every fold, so R_a x folds cycles in all.
    load = per_signal.get(names.get("array.loading", ("?",))[0], [])
    high, state, prev = 0, "0", None
    events = sorted(load)
    # The level of `loading` at each rising edge of the clock.
    j = 0
    for t in rises:
        while j < len(events) and events[j][0] <= t:
            state = events[j][1]
            j += 1
        high += state == "1"
    check(high == rows * folds, f"{name}: loading for {high} cycles, by hand {rows} x {folds}")
    # The bottom row's partial sums are valid in some cycles, never before the first fold's
    # inputs are in.
    bottom = per_signal.get(names.get(f"array.pe_{rows - 1}_0.psum_valid", ("?",))[0], [])
    first_valid = next((t for t, v in bottom if v == "1"), None)
    check(first_valid is not None and first_valid >= rises[min(rows, len(rises) - 1)],
          f"{name}: the bottom row's first valid partial sum after the load")
    # The same block gives the same bytes.
    vcd2 = os.path.join(d, "again.vcd")
    r2 = run(args[:-1 - len(extra)] + [vcd2] + extra)
    if check(r2.returncode == 0, f"{name}: second run"):
        with open(vcd2) as f:
            check(f.read() == text, f"{name}: the same block writes the same VCD bytes")
    check(os.listdir(TMP) == [], f"{name}: scratch files left: {os.listdir(TMP)}")


def refused(args, parts, must_not_exist):
    r = run(args)
    err = r.stderr.strip()
    check(r.returncode == 1, f"{args}: exit status {r.returncode} (expected 1); {err}")
    check(len(err.splitlines()) == 1, f"{args}: one error line, got {err!r}")
    for p in parts:
        check(p in err, f"{args}: error {err!r} names {p!r}")
    check(r.stdout == "", f"{args}: nothing printed before the error: {r.stdout[:200]!r}")
    for p in must_not_exist:
        check(not os.path.exists(p), f"{args}: {p} exists")
    check(os.listdir(TMP) == [], f"{args}: scratch files left: {os.listdir(TMP)}")


if CASE == "block":
    block_case("block", [], 16, 8, 8, 4, 3, 3)
elif CASE == "dims":
    # Another array shape and clock, a ratio of 1/2, odd sizes.
    block_case("dims", ["--denoiser.array_rows", "4", "--denoiser.array_cols", "2",
                        "--denoiser.clock_mhz", "250"], 10, 5, 7, 5, 4, 2, 250.0)
elif CASE == "refused":
    d = fresh(os.path.join(SCRATCH, "refused"))
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("user notes\n")
    out = os.path.join(d, "b.vcd")
    small = ["denoiser", "--channels", "16", "--height", "8", "--width", "8"]
    # Too big: 64x56x56 would take millions of cycles.
    refused(["denoiser", "--channels", "64", "--height", "56", "--width", "56", "--vcd", out],
            ["block.channels x block.height x block.width", "at most 900000 PE-cycles"], [out])
    # A big array: its PEs count, not only its cycles (the dump grows with both).
    refused(["denoiser", "--channels", "64", "--height", "32", "--width", "32",
             "--denoiser.array_rows", "16", "--denoiser.array_cols", "16", "--vcd", out],
            ["denoiser.array_rows x denoiser.array_cols", "PE-cycles"], [out])
    refused(small + ["--denoiser.fold_pipelining", "1", "--vcd", out],
            ["denoiser.fold_pipelining"], [out])
    refused(small + ["--vcd", os.path.join(d, "notes.txt", "sub", "b.vcd")],
            ["vcd:", "notes.txt"], [])
    refused(small + ["--vcd", "/proc/dnsim-vcd/b.vcd"], ["vcd:", "/proc"], [])
    refused(small + ["--out", os.path.join(d, "o"), "--vcd", os.path.join(d, "o", "denoiser.json")],
            ["vcd:", "is the denoiser.json this command writes"], [os.path.join(d, "o")])
    refused(small + ["--vcd", ""], ["vcd:", "empty"], [])
    refused(small + ["--vcd", d + "/"], ["vcd:"], [])
    with open(os.path.join(d, "notes.txt")) as f:
        check(f.read() == "user notes\n", "notes.txt untouched")
    check(sorted(os.listdir(d)) == ["notes.txt"], f"nothing else left: {os.listdir(d)}")
else:
    print(f"unknown case {CASE}")
    sys.exit(2)

if failures:
    for f in failures[:40]:
        print("FAIL:", f)
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
