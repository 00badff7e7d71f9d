#!/usr/bin/env bash
# Compiles every project source once more for a wider vector ISA, without linking or running,
# so that warnings only wider vector code shows (Eigen's AVX2/AVX-512 paths) are caught on any
# machine: scripts/compile-check.sh x86-64-v4 [BUILD_DIR]. Reuses BUILD_DIR's compile commands
# (configure it with DNSIM_WERROR=ON to make warnings errors); objects go to a scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:?usage: scripts/compile-check.sh ARCH [BUILD_DIR], e.g. x86-64-v4}"
build="${2:-build}"
[ -f "$build/compile_commands.json" ] || { echo "compile-check: $build/compile_commands.json not found; build first" >&2; exit 1; }
extra=()
# GCC 12 warns inside its own AVX-512 intrinsic headers (GCC bug 105593, fixed in 13); the
# build drops that one warning for AVX-512 compiles too (cmake/DnsimIsa.cmake).
if [[ "$arch" == *v4* || "$arch" == *avx512* ]] && [ "$(c++ -dumpversion | cut -d. -f1)" -lt 13 ]; then
    extra+=(-Wno-maybe-uninitialized)
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 - "$build/compile_commands.json" "$arch" "$scratch" "${extra[@]}" > "$scratch/commands" <<'PY'
import json, shlex, sys
db, arch, scratch, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
for i, e in enumerate(json.load(open(db))):
    # The ISA copies of the hot kernels are compiled for v3 and v4 by every build already.
    if "_isa_v3.dir" in e["command"] or "_isa_v4.dir" in e["command"]:
        continue
    args = shlex.split(e["command"])
    out = args.index("-o")
    args[out + 1] = f"{scratch}/{i}.o"
    args = [a for a in args if not a.startswith("-march=")]
    args[1:1] = [f"-march={arch}"] + extra
    print(f"cd {shlex.quote(e['directory'])} && {shlex.join(args)}")
PY
count=$(wc -l < "$scratch/commands")
echo "compile-check: $count sources for -march=$arch (${JOBS:-2} jobs)"
tr '\n' '\0' < "$scratch/commands" | xargs -0 -n1 -P "${JOBS:-2}" bash -c 'eval "$1" || exit 255' _
echo "compile-check: -march=$arch compiles without warnings"
