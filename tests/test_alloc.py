"""test_alloc.py - `hotpath run --alloc`: exact allocation counts per function (cumulative and
exclusive) and per thread, recursion counted once, signal handlers, fork, dlopen, and a real
program (python3) whose output is unchanged and whose allocation count matches independent
counts (ltrace, and a counting preload library of our own)."""
import os
import re
import shutil
import subprocess
import tempfile

from lib import BUILD, OUT, PROGS, Fail, build, check, eq, fn, has_fn, hotpath, plain, run_json

# Expected per function, from the comment at the top of tests/progs/alloc_exact.cc:
# (alloc_count, alloc_bytes, free_count, free_bytes), cumulative, for all calls together.
EXACT_CUMULATIVE = {
    "leaf_malloc": (50, 5000, 50, 5000),  # once from work, once on each of 4 threads
    "do_realloc": (3, 352, 3, 352),
    "do_calloc": (1, 240, 1, 240),
    "do_aligned": (6, 792, 6, 792),
    "do_strdup": (2, 44, 2, 44),
    "do_new": (1, 100, 1, 100),
    "work": (24, 3528, 23, 2528),
    "thread_work": (40, 4000, 40, 4000),
}
EXACT_SELF = dict(EXACT_CUMULATIVE, work=(1, 1000, 0, 0), thread_work=(0, 0, 0, 0))


def counts(row):
    return (row["alloc_count"], row["alloc_bytes"], row["free_count"], row["free_bytes"])


def exact_prog(opt):
    return build("alloc_exact.cc", opt=opt)


def check_exact(opt, self_mode):
    exe = exact_prog(opt)
    opts = ["--alloc-self"] if self_mode else ["--alloc"]
    cp, r = run_json([exe], opts=opts, want_rc=0)
    eq(cp.stdout, b"alloc_exact: ok\n", "program output")
    eq(r["hotpath_profiling_mode"], "timing+alloc", "mode")
    want = EXACT_SELF if self_mode else EXACT_CUMULATIVE
    for name, w in want.items():
        eq(counts(fn(r, name)), w, f"{name} ({opt}, {'self' if self_mode else 'cumulative'})")
    # Four worker threads, each exactly leaf_malloc's figures.
    workers = [t for t in r["threads"] if t["start_routine"] == "thread_work"]
    eq(len(workers), 4, "worker threads")
    for t in workers:
        eq(counts(t), (10, 1000, 10, 1000), f"thread {t['tid']}")
    m = r["memory"]
    # Totals are the threads' sums plus what no thread row took (start-up): never less.
    for k in ("alloc_count", "alloc_bytes", "free_count", "free_bytes"):
        check(m[k] >= sum(t[k] for t in r["threads"]), f"memory.{k} below the threads' sum")
    eq(m["live_bytes_at_exit"], m["alloc_bytes"] - m["free_bytes"], "live at exit balances")
    check(m["peak_live_bytes"] >= m["live_bytes_at_exit"], "peak below live at exit")
    if not self_mode:
        # Every allocation is either outside all functions or under an outermost frame: main
        # on the main thread, thread_work on the workers.
        main, tw = fn(r, "main"), fn(r, "thread_work")
        for k in ("alloc_count", "alloc_bytes", "free_count", "free_bytes"):
            eq(m[k], m["outside"][k] + main[k] + tw[k], f"memory.{k} = outside + main + thread_work")
    # The 1000-byte block work keeps is named by the leak hint.
    leaks = {e["name"]: (e["bytes"], e["blocks"]) for e in m["live_at_exit_by_function"]}
    eq(leaks.get("work"), (1000, 1), "live at exit from work")


def test_exact_counts_cumulative_O0():
    check_exact("-O0", False)


def test_exact_counts_cumulative_O2():
    check_exact("-O2", False)


def test_exact_counts_self_O0():
    check_exact("-O0", True)


def test_exact_counts_self_O2():
    check_exact("-O2", True)


