"""test_astacks.py - `hotpath run --alloc-stacks` (issue 16): the call stack of every
allocation, with exact counts and bytes per stack on programs whose answers are known (leak,
temporaries, peak; threads freeing each other's blocks; realloc chains; fork; a stack table
that fills), stacks outermost first with the allocator left out, the three report sections,
the alloc/leak/peak flame graphs, and agreement with heaptrack_print on the same program."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from lib import Fail, Skip, build, check, eq, hotpath, run_json

MIB50 = 50 << 20


def names(stack):
    return [f["name"] for f in stack["frames"]]


def find(report, path, where=""):
    """The stack whose frames end with `path` (innermost last) and pass through main or a
    thread start; fails listing the stacks there are."""
    stacks = report["memory"]["stacks"]
    hits = [s for s in stacks if names(s)[-len(path):] == path]
    if len(hits) != 1:
        raise Fail(f"{where}: {len(hits)} stacks end in {path}; have {[names(s) for s in stacks]}")
    return hits[0]


def counts(s):
    return (s["alloc_count"], s["alloc_bytes"], s["free_count"], s["free_bytes"],
            s["live_count_at_exit"], s["live_bytes_at_exit"], s["temporary_count"])


def known():
    # -O2, no -finstrument-functions: the stacks come from the unwinder alone.
    exe = build("astack_known.c", opt="-O2", instrument=False)
    cp, r = run_json([exe], opts=["--alloc-stacks"], want_rc=0)
    eq(cp.stdout, b"known: ok\n", "program output")
    return exe, r


def test_known_leak_temporaries_peak():
    _, r = known()
    m = r["memory"]
    eq(m["stacks_dropped"], 0, "stacks_dropped")
    leak = find(r, ["main", "setup", "make_table"], "leak")
    eq(counts(leak), (100, 100000, 0, 0, 100, 100000, 0), "make_table's stack")
    tmp = find(r, ["main", "churn", "scratch"], "temporaries")
    eq(counts(tmp), (10000, 640000, 10000, 640000, 0, 0, 10000), "scratch's stack")
    big = find(r, ["main", "burst", "big_buffer"], "peak")
    eq(counts(big), (1, MIB50, 1, MIB50, 0, 0, 1), "big_buffer's stack")
    # The peak: 50 MiB of big_buffer and make_table's table live then, scratch's nothing.
    eq(big["peak_bytes"], MIB50, "big_buffer at the peak")
    eq(leak["peak_bytes"], 100000, "make_table at the peak")
    eq(tmp["peak_bytes"], 0, "scratch at the peak")
    top = max(m["stacks"], key=lambda s: s["peak_bytes"])
    eq(names(top)[-1], "big_buffer", "largest at the peak")
    check(m["peak_live_bytes"] >= MIB50 + 100000, f"peak {m['peak_live_bytes']}")


def test_known_frames_outermost_first_allocator_left_out():
    exe, r = known()
    leak = find(r, ["main", "setup", "make_table"], "leak")
    fr = leak["frames"]
    # Outermost first: the program's entry, then libc's start, main, ... make_table.
    eq(fr[0]["name"], "_start", "outermost frame")
    check(names(leak).index("main") < names(leak).index("setup"), "main before setup")
    for s in r["memory"]["stacks"]:
        for f in s["frames"]:
            check("libhotpath" not in (f["module"] or ""), f"a frame of ours: {f}")
            check(f["name"] not in ("malloc", "free", "realloc", "calloc"), f"the allocator: {f}")
    # The innermost frame is the line of the malloc call, in the program's module.
    inner = fr[-1]
    eq(inner["module"], exe, "module of make_table")
    eq(os.path.basename(inner["file"] or ""), "astack_known.c", "file of make_table")
    src = open(os.path.join(os.path.dirname(__file__), "progs", "astack_known.c")).read()
    line = 1 + src[:src.index("table[i] = malloc(1000)")].count("\n")
    eq(inner["line"], line, "line of the malloc call")
    caller = fr[-2]
    line = 1 + src[:src.index("\tmake_table();")].count("\n")
    eq((caller["name"], caller["line"]), ("setup", line), "setup's call of make_table")


def test_known_report_sections():
    exe = build("astack_known.c", opt="-O2", instrument=False)
    cp = hotpath("run", "--alloc-stacks", "--limit", "2", "--", exe)
    eq(cp.returncode, 0, "exit status")
    err = cp.stderr.decode()
    for title in ("Leaked at exit, by stack", "Peak memory, by stack", "Most temporary allocations"):
        check(title in err, f"section {title!r} missing:\n{err}")
    leaked = err.split("Leaked at exit, by stack")[1].split("Peak memory")[0]
    check(re.search(r"97\.66 KiB in 100 blocks", leaked), f"leak line:\n{leaked}")
    # Outermost first: main's line comes before setup's before make_table's.
    i, j, k = (leaked.index(n + " (") for n in ("main", "setup", "make_table"))
    check(i < j < k, f"frames not outermost first:\n{leaked}")
    check("astack_known.c:" in leaked, "file:line missing")
    temp = err.split("Most temporary allocations")[1]
    check(re.search(r"10000 temporary of 10000 allocations", temp), f"temporaries:\n{temp}")
    peak = err.split("Peak memory, by stack")[1].split("Most temporary")[0]
    check(peak.index("50.00 MiB at the peak") < peak.index("big_buffer"), f"peak:\n{peak}")


def test_known_flame_graphs():
    exe = build("astack_known.c", opt="-O2", instrument=False)
    want = {"leak": {"make_table": 100000}, "peak": {"big_buffer": MIB50, "make_table": 100000},
            "alloc": {"make_table": 100000, "scratch": 640000, "big_buffer": MIB50}}
    for what, w in want.items():
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "f.txt")
            cp = hotpath("run", "--alloc-stacks", "--format", "folded", "--flame", what,
                         "--output", out, "--", exe)
            eq(cp.returncode, 0, f"--flame {what}")
            got = {}
            for ln in open(out).read().splitlines():
                stack, val = ln.rsplit(" ", 1)
                fr = stack.split(";")
                if "main" in fr:
                    got[fr[-1]] = got.get(fr[-1], 0) + int(val)
                    check(fr.index("main") < len(fr) - 1, f"main is not outer: {ln}")
            eq({k: v for k, v in got.items() if k in ("make_table", "scratch", "big_buffer")}, w,
               f"--flame {what}")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "f.svg")
            cp = hotpath("run", "--alloc-stacks", "--format", "svg", "--flame", what,
                         "--output", out, "--", exe)
            eq(cp.returncode, 0, f"--format svg --flame {what}")
            svg = open(out).read()
            check(svg.startswith("<?xml") or svg.startswith("<svg"), "not an SVG")
            for fnname in w:
                check(fnname in svg, f"{fnname} missing from the {what} SVG")


def heaptrack_print_of(exe):
    if not shutil.which("heaptrack") or not shutil.which("heaptrack_print"):
        raise Skip("heaptrack is not installed (tools/install-deps.sh)")
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "ht")
        cp = subprocess.run(["heaptrack", "-o", base, exe], capture_output=True, timeout=120)
        if cp.returncode != 0:
            raise Fail(f"heaptrack failed: {cp.stdout.decode(errors='replace')}")
        data = [os.path.join(d, f) for f in os.listdir(d) if f.startswith("ht.")]
        check(len(data) == 1, f"heaptrack data file: {os.listdir(d)}")
        cp = subprocess.run(["heaptrack_print", "-l", "1", "-T", "1", data[0]],
                            capture_output=True, timeout=120)
        return cp.stdout.decode(errors="replace")


def test_known_agrees_with_heaptrack():
    exe, r = known()
    text = heaptrack_print_of(exe)
    # heaptrack_print: "<N> temporary allocations of <M> allocations in total (...) from\n<fn>"
    temps = {m.group(3): (int(m.group(1)), int(m.group(2))) for m in re.finditer(
        r"^(\d+) temporary allocations of (\d+) allocations in total \([\d.]+%\) from\n(\S+)",
        text, re.M)}
    leaks = {m.group(3): (m.group(1), int(m.group(2))) for m in re.finditer(
        r"^(\S+) leaked over (\d+) calls from\n(\S+)", text, re.M)}
    tmp = find(r, ["main", "churn", "scratch"], "temporaries")
    eq((tmp["temporary_count"], tmp["alloc_count"]), temps.get("scratch"),
       "scratch's temporaries: hotpath vs heaptrack")
    big = find(r, ["main", "burst", "big_buffer"], "peak")
    eq((big["temporary_count"], big["alloc_count"]), temps.get("big_buffer"),
       "big_buffer's temporaries: hotpath vs heaptrack")
    leak = find(r, ["main", "setup", "make_table"], "leak")
    # heaptrack prints 100,000 bytes as "100.00K" (powers of 1000).
    eq(leaks.get("make_table"), (f"{leak['live_bytes_at_exit'] / 1000:.2f}K",
                                 leak["live_count_at_exit"]), "make_table's leak: hotpath vs heaptrack")
    total = re.search(r"^total memory leaked: (\S+)", text, re.M)
    check(total is not None, "heaptrack's total leaked")
    # Both see make_table's table and stdout's buffer (puts).
    ours = sum(s["live_bytes_at_exit"] for s in r["memory"]["stacks"])
    eq(total.group(1), f"{ours / 1000:.2f}K", "total leaked")


def test_threads_free_each_others_blocks_and_realloc_chains():
    exe = build("astack_threads.c", opt="-O2", instrument=False)
    cp, r = run_json([exe], opts=["--alloc-stacks"], want_rc=0)
    eq(cp.stdout, b"threads: ok\n", "program output")
    ta = find(r, ["worker", "t_alloc"], "t_alloc")
    eq(counts(ta), (4000, 128000, 4000, 128000, 0, 0, 0), "t_alloc over four threads")
    src = open(os.path.join(os.path.dirname(__file__), "progs", "astack_threads.c")).read()
    first = 1 + src[:src.index("char *p = realloc(NULL, 16)")].count("\n")
    chain = 1 + src[:src.index("\t\tp = realloc(p,")].count("\n")
    grow = [s for s in r["memory"]["stacks"] if names(s)[-2:] == ["main", "grow"]]
    by_line = {s["frames"][-1]["line"]: counts(s) for s in grow}
    eq(by_line.get(first), (1, 16, 1, 16, 0, 0, 1), "realloc(NULL, 16)")
    eq(by_line.get(chain), (100, 82400, 100, 82400, 0, 0, 100), "the realloc chain")


def test_fork_each_process_its_own_stacks():
    exe = build("astack_fork.c", opt="-O2", instrument=False)
    cp, r = run_json([exe], opts=["--alloc-stacks"], want_rc=0)
    eq(cp.stdout, b"fork: ok\n", "program output")
    eq(len(r["children"]), 1, "children")
    child = r["children"][0]
    pw = find(r, ["main", "parent_work"], "parent")
    eq(counts(pw), (10, 1000, 0, 0, 10, 1000, 0), "parent_work in the parent")
    cw = find(child, ["main", "child_work"], "child")
    eq(counts(cw), (20, 1000, 0, 0, 20, 1000, 0), "child_work in the child")
    check(not any(names(s)[-1] == "child_work" for s in r["memory"]["stacks"]),
          "child_work in the parent")
    check(not any(names(s)[-1] == "parent_work" for s in child["memory"]["stacks"]),
          "parent_work in the child")


def test_table_full_counts_stacks_dropped():
    exe = build("astack_many.c", opt="-O2", instrument=False)
    cp, r = run_json([exe], opts=["--alloc-stacks", "--region-size", "4", "--no-sample"],
                     want_rc=0)
    m = r["memory"]
    stacks = m["stacks"]
    full = sum(s["alloc_count"] for s in stacks if names(s)[-1] == "leaf")
    eq(sum(s["alloc_count"] for s in stacks), 4096, "every allocation under some stack")
    check(m["stacks_dropped"] > 0, "the table did not fill: make the test deeper")
    eq(m["stacks_dropped"], 4096 - full, "stacks_dropped = allocations not under a full stack")
    check(full > 0, "no full stack recorded")
    # A full stack is 12 recursive frames under main: its walk frames are all there.
    deep = [s for s in stacks if names(s)[-1] == "leaf"]
    eq(min(names(s).count("walk") for s in deep), 13, "walk frames of a full stack")
    check(any("stack table was full" in n for n in r["notes"]), f"note: {r['notes']}")
    eq(sum(s["temporary_count"] for s in stacks), 4096, "temporaries")


def test_plain_alloc_has_no_stacks():
    exe = build("astack_known.c", opt="-O2", instrument=False)
    cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
    check("stacks" not in r["memory"], "stacks without --alloc-stacks")
    eq(r["memory"]["alloc_count"] >= 10101, True, "allocations counted")


def test_pprof_heap_file_and_serve_page():
    """`--format pprof` and /debug/pprof/heap of `hotpath serve` carry Go's heap sample types;
    their totals equal the JSON report's stacks (go tool pprof -raw)."""
    import test_serve as ts
    home = tempfile.mkdtemp(prefix="hp-heap-")
    target, srv = None, None
    try:
        exe, r = known()
        pb = os.path.join(home, "heap.pb.gz")
        cp = hotpath("run", "--alloc-stacks", "--format", "pprof", "--output", pb, "--", exe)
        eq(cp.returncode, 0, f"run --format pprof: {cp.stderr.decode()}")
        types, totals = ts.pprof_raw(pb, home)
        want = ["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"]
        check(all(t in types for t in want), f"sample types {types}")
        got = [totals[types.index(t)] for t in want]
        stacks = r["memory"]["stacks"]
        eq(got, [sum(s[k] for s in stacks) for k in
                 ("alloc_count", "alloc_bytes", "live_count_at_exit", "live_bytes_at_exit")],
           "heap totals vs memory.stacks")
        # Live: the serve target paused after 100 malloc/free pairs of 64 bytes.
        target = ts.Proc(opts=["--alloc-stacks"])
        pid = target.wait_ready()
        srv = ts.Server("--pid", str(pid))
        st, _, body = ts.get(f"{srv.url}/api/report?pid={pid}")
        eq(st, 200, "api/report")
        live = json.loads(body)["memory"]["stacks"]
        types, totals = ts.pprof_raw(f"{srv.url}/debug/pprof/heap?pid={pid}", home)
        eq(types[:4], want, "heap page sample types")
        eq(totals[:4], [sum(s[k] for s in live) for k in
                        ("alloc_count", "alloc_bytes", "live_count_at_exit", "live_bytes_at_exit")],
           "/debug/pprof/heap vs /api/report")
        check(any(s["alloc_count"] == 100 and s["alloc_bytes"] == 6400 for s in live),
              f"the target's 100 x 64 bytes: {[(names(s)[-2:], s['alloc_count']) for s in live]}")
        target.finish()
    finally:
        if srv:
            srv.stop()
        if target:
            target.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_console_memory_tab_stacks_and_live_sparkline():
    """The console's Memory tab: `a` switches to the allocation stacks (top stacks by live
    bytes, innermost frame first, updated live) and the live bytes have a sparkline."""
    import test_console as tc
    exe = build("astack_live.c", opt="-O2", instrument=False)
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
    e.update({"LD_PRELOAD": tc.LIB, "HOTPATH_REGION_SIZE": "16", "HOTPATH_ALLOC_STACKS": "1"})
    p = subprocess.Popen([exe, "60"], env=e)
    t = None
    try:
        end = time.monotonic() + tc.WAIT
        while not glob.glob(f"/dev/shm/hotpath-{p.pid}-*"):
            check(time.monotonic() < end, "no region")
            time.sleep(0.05)
        t = tc.Tmux([str(p.pid)])
        t.wait_text("1 Functions")
        t.keys("2")
        t.wait_text("Heap live")
        s = t.wait(lambda x: re.search(r"Live bytes, last \d+ refreshes.*[▁▂▃▄▅▆▇█]{3,}", x),
                   "the live-bytes sparkline")
        check("a: allocation stacks" in s, f"the hint:\n{s}")
        t.keys("a")
        s = t.wait(lambda x: re.search(r"^make_table < setup < main\S*.*\s100\s+97\.66 KiB", x, re.M),
                   "make_table's stack: 100 blocks, 97.66 KiB live")
        check("Stack (innermost first)" in s, f"stacks header:\n{s}")
        first = re.search(r"^grow < main.*?\s(\d+)\s+(\S+ [KM]iB)", s, re.M)
        check(first is not None, f"grow's stack:\n{s}")
        t.wait(lambda x: (m := re.search(r"^grow < main.*?\s(\d+)\s", x, re.M)) and
               int(m.group(1)) > int(first.group(1)), "grow's live blocks rising")
        # The top row by live bytes is grow's once it passes make_table's 100,000 bytes.
        t.keys("a")
        t.wait(lambda x: "Allocs" in x and "Stack (innermost first)" not in x, "back to functions")
        t.keys("q")
    finally:
        if t:
            t.close()
        p.kill()
        p.wait()
        for f in glob.glob(f"/dev/shm/hotpath-{p.pid}-*"):
            os.unlink(f)


