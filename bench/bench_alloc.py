"""bench_alloc.py - `bench/run.sh BUILD alloc`: ns per malloc+free pair (small sizes, 1 and 2
threads) without a library, with libhotpath-nop.so (a bare interposer), with hotpath --alloc
and with hotpath timing only (no --alloc: the hooks pass blocks straight through); the cost of
malloc_usable_size (the alternative to our header); the growth path (every allocation a new
peak); and peak RSS with many small live blocks. Goals (docs/memory.md): <= 15 ns added per
pair single-threaded; peak RSS <= 5% + the region size above the uninstrumented run."""
import contextlib
import os
import subprocess
import sys

from pin import one_cpu, paired, ratio


def counting_lib(build):
    """tests/progs/alloc_counter.c as a shared library: a counting interposer (an atomic add
    per call), the baseline issue 13 compares --alloc with."""
    out = os.path.join(build, "bench", "alloc_counter.so")
    # bench.py exec()s this file: its own directory is bench.py's (sys.argv[0]).
    src = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "..", "tests", "progs",
                       "alloc_counter.c")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", out, src, "-ldl"], check=True)
    return out


def run(build, measure, cc):
    exe = cc("alloc_bench.c", "alloc_bench", [])
    counter = counting_lib(build)
    n = "20000000"
    print("## malloc+free pair (16..64 bytes), ns per pair (median)")
    print(f"{'threads':>7} {'no lib':>8} {'nop lib':>8} {'counting':>8} {'hotpath':>8} {'added':>8} "
          f"{'/counting':>9} {'timing only':>11} {'+usable_size':>12}")
    for th in ("1", "2"):
        # One thread on one CPU (pin.py); two threads on both.
        with one_cpu([exe, "pairs", "1", "2000000"]) if th == "1" else contextlib.nullcontext():
            cmd = [exe, "pairs", th, n]
            med, rounds = paired(measure,
                                 {"plain": (cmd, "plain"), "nop": (cmd, "nop"),
                                  "counting": (cmd, ("preload", counter)),
                                  "hp": (cmd, ["--alloc"]),
                                  "timing": (cmd, []), "usable": ([exe, "usable", th, n], "plain")})
        plain, cnt, hp = med["plain"], med["counting"], med["hp"]
        print(f"{th:>7} {plain:8.2f} {med['nop']:8.2f} {cnt:8.2f} {hp:8.2f} {hp - plain:8.2f} "
              f"{ratio(rounds, lambda r: (r['hp'] - r['plain']) / (r['counting'] - r['plain'])):9.2f} "
              f"{med['timing']:11.2f} {med['usable'] - plain:12.2f}")
    print("goal: added <= 15 ns per pair single-threaded, <= 1.5x a counting interposer's added "
          "cost (issue 13)")
    print()
    print("## growth: 2M x malloc(32) kept, then freed, ns per pair (median)")
    g = "2000000"
    plain = measure([exe, "grow", g], "plain")
    hp = measure([exe, "grow", g], ["--alloc"])
    print(f"{'no lib':>8} {'hotpath':>8} {'added':>8}")
    print(f"{plain:8.2f} {hp:8.2f} {hp - plain:8.2f}")
    print()
    print("## peak RSS, 1M live blocks of 16..256 bytes, KiB (median)")
    r = "1000000"
    plain = measure([exe, "rss", r], "plain")
    hp = measure([exe, "rss", r], ["--alloc"])
    print(f"{'no lib':>8} {'hotpath':>8} {'added':>8} {'added %':>8}")
    print(f"{plain:8.0f} {hp:8.0f} {hp - plain:8.0f} {(hp - plain) * 100 / plain:8.1f}")
    print("goal: added <= 5% + the region's touched pages")
