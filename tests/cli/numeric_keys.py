#!/usr/bin/env python3
"""Every option of `dnsim CMD --help` with a numeric default (real and integer configuration
keys alike, and options such as --denoiser-ratio) refuses each non-number with one error line
naming it, exit status 1 and no file in the output directory (docs/reliability.md).

The list comes from the help, so a new key is covered. About a thousand refusals: they are
checked from this one process (one fork each) rather than from the shell, where each cost
eight processes and the case took a quarter of an hour on a loaded 2-core machine.

With DNSIM_NUMERIC_KEYS_SAMPLE=N in the environment (the sanitizer build, where each start of
an instrumented dnsim costs about a second), each option is given N of the values below, taken
in turn so that every value is still given to many options.

usage: numeric_keys.py DNSIM OUTDIR MIN_KEYS CMD ARGS...
"""
import os
import re
import shutil
import subprocess
import sys

# One value per class; tests/unit/test_config.cpp holds the parser's full grammar.
BAD = ["nan", "inf", "-inf", "1e400", "0x1p3", "0.5x", "", "1,5"]
HELP_OPTION = re.compile(r"^  --([a-z0-9_.-]*) arg \(=-?[0-9][0-9.e+-]*\)")


def fail(msg):
    print(f"FAIL (numeric_keys): {msg}")
    sys.exit(1)


def clear(path):
    """Removes whatever is at `path` (a directory, a file or a link)."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def main():
    dnsim, outdir, min_keys, cmd, *args = sys.argv[1:]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    help_text = subprocess.run([dnsim, cmd, "--help"], capture_output=True, text=True,
                               env=env, check=True).stdout
    keys = [m.group(1) for line in help_text.splitlines() if (m := HELP_OPTION.match(line))]
    sample = int(os.environ.get("DNSIM_NUMERIC_KEYS_SAMPLE", len(BAD)))
    if not 1 <= sample <= len(BAD):
        fail(f"DNSIM_NUMERIC_KEYS_SAMPLE={sample}: expected 1 to {len(BAD)}")
    for k, key in enumerate(keys):
        expected = re.compile(r"^dnsim: error: " + re.escape(key) + ": ")
        for bad in [BAD[(k * sample + j) % len(BAD)] for j in range(sample)]:
            clear(outdir)
            argv = [dnsim, cmd, *args, f"--{key}", bad]
            try:
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                   env=env, timeout=30)
            except subprocess.TimeoutExpired:
                fail(f"{' '.join(argv)}: no answer in 30 s")
            err = p.stderr.decode(errors="replace")
            lines = [line for line in err.splitlines() if line]
            where = f"dnsim {cmd} ... --{key} '{bad}'"
            if p.returncode != 1:
                fail(f"{where}: expected exit status 1, got {p.returncode}; stderr: {err}")
            if len(lines) != 1 or not expected.search(lines[0]):
                fail(f"{where}: expected one error line naming {key}, got: {err!r}")
            if os.path.isdir(outdir) and not os.path.islink(outdir):
                if os.listdir(outdir):
                    fail(f"{where}: left files in {outdir}: {os.listdir(outdir)}")
            elif os.path.lexists(outdir):
                fail(f"{where}: left a file at {outdir}")
    print(f"{len(keys)} numeric options of dnsim {cmd} refuse "
          f"{'every non-number' if sample == len(BAD) else f'{sample} non-numbers each'}")
    if len(keys) < int(min_keys):
        fail(f"only {len(keys)} numeric options found in dnsim {cmd} --help")


if __name__ == "__main__":
    main()
