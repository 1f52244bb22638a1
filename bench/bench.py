#!/usr/bin/env python3
"""bench.py BUILD - overhead of hotpath's hooks, measured against an uninstrumented run in the
same invocation. Prints ns per call; see docs/performance.md for recorded figures.

Sections register themselves in SECTIONS (one function each); `make bench` runs them all,
`bench.py BUILD NAME...` only the named ones."""
import contextlib
import glob
import os
import statistics
import subprocess
import sys

from pin import one_cpu

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
HOTPATH = os.path.join(BUILD, "hotpath")
LIB_NOP = os.path.join(BUILD, "libhotpath-nop.so")
OUT = os.path.join(BUILD, "bench")
REPEAT = int(os.environ.get("HOTPATH_BENCH_REPEAT", "7"))


def cc(src, exe, flags):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, exe)
    subprocess.run(["cc", "-O2", "-g", *flags, "-o", path, os.path.join(HERE, src), "-lpthread"],
                   check=True)
    return path


def measure(cmd, how, repeat=None):
    """Median of `repeat` (REPEAT) runs of a program that prints one number (ns per
    operation). how: "plain", "nop" (libhotpath-nop.so), ("preload", LIB) (another
    interposer), or the options of a `hotpath run`."""
    vals = []
    for _ in range(repeat or REPEAT):
        if how == "plain":
            argv, env = cmd, dict(os.environ)
        elif how == "nop":
            argv, env = cmd, dict(os.environ, LD_PRELOAD=LIB_NOP)
        elif isinstance(how, tuple) and how[0] == "preload":
            argv, env = cmd, dict(os.environ, LD_PRELOAD=how[1])
        else:
            argv, env = [HOTPATH, "run", "-o", os.devnull, *how, "--", *cmd], dict(os.environ)
        p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        out, err = p.communicate()
        if p.returncode:
            raise subprocess.CalledProcessError(p.returncode, argv, out, err)
        if how == "nop":
            # Run without the launcher, the nop library leaves its (empty) region behind.
            for f in glob.glob(f"/dev/shm/hotpath-{p.pid}-*"):
                os.unlink(f)
        vals.append(float(out.split()[-1]))
    return statistics.median(vals)


def bench_calls():
    exe = cc("calls_bench.c", "calls_bench", ["-finstrument-functions"])
    n = os.environ.get("HOTPATH_BENCH_CALLS", "20000000")
    print("## function enter+exit (-finstrument-functions), ns per call, median of", REPEAT)
    print(f"{'threads':>7} {'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'added':>8} {'2xrdtsc':>8} {'added/2xrdtsc':>13}")
    added = {}
    for th in (1, 2):
        # One thread on one CPU (pin.py); two threads on both.
        probe = [cc("locks_bench.c", "locks_bench", []), "lock", "2000000"]  # pin.py
        with one_cpu(probe) if th == 1 else contextlib.nullcontext():
            plain = measure([exe, "calls", str(th), n], "plain")
            nop = measure([exe, "calls", str(th), n], "nop")
            hp = measure([exe, "calls", str(th), n], [])
            ticks = measure([exe, "ticks", str(th), n], "plain")
        added[th] = hp - plain
        print(f"{th:>7} {plain:8.2f} {nop:8.2f} {hp:8.2f} {hp - plain:8.2f} {ticks:8.2f} {(hp - plain) / ticks:13.2f}")
    print(f"2-thread / 1-thread added cost: {added[2] / added[1]:.2f}  (goal <= 1.2)")
    print("goal: added <= 2x the cost of the two timestamp reads")


SECTIONS = {"calls": bench_calls}


def main():
    for extra in sorted(os.listdir(HERE)):
        # Benchmarks of other areas: bench/bench_<name>.py defining run(build, measure, cc).
        if extra.startswith("bench_") and extra.endswith(".py"):
            mod = {}
            exec(open(os.path.join(HERE, extra)).read(), mod)
            SECTIONS.setdefault(extra[6:-3], lambda m=mod: m["run"](BUILD, measure, cc))
    names = sys.argv[2:] or list(SECTIONS)  # after the extra sections are known
    for name in names:
        if name not in SECTIONS:
            print(f"bench: unknown section {name!r} (have {', '.join(SECTIONS)})", file=sys.stderr)
            return 2
        SECTIONS[name]()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