SQL = ("create table t(a,b);\n"
       "with recursive c(x) as (select 1 union all select x+1 from c where x<20000) "
       "insert into t select x, printf('%040d', x * 7919 % 100003) from c;\n"
       "create index ti on t(b);\nselect count(*), max(a) from t;\n")


def agrees_with_heaptrack(argv, stdin=b"", want_frame=None, cwd=None, reset=None):
    """Run argv under --alloc-stacks and under heaptrack: every allocation lands in a stack;
    the temporaries equal heaptrack's own count (its recording statistics, the same
    definition: a free of the block just allocated) and the bytes live at exit equal
    heaptrack_print's leaked + suppressed. Returns the report.

    heaptrack's child runs with the variables hotpath's child gets (same_environment): git
    copies its environment once (setenv), 8 bytes per variable, leaked at exit, and CI's
    clone made git leak little enough (684 K) for heaptrack_print to show those 96 bytes.

    A disagreement runs the pair once more and the second pair must agree exactly; a real
    difference between the tools shows in both pairs."""
    if not shutil.which("heaptrack"):
        raise Skip("heaptrack is not installed (tools/install-deps.sh)")
    try:
        return _heaptrack_pair(argv, stdin, want_frame, cwd, reset)
    except Fail as first:
        if reset:
            reset()
        try:
            return _heaptrack_pair(argv, stdin, want_frame, cwd, reset)
        except Fail as second:
            raise Fail(f"{second} (the first pair too: {first})") from None


