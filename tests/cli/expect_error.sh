#!/usr/bin/env bash
# Runs a command that must fail cleanly: exit status 1 (bad input, not a crash or signal),
# stderr matching the expected message, and no result file left in the output directory.
# usage: expect_error.sh REGEX OUTDIR -- command args...
set -u
regex=$1; outdir=$2; shift 3
rm -rf "$outdir"
err=$("$@" 2>&1 >/dev/null); rc=$?
if [ "$rc" -ne 1 ]; then echo "expected exit status 1, got $rc; stderr: $err"; exit 1; fi
if ! grep -Eq -- "$regex" <<<"$err"; then echo "stderr '$err' does not match '$regex'"; exit 1; fi
if [ "$(echo "$err" | grep -c .)" -ne 1 ]; then echo "expected one error line, got: $err"; exit 1; fi
if [ -e "$outdir" ] && [ -n "$(ls -A "$outdir")" ]; then echo "left files in $outdir"; exit 1; fi
exit 0
