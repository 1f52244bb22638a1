"""bench_scale.py - issue 13 at scale: the cost of a timed call at 10 .. 100k distinct functions
and 1 .. 64 threads, a pool of 10,000 short threads, and the launcher's report time and peak
memory after 10k and 100k functions. Figures in docs/performance.md ("Scale")."""
import os
import resource
import subprocess
import time


def run(build, measure, cc):
    exe = cc("funcs_bench.c", "funcs_bench", [])
    hp = os.path.join(build, "hotpath")
    print("## timed call by distinct functions and threads (direct hook calls), ns per call")
    print(f"{'functions':>9} {'threads':>7} {'no lib':>8} {'hotpath':>8} {'added':>8}")
    for funcs, threads in ((10, 1), (1000, 1), (10000, 1), (100000, 1),
                           (100, 2), (100, 8), (100, 64)):
        calls = str(max(2000000 // threads, funcs * 4))
        cmd = [exe, str(funcs), str(threads), calls]
        opts = ["--region-size", "256"] if funcs > 50000 else []
        plain = measure(cmd, "plain")
        timed = measure(cmd, opts)
        print(f"{funcs:>9} {threads:>7} {plain:8.2f} {timed:8.2f} {timed - plain:8.2f}")
    pool = cc("../tests/progs/scale_threads.c", "scale_threads", ["-finstrument-functions"])
    print("## 10,000 threads in batches of 4 x 100 calls: wall s (program alone, under hotpath)")
    for argv in ([pool, "10000", "4", "1", "100"],
                 [hp, "run", "-o", os.devnull, "--", pool, "10000", "4", "1", "100"]):
        t0 = time.monotonic()
        subprocess.run(argv, capture_output=True, check=True)
        print(f"  {'hotpath run' if argv[0] == hp else 'program':<12} {time.monotonic() - t0:6.2f}")
    print("## hotpath run after N functions called once: total wall s, launcher peak RSS MB")
    for funcs in (10000, 100000):
        argv = [hp, "run", "--region-size", "256", "--format", "json", "-o", os.devnull, "--",
                exe, str(funcs), "1", str(funcs)]
        t0 = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run(argv, capture_output=True, check=True)
        wall = time.monotonic() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.monotonic()
        subprocess.run([exe, str(funcs), "1", str(funcs)], capture_output=True, check=True)
        alone = time.monotonic() - t0
        print(f"  {funcs:>6} functions: {wall:6.2f} s (program alone {alone:.2f} s), "
              f"peak RSS {rss / 1024:.0f} MB{'' if rss > before else ' (or less: an earlier run peaked higher)'}")
