"""bench_scale.py - issue 13 at scale: the cost of a timed call at 10 .. 100k distinct functions
and 1 .. 64 threads, a pool of 10,000 short threads, and the launcher's report time and peak
memory after 10k and 100k functions. Figures in docs/performance.md ("Scale")."""
import os
import shutil
import statistics
import subprocess
import tempfile
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
        plain = measure(cmd, "plain")
        timed = measure(cmd, [])
        print(f"{funcs:>9} {threads:>7} {plain:8.2f} {timed:8.2f} {timed - plain:8.2f}")
    pool = cc("../tests/progs/scale_threads.c", "scale_threads", ["-finstrument-functions"])
    print("## 10,000 threads in batches of 4 x 100 calls: wall s (program alone, under hotpath)")
    for argv in ([pool, "10000", "4", "1", "100"],
                 [hp, "run", "-o", os.devnull, "--", pool, "10000", "4", "1", "100"]):
        t0 = time.monotonic()
        subprocess.run(argv, capture_output=True, check=True)
        print(f"  {'hotpath run' if argv[0] == hp else 'program':<12} {time.monotonic() - t0:6.2f}")
    report_after_exit(hp, exe, cc)


def gen_program(build, funcs):
    """A real program of `funcs` instrumented functions (100 files, built once with make -j and
    kept under BUILD/bench/): so that symbolizing is in the report's time."""
    d = os.path.join(build, "bench", f"prog{funcs}")
    exe = os.path.join(d, "prog")
    if os.path.exists(exe):
        return exe
    os.makedirs(d, exist_ok=True)
    files, per = 100, funcs // 100
    for i in range(files):
        with open(os.path.join(d, f"f{i:03d}.c"), "w") as f:
            f.write("volatile int hp_sink;\n" if i == 0 else "extern volatile int hp_sink;\n")
            for j in range(per):
                f.write(f"void f{i:03d}_{j:04d}(void) {{ hp_sink++; }}\n")
            names = ",".join(f"f{i:03d}_{j:04d}" for j in range(per))
            f.write(f"void (*const tab{i:03d}[{per}])(void) = {{{names}}};\n")
    with open(os.path.join(d, "main.c"), "w") as f:
        for i in range(files):
            f.write(f"extern void (*const tab{i:03d}[{per}])(void);\n")
        f.write("int main(void)\n{\n")
        for i in range(files):
            f.write(f"\tfor (int j = 0; j < {per}; j++)\n\t\ttab{i:03d}[j]();\n")
        f.write("\treturn 0;\n}\n")
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write("OBJS = $(patsubst %.c,%.o,$(wildcard *.c))\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n"
                "%.o: %.c\n\tcc -O1 -finstrument-functions -c $< -o $@\n")
    subprocess.run(["make", "-s", "-C", d, f"-j{os.cpu_count() or 2}"], check=True)
    return exe


def exits(argv):
    """Run argv under strace (exit_group only); seconds from the first process's exit (the
    program's) to the last's (the launcher's), or None without strace."""
    fd, log = tempfile.mkstemp(suffix=".strace")
    os.close(fd)
    try:
        subprocess.run(["strace", "-f", "--seccomp-bpf", "-ttt", "-e", "trace=exit_group",
                        "-o", log, *argv], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        os.unlink(log)
        return None
    with open(log) as f:
        ts = [float(ln.split()[1]) for ln in f if "exit_group" in ln]
    os.unlink(log)
    return ts[-1] - ts[0] if len(ts) > 1 else None


def report_after_exit(hp, exe, cc):
    """hotpath run --format json (default settings) after N functions called once: the
    report's time after the program's exit (strace), total wall, the launcher's peak RSS."""
    print("## hotpath run after N functions called once, default settings: report after the")
    print("## program's exit (median s), total wall (median s), peak RSS of launcher or program MB")
    cases = [("made-up", 10000, [exe, "10000", "1", "10000"]),
             ("made-up", 100000, [exe, "100000", "1", "100000"]),
             ("real", 100000, [gen_program(os.path.dirname(hp), 100000)])]
    for kind, funcs, prog in cases:
        after, walls, rss = [], [], 0
        for _ in range(int(os.environ.get("HOTPATH_BENCH_REPEAT", "7"))):
            argv = [hp, "run", "--format", "json", "-o", os.devnull, "--", *prog]
            t0 = time.monotonic()
            cp = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True,
                                text=True, check=True)
            walls.append(time.monotonic() - t0)
            rss = max(rss, int(cp.stderr.split()[-1]))
            a = exits(argv)
            if a is not None:
                after.append(a)
        after_s = f"{statistics.median(after):6.2f}" if after else "     -"
        print(f"  {kind:<8} {funcs:>6} functions: after exit {after_s} s, total "
              f"{statistics.median(walls):5.2f} s, peak RSS {rss / 1024:.0f} MB")
        if kind == "real":
            uftrace_side_by_side(prog)


def uftrace_side_by_side(prog):
    """uftrace record + report of the same program: the issue's peer (median wall, peak RSS)."""
    if not shutil.which("uftrace"):
        print("  uftrace: not installed")
        return
    rec, rep, rss = [], [], 0
    with tempfile.TemporaryDirectory() as d:
        for _ in range(int(os.environ.get("HOTPATH_BENCH_REPEAT", "7"))):
            for argv, out in ((["uftrace", "record", "-d", f"{d}/data", *prog], rec),
                              (["uftrace", "report", "-d", f"{d}/data"], rep)):
                t0 = time.monotonic()
                cp = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True,
                                    text=True, check=True)
                out.append(time.monotonic() - t0)
                rss = max(rss, int(cp.stderr.split()[-1]))
    print(f"  uftrace  record {statistics.median(rec):5.2f} s + report {statistics.median(rep):5.2f}"
          f" s, peak RSS {rss / 1024:.0f} MB")