def same_environment():
    """This environment plus every variable `hotpath run` gives its child, LD_PRELOAD under
    another name: heaptrack takes its own LD_PRELOAD out of its child's environment, so the
    program sees as many variables under either tool."""
    cp = hotpath("run", "--alloc-stacks", "--", "/usr/bin/env", "-0")
    eq(cp.returncode, 0, f"hotpath run env: {cp.stderr.decode(errors='replace')[-300:]}")
    env = dict(v.split("=", 1) for v in cp.stdout.decode().split("\0") if "=" in v)
    check("HOTPATH_SESSION" in env and "LD_PRELOAD" in env, f"the child's: {sorted(env)}")
    env["HOTPATH_TEST_LD_PRELOAD"] = env.pop("LD_PRELOAD")
    return env


def _heaptrack_pair(argv, stdin, want_frame, cwd, reset):
    """One run under hotpath and one under heaptrack, compared (agrees_with_heaptrack)."""
    with tempfile.TemporaryDirectory() as d:
        cp, r = run_json(argv, opts=["--alloc-stacks"], want_rc=0, input=stdin, cwd=cwd)
        m = r["memory"]
        st = m["stacks"]
        eq(sum(s["alloc_count"] for s in st), m["alloc_count"], "every allocation under a stack")
        eq(m["stacks_dropped"], 0, "stacks_dropped")
        if want_frame:
            check(any(want_frame in names(s) for s in st), f"{want_frame} in the stacks")
        if reset:
            reset()  # the second run starts where the first did
        base = os.path.join(d, "ht")
        hp = subprocess.run(["heaptrack", "-o", base, *argv], input=stdin, capture_output=True,
                            timeout=300, cwd=cwd, env=same_environment())
        eq(hp.returncode, 0, f"heaptrack: {hp.stderr.decode(errors='replace')[-500:]}")
        text = (hp.stdout + hp.stderr).decode(errors="replace")
        temp = re.search(r"temporary allocations:\s+(\d+)", text)
        check(temp is not None, f"heaptrack's statistics: {text[-800:]}")
        eq(sum(s["temporary_count"] for s in st), int(temp.group(1)), "temporaries vs heaptrack")
        data = [os.path.join(d, f) for f in os.listdir(d) if f.startswith("ht.")]
        out = subprocess.run(["heaptrack_print", data[0]], capture_output=True,
                             timeout=300).stdout.decode(errors="replace")

        def kb(what):
            """heaptrack_print's value in K (powers of 1000) and half its last digit."""
            m = re.search(rf"^{what}: ([\d.]+)([KMG]?)$", out, re.M)
            if not m:
                return 0.0, 0.0
            scale = {"": 1e-3, "K": 1, "M": 1e3, "G": 1e6}[m.group(2)]
            return float(m.group(1)) * scale, 0.005 * scale

        (lk, lt), (sk, sts) = kb("total memory leaked"), kb("suppressed leaks")
        ours = sum(s["live_bytes_at_exit"] for s in st) / 1000
        check(abs(lk + sk - ours) <= lt + sts + 1e-9,
              f"leaked: heaptrack {lk + sk:.2f}K (printed to ±{lt + sts:.3f}K), hotpath {ours:.3f}K")
        return cp, r


