"""bench_peers.py - `bench/run.sh BUILD peers`: issue 13's per-call figures side by side with
uftrace (`uftrace record --no-libcall` on the same -finstrument-functions binary, in the same
invocation): a timed call at recursion depth 10, 1,000 and 100,000 (bench/recurse_bench.c), a
one-line function called in a loop (bench/calls_bench.c), and 10, 1,000 and 100,000 distinct
functions (bench/funcs_bench.c, the hooks called for made-up addresses). ns per call, median of
REPEAT (uftrace: of 3); *no lib* is the same binary alone. Heaptrack's side of malloc+free is in
the `astacks` section. Figures in docs/performance.md "Scale (issue 13)"."""
import json
import os
import shutil
import statistics
import subprocess
import tempfile

UFTRACE_REPEAT = 3


def uftrace_ns(cmd):
    """ns per call printed by the program under `uftrace record` (median of UFTRACE_REPEAT)."""
    vals = []
    for _ in range(UFTRACE_REPEAT):
        with tempfile.TemporaryDirectory() as d:
            cp = subprocess.run(["uftrace", "record", "--no-libcall", "-d", os.path.join(d, "u"),
                                 *cmd], capture_output=True, text=True, check=True)
        vals.append(float(cp.stdout.split()[-1]))
    return statistics.median(vals)


def depth_overflow(build, cmd):
    """Calls hotpath could not time because the shadow stack was full (one run's report)."""
    cp = subprocess.run([os.path.join(build, "hotpath"), "run", "-f", "json", "--", *cmd],
                        capture_output=True, text=True, check=True)
    return json.loads(cp.stderr)["depth_overflow"]


def row(build, measure, name, cmd, have_uft, opts=()):
    plain = measure(cmd, "plain")
    hp = measure(cmd, list(opts))
    uft = uftrace_ns(cmd) if have_uft else float("nan")
    print(f"{name:>22} {plain:8.2f} {hp:8.2f} {hp - plain:8.2f} {uft:8.2f} {uft - plain:8.2f}")


def run(build, measure, cc):
    have_uft = shutil.which("uftrace") is not None
    head = f"{'':>22} {'no lib':>8} {'hotpath':>8} {'added':>8} {'uftrace':>8} {'added':>8}"
    rec = cc("recurse_bench.c", "recurse_bench", ["-finstrument-functions"])
    total = int(os.environ.get("HOTPATH_BENCH_CALLS_PEERS", "2000000"))
    print("## timed call at recursion depth D (rec calling itself), ns per call")
    print(head)
    for d in (10, 1000, 100000):
        cmd = [rec, str(d), str(max(2, total // d))]
        row(build, measure, f"depth {d}", cmd, have_uft)
    over = depth_overflow(build, [rec, "100000", "1"])
    print(f"depth 100000: {over} of 100000 calls beyond hotpath's shadow stack (HP_STACK_MAX), "
          "counted in depth_overflow, not timed")
    print()
    print("## one-line function in a loop, and N distinct functions (hooks called directly)")
    print(head)
    calls = cc("calls_bench.c", "calls_bench", ["-finstrument-functions"])
    row(build, measure, "calls_bench leaf", [calls, "calls", "1", str(total)], have_uft)
    funcs = cc("funcs_bench.c", "funcs_bench", [])
    for n in (10, 1000, 100000):
        cmd = [funcs, str(n), "1", str(max(total, n * 4))]
        # 100,000 rows and their chunks need more than the default 64 MiB ceiling (bench_scale)
        row(build, measure, f"{n} functions", cmd, have_uft,
            ["--region-size", "256"] if n > 50000 else [])
    if not have_uft:
        print("(uftrace is not installed: tools/install-deps.sh)")
