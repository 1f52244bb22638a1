"""bench_locks.py - `bench/run.sh BUILD locks`: ns per uncontended mutex lock+unlock and per
pipe write+read, without a library, with libhotpath-nop.so (interposition alone), with hotpath
(the default: hold times sampled, one hold in 17 per lock), with --lock-hold=all (every hold
timed, the default before issue 13) and with --lock-hold=false; then the instructions per
lock+unlock of each (callgrind, load-independent). Goal (issue 13, docs/dataflow.md "Hold
time"): the default within 2x of no profiler."""
import os

from callgrind import instructions


def run(build, measure, cc):
    exe = cc("locks_bench.c", "locks_bench", [])
    n = "20000000"
    # One CPU for every run of this section: this VM's two vCPUs have run the same loop 1.4x
    # apart for minutes at a time (a busy neighbour on the host), and a median over runs that
    # landed on either mixed the two.
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        locks(build, measure, exe, n, min(cpus))
    finally:
        os.sched_setaffinity(0, cpus)


def locks(build, measure, exe, n, cpu):
    print(f"## uncontended pthread_mutex_lock+unlock, ns per pair (median), every run on CPU {cpu}")
    plain = measure([exe, "lock", n], "plain")
    nop = measure([exe, "lock", n], "nop")
    sampled = measure([exe, "lock", n], [])
    every = measure([exe, "lock", n], ["--lock-hold=all"])
    nohold = measure([exe, "lock", n], ["--lock-hold=false"])
    ticks = measure([exe, "ticks", n], "plain")
    print(f"{'threads':>7} {'no lib':>8} {'nop lib':>8} {'default':>8} {'all':>8} {'no hold':>8} "
          f"{'2xrdtsc':>8} {'default/no lib':>14} {'all/no lib':>10}")
    print(f"{1:>7} {plain:8.2f} {nop:8.2f} {sampled:8.2f} {every:8.2f} {nohold:8.2f} {ticks:8.2f} "
          f"{sampled / plain:14.2f} {every / plain:10.2f}")
    mt = {k: measure([exe, "lockmt", n], how) for k, how in
          (("plain", "plain"), ("nop", "nop"), ("default", []), ("all", ["--lock-hold=all"]),
           ("no hold", ["--lock-hold=false"]))}
    print(f"{2:>7} {mt['plain']:8.2f} {mt['nop']:8.2f} {mt['default']:8.2f} {mt['all']:8.2f} "
          f"{mt['no hold']:8.2f} {'':>8} {mt['default'] / mt['plain']:14.2f} "
          f"{mt['all'] / mt['plain']:10.2f}")
    print("threads 1: a single-threaded process (glibc locks with a plain store, the hook locks "
          "directly); 2: a second thread alive, idle (glibc's lock is atomic, the hook tries first)")
    best = {k: measure([exe, "lockmin", n], how) for k, how in
            (("no lib", "plain"), ("default", []), ("all", ["--lock-hold=all"]),
             ("no hold", ["--lock-hold=false"]))}
    print("fastest batch of 1000 pairs, 1 thread, ns per pair: " +
          ", ".join(f"{k} {v:.2f}" for k, v in best.items()) +
          f"; default/no lib {best['default'] / best['no lib']:.2f}")
    print("goal: the default (one hold in 17 timed) within 2x of no profiler")
    ir = {k: instructions(build, [exe, "lock"], how) for k, how in
          (("no lib", "plain"), ("default", ["--no-sample"]),
           ("all", ["--no-sample", "--lock-hold=all"]),
           ("no hold", ["--no-sample", "--lock-hold=false"]))}
    if None not in ir.values():
        print("instructions per pair (callgrind): " +
              ", ".join(f"{k} {v:.1f}" for k, v in ir.items()))
    print()
    print("## pipe write(1 byte) + read(1 byte), ns per pair (median)")
    m = "1000000"
    plain = measure([exe, "pipe", m], "plain")
    nop = measure([exe, "pipe", m], "nop")
    hp = measure([exe, "pipe", m], [])
    print(f"{'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'added':>8}")
    print(f"{plain:8.2f} {nop:8.2f} {hp:8.2f} {hp - plain:8.2f}")
