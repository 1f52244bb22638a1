"""bench_alloc.py - `bench/run.sh BUILD alloc`: ns per malloc+free pair (small sizes, 1 and 2
threads) without a library, with libhotpath-nop.so (a bare interposer), with hotpath --alloc
and with hotpath timing only (no --alloc: the hooks pass blocks straight through); the cost of
malloc_usable_size (the alternative to our header); the growth path (every allocation a new
peak); and peak RSS with many small live blocks. Goals (docs/memory.md): <= 15 ns added per
pair single-threaded; peak RSS <= 5% + the region size above the uninstrumented run."""


def run(build, measure, cc):
    exe = cc("alloc_bench.c", "alloc_bench", [])
    n = "20000000"
    print("## malloc+free pair (16..64 bytes), ns per pair (median)")
    print(f"{'threads':>7} {'no lib':>8} {'nop lib':>8} {'hotpath':>8} {'added':>8} {'timing only':>11} {'+usable_size':>12}")
    for th in ("1", "2"):
        plain = measure([exe, "pairs", th, n], "plain")
        nop = measure([exe, "pairs", th, n], "nop")
        hp = measure([exe, "pairs", th, n], ["--alloc"])
        timing = measure([exe, "pairs", th, n], [])
        usable = measure([exe, "usable", th, n], "plain")
        print(f"{th:>7} {plain:8.2f} {nop:8.2f} {hp:8.2f} {hp - plain:8.2f} {timing:11.2f} {usable - plain:12.2f}")
    print("goal: added <= 15 ns per pair single-threaded")
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
