"""test_serve_cache.py - `hotpath serve` keeps what /metrics showed of each region between
scrapes and reads again only the functions whose rows changed (docs/serve.md, "The cache").
These tests scrape one server again and again across changes of a live program and check exact
numbers, so that a stale cache fails them: calls that grow, a function that appears, a thread
that adds rows to a known function, a histogram that fills, an exec (same pid, a new region),
the end of the process; and, at the end, the warm server's page against a fresh server's.

The program is tests/progs/serve_steps.c, driven one command at a time on stdin."""
import re

from lib import check, eq, fn
from test_serve import Proc, Server, get, metric, read_line


class Steps(Proc):
    """serve_steps under `hotpath run --format json` (test_serve.Proc); cmd() waits for its
    "ok"."""

    def __init__(self):
        super().__init__(mode=None, src="serve_steps.c")

    def wait_for(self, want):
        line = read_line(self.p.stdout, "serve_steps")
        eq(line, want, "serve_steps said")

    def ready_line(self, line):
        eq(line, "ready", "serve_steps said")

    def cmd(self, line, answer="ok"):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()
        self.wait_for(answer)


def scrape(srv):
    st, _, body = get(srv.url + "/metrics")
    eq(st, 200, "status of /metrics")
    return body.decode()


def has_series(text, pid, function):
    return any(f'pid="{pid}",' in ln and f'function="{function}",' in ln for ln in text.splitlines())


def fn_numbers(text, pid, function):
    """calls, +Inf bucket, _count, le=0.0015 bucket, _sum and total seconds of one function."""
    lab = {"pid": pid, "function": function}
    return {"calls": metric(text, "hotpath_function_calls_total", **lab),
            "inf": metric(text, "hotpath_function_duration_seconds_bucket", le="+Inf", **lab),
            "count": metric(text, "hotpath_function_duration_seconds_count", **lab),
            "fast": metric(text, "hotpath_function_duration_seconds_bucket", le="0.0015", **lab),
            "sum": metric(text, "hotpath_function_duration_seconds_sum", **lab),
            "time": metric(text, "hotpath_function_time_seconds_total", **lab)}


def index_functions(srv, pid):
    st, _, body = get(srv.url + "/")
    eq(st, 200, "status of /")
    m = re.search(rf"<tr><td>{pid}</td><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td>", body.decode())
    check(m, f"pid {pid} in the index:\n{body.decode()[:2000]}")
    return int(m.group(1))


# Series that move on their own: wall and CPU time, and blocked time that includes a wait in
# progress (the program waits for its next command on stdin).
MOVING = r"hotpath_(process_wall_seconds|thread_cpu_seconds|channel_blocked_seconds|io_blocked_seconds|lock_wait_seconds|lock_cond_wait_seconds)"


def same_page(warm, fresh, pid):
    """The lines of one pid on two pages: equal, but for the series that move on their own, and
    the last ns of times that each server converts with its own calibration."""
    def lines(text):
        out = {}
        for ln in text.splitlines():
            if f'pid="{pid}"' in ln and not re.match(MOVING, ln):
                key, _, v = ln.rpartition(" ")
                out[key] = v
        return out
    a, b = lines(warm), lines(fresh)
    eq(sorted(a), sorted(b), "series of the warm and the fresh server")
    for key, v in a.items():
        if "." in v or "." in b[key]:
            check(abs(float(v) - float(b[key])) <= 1e-8 + 1e-6 * float(v), f"{key}: {v} vs {b[key]}")
        else:
            eq(v, b[key], key)
    check(len(a) > 20, f"{len(a)} series of pid {pid}")


