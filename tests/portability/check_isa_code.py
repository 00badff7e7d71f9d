#!/usr/bin/env python3
"""Checks that a portable dnsim binary runs on its baseline CPU: every function that uses an
instruction beyond the baseline (AVX, AVX2, FMA, BMI, AVX-512) must be one of the dispatched
copies (namespace isa_v3 / isa_v4, an inline function renamed with .dnsim_v3 / .dnsim_v4 by
cmake/dnsim_isa_rename.cmake, or a GCC target_clones clone), and the v3 copies must not use
AVX-512. The SHA extensions are used only by SHA-256's compression, which Sha256 calls after a
CPUID check (models/common/sha256.cpp).

Usage: check_isa_code.py BINARY [BINARY...]   (exit 1 and a list of offenders on failure)
"""
import re
import subprocess
import sys

# Instructions an x86-64-v2 CPU lacks. VEX/EVEX-encoded ones all start with 'v' in AT&T
# syntax; 'tzcnt' is left out because GCC emits 'rep bsf' for ctz, which older CPUs run as bsf.
BMI_LIKE = {"andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "lzcnt", "pdep", "pext", "rorx",
            "sarx", "shlx", "shrx", "movbe"}
NOT_AVX_V = {"verr", "verw"}
SHA = {"sha1rnds4", "sha1nexte", "sha1msg1", "sha1msg2", "sha256rnds2", "sha256msg1",
       "sha256msg2"}
SHA_USER = "dnsim::(anonymous namespace)::compress_sha_ni("
AVX512_OPERAND = re.compile(r"%zmm|%k[0-7]\b|\{%k")


def beyond_baseline(mnemonic, operands):
    if mnemonic in BMI_LIKE or mnemonic in SHA:
        return True
    if mnemonic.startswith("v") and mnemonic not in NOT_AVX_V:
        return True
    return "%ymm" in operands or "%zmm" in operands


def level_of(function):
    """2 for baseline code; 3 or 4 for a dispatched copy: dnsim's own (isa_v3/isa_v4 and the
    renamed inline code) or a GCC target_clones clone, which an ifunc resolver picks by CPU."""
    if ("isa_v4::" in function or ".dnsim_v4" in function or "[clone .avx512" in function
            or "[clone .arch_x86_64_v4]" in function):
        return 4
    if ("isa_v3::" in function or ".dnsim_v3" in function or "[clone .avx2]" in function
            or "[clone .arch_x86_64_v3]" in function):
        return 3
    return 2


def check(binary):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", binary], check=True,
                         capture_output=True, text=True).stdout
    header = re.compile(r"^[0-9a-f]+ <(.*)>:$")
    insn = re.compile(r"^\s*[0-9a-f]+:\s+(?:\{\w+\}\s+)?([a-z][a-z0-9.]*)\s*(.*)$")
    offenders = {}
    function = None
    dispatched = 0
    for line in out.splitlines():
        m = header.match(line)
        if m:
            function = m.group(1)
            if level_of(function) > 2:
                dispatched += 1
            continue
        m = insn.match(line)
        if not m or function is None:
            continue
        mnemonic, operands = m.group(1), m.group(2)
        level = level_of(function)
        bad = None
        if level == 2 and beyond_baseline(mnemonic, operands):
            if not (mnemonic in SHA and function.startswith(SHA_USER)):
                bad = "uses an instruction beyond x86-64-v2"
        elif level == 3 and AVX512_OPERAND.search(operands):
            bad = "is an x86-64-v3 copy but uses AVX-512"
        if bad and function not in offenders:
            offenders[function] = f"{bad}: {mnemonic} {operands}".strip()
    return offenders, dispatched


def main():
    failed = False
    for binary in sys.argv[1:]:
        offenders, dispatched = check(binary)
        if dispatched == 0:
            print(f"{binary}: no dispatched v3/v4 kernel copies found (not a portable build?)")
            failed = True
        for function, why in sorted(offenders.items()):
            print(f"{binary}: {function} {why}")
            failed = True
        if not offenders and dispatched:
            print(f"{binary}: baseline code is x86-64-v2 only; {dispatched} functions in "
                  f"dispatched copies")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
