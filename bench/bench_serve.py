"""bench_serve.py - `bench/run.sh BUILD serve`: one /metrics scrape of PROCS live processes with
FUNCS timed functions each (goal, issue 17: 100 x 1,000 in under 100 ms and under 50 MB of
server memory). The processes are one generated program (FUNCS instrumented functions, each
called a few times, durations in a few buckets) preloaded directly, waiting on stdin: an idle
fleet, whose rows do not change between scrapes. With HOTPATH_BENCH_SERVE_BUSY=MS each
process calls every one of its functions again every MS ms while it waits: a busy fleet,
every row changed at every scrape when MS is shorter than a scrape. The scrape is timed by
curl (whole body read); the server's CPU time per scrape from /proc/PID/stat, its memory
from /proc/PID/status.

    HOTPATH_BENCH_SERVE=PROCSxFUNCS   (default 100x1000)
    HOTPATH_BENCH_SERVE_BUSY=MS       (default 0: idle)"""
import os
import re
import select
import statistics
import subprocess
import time


def gen(path, nfuncs):
    """The program: `prog` calls each function 3 times and waits for stdin to close; `prog MS`
    also calls each one again every MS ms while it waits."""
    with open(path, "w") as f:
        f.write("#include <poll.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n"
                "static volatile long sink;\n")
        for i in range(nfuncs):
            f.write(f"__attribute__((noinline)) void f{i:04d}(int n) {{ for (int k = 0; k < n; k++) sink += k; }}\n")
        f.write("__attribute__((no_instrument_function)) static void all(int rounds) {\n")
        for i in range(nfuncs):
            f.write(f"  for (int r = 0; r < rounds; r++) f{i:04d}({i % 7} * 10);\n")
        f.write("}\nint main(int argc, char **argv) {\n  int ms = argc > 1 ? atoi(argv[1]) : -1;\n"
                '  all(3);\n  printf("ready\\n"); fflush(stdout);\n  char c;\n  for (;;) {\n'
                "    struct pollfd pfd = {0, POLLIN, 0};\n    int n = poll(&pfd, 1, ms > 0 ? ms : -1);\n"
                "    if (n > 0 && read(0, &c, 1) <= 0)\n      break;\n    if (n == 0)\n      all(1);\n"
                "  }\n  return 0;\n}\n")


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    """utime + stime of a process, ms."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def run(build, measure, cc):
    spec = os.environ.get("HOTPATH_BENCH_SERVE", "100x1000")
    nprocs, nfuncs = (int(x) for x in spec.split("x"))
    busy_ms = int(os.environ.get("HOTPATH_BENCH_SERVE_BUSY", "0"))
    out = os.path.join(build, "bench")
    os.makedirs(out, exist_ok=True)
    src = os.path.join(out, f"serve_many_{nfuncs}.c")
    exe = os.path.join(out, f"serve_many_{nfuncs}")
    gen(src, nfuncs)
    subprocess.run(["cc", "-O1", "-g", "-finstrument-functions", "-o", exe, src], check=True)
    env = dict(os.environ, LD_PRELOAD=os.path.join(build, "libhotpath.so"),
               HOTPATH_REGION_SIZE=str(max(32, nfuncs * 20 // 1000 + 8)))
    procs = []
    srv = None
    try:
        for _ in range(nprocs):
            procs.append(subprocess.Popen([exe] + ([str(busy_ms)] if busy_ms > 0 else []),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env))
        for p in procs:
            r, _, _ = select.select([p.stdout], [], [], 60)
            if not r or not p.stdout.readline().startswith(b"ready"):
                raise RuntimeError("a benchmark process did not start")
        srv = subprocess.Popen([os.path.join(build, "hotpath"), "serve", "--listen", "127.0.0.1:0"],
                               stderr=subprocess.PIPE)
        line = srv.stderr.readline().decode()
        url = re.search(r"(http://[0-9.:]+)/", line).group(1) + "/metrics"

        def scrape(accept="text/plain"):
            cp = subprocess.run(["curl", "-s", "-o", os.devnull, "-H", f"Accept: {accept}", "-w",
                                 "%{time_total} %{size_download}", url],
                                capture_output=True, text=True, check=True)
            t, n = cp.stdout.split()
            return float(t) * 1000, int(n)

        first, size = scrape()
        c0 = cpu_ms(srv.pid)
        times = [scrape()[0] for _ in range(7)]
        cpu = (cpu_ms(srv.pid) - c0) / 7
        om = [scrape("application/openmetrics-text; version=1.0.0")[0] for _ in range(3)]
        peak = status_kib(srv.pid, "VmHWM")
        anon = status_kib(srv.pid, "RssAnon")
        shmem = status_kib(srv.pid, "RssShmem")
        text = subprocess.run(["curl", "-s", url], capture_output=True, check=True).stdout
        series = sum(1 for ln in text.split(b"\n") if ln and not ln.startswith(b"#"))
        shown = re.search(rb"\nhotpath_serve_processes (\d+)", text)
        fleet = f"busy: every function called every {busy_ms} ms" if busy_ms > 0 else "idle"
        print(f"## one /metrics scrape, {nprocs} processes x {nfuncs} functions, {fleet} "
              f"({shown.group(1).decode() if shown else '?'} processes on the page)")
        print(f"{'first ms':>9} {'median ms':>10} {'min ms':>8} {'CPU ms':>7} {'OpenMetrics ms':>15} "
              f"{'page MB':>8} {'samples':>9} {'peak RSS MiB':>13} {'anon MiB':>9} {'shmem MiB':>10}")
        print(f"{first:9.1f} {statistics.median(times):10.1f} {min(times):8.1f} {cpu:7.1f} "
              f"{statistics.median(om):15.1f} {size / 1e6:8.1f} {series:9d} {peak / 1024:13.1f} "
              f"{anon / 1024:9.1f} {shmem / 1024:10.1f}")
        print("wall ms: curl's time_total; CPU ms: the server's user+system time per scrape;")
        print("anon: the server's own memory; shmem: pages of the mapped regions (the programs')")
        print("goal: under 100 ms and under 50 MB of server memory (issue 17)")
    finally:
        if srv:
            srv.terminate()
            srv.wait()
        for p in procs:
            try:
                p.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + 30
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # Preloaded directly, they leave their regions: remove ours (by pid), nobody else's.
        pids = {p.pid for p in procs}
        for name in os.listdir("/dev/shm"):
            m = re.match(r"hotpath-(\d+)-\d+$", name)
            if m and int(m.group(1)) in pids:
                os.unlink(os.path.join("/dev/shm", name))