def test_scrapes_follow_changes():
    """One server scraped after each change of a live program: every number follows."""
    t = Steps()
    srv = fresh = None
    try:
        pid = t.wait_ready()
        srv = Server("--pid", str(pid), "--buckets", "0.0015,1000")
        text = scrape(srv)
        n = fn_numbers(text, pid, "fast")
        eq((n["calls"], n["inf"], n["count"]), (10.0, 10.0, 10.0), "fast at the start")
        check(not has_series(text, pid, "other"), "other is not called yet")
        eq(index_functions(srv, pid), 2, "functions in the index (main, fast)")
        before = n
        t.cmd("a 5")
        n = fn_numbers(scrape(srv), pid, "fast")
        eq((n["calls"], n["inf"], n["count"]), (15.0, 15.0, 15.0), "fast after 5 more calls")
        check(n["time"] > before["time"] and n["sum"] > before["sum"], f"fast's time grew: {before} -> {n}")
        t.cmd("b 3")
        text = scrape(srv)
        eq(fn_numbers(text, pid, "other")["calls"], 3.0, "other, a function that appeared")
        eq(fn_numbers(text, pid, "fast")["calls"], 15.0, "fast unchanged")
        eq(index_functions(srv, pid), 3, "functions in the index after other appeared")
        t.cmd("s 2")
        n = fn_numbers(scrape(srv), pid, "slow")
        eq((n["calls"], n["inf"], n["count"], n["fast"]), (2.0, 2.0, 2.0, 0.0), "slow: 2 calls of 2 ms")
        check(n["sum"] >= 0.004, f"slow's durations sum to at least 4 ms: {n['sum']}")
        t.cmd("s 3")
        n = fn_numbers(scrape(srv), pid, "slow")
        eq((n["calls"], n["inf"], n["count"], n["fast"]), (5.0, 5.0, 5.0, 0.0), "slow: 3 calls more")
        check(n["sum"] >= 0.010, f"slow's durations sum to at least 10 ms: {n['sum']}")
        t.cmd("t 4")
        text = scrape(srv)
        n = fn_numbers(text, pid, "fast")
        eq((n["calls"], n["count"]), (19.0, 19.0), "fast after a new thread called it 4 times")
        fresh = Server("--pid", str(pid), "--buckets", "0.0015,1000")
        same_page(scrape(srv), scrape(fresh), pid)
        fresh.stop()
        fresh = None
        t.cmd("x", answer="ready again")
        text = scrape(srv)
        eq(metric(text, "hotpath_function_calls_total", pid=pid, function="fast"), 2.0,
           "fast in the new image of the same pid")
        for gone in ("other", "slow"):
            check(not has_series(text, pid, gone), f"{gone} of the old image is not shown")
        eq(index_functions(srv, pid), 2, "functions of the new image in the index")
        t.cmd("a 1")
        eq(metric(scrape(srv), "hotpath_function_calls_total", pid=pid, function="fast"), 3.0,
           "fast in the new image, one call more")
        rep = t.finish()
        eq(fn(rep, "fast")["calls"], 3, "fast in the report of the new image")
        text = scrape(srv)
        check(f'pid="{pid}"' not in text, "the ended process is not on the page")
        check(srv.alive(), "server alive")
    finally:
        for s in (srv, fresh):
            if s:
                s.stop()
        t.kill()


def test_unchanged_page_stays_the_same():
    """Scrapes of a paused program with nothing changing: the same function lines each time
    (the cache answers), equal to what a fresh server reads."""
    t = Steps()
    srv = fresh = None
    try:
        pid = t.wait_ready()
        t.cmd("b 7")
        t.cmd("t 3")
        srv = Server("--pid", str(pid))
        pages = [scrape(srv) for _ in range(3)]
        fns = [[ln for ln in p.splitlines() if f'pid="{pid}"' in ln and "hotpath_function_" in ln]
               for p in pages]
        check(len(fns[0]) > 20, f"function lines: {len(fns[0])}")
        eq(fns[1], fns[0], "function lines of the second scrape")
        eq(fns[2], fns[0], "function lines of the third scrape")
        eq(metric(pages[2], "hotpath_function_calls_total", pid=pid, function="fast"), 13.0, "fast")
        fresh = Server("--pid", str(pid))
        same_page(pages[2], scrape(fresh), pid)
        t.finish()
    finally:
        for s in (srv, fresh):
            if s:
                s.stop()
        t.kill()