def test_alloc_self_by_env():
    exe = exact_prog("-O2")
    _, r = run_json([exe], env={"HOTPATH_ALLOC_SELF": "true"}, want_rc=0)
    eq(counts(fn(r, "work")), EXACT_SELF["work"], "work with HOTPATH_ALLOC_SELF")


def test_table_has_memory_section():
    exe = exact_prog("-O2")
    cp = hotpath("run", "--alloc", "--", exe)
    eq(cp.returncode, 0, "exit status")
    err = cp.stderr.decode()
    t = err.index("[hotpath] timing")
    a = err.index("[hotpath] alloc")
    check(t < a, "memory table after the timing table")
    check(re.search(r"\| Function +\| Calls +\| Avg bytes +\| Total bytes +\| Alloc count +\| % Total +\|", err),
          "memory table header:\n" + err)
    check(re.search(r"\| work +\| 1 +\| 3\.45 KiB +\| 3\.45 KiB +\| 24 +\|", err), "work row:\n" + err)
    check("(outside measured functions)" in err, "outside row:\n" + err)
    check(re.search(r"still live at exit, by allocating function:.*work 1000 B \(1 block\)", err),
          "leak hint:\n" + err)


def test_saved_report_keeps_memory():
    exe = exact_prog("-O2")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cp = hotpath("run", "--alloc", "--format", "json", "--output", out, "--", exe)
        eq(cp.returncode, 0, "exit status")
        again = hotpath("report", "--format", "json", out)
        eq(again.returncode, 0, "hotpath report: " + again.stderr.decode())
        import json
        a, b = json.load(open(out)), json.loads(again.stdout)
        eq(b["memory"], a["memory"], "memory object after a round trip")
        table = hotpath("report", out)
        check("(outside measured functions)" in table.stdout.decode() + table.stderr.decode(),
              "outside row in a re-rendered table")


def test_recursion_counted_once():
    for opt in ("-O0", "-O2"):
        exe = build("alloc_recurse.c", opt=opt)
        for mode in ("--alloc", "--alloc-self"):
            cp, r = run_json([exe], opts=[mode], want_rc=0)
            eq(cp.stdout, plain([exe]).stdout, "output")
            row = fn(r, "rec")
            eq(row["calls"], 100, "rec calls")
            eq(counts(row), (100, 1600, 100, 1600), f"rec {opt} {mode}")


def test_not_instrumented_program():
    exe = build("alloc_recurse.c", instrument=False, name="alloc_recurse_plain")
    cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
    eq(cp.stdout, plain([exe]).stdout, "output")
    eq(r["hotpath_profiling_mode"], "alloc", "mode")
    m = r["memory"]
    # 100 blocks of rec plus stdout's buffer at least; all of it outside any function.
    check(m["alloc_count"] >= 101, f"alloc_count {m['alloc_count']}")
    eq(m["outside"]["alloc_count"], m["alloc_count"], "everything outside")
    main_thread = r["threads"][0]
    check(main_thread["alloc_count"] >= 100, "main thread's allocations")
    cp = hotpath("run", "--alloc", "--", exe)
    check("(outside measured functions)" in cp.stderr.decode(), "table:\n" + cp.stderr.decode())


def test_signal_handler_allocates():
    exe = build("alloc_signal.c", opt="-O2")
    want = plain([exe])
    eq(want.returncode, 0, "plain run")
    cp, r = run_json([exe], opts=["--alloc"], want_rc=0, timeout=60)
    eq(cp.stdout, want.stdout, "output")
    eq(counts(fn(r, "on_alarm"))[:4], (50, 1600, 50, 1600), "on_alarm")


def test_fork_child_allocates():
    exe = build("alloc_fork.c", opt="-O2")
    want = plain([exe])
    cp, r = run_json([exe], opts=["--alloc"], want_rc=want.returncode)
    eq(cp.stdout, want.stdout, "output")
    eq(len(r["children"]), 1, "child reports")
    child = r["children"][0]
    eq(child["exit_status"], 3, "child exit status")
    eq(counts(fn(child, "child_work")), (5, 500, 5, 500), "child_work in the child")
    # The inherited 4000-byte block was counted in the parent; its free in the child is not:
    # the child's totals are child_work's alone.
    cm = child["memory"]
    eq((cm["alloc_count"], cm["alloc_bytes"], cm["free_count"], cm["free_bytes"]), (5, 500, 5, 500),
       "child's totals")
    eq(cm["live_bytes_at_exit"], 0, "child balances")
    pm = r["memory"]
    check(pm["alloc_bytes"] >= 4000 and pm["free_bytes"] >= 4000, f"parent counts its block: {pm}")


