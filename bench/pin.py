"""pin.py - steadier ratios on a shared VM. This VM's two vCPUs have run the same loop 1.4x
apart for minutes at a time, and which one is slow changes (a busy neighbour on the host: a
lock+unlock 4.85 ns on one, 6.7 on the other; a patched call 33 ns on one, 45 on the other).
A median over runs that landed on either CPU mixed two machines, and so did a ratio of two
medians taken minutes apart. one_cpu() pins a section's single-threaded runs to one CPU, the
one where a plain loop runs faster right before (the code under test, with more memory and
branches than the plain loop, suffers more beside a busy neighbour than the baseline does), and
paired() runs the configurations it compares back to back in each round, so that a ratio is
taken of runs that met the same neighbour."""
import contextlib
import os
import statistics
import subprocess


def quieter_cpu(cpus, probe):
    """The CPU on which `probe` (a command printing ns per operation of a plain loop) runs
    fastest, best of 3 runs on each: the one the host's neighbour is not using now."""
    best = {}
    for cpu in sorted(cpus):
        os.sched_setaffinity(0, {cpu})
        runs = [subprocess.run(probe, capture_output=True, text=True, check=True).stdout
                for _ in range(3)]
        best[cpu] = min(float(r.split()[-1]) for r in runs)
    pick = min(best, key=best.get)
    print(f"(pinned to CPU {pick}; the probe loop ran " +
          ", ".join(f"{v:.2f} ns on CPU {c}" for c, v in sorted(best.items())) + ")")
    return pick


@contextlib.contextmanager
def one_cpu(probe=None):
    """The caller and every process it starts run on one CPU: the quieter one by `probe`
    (quieter_cpu) when given, else the lowest allowed; yields it."""
    cpus = os.sched_getaffinity(0)
    try:
        cpu = quieter_cpu(cpus, probe) if probe and len(cpus) > 1 else min(cpus)
        os.sched_setaffinity(0, {cpu})
        yield cpu
    finally:
        os.sched_setaffinity(0, cpus)


def paired(measure, runs, repeat=None):
    """runs: {name: (cmd, how)}. Each of `repeat` rounds (HOTPATH_BENCH_REPEAT, 7) runs every
    one once, in order.
    Returns ({name: median}, rounds): rounds is the list of {name: value} per round, for
    ratios taken within a round (ratio())."""
    repeat = repeat or int(os.environ.get("HOTPATH_BENCH_REPEAT", "7"))
    rounds = [{k: measure(cmd, how, repeat=1) for k, (cmd, how) in runs.items()}
              for _ in range(repeat)]
    return {k: statistics.median(r[k] for r in rounds) for k in runs}, rounds


def ratio(rounds, f):
    """The median over rounds of f(round): a ratio of runs made back to back."""
    return statistics.median(f(r) for r in rounds)