def test_sqlite3_agrees_with_heaptrack():
    """sqlite3 building a 20,000-row table and an index, no flag of ours."""
    sqlite = shutil.which("sqlite3")
    if not sqlite:
        raise Skip("sqlite3 is not installed")
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "t.db")
        cp, _ = agrees_with_heaptrack([sqlite, db], SQL.encode(), "sqlite3VdbeExec",
                                      reset=lambda: os.unlink(db))
        eq(cp.stdout, b"20000|20000\n", "sqlite3's answer")


def test_python3_agrees_with_heaptrack():
    """python3 (the interpreter running the tests) building and dumping a dict as JSON."""
    prog = "import json; d={str(i):[i]*3 for i in range(20000)}; print(len(json.dumps(d)))"
    cp, _ = agrees_with_heaptrack([sys.executable, "-c", prog], want_frame="Py_RunMain")
    eq(cp.stdout, b"595560\n", "python3's answer")


def test_git_agrees_with_heaptrack():
    """git log of this repository (Debian's git is stripped: its own frames are addresses)."""
    git = shutil.which("git")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not git or not os.path.exists(os.path.join(root, ".git")):
        raise Skip("git or the repository is not here")
    agrees_with_heaptrack([git, "-C", root, "log", "--oneline", "-20"],
                          want_frame="__libc_start_call_main")