def test_dlopen():
    exe = build("alloc_dlopen.c", opt="-O2", extra=("-ldl",))
    want = plain([exe])
    cp, r = run_json([exe], opts=["--alloc"], want_rc=want.returncode)
    eq(cp.stdout, want.stdout, "output")
    check(r["memory"]["alloc_count"] > 0, "dlopen allocates")


def test_errno_and_results_unchanged():
    # alloc_exact checks errno across a successful malloc, ENOMEM from an overflowing calloc,
    # alignments and usable sizes itself; it prints "FAILED" when one is wrong.
    for opt in ("-O0", "-O2"):
        exe = exact_prog(opt)
        cp = hotpath("run", "--alloc", "--", exe)
        eq(cp.stdout, b"alloc_exact: ok\n", f"alloc_exact {opt} under --alloc")
        cp = hotpath("run", "--", exe)
        eq(cp.stdout, b"alloc_exact: ok\n", f"alloc_exact {opt} timing only")


PY = "/usr/bin/python3"
PY_CODE = ("import json, collections; d = {str(i): list(range(i % 7)) for i in range(3000)}; "
           "c = collections.Counter(len(v) for v in d.values()); "
           "print(len(json.dumps(d)), sorted(c.items()))")


def counter_lib():
    so = os.path.join(OUT, "alloc_counter.so")
    src = os.path.join(PROGS, "alloc_counter.c")
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(so) or os.path.getmtime(so) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", so + ".tmp", src, "-ldl"], check=True)
        os.replace(so + ".tmp", so)
    return so


def test_python_output_unchanged():
    env = dict(os.environ, PYTHONHASHSEED="0")
    want = plain([PY, "-c", PY_CODE], env=env)
    eq(want.returncode, 0, "python3 runs")
    cp, r = run_json([PY, "-c", PY_CODE], opts=["--alloc"], env={"PYTHONHASHSEED": "0"}, want_rc=0)
    eq(cp.stdout, want.stdout, "python3 output under --alloc")
    check(r["memory"]["alloc_count"] > 1000, "python3 allocates")


def test_python_count_matches_preload_counter():
    """Our totals against a counting library preloaded after ours, in the same process: it sees
    every call we pass on to the allocator (its own dlsym bootstrap excepted), and counts it
    its own way. They must be equal."""
    so = counter_lib()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "counts")
        # Through env(1), so that the counter is preloaded into python3 only (our exec hook
        # puts libhotpath.so first again), not into hotpath itself.
        cp, r = run_json(["env", f"LD_PRELOAD={so}", f"ALLOC_COUNTER_OUT={out}", PY, "-c", PY_CODE],
                         opts=["--alloc"], env={"PYTHONHASHSEED": "0"}, want_rc=0)
        allocs, frees = map(int, open(f"{out}.{r['pid']}").read().split())
    m = r["memory"]
    eq(m["alloc_count"], allocs, "allocations: hotpath vs the counter")
    eq(m["free_count"], frees, "frees: hotpath vs the counter")


