"""bench_astacks.py - `bench/run.sh BUILD astacks`: ns per malloc+free pair with
--alloc-stacks at stack depths 5 and 30, side by side with --alloc (no stacks) and with
heaptrack (Debian's heaptrack package) on the same loop in the same invocation. Each figure is
the loop thread's CPU time per pair (heaptrack_interpret, a separate process, is not in it).
Goal (issue 16, docs/performance.md): added cost <= 0.5 x heaptrack's at both depths."""
import os
import re
import shutil
import statistics
import subprocess
import tempfile


def run_once(argv, env=None):
    cp = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    m = re.search(r"ns_per_pair ([\d.]+)", cp.stdout + cp.stderr)
    if not m:
        raise RuntimeError(f"no figure from {argv}: {cp.stdout[-500:]}")
    return float(m.group(1))


def median(fn, repeat):
    return statistics.median(fn() for _ in range(repeat))


def run(build, measure, cc, repeat=5):
    hotpath = os.path.join(build, "hotpath")
    exe = cc("alloc_bench.c", "alloc_bench", [])
    n = os.environ.get("HOTPATH_BENCH_ASTACK_PAIRS", "2000000")
    have_ht = shutil.which("heaptrack") is not None
    print("## malloc+free pair with allocation stacks, ns per pair (median), D frames below main")
    print(f"{'depth':>5} {'no lib':>8} {'--alloc':>8} {'stacks':>8} {'added':>8} "
          f"{'heaptrack':>9} {'added':>8} {'ratio':>6}")
    for depth in ("5", "30"):
        cmd = [exe, "deep", depth, n]
        plain = median(lambda: run_once(cmd), repeat)
        alloc = median(lambda: run_once([hotpath, "run", "-o", os.devnull, "--alloc", "--",
                                         *cmd]), repeat)
        stacks = median(lambda: run_once([hotpath, "run", "-o", os.devnull, "--alloc-stacks",
                                          "--", *cmd]), repeat)
        ht = float("nan")
        if have_ht:
            with tempfile.TemporaryDirectory() as d:
                ht = median(lambda: run_once(["heaptrack", "-o", os.path.join(d, "ht"), *cmd]),
                            max(3, repeat // 2))
        added, ht_added = stacks - plain, ht - plain
        print(f"{depth:>5} {plain:8.2f} {alloc:8.2f} {stacks:8.2f} {added:8.2f} {ht:9.2f} "
              f"{ht_added:8.2f} {added / ht_added:6.2f}")
    print("goal: ratio (added with stacks / added by heaptrack) <= 0.50 at both depths")
