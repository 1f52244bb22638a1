"""test_scale.py - the region at scale (issue 13): compact statistics rows, many threads x many
functions with every call counted, threads that end folded into their process, and more
distinct functions per thread than the per-thread cache first holds."""
import json
import os
import tempfile

from lib import HOTPATH, TSAN, Skip, build, check, eq, run_json


def f_rows(rep):
    return {r["name"]: r for r in rep["functions"] if r["name"].startswith("f_")}


def bucket_sum(row):
    return sum(b[2] for b in row["histogram"])


def test_64_threads_x_100_functions_every_call_counted():
    exe = build("scale_threads.c")
    _, rep = run_json([exe, "64", "64", "100", "1000"], ["--limit", "0"], want_rc=0)
    rows = f_rows(rep)
    eq(len(rows), 100, "functions")
    for name, r in sorted(rows.items()):
        eq(r["calls"], 64000, f"{name} calls")
        eq(r["completed"], 64000, f"{name} completed")
        eq(bucket_sum(r), 64000, f"{name} histogram counts")
    eq(rep["dropped"], 0, "dropped")
    eq(rep["notes"], [], "notes")
    threads = rep["threads"]
    eq(len(threads), 65, "threads")
    eq(sum(t["calls"] for t in threads), 64 * 100 * 1000 + 64 + 1, "calls over the threads")


def test_10000_short_threads_in_batches_of_4_lose_no_call():
    # Each worker makes 100 calls of f_00 (and is one call of `worker`): 1,000,000 + 10,000 +
    # main. Threads that end hand their rows to the next, so a few row sets hold them all;
    # past half of the thread table (2,048 rows) ended threads fold into one row.
    exe = build("scale_threads.c")
    _, rep = run_json([exe, "10000", "4", "1", "100"], ["--limit", "0"], want_rc=0)
    rows = f_rows(rep)
    eq(sorted(rows), ["f_00"], "functions")
    eq(rows["f_00"]["calls"], 1000000, "f_00 calls")
    eq(rows["f_00"]["completed"], 1000000, "f_00 completed")
    eq(bucket_sum(rows["f_00"]), 1000000, "f_00 histogram counts")
    eq(fn_calls(rep, "worker"), 10000, "worker calls")
    eq(rep["dropped"], 0, "dropped")
    threads = rep["threads"]
    folded = [t for t in threads if t["tid"] == -1]
    eq(len(folded), 1, "one fold row")
    own = len(threads) - 1
    eq(folded[0]["name"], f"({10001 - own} ended threads)", "fold row name")
    eq(sum(t["calls"] for t in threads), 1000000 + 10000 + 1, "calls over the threads")
    eq(sorted(t["calls"] for t in threads if t["tid"] > 0), [1] + [101] * (own - 1),
       "main, then each worker that kept its row: 100 calls of f_00 and its own")


def fn_calls(rep, name):
    return next(r["calls"] for r in rep["functions"] if r["name"] == name)


def test_60000_functions_on_one_thread_all_timed():
    # More distinct functions than the thread's first caches hold (49,152 = 3/4 of 65,536):
    # the caches grow, and statistics rows and histogram chunks share the region's space.
    # Each is called once, then the first 1,000 (cached before the growth) again: one bucket
    # each but for those, so the space needed does not depend on how the machine's load
    # spreads their durations (60,000 x (448 + 256) bytes, 42 MB).
    exe = build("scale_funcs.c", instrument=False)
    # --no-sample: `dropped` also counts CPU samples a loaded machine makes land at a thread's
    # start or end; this test is about function rows
    _, rep = run_json([exe, "60000", "1", "1000"], ["--limit", "0", "--no-sample"], want_rc=0)
    rows = {int(r["address"], 16): r for r in rep["functions"] if r["name"].startswith("0x")}
    eq(len(rows), 60000, "functions")
    eq(sorted(rows)[:2], [0x10000000, 0x10000010], "addresses")
    for i in (0, 999, 1000, 49151, 49152, 59999):
        r = rows[0x10000000 + 16 * i]
        want = 2 if i < 1000 else 1
        eq((r["calls"], r["completed"]), (want, want), f"calls and completed of function {i}")
    eq(sum(r["calls"] for r in rows.values()), 61000, "calls")
    eq(sum(bucket_sum(r) for r in rows.values()), 61000, "every call in a histogram bucket")
    eq(rep["dropped"], 0, f"dropped (notes: {rep['notes']})")
    eq(rep["tree_dropped"], 0, "tree_dropped")