def test_python_count_matches_ltrace():
    """ltrace traces the calls made through the executable's own PLT (@MAIN: python3.11 links
    its interpreter statically, so that is nearly all of them; ltrace's view of libc's PLT is
    unreliable: it reports IRELATIVE slots as realloc/calloc). We see those calls plus the few
    that libc and the loader make: at least ltrace's count, and at most 2% (or 20) more."""
    if not shutil.which("ltrace"):
        raise Fail("ltrace is not installed (tools/install-deps.sh installs it)")
    env = dict(os.environ, PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "trace")
        lt = subprocess.run(["ltrace", "-o", trace, "-e",
                             "malloc@MAIN+calloc@MAIN+realloc@MAIN+free@MAIN", PY, "-c", PY_CODE],
                            capture_output=True, env=env, timeout=300)
        eq(lt.returncode, 0, "ltrace runs: " + lt.stderr.decode()[-500:])
        text = open(trace).read()
    allocs = frees = 0
    for m in re.finditer(r"->(malloc|calloc|realloc|free)\((\w+)[^)]*\)\s*=\s*(\S+)", text):
        func, arg, ret = m.groups()
        if func == "free":
            frees += arg not in ("0", "nil")
        else:
            allocs += ret not in ("0", "nil")
            frees += func == "realloc" and arg not in ("0", "nil") and ret not in ("0", "nil")
    check(allocs > 1000, f"ltrace saw {allocs} allocations:\n{text[-800:]}")
    cp, r = run_json([PY, "-c", PY_CODE], opts=["--alloc"], env={"PYTHONHASHSEED": "0"}, want_rc=0)
    eq(cp.stdout, lt.stdout, "python3 output under hotpath and under ltrace")
    m = r["memory"]
    check(allocs <= m["alloc_count"] <= allocs + max(20, allocs // 50),
          f"allocations: ltrace {allocs}, hotpath {m['alloc_count']}")
    check(frees <= m["free_count"] <= frees + max(20, frees // 50),
          f"frees: ltrace {frees}, hotpath {m['free_count']}")


def test_peak_and_live_at_exit():
    exe = build("alloc_peak.c", opt="-O2")
    cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
    eq(cp.stdout, b"done\n", "output")
    m = r["memory"]
    check(1 << 20 <= m["peak_live_bytes"] <= (1 << 20) + (64 << 10), f"peak {m['peak_live_bytes']}")
    check(512 << 10 <= m["live_bytes_at_exit"] <= (512 << 10) + (64 << 10), f"live {m['live_bytes_at_exit']}")
    leaks = {e["name"]: (e["bytes"], e["blocks"]) for e in m["live_at_exit_by_function"]}
    eq(leaks.get("hold"), (512 << 10, 1), "hold's block live at exit")
    eq(m["live_at_exit_by_function"][0]["name"], "hold", "largest live allocator first")


def test_own_malloc_is_noted():
    exe = build("alloc_own.c", opt="-O2", instrument=False)
    want = plain([exe])
    cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
    eq(cp.stdout, want.stdout, "output")
    check(any("defines its own malloc" in n for n in r["notes"]), f"notes: {r['notes']}")
    eq(r["memory"]["alloc_count"], 0, "no allocation seen")


def test_freed_on_another_thread():
    for opt in ("-O0", "-O2"):
        exe = build("alloc_xthread.c", opt=opt)
        cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
        eq(cp.stdout, b"moved 1000\n", "output")
        eq(counts(fn(r, "produce")), (1000, 64000, 0, 0), "produce")
        eq(counts(fn(r, "consume")), (0, 0, 1000, 64000), "consume")
        by_routine = {t["start_routine"]: t for t in r["threads"]}
        eq(counts(by_routine["producer"]), (1000, 64000, 0, 0), "producer thread")
        eq(counts(by_routine["consumer"]), (0, 0, 1000, 64000), "consumer thread")
        names = [e["name"] for e in r["memory"]["live_at_exit_by_function"]]
        check("produce" not in names, f"produce's blocks were all freed: {names}")
        err = hotpath("run", "--alloc", "--", exe).stderr.decode()
        check(re.search(r"\| \d+ alloc_xthread\S* +\| 0 +\| 0 B +\| 1000 +\| 62\.50 KiB +\| -62\.50 KiB +\|", err),
              "consumer's live bytes are negative:\n" + err)


def test_saved_memory_object_is_checked():
    import json
    base = {"schema_version": 1, "hotpath_profiling_mode": "alloc", "functions": [], "threads": []}
    bad = [({"alloc_count": 1e30}, "memory.alloc_count: expected a non-negative integer"),
           ({"free_bytes": -1}, "memory.free_bytes: expected a non-negative integer"),
           ({"outside": 3}, "memory.outside: expected an object"),
           ({"outside": {"alloc_count": "x"}}, "memory.outside.alloc_count: expected"),
           ({"live_at_exit_by_function": [{"name": 1}]}, "memory.live_at_exit_by_function: expected"),
           ("x", "memory: expected an object")]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.json")
        for mem, want in bad:
            with open(path, "w") as f:
                json.dump(dict(base, memory=mem), f)
            cp = hotpath("report", path)
            check(cp.returncode != 0 and want in cp.stderr.decode(), f"{mem!r}: {cp.stderr!r}")
        good = {"alloc_count": 3, "alloc_bytes": 30, "free_count": 1, "free_bytes": 10,
                "peak_live_bytes": 25, "live_bytes_at_exit": 20,
                "outside": {"alloc_count": 3, "alloc_bytes": 30, "free_count": 1, "free_bytes": 10},
                "live_at_exit_by_function": [{"name": "f", "bytes": 20, "blocks": 2}]}
        with open(path, "w") as f:
            json.dump(dict(base, memory=good), f)
        cp = hotpath("report", "--format", "json", path)
        eq(cp.returncode, 0, "loads: " + cp.stderr.decode())
        eq(json.loads(cp.stdout)["memory"], good, "memory as saved")
        out = hotpath("report", path).stdout.decode()
        check("memory: 3 allocations (30 B), 1 frees (10 B), peak live 25 B, live at exit 20 B" in out, out)
        check("still live at exit, by allocating function: f 20 B (2 blocks)" in out, out)


def test_corner_cases_behave_as_glibc():
    for opt in ("-O0", "-O2"):
        exe = build("alloc_edge.c", opt=opt)
        want = plain([exe])
        eq(want.returncode, 0, "plain run")
        for mode in (["--alloc"], []):
            cp, r = run_json([exe], opts=mode, want_rc=0)
            eq(cp.stdout.decode(), want.stdout.decode(), f"output {opt} {mode}")
        m = r["memory"] if "memory" in r else None
        eq(m, None, "no memory object without --alloc")
        cp, r = run_json([exe], opts=["--alloc"], want_rc=0)
        m = r["memory"]
        # main frees everything it allocates; what stays live is stdout's buffer (and other
        # start-up blocks), never the large blocks above.
        check(m["live_bytes_at_exit"] < 64 << 10, f"live at exit {m['live_bytes_at_exit']}")
        check(m["peak_live_bytes"] >= 4 << 20, f"peak {m['peak_live_bytes']} below the 4 MiB block")


def test_limit_ranks_the_allocation_table_by_bytes():
    # --limit 3: the time table shows the 3 slowest, the allocation table the 3 biggest
    # allocators (load_big is far from the top by time), each saying "N of M shown".
    exe = build("alloc_limit.c")
    cp = hotpath("run", "--alloc", "--limit", "3", exe)
    eq(cp.returncode, 0, cp.stderr[-500:])
    text = cp.stderr.decode()
    timing, alloc = text.split("[hotpath] alloc")[0], text.split("[hotpath] alloc")[1].split("memory:")[0]
    rows = lambda part: [l.split("|")[1].strip() for l in part.splitlines() if l.startswith("| ") and "Function" not in l]
    eq(len(rows(timing)), 3, f"time table rows: {timing}")
    check("load_big" not in rows(timing), f"load_big is not among the slowest: {timing}")
    eq(rows(alloc), ["main", "load_big", "load_mid"], f"allocation table by bytes: {alloc}")
    check("(showing 3 of 9 functions by total time" in timing, timing)
    check("(showing 3 of 5 functions that allocated, by bytes" in alloc, alloc)
    # JSON keeps the rows either table shows.
    _, rep = run_json([exe], ["--alloc", "--limit", "3"])
    names = [f["name"] for f in rep["functions"]]
    check({"main", "load_big", "load_mid"} <= set(names) and len(names) <= 6, names)
    eq(rep["functions_total"], 9, "functions before the cut")
