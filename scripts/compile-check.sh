#!/usr/bin/env bash
# Compiles every project source once more for a wider vector ISA, without linking or running,
# so that warnings only wider vector code shows (Eigen's AVX2/AVX-512 paths) are caught on any
# machine: scripts/compile-check.sh x86-64-v4 [BUILD_DIR] [--vector-code]. Reuses BUILD_DIR's
# compile commands (configure it with DNSIM_WERROR=ON to make warnings errors); objects go to a
# scratch folder. --vector-code compiles only the sources whose headers change with the ISA
# (those that include Eigen or x86 intrinsics, LibTorch's vector headers among them, as the
# build's dependency files list them; every source when a build has written none): CI checks
# every source for x86-64-v4 and these for x86-64-v3.
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:?usage: scripts/compile-check.sh ARCH [BUILD_DIR], e.g. x86-64-v4}"
build="${2:-build}"
vector_only=0
[[ "${3:-}" == --vector-code ]] && vector_only=1
[ -f "$build/compile_commands.json" ] || { echo "compile-check: $build/compile_commands.json not found; build first" >&2; exit 1; }
extra=()
# GCC 12 warns inside its own AVX-512 intrinsic headers (GCC bug 105593, fixed in 13); the
# build drops that one warning for AVX-512 compiles too (cmake/DnsimIsa.cmake).
if [[ "$arch" == *v4* || "$arch" == *avx512* ]] && [ "$(c++ -dumpversion | cut -d. -f1)" -lt 13 ]; then
    extra+=(-Wno-maybe-uninitialized)
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 - "$build/compile_commands.json" "$arch" "$scratch" "$vector_only" "${extra[@]}" > "$scratch/commands" <<'PY'
import json, os, shlex, sys
db, arch, scratch, vector_only, extra = (sys.argv[1], sys.argv[2], sys.argv[3],
                                         sys.argv[4] == "1", sys.argv[5:])
for i, e in enumerate(json.load(open(db))):
    # The ISA copies of the hot kernels are compiled for v3 and v4 by every build already.
    if "_isa_v3.dir" in e["command"] or "_isa_v4.dir" in e["command"]:
        continue
    args = shlex.split(e["command"])
    out = args.index("-o")
    if vector_only:
        deps = os.path.join(e["directory"], args[out + 1] + ".d")
        if os.path.exists(deps):
            text = open(deps).read()
            if not any(h in text for h in ("/eigen3/", "immintrin.h", "x86intrin.h")):
                continue
    args[out + 1] = f"{scratch}/{i}.o"
    args = [a for a in args if not a.startswith("-march=")]
    args[1:1] = [f"-march={arch}"] + extra
    print(f"cd {shlex.quote(e['directory'])} && {shlex.join(args)}")
PY
count=$(wc -l < "$scratch/commands")
echo "compile-check: $count sources for -march=$arch (${JOBS:-2} jobs$([[ $vector_only == 1 ]] && echo ', those whose headers change with the ISA'))"
tr '\n' '\0' < "$scratch/commands" | xargs -0 -n1 -P "${JOBS:-2}" bash -c 'eval "$1" || exit 255' _
echo "compile-check: -march=$arch compiles without warnings"
