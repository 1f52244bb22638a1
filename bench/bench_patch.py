# bench_patch.py - patching without recompile (docs/patching.md): ns per patched call on the
# foundation's tight loop (bench/calls_bench.c) against the instrumented call in the same
# invocation, and the start-up cost of patching 1000 functions. Loaded by bench.py (run()).
import json
import os

from callgrind import instructions
from pin import one_cpu, paired, ratio
import statistics
import subprocess
import tempfile


def _startup_ms(build, cc_dir, nfuncs=1000, repeat=5):
    src = os.path.join(cc_dir, "many_funcs.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\nvolatile long sink;\n")
        for i in range(nfuncs):
            f.write(f"__attribute__((noinline)) long f_{i}(long x) {{ sink += x; return x * {i + 3} + sink; }}\n")
        f.write("int main(void) { long s = 0;\n")
        for i in range(nfuncs):
            f.write(f" s += f_{i}({i});\n")
        f.write(' printf("%ld\\n", s); return 0; }\n')
    exe = os.path.join(cc_dir, "many_funcs")
    subprocess.run(["cc", "-O2", "-o", exe, src], check=True)
    vals, rate = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            subprocess.run([os.path.join(build, "hotpath"), "run", "-f", "json", "-o", out,
                            "--functions", "f_*", "--", exe], check=True, capture_output=True)
            with open(out) as f:
                p = json.load(f)["patch"]
        vals.append(p["startup_ns"] / 1e6)
        rate = (p["patched"], p["selected"])
    return statistics.median(vals), min(vals), rate


def run(build, measure, cc):
    n = os.environ.get("HOTPATH_BENCH_CALLS", "20000000")
    instr = cc("calls_bench.c", "calls_bench", ["-finstrument-functions"])
    bare = cc("calls_bench.c", "calls_bench_plain", [])
    print("## patched calls (--functions leaf) vs instrumented, ns per call, median of",
          os.environ.get("HOTPATH_BENCH_REPEAT", "7"))
    print(f"{'no lib':>8} {'instr.':>8} {'patched':>8} {'instr. added':>12} {'patched added':>13} {'patched/instr. (call)':>21}")
    print("(ratio: the median over rounds of runs made back to back on one CPU, bench/pin.py)")
    # pin.py; the probe: a lock loop, which feels a busy neighbour where a one-line call does not
    with one_cpu([cc("locks_bench.c", "locks_bench", []), "lock", "2000000"]):
        med, rounds = paired(measure, {"base": ([bare, "calls", "1", n], "plain"),
                                       "ins": ([instr, "calls", "1", n], []),
                                       "pat": ([bare, "calls", "1", n], ["--functions", "leaf"]),
                                       "ins_base": ([instr, "calls", "1", n], "plain")})
        base, ins, pat, ins_base = med["base"], med["ins"], med["pat"], med["ins_base"]
        print(f"{base:8.2f} {ins:8.2f} {pat:8.2f} {ins - ins_base:12.2f} {pat - base:13.2f} "
              f"{ratio(rounds, lambda r: r['pat'] / r['ins']):21.2f}")
        bi = measure([instr, "callsmin", "1", n], ["--no-sample"])
        bp = measure([bare, "callsmin", "1", n], ["--no-sample", "--functions", "leaf"])
        print(f"fastest batch of 1000 calls, ns per call: instr. {bi:.2f}, patched {bp:.2f}, "
              f"patched/instr. {bp / bi:.2f}")
    print("goal: a patched call costs <= 1.15x an instrumented call (issue 13)")
    ir_ins = instructions(build, [instr, "calls", "1"], ["--no-sample"])
    ir_pat = instructions(build, [bare, "calls", "1"], ["--no-sample", "--functions", "leaf"])
    ir_base = instructions(build, [bare, "calls", "1"], "plain")
    if ir_ins is not None:
        print(f"instructions per call (callgrind): no lib {ir_base:.1f}, instr. {ir_ins:.1f}, "
              f"patched {ir_pat:.1f}, patched/instr. {ir_pat / ir_ins:.2f}")
    med, best, rate = _startup_ms(build, os.path.dirname(bare))
    print(f"start-up, {rate[1]} functions selected, {rate[0]} patched: median {med:.2f} ms, best {best:.2f} ms (goal <= 10 ms)")