# Alone: once in the parallel phase of a full run (2 cores) one of the 60,000 rows was dropped
# (not reproduced alone or with three copies in parallel; issue 13's note).
test_60000_functions_on_one_thread_all_timed.serial = True


def test_100000_functions_on_one_thread_with_the_default_region():
    # Issue 13: "nothing dropped with default settings". 100,000 functions take a row and a
    # histogram chunk each (704 bytes, 70 MB) and a tree node (3 MB): within the 256 MiB default
    # ceiling, of which only what is claimed is reserved in /dev/shm. --limit 0 is the report's
    # setting, not the region's; --no-sample as above.
    exe = build("scale_funcs.c", instrument=False)
    _, rep = run_json([exe, "100000", "1", "1000"], ["--limit", "0", "--no-sample"], want_rc=0)
    rows = {int(r["address"], 16): r for r in rep["functions"] if r["name"].startswith("0x")}
    eq(len(rows), 100000, "functions")
    for i in (0, 999, 1000, 65535, 99999):
        r = rows[0x10000000 + 16 * i]
        want = 2 if i < 1000 else 1
        eq((r["calls"], r["completed"]), (want, want), f"calls and completed of function {i}")
    eq(sum(r["calls"] for r in rows.values()), 101000, "calls")
    eq(sum(bucket_sum(r) for r in rows.values()), 101000, "every call in a histogram bucket")
    eq(len(rep["call_tree"]), 100000, "a tree node per function")
    eq(rep["dropped"], 0, f"dropped (notes: {rep['notes']})")
    eq(rep["tree_dropped"], 0, "tree_dropped")
    # The launcher's time and peak RSS at 100k functions (issue 13's 1 s and 200 MB) are
    # benchmark figures (bench/bench_scale.py, docs/performance.md), not checked here: a
    # sanitizer build of the launcher takes three times the memory.


test_100000_functions_on_one_thread_with_the_default_region.serial = True


MAKEFILE = """OBJS = $(patsubst %.c,%.o,$(wildcard f*.c)) main.o
prog: $(OBJS)
\tcc -o $@ $(OBJS)
%.o: %.c
\tcc -O2 -c $< -o $@
"""


def docker_shm(script, want_ok=True):
    """`script` under a private 64 MB /dev/shm (Docker's default), default settings; returns
    its stdout. The launcher's report goes to $OUT (a JSON file)."""
    from test_faults import in_private_shm
    cp = in_private_shm("64000000", f"{script}; echo rc=$?", timeout=300)
    text = cp.stdout.decode()
    check("rc=0\n" in text or not want_ok, f"{text!r} {cp.stderr.decode()[-2000:]!r}")
    return text, cp.stderr.decode()


def test_make_j2_of_12_files_in_a_64_mb_shm_profiles_every_process():
    # Regions are sparse and reserve their pages as their tables fill: the 64 MiB default is
    # a ceiling (made smaller when /dev/shm has less free), so the 40-odd processes of a small
    # parallel build fit in Docker's 64 MB together (about 12 MB here).
    with tempfile.TemporaryDirectory() as d:
        for i in range(1, 13):
            with open(os.path.join(d, f"f{i}.c"), "w") as f:
                f.write(f"int f{i}(int x) {{ int s = 0; for (int i = 0; i < x; i++) s += i * {i}; return s; }}\n")
        with open(os.path.join(d, "main.c"), "w") as f:
            f.write("int main(void) { return 0; }\n")
        with open(os.path.join(d, "Makefile"), "w") as f:
            f.write(MAKEFILE)
        out = os.path.join(d, "r.json")
        _, err = docker_shm(f"cd {d} && {HOTPATH} run --format json -o {out} -- make -j2 >/dev/null")
        check("unprofiled" not in err and "cannot" not in err, err)
        with open(out) as f:
            rep = json.load(f)
        check(os.path.exists(os.path.join(d, "prog")), "the build finished")
    names = [c["command"][0].split("/")[-1] for c in rep["children"]]
    eq(names.count("cc1"), 13, f"a profiled cc1 per file: {names}")
    eq(names.count("as"), 13, "a profiled as per file")
    eq(rep["notes"], [], "notes")
    check(all(not c["notes"] and c["dropped"] == 0 for c in rep["children"]),
          [(c["command"][0], c["notes"]) for c in rep["children"] if c["notes"]])


