"""bench_locks.py - `bench/run.sh BUILD locks`: ns per uncontended mutex lock+unlock and per
pipe write+read, without a library, with libhotpath-nop.so (interposition alone), with hotpath
(the default: hold times sampled, one hold in 17 per lock), with --lock-hold=all (every hold
timed, the default before issue 13) and with --lock-hold=false; then the instructions per
lock+unlock of each (callgrind, load-independent). Goal (issue 13, docs/dataflow.md "Hold
time"): the default within 2x of no profiler."""
from callgrind import instructions
from pin import one_cpu, paired, ratio


def run(build, measure, cc):
    exe = cc("locks_bench.c", "locks_bench", [])
    n = "20000000"
    with one_cpu([exe, "lock", "2000000"]) as cpu:
        locks(build, measure, exe, n, cpu)


def locks(build, measure, exe, n, cpu):
    print(f"## uncontended pthread_mutex_lock+unlock, ns per pair (median), every run on CPU {cpu}")
    hows = (("plain", "plain"), ("nop", "nop"), ("default", []), ("all", ["--lock-hold=all"]),
            ("no hold", ["--lock-hold=false"]))
    print(f"{'threads':>7} {'no lib':>8} {'nop lib':>8} {'default':>8} {'all':>8} {'no hold':>8} "
          f"{'2xrdtsc':>8} {'default/no lib':>14} {'all/no lib':>10}")
    for th, mode in ((1, "lock"), (2, "lockmt")):
        med, rounds = paired(measure, {k: ([exe, mode, n], how) for k, how in hows})
        ticks = f"{measure([exe, 'ticks', n], 'plain'):8.2f}" if th == 1 else f"{'':>8}"
        print(f"{th:>7} {med['plain']:8.2f} {med['nop']:8.2f} {med['default']:8.2f} "
              f"{med['all']:8.2f} {med['no hold']:8.2f} {ticks} "
              f"{ratio(rounds, lambda r: r['default'] / r['plain']):14.2f} "
              f"{ratio(rounds, lambda r: r['all'] / r['plain']):10.2f}")
    print("threads 1: a single-threaded process (glibc locks with a plain store, the hook locks "
          "directly); 2: a second thread alive, idle (glibc's lock is atomic, the hook tries "
          "first). Ratios: the median over rounds of runs made back to back (bench/pin.py)")
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
    med, _ = paired(measure, {k: ([exe, "pipe", m], how) for k, how in
                              (("plain", "plain"), ("nop", "nop"), ("hp", []))})
    plain, nop, hp = med["plain"], med["nop"], med["hp"]
    print(f"{'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'added':>8}")
    print(f"{plain:8.2f} {nop:8.2f} {hp:8.2f} {hp - plain:8.2f}")
