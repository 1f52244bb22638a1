"""test_serve.py - `hotpath serve`, `run --serve` and the pprof files, against real consumers:
Debian's prometheus scrapes the server and its HTTP API must hold the counts of the program's
JSON report; promtool checks the exposition; `go tool pprof -raw` reads every pprof file and
page and its sample totals must equal the JSON report's. Also bad requests, a non-loopback
address without --allow-remote, 200 concurrent scrapes during a run, and a region truncated
while the server reads it. Only loopback addresses; every wait is bounded.

The program is tests/progs/serve_target.c: known call counts, then it waits on stdin, so its
numbers do not move while they are compared."""
import concurrent.futures as cf
import gzip
import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import lib
from lib import Fail, build, check, eq, fn, hotpath

WAIT = 30  # seconds any one thing may take on a loaded machine


def clean_env(extra=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_") or k == "HOTPATH_BUILD"}
    e.update(lib.TSAN_ENV)
    if extra:
        e.update(extra)
    return e


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_line(stream, what, timeout=WAIT):
    """One line from a pipe, within `timeout` seconds."""
    end = time.monotonic() + timeout
    buf = b""
    fd = stream.fileno()
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            c = os.read(fd, 1)
            if not c:
                break
            if c == b"\n":
                return buf.decode(errors="replace")
            buf += c
    raise Fail(f"no line from {what} (got {buf!r})")


def get(url, accept=None, method="GET", timeout=WAIT):
    """(status, headers, body bytes) of a request; HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, method=method)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Proc:
    """The target under `hotpath run --format json`, paused after its work until close()."""

    def __init__(self, mode="pause", opts=(), src="serve_target.c"):
        """src: the program in tests/progs; mode: its argument (None: none)."""
        self.exe = build(src)
        self.dir = tempfile.mkdtemp(prefix="hp-serve-")
        self.report_path = os.path.join(self.dir, "report.json")
        args = [mode] if mode is not None else []
        self.p = subprocess.Popen([lib.HOTPATH, "run", "--format", "json", "--output", self.report_path,
                                   *opts, "--", self.exe, *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
        self.pid = None

    def ready_line(self, line):
        check(line.startswith("ready"), f"target said {line!r}")

    def wait_ready(self):
        self.ready_line(read_line(self.p.stdout, "the target"))
        # The target is the launcher's child.
        kids = subprocess.run(["pgrep", "-P", str(self.p.pid)], capture_output=True, text=True).stdout.split()
        check(len(kids) == 1, f"children of hotpath run: {kids}")
        self.pid = int(kids[0])
        return self.pid

    def finish(self):
        """Close its stdin; returns the JSON report once hotpath run has written it."""
        self.p.stdin.close()
        self.p.wait(timeout=WAIT)
        err = self.p.stderr.read().decode(errors="replace")
        eq(self.p.returncode, 0, f"hotpath run's status; stderr:\n{err}")
        with open(self.report_path) as f:
            rep = json.load(f)
        shutil.rmtree(self.dir, ignore_errors=True)
        return rep

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        if self.pid:
            try:
                os.kill(self.pid, 9)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`hotpath serve --listen 127.0.0.1:0 ARGS`; url from its first line on stderr."""

    def __init__(self, *args, env=None):
        self.p = subprocess.Popen([lib.HOTPATH, "serve", "--listen", "127.0.0.1:0", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(env))
        line = read_line(self.p.stderr, "hotpath serve")
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if not m:
            self.stop()
            raise Fail(f"hotpath serve said {line!r}")
        self.url = m.group(1)
        self.port = int(self.url.rsplit(":", 1)[1])

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def metric(text, name, **labels):
    """Value of the one sample `name{labels...}` in an exposition (labels matched as a subset)."""
    found = []
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        ls = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', line.split("}")[0])) if "{" in line else {}
        if all(ls.get(k) == str(v) for k, v in labels.items()):
            found.append(float(line.rsplit(" ", 1)[1]))
    if len(found) != 1:
        raise Fail(f"{len(found)} samples of {name}{labels}")
    return found[0]


def own_channel(text, name, **labels):
    """metric() of the channel the program made: its stdout, an inherited pipe that its stdio
    writes through, is a channel too (docs/dataflow.md)."""
    kept = "\n".join(l for l in text.splitlines() if "(inherited fd" not in l)
    return metric(kept, name, **labels)


# ---- go tool pprof ----

def pprof_raw(target, home):
    """`go tool pprof -raw` of a file or URL: (sample type names, [per-type totals])."""
    env = dict(os.environ, HOME=home, GOCACHE=os.path.join(home, "cache"), PPROF_TMPDIR=home,
               GOPATH=os.path.join(home, "go"), GOFLAGS="-mod=mod")
    cp = subprocess.run(["go", "tool", "pprof", "-raw", "-symbolize=none", target],
                        capture_output=True, text=True, timeout=120, env=env)
    if cp.returncode != 0:
        raise Fail(f"go tool pprof -raw {target}: {cp.returncode}\n{cp.stderr[-2000:]}")
    lines = cp.stdout.splitlines()
    i = lines.index("Samples:")
    types = [t.replace("[dflt]", "") for t in lines[i + 1].split()]
    totals = [0] * len(types)
    for ln in lines[i + 2:]:
        if not ln.startswith(" "):
            break
        m = re.match(r"^\s+(-?\d+(?:\s+-?\d+)*):", ln)
        if m:
            for k, v in enumerate(m.group(1).split()):
                totals[k] += int(v)
    return types, totals


def report_totals(rep):
    """Calls and total_ns summed over every function of the report and its children."""
    calls = total = 0
    for p in [rep] + rep.get("children", []):
        for r in p["functions"]:
            calls += r["calls"]
            total += r["total_ns"]
    return calls, total


# ---- the tests ----

def test_prometheus_scrapes_known_counts():
    """Debian's prometheus scrapes `hotpath serve --pid` every second; after two scrapes its
    HTTP API holds the call counts that the program's JSON report has once it ended."""
    prom = shutil.which("prometheus") or "/usr/bin/prometheus"
    target = Proc()
    srv = None
    pr = None
    d = tempfile.mkdtemp(prefix="hp-prom-")
    try:
        pid = target.wait_ready()
        srv = Server("--pid", str(pid))
        port = free_port()
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: hotpath\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{srv.port}']\n")
        pr = subprocess.Popen([prom, f"--config.file={cfg}", f"--storage.tsdb.path={d}/data",
                               f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        api = f"http://127.0.0.1:{port}/api/v1/query?query="

        def query(q):
            st, _, body = get(api + urllib.request.quote(q), timeout=5)
            if st != 200:
                return None
            res = json.loads(body)["data"]["result"]
            return res

        end = time.monotonic() + 60
        scrapes = 0
        while time.monotonic() < end:
            try:
                res = query("hotpath_serve_scrapes_total")
            except (OSError, ValueError):
                res = None
            if res:
                scrapes = float(res[0]["value"][1])
                if scrapes >= 2:
                    break
            if pr.poll() is not None:
                raise Fail(f"prometheus exited: {pr.stderr.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.3)
        check(scrapes >= 2, f"prometheus did not scrape twice in 60 s (saw {scrapes})")
        up = query('up{job="hotpath"}')
        eq(float(up[0]["value"][1]), 1.0, "up (the exposition parsed)")
        got = {}
        for name in ("work", "helper"):
            res = query(f'hotpath_function_calls_total{{function="{name}",pid="{pid}"}}')
            eq(len(res), 1, f"series of hotpath_function_calls_total for {name}")
            got[name] = float(res[0]["value"][1])
            labels = res[0]["metric"]
            eq(labels.get("command"), "serve_target-O2-fi", "command label")
            eq(labels.get("module"), "serve_target-O2-fi", "module label")
        self_w = query(f'hotpath_function_self_seconds_total{{function="work",pid="{pid}"}}')
        eq(len(self_w), 1, "series of hotpath_function_self_seconds_total for work")
        got["work_self"] = float(self_w[0]["value"][1])
        hist = query(f'hotpath_function_duration_seconds_count{{function="work",pid="{pid}"}}')
        got["work_completed"] = float(hist[0]["value"][1])
        lk = query(f'hotpath_lock_acquisitions_total{{pid="{pid}"}}')
        got["locks"] = sum(float(r["value"][1]) for r in lk)
        ch = query(f'hotpath_channel_messages_total{{pid="{pid}",direction="out"}}')
        got["messages"] = sum(float(r["value"][1]) for r in ch)
        rep = target.finish()
        eq(got["work"], float(fn(rep, "work")["calls"]), "work calls: prometheus vs JSON report")
        eq(got["helper"], float(fn(rep, "helper")["calls"]), "helper calls: prometheus vs JSON report")
        eq(got["work_completed"], float(fn(rep, "work")["completed"]), "histogram count vs completed")
        eq(got["work"], 1234.0, "work calls")
        want = fn(rep, "work")["self_ns"] / 1e9
        check(want > 0 and abs(got["work_self"] - want) <= want * 0.01,
              f"work self time: prometheus {got['work_self']} s vs JSON report {want} s")
        eq(got["locks"], float(sum(r["acquisitions"] for r in rep["locks"])), "lock acquisitions")
        eq(got["messages"], float(sum(c["messages_out"] for c in rep["channels"])), "channel messages")
    finally:
        if pr and pr.poll() is None:
            pr.terminate()
            try:
                pr.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                pr.kill()
        if srv:
            srv.stop()
        target.kill()
        shutil.rmtree(d, ignore_errors=True)


def test_promtool_and_openmetrics():
    """promtool accepts the text exposition (with memory, channels, locks, I/O, histograms);
    an OpenMetrics Accept header gets OpenMetrics, ending with # EOF."""
    target = Proc(opts=("--alloc",))
    srv = None
    try:
        pid = target.wait_ready()
        srv = Server("--pid", str(pid))
        st, hdr, body = get(srv.url + "/metrics")
        eq(st, 200, "status")
        check(hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"type {hdr}")
        text = body.decode()
        cp = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=WAIT)
        eq(cp.returncode, 0, f"promtool check metrics:\n{cp.stdout.decode()}{cp.stderr.decode()}")
        eq(metric(text, "hotpath_function_calls_total", pid=pid, function="work"), 1234.0, "work")
        eq(metric(text, "hotpath_function_calls_total", pid=pid, function="helper"), 617.0, "helper")
        eq(metric(text, "hotpath_function_duration_seconds_bucket", function="work", le="+Inf"),
           metric(text, "hotpath_function_duration_seconds_count", function="work"), "+Inf = count")
        # Self time: helper is a leaf (self = its time); work's self is its time minus helper's,
        # to the ns each side rounds to (the counters are ticks, converted one by one).
        h_time = metric(text, "hotpath_function_time_seconds_total", function="helper")
        w_time = metric(text, "hotpath_function_time_seconds_total", function="work")
        h_self = metric(text, "hotpath_function_self_seconds_total", function="helper")
        w_self = metric(text, "hotpath_function_self_seconds_total", function="work")
        check(h_time > 0 and w_self > 0, f"times: helper {h_time}, work self {w_self}")
        check(abs(h_self - h_time) <= 1e-9, f"helper self {h_self} = its time {h_time}")
        check(abs(w_self - (w_time - h_time)) <= 2e-9,
              f"work self {w_self} = work {w_time} - helper {h_time}")
        check("# TYPE hotpath_function_self_seconds_total counter" in text, "self family type")
        check(metric(text, "hotpath_allocations_total", pid=pid) >= 100, "allocations")
        check(metric(text, "hotpath_function_allocated_bytes_total", function="work") == 0, "work allocates nothing")
        eq(own_channel(text, "hotpath_channel_messages_total", kind="pipe", direction="out"), 10.0, "pipe writes")
        eq(own_channel(text, "hotpath_channel_bytes_total", kind="pipe", direction="in"), 160.0, "pipe bytes read")
        eq(metric(text, "hotpath_lock_acquisitions_total", kind="mutex"), 50.0, "mutex")
        check("hotpath_thread_cpu_seconds_total{" in text, "thread CPU")
        check("# TYPE hotpath_io_operations_total counter" in text, "I/O family")
        st, hdr, body = get(srv.url + "/metrics", accept="application/openmetrics-text;version=1.0.0,"
                            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
        eq(st, 200, "status")
        check(hdr.get("Content-Type", "").startswith("application/openmetrics-text; version=1.0.0"), f"{hdr}")
        om = body.decode()
        check(om.endswith("# EOF\n"), "OpenMetrics ends with # EOF")
        check("# TYPE hotpath_function_calls counter\n" in om, "OpenMetrics counter family name")
        check("# UNIT hotpath_function_time_seconds seconds\n" in om, "OpenMetrics unit")
        eq(metric(om, "hotpath_function_calls_total", function="work"), 1234.0, "work (OpenMetrics)")
        check("# UNIT hotpath_function_self_seconds seconds\n" in om, "OpenMetrics self unit")
        rep = target.finish()
        eq(fn(rep, "work")["calls"], 1234, "work in the report")
        # The run's own report converts the same ticks with its own calibration: within 1%.
        for name, v in (("work", w_self), ("helper", h_self)):
            want = fn(rep, name)["self_ns"] / 1e9
            check(abs(v - want) <= want * 0.01, f"{name} self {v} s vs the report's {want} s")
    finally:
        if srv:
            srv.stop()
        target.kill()


def test_pprof_files_and_pages():
    """go tool pprof -raw reads `run --format pprof`, `report --format pprof` and the
    /debug/pprof/wall page; totals equal the JSON report's calls and total_ns. The CPU and
    heap pages say why they have nothing."""
    exe = build("calls.c")
    home = tempfile.mkdtemp(prefix="hp-pprof-")
    target = Proc()
    srv = None
    try:
        js = os.path.join(home, "r.json")
        cp = hotpath("run", "--format", "json", "--output", js, exe)
        eq(cp.returncode, 0, "json run")
        with open(js) as f:
            rep = json.load(f)
        calls, total = report_totals(rep)
        # report --format pprof of that very run: calls and wall equal exactly.
        pb = os.path.join(home, "r.pb.gz")
        cp = hotpath("report", "--format", "pprof", "--output", pb, js)
        eq(cp.returncode, 0, f"report --format pprof: {cp.stderr.decode()}")
        with open(pb, "rb") as f:
            check(f.read(2) == b"\x1f\x8b", "gzip magic")
        types, totals = pprof_raw(pb, home)
        eq(types, ["calls/count", "wall/nanoseconds"], "sample types")
        eq(totals, [calls, total], "pprof totals vs the JSON report (calls, total_ns)")
        # run --format pprof: calls.c's counts do not depend on the run.
        pb2 = os.path.join(home, "run.pb.gz")
        cp = hotpath("run", "--format", "pprof", "--output", pb2, exe)
        eq(cp.returncode, 0, f"run --format pprof: {cp.stderr.decode()}")
        types, totals = pprof_raw(pb2, home)
        eq(totals[0], calls, "calls of run --format pprof")
        eq(calls, 1 + 1000 + 4 + 1000 + 20000 + 10 + 10, "calls.c's documented counts")
        # CPU samples (docs/cpu.md): one sample per stack, totals equal the report's stacks.
        burn = build("cpu_ratio.c")
        js2 = os.path.join(home, "cpu.json")
        cp = hotpath("run", "--format", "json", "--output", js2, burn, "300")
        eq(cp.returncode, 0, f"cpu_ratio run: {cp.stderr.decode()}")
        with open(js2) as f:
            crep = json.load(f)
        want = sum(st["samples"] for p in [crep] + crep.get("children", []) for st in p["cpu"]["stacks"])
        check(want > 0, "cpu_ratio was sampled")
        pb3 = os.path.join(home, "cpu.pb.gz")
        cp = hotpath("report", "--format", "pprof", "--output", pb3, js2)
        eq(cp.returncode, 0, f"report --format pprof of a sampled run: {cp.stderr.decode()}")
        types, totals = pprof_raw(pb3, home)
        check("samples/count" in types and "cpu/nanoseconds" in types, f"sample types {types}")
        eq(totals[types.index("samples/count")], want, "CPU samples: pprof vs the JSON report")
        cp = hotpath("run", "--format", "pprof", exe)
        eq(cp.returncode, 2, "pprof without --output is refused")
        check(b"--output" in cp.stderr, cp.stderr.decode())
        # The live pages of a paused program.
        pid = target.wait_ready()
        srv = Server("--pid", str(pid))
        st, _, body = get(f"{srv.url}/api/report?pid={pid}")
        eq(st, 200, "api/report")
        live = json.loads(body)
        eq(live["state"], "running", "live report state")
        eq(fn(live, "work")["calls"], 1234, "work in /api/report")
        types, totals = pprof_raw(f"{srv.url}/debug/pprof/wall?pid={pid}", home)
        lcalls, ltotal = report_totals(live)
        eq(totals[0], lcalls, "calls of /debug/pprof/wall vs /api/report")
        for page, why in (("profile?seconds=1", "CPU"), ("heap", "allocation stacks")):
            st, _, body = get(f"{srv.url}/debug/pprof/{page}&pid={pid}" if "?" in page
                              else f"{srv.url}/debug/pprof/{page}?pid={pid}")
            eq(st, 404, f"/debug/pprof/{page} without the data")
            check(why in body.decode() and body.decode().count("\n") == 1, f"one line why: {body!r}")
        rep = target.finish()
        eq(fn(rep, "work")["calls"], 1234, "the program's own report")
    finally:
        if srv:
            srv.stop()
        target.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_bad_requests():
    """Unknown pages and parameters, bad values, other methods: 4xx and one line saying why."""
    srv = Server("--pid", "1073741823")  # a pid with no region: nothing profiled
    try:
        cases = [("/nope", 404, "no page"), ("/metrics?x=1", 400, "unknown parameter 'x'"),
                 ("/api/report?pid=abc", 400, "pid: expected an integer"),
                 ("/api/report?pid=0", 400, "pid: expected an integer"),
                 ("/api/report?pid=1073741823", 404, "no profiled process with pid"),
                 ("/api/report?pid=5&junk=1", 400, "unknown parameter 'junk'"),
                 ("/debug/pprof/profile?seconds=0", 400, "seconds: expected an integer"),
                 ("/debug/pprof/profile?seconds=99999", 400, "seconds"),
                 ("/debug/pprof/heap?pid=-3", 400, "pid")]
        for path, want, why in cases:
            st, _, body = get(srv.url + path)
            text = body.decode()
            eq(st, want, f"status of {path}")
            check(why in text and text.startswith("hotpath serve: ") and text.count("\n") == 1,
                  f"{path}: one line with {why!r}, got {text!r}")
        st, hdr, body = get(srv.url + "/metrics", method="POST")
        eq(st, 405, "POST")
        eq(hdr.get("Allow"), "GET, HEAD", "Allow header")
        st, _, body = get(srv.url + "/metrics")
        eq(st, 200, "the server still serves")
        check(srv.alive(), "server alive")
    finally:
        eq(srv.stop(), 0, "exit status after SIGTERM")


def test_listen_addresses():
    """A non-loopback address needs --allow-remote; a bad one is refused; --help lists the
    settings of serve."""
    for addr in ("0.0.0.0:0", "192.0.2.1:9478"):
        cp = hotpath("serve", "--listen", addr, timeout=WAIT)
        eq(cp.returncode, 2, f"--listen {addr} without --allow-remote")
        err = cp.stderr.decode()
        check("not a loopback address" in err and "--allow-remote" in err and err.count("\n") == 1, err)
    cp = hotpath("serve", "--listen", "nonsense", timeout=WAIT)
    eq(cp.returncode, 2, "bad address")
    check("expected ADDR:PORT" in cp.stderr.decode(), cp.stderr.decode())
    cp = hotpath("serve", "--frobnicate", timeout=WAIT)
    eq(cp.returncode, 2, "unknown option")
    cp = hotpath("serve", "--help")
    eq(cp.returncode, 0, "--help")
    out = cp.stdout.decode()
    for opt in ("--listen", "--allow-remote", "--pid", "--max-connections", "--serve-timeout",
                "--buckets", "--percentiles", "HOTPATH_LISTEN", "/metrics", "/debug/pprof/profile"):
        check(opt in out, f"serve --help names {opt}")
    check("--alloc" not in out, "run's settings are not serve's")
    cp = hotpath("run", "--help")
    check("--serve[=ADDR:PORT]" in cp.stdout.decode(), "run --help names --serve")
    # A port in use: the bind error, one line.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        cp = hotpath("serve", "--listen", f"127.0.0.1:{s.getsockname()[1]}", timeout=WAIT)
        eq(cp.returncode, 2, "port in use")
        check("Address already in use" in cp.stderr.decode(), cp.stderr.decode())
    finally:
        s.close()


def test_run_serve_concurrent_scrapes():
    """`run --serve` while the program works: 200 concurrent scrapes all succeed, and the
    program's output and exit status are what they are without hotpath."""
    exe = build("serve_target.c")
    plain = lib.plain([exe, "busy"], timeout=WAIT, stdin=subprocess.DEVNULL)
    eq(plain.returncode, 3, "plain run")
    p = subprocess.Popen([lib.HOTPATH, "run", "--serve=127.0.0.1:0", "-o", os.devnull, "--", exe, "busy"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=clean_env())
    try:
        line = read_line(p.stderr, "hotpath run --serve")
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        check(m, f"run --serve said {line!r}")
        url = m.group(1)

        def scrape(_):
            st, _, body = get(url + "/metrics", timeout=60)
            return st, body

        with cf.ThreadPoolExecutor(max_workers=200) as ex:
            results = list(ex.map(scrape, range(200)))
        bad = [st for st, _ in results if st != 200]
        eq(bad, [], "statuses that were not 200")
        whole = [b for _, b in results if b"\nhotpath_serve_scrapes_total " in b and b.endswith(b"\n")]
        eq(len(whole), 200, "every page complete")
        check(any(b"hotpath_function_calls_total{" in b for _, b in results), "the run's functions")
        check(p.poll() is None, "the program ran during the scrapes")
        out, err = p.communicate(input=b"", timeout=WAIT * 2)
        eq(out, plain.stdout, "program output unchanged")
        eq(p.returncode, 3, f"exit status unchanged; stderr:\n{err.decode(errors='replace')}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_region_truncated_during_scrape():
    """A region truncated between the server mapping it and reading it (SIGBUS) is skipped and
    counted; the page still has the live process and the server lives on."""
    target = Proc(opts=("--region-size", "8"))
    srv = None
    fake = None
    try:
        pid = target.wait_ready()
        real = [f for f in os.listdir("/dev/shm") if f.startswith(f"hotpath-{pid}-")]
        eq(len(real), 1, f"the target's region: {real}")
        ts = int(real[0].split("-")[2])
        fake = f"/dev/shm/hotpath-{pid}-{ts + 1000}"  # newer: read first for --pid
        shutil.copyfile("/dev/shm/" + real[0], fake)
        os.chmod(fake, 0o600)
        srv = Server("--pid", str(pid), env={"HOTPATH_SERVE_READ_DELAY_MS": "400"})
        with cf.ThreadPoolExecutor(max_workers=1) as ex:
            fut = ex.submit(get, srv.url + "/metrics")
            time.sleep(0.2)  # the server holds the copy mapped, asleep
            os.truncate(fake, 4096)
            st, _, body = fut.result(timeout=WAIT)
        eq(st, 200, "status of the scrape that met the truncated region")
        text = body.decode()
        eq(metric(text, "hotpath_function_calls_total", pid=pid, function="work"), 1234.0,
           "the live region is still read")
        check(metric(text, "hotpath_serve_region_errors_total") >= 1, "the truncated region is counted")
        os.unlink(fake)
        fake = None
        st, _, body = get(srv.url + "/metrics")
        eq(st, 200, "the next scrape")
        check(srv.alive(), "server alive")
        target.finish()
    finally:
        if fake and os.path.exists(fake):
            os.unlink(fake)
        if srv:
            srv.stop()
        target.kill()