def test_python_in_a_64_mb_shm():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        text, err = docker_shm(f"{HOTPATH} run --alloc --format json -o {out} -- "
                               "python3 -c 'print(sum(range(10**6)))'")
        check(text.startswith("499999500000\n"), text)
        check("unprofiled" not in err and "cannot" not in err, err)
        with open(out) as f:
            rep = json.load(f)
    procs = [rep] + rep["children"]
    # python3 itself (on a machine with pyenv, PATH's python3 is a bash shim that execs it)
    py = [p for p in procs if "-c" in p["command"] and os.path.basename(p["command"][0]).startswith("python")]
    check(py and all(p["memory"]["alloc_count"] > 1000 for p in py),
          f"python's allocations: {[(p['command'], p.get('memory'), p['notes']) for p in procs]}")
    check(all(not p["notes"] and p["dropped"] == 0 for p in procs),
          [(p["command"][0], p["notes"]) for p in procs if p["notes"]])


test_python_in_a_64_mb_shm.serial = True  # failed once in a full parallel run, see above


def test_shm_below_the_smallest_region_is_refused():
    from test_faults import in_private_shm
    exe = build("calls.c")
    cp = in_private_shm("2m", f"{HOTPATH} run {exe}")
    err = cp.stderr.decode()
    check(cp.returncode != 0, "fails")
    check(err.startswith("hotpath: cannot create regions in /dev/shm: only "), err)


def test_5000_threads_alive_at_once():
    """More threads alive at once than the thread table of a 64 MiB region holds (4,096 rows,
    the main thread's one of them; the 256 MiB default holds 4x that, so the first run asks
    for 64 MiB): the threads past it are not profiled, and the note counts
    them exactly and says what helps; a 128 MiB region holds twice the threads and loses
    nothing. Ending threads fold into the row of the first to end (the full table has no room
    for a new fold row), so the 100 threads started after them get the rows of the ended."""
    if TSAN:
        raise Skip("5,000 threads under ThreadSanitizer take minutes (make tsan)")
    exe = build("live_threads.c")
    cp, rep = run_json([exe, "5000", "100"], ["--region-size", "64"], want_rc=0)
    eq(cp.stdout, b"10100\n", "the program's count")
    lost = 5001 - 4096
    eq(fn_calls(rep, "after"), 100, "after: every thread started once the others ended")
    eq(fn_calls(rep, "f"), 2 * (5000 - lost) + 100, "f calls of the profiled threads")
    eq(fn_calls(rep, "w"), 5000 - lost, "w calls")
    eq(rep["dropped"], lost, "dropped: one thread row per thread not profiled")
    eq(rep["notes"], [f"{lost} threads were not profiled: more than 4096 threads were alive at "
                      "once (the thread table of this 64 MiB region is full; their calls, "
                      "allocations and locks are not counted); raise region_size"], "notes")
    _, rep = run_json([exe, "5000", "100"], ["--region-size", "128"], want_rc=0)
    eq(fn_calls(rep, "f"), 10100, "f calls, 128 MiB")
    eq(fn_calls(rep, "w"), 5000, "w calls, 128 MiB")
    eq(rep["dropped"], 0, "dropped, 128 MiB")
    eq(rep["notes"], [], "notes, 128 MiB")


def test_recursion_100000_deep_every_call_timed():
    """rec() 100,000 levels deep (-O0: no tail call): every call timed, none past the shadow
    stack (depth_overflow 0; 16,384 frames before timed 16,384 of the 100,001 calls)."""
    exe = build("deep_recursion.c", opt="-O0")
    cp, rep = run_json([exe, "100000"], ["--no-sample"], want_rc=0)
    eq(cp.stdout, b"5000050000\n", "the program's sum")
    r = next(f for f in rep["functions"] if f["name"] == "rec")
    eq((r["calls"], r["completed"]), (100001, 100001), "rec calls and completed")
    eq(bucket_sum(r), 100001, "every call in a histogram bucket")
    eq(rep["depth_overflow"], 0, "depth_overflow")
    eq(rep["dropped"], 0, "dropped")
    m = next(f for f in rep["functions"] if f["name"] == "main")
    check(m["total_ns"] >= r["max_ns"], f"main's time holds the outermost rec: {m} {r}")


def test_patched_recursion_100000_deep_every_call_timed():
    """The same recursion, not built for us, with rec patched at start-up (--functions): the
    return stack of patched calls is as deep as the shadow stack (8,192 before)."""
    exe = build("deep_recursion.c", opt="-O0", instrument=False)
    cp, rep = run_json([exe, "100000"], ["--no-sample", "--functions", "rec"], want_rc=0)
    eq(cp.stdout, b"5000050000\n", "the program's sum")
    r = next(f for f in rep["functions"] if f["name"] == "rec")
    eq((r["calls"], r["completed"]), (100001, 100001), "rec calls and completed")
    eq(rep["depth_overflow"], 0, "depth_overflow")