def test_saved_report_keeps_the_stacks():
    """A saved JSON report loads back with its stacks: `hotpath report` writes the same
    memory.stacks, prints the sections and draws the flame graphs from it."""
    exe = build("astack_known.c", opt="-O2", instrument=False)
    with tempfile.TemporaryDirectory() as d:
        js = os.path.join(d, "r.json")
        cp = hotpath("run", "--alloc-stacks", "--format", "json", "--output", js, "--", exe)
        eq(cp.returncode, 0, "run")
        saved = json.load(open(js))["memory"]
        cp = hotpath("report", "--format", "json", js)
        eq(cp.returncode, 0, f"report --format json: {cp.stderr.decode()}")
        again = json.loads(cp.stdout)["memory"]
        eq(again["stacks"], saved["stacks"], "memory.stacks after a round trip")
        eq(again["stacks_dropped"], saved["stacks_dropped"], "stacks_dropped after a round trip")
        cp = hotpath("report", "--limit", "1", js)
        out = (cp.stdout + cp.stderr).decode()
        check(re.search(r"97\.66 KiB in 100 blocks", out), f"the leak section:\n{out}")
        cp = hotpath("report", "--format", "folded", "--flame", "peak", js)
        lines = cp.stdout.decode().splitlines()
        check(any(ln.endswith(";main;burst;big_buffer 52428800") for ln in lines), f"peak flame: {lines}")
        cp = hotpath("report", "--flame", "bogus", js)
        check(cp.returncode != 0 and b"expected cpu, alloc, leak, peak or auto" in cp.stderr,
              cp.stderr.decode())
