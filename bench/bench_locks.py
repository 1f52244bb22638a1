"""bench_locks.py - `bench/run.sh BUILD locks`: ns per uncontended mutex lock+unlock and per
pipe write+read, without a library, with libhotpath-nop.so (interposition alone), with hotpath
(hold times on, the default) and with --lock-hold=false. The goal (docs/dataflow.md): the added
cost of a lock+unlock at most 2x the two timestamp reads its hooks take."""


def run(build, measure, cc):
    exe = cc("locks_bench.c", "locks_bench", [])
    n = "20000000"
    print("## uncontended pthread_mutex_lock+unlock, ns per pair (median)")
    plain = measure([exe, "lock", n], "plain")
    nop = measure([exe, "lock", n], "nop")
    hold = measure([exe, "lock", n], [])
    nohold = measure([exe, "lock", n], ["--lock-hold=false"])
    ticks = measure([exe, "ticks", n], "plain")
    print(f"{'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'no hold':>8} {'2xrdtsc':>8} {'added/2xrdtsc':>14} {'no hold':>8}")
    print(f"{plain:8.2f} {nop:8.2f} {hold:8.2f} {nohold:8.2f} {ticks:8.2f} {(hold - plain) / ticks:14.2f} "
          f"{(nohold - plain) / ticks:8.2f}")
    print("goal: added <= 2x the two timestamp reads of the hooks (hold tracking on)")
    print()
    print("## pipe write(1 byte) + read(1 byte), ns per pair (median)")
    m = "1000000"
    plain = measure([exe, "pipe", m], "plain")
    nop = measure([exe, "pipe", m], "nop")
    hp = measure([exe, "pipe", m], [])
    print(f"{'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'added':>8}")
    print(f"{plain:8.2f} {nop:8.2f} {hp:8.2f} {hp - plain:8.2f}")
