"""test_run.py - `hotpath run` end to end on -finstrument-functions builds: exact call counts,
durations and their relations, the program's output and status untouched, every option, and
the errors for bad input."""
import json
import os
import signal
import subprocess
import tempfile
import time

from lib import (BUILD, HOTPATH, Fail, build, check, eq, fn, has_fn, hotpath, plain,
                 run_json)

CALLS_EXPECTED = {"recurse": 1000, "work_unit": 1000, "thread_main": 4, "lj_outer": 10,
                  "lj_inner": 10, "leaf_add": 20000, "main": 1}


def _check_calls(opt):
    exe = build("calls.c", opt=opt)
    cp, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    for name, calls in CALLS_EXPECTED.items():
        eq(fn(rep, name)["calls"], calls, f"{opt} {name} calls")
    # Completed calls: everything but the frames longjmp left.
    eq(fn(rep, "lj_outer")["completed"], 0, "lj_outer completed")
    eq(fn(rep, "recurse")["completed"], 1000, "recurse completed")
    eq(fn(rep, "leaf_add")["completed"], 20000, "leaf_add completed")
    # Recursion is counted once in total_ns: the total cannot exceed the wall time.
    check(fn(rep, "recurse")["total_ns"] <= rep["wall_ns"], "recurse total within wall")
    eq(rep["exit_status"], 0, "exit status")
    eq(rep["term_signal"], None, "term signal")
    eq(rep["hotpath_profiling_mode"], "timing", "mode")
    eq(rep["command"], [exe], "command")
    eq(rep["dropped"], 0, "dropped")
    # 4 worker threads + main have rows.
    tids = {t["tid"] for t in rep["threads"]}
    check(len(tids) >= 5, f"threads: {rep['threads']}")
    workers = [t for t in rep["threads"] if t["start_routine"] == "thread_main"]
    eq(len(workers), 4, "threads started with thread_main")
    eq(sum(t["calls"] for t in workers), 4 * (1 + 250 * 2), "calls on worker threads")


def test_call_counts_O0():
    _check_calls("-O0")


def test_call_counts_O2():
    _check_calls("-O2")


def test_threads_exact_counts():
    """The 4-thread counts at -O1; under `make tsan` the hooks run with ThreadSanitizer."""
    _check_calls("-O1")


def test_threads_fork_and_exec():
    test_fork_child_gets_its_own_region()
    test_exec_with_explicit_environment_stays_profiled()


def test_exit_from_deep_inside():
    exe = build("calls.c")
    cp, rep = run_json([exe, "exit"], want_rc=3)
    eq(fn(rep, "deep_exit")["calls"], 6, "deep_exit calls")
    # Frames still open at exit() are closed at exit time: main and deep_exit have times.
    eq(fn(rep, "deep_exit")["completed"], 6, "deep_exit completed at exit")
    eq(rep["exit_status"], 3, "exit status")
    eq(cp.stdout, b"exiting from deep\n", "program output")
    check(fn(rep, "main")["total_ns"] >= fn(rep, "deep_exit")["total_ns"], "main >= deep_exit")


def test_known_durations_and_nesting():
    exe = build("sleepy.c")
    cp, rep = run_json([exe], ["--percentiles", "50,95"], want_rc=0)
    nap, outer, main = fn(rep, "nap"), fn(rep, "outer"), fn(rep, "main")
    eq(nap["calls"], 20, "nap calls")
    # a 2 ms sleep: never shorter; longer by what the scheduler adds under load (the upper
    # bound only catches a wrong unit, not a slow machine)
    check(2_000_000 <= nap["avg_ns"] <= 20_000_000, f"nap avg {nap['avg_ns']} ns not in 2-20 ms")
    check(nap["min_ns"] >= 2_000_000, f"nap min {nap['min_ns']} < 2 ms")
    check(nap["p95_ns"] >= nap["p50_ns"], "p95 >= p50")
    check(nap["max_ns"] >= nap["p95_ns"] >= nap["min_ns"], "min <= p95 <= max")
    check(main["total_ns"] >= outer["total_ns"] >= nap["total_ns"], "caller totals >= callee's")
    check(outer["total_ns"] >= 20 * 2_000_000, "outer at least 40 ms")
    eq(rep["wall_ns"], main["total_ns"], "wall is main's time")
    eq(main["percent_total"], 100.0, "main is 100%")
    # Sorted by total, descending.
    totals = [f["total_ns"] for f in rep["functions"]]
    eq(totals, sorted(totals, reverse=True), "sorted by total")
    # The histogram accounts for every completed call.
    eq(sum(b[2] for b in nap["histogram"]), 20, "histogram counts")


test_known_durations_and_nesting.serial = True  # wall-clock bounds: not beside xz or a fuzzer


def test_output_and_status_untouched():
    exe = build("calls.c")
    for args, rc in (([exe], 0), ([exe, "7"], 7), ([exe, "exit"], 3)):
        ref = plain(args)
        cp = hotpath("run", "--output", os.devnull, "--", *args)
        eq(cp.stdout, ref.stdout, f"{args} stdout")
        eq(cp.returncode, ref.returncode, f"{args} exit status")
        eq(cp.returncode, rc, f"{args} expected status")


def test_stdin_passes_through():
    src_exe = build("echo_stdin.c")
    data = b"line one\nline two\n" * 1000
    ref = plain([src_exe], input=data)
    cp = hotpath("run", "-o", os.devnull, src_exe, input=data)
    eq(cp.stdout, ref.stdout, "stdout of a stdin-reading program")
    eq(cp.returncode, 0, "status")


def test_signal_death_is_reproduced():
    exe = build("selfkill.c")
    cp, rep = run_json([exe])
    eq(cp.returncode, -signal.SIGSEGV, "hotpath dies of the program's signal")
    eq(rep["state"], "killed", "state")
    eq(rep["term_signal"], signal.SIGSEGV, "term_signal")
    eq(rep["exit_status"], None, "exit_status")
    eq(fn(rep, "boom")["calls"], 1, "boom calls")
    eq(cp.stdout, b"before\n", "output before the crash")


def test_report_to_stderr_by_default():
    exe = build("sleepy.c")
    cp = hotpath("run", exe)
    eq(cp.returncode, 0, "status")
    eq(cp.stdout, b"done\n", "stdout is the program's alone")
    err = cp.stderr.decode()
    check(err.startswith("[hotpath] timing - Execution duration of functions.\n"), err[:200])
    check("| Function" in err and "| Calls" in err and "| P95" in err and "% Total" in err, err)
    check("| nap " in err, err)


def test_format_options():
    exe = build("sleepy.c")
    cp = hotpath("run", "--format", "json", exe)
    rep = json.loads(cp.stderr)
    eq(fn(rep, "nap")["calls"], 20, "json to stderr")
    check(b"\n  " not in cp.stderr.strip(), "json is compact")
    cp = hotpath("run", "-f", "json-pretty", exe)
    check(b'\n  "functions": [' in cp.stderr, "json-pretty is indented")
    json.loads(cp.stderr)
    cp = hotpath("run", exe, env={"HOTPATH_JSON": "true"})
    json.loads(cp.stderr)
    # Flags beat the environment.
    cp = hotpath("run", "--format", "table", exe, env={"HOTPATH_JSON": "true"})
    check(cp.stderr.startswith(b"[hotpath] timing"), "flag beats env")


def test_percentiles_option():
    exe = build("sleepy.c")
    _, rep = run_json([exe], ["--percentiles", "50,99.9,95"])
    eq(rep["percentiles"], [50, 95, 99.9], "sorted percentiles")
    nap = fn(rep, "nap")
    for k in ("p50_ns", "p95_ns", "p99_9_ns"):
        check(k in nap, f"{k} present")
    check("p99_ns" not in nap, "p99 absent")
    check(nap["p50_ns"] <= nap["p95_ns"] <= nap["p99_9_ns"], "percentiles ordered")
    cp = hotpath("run", "-p", "50,99", exe)
    check(b"| P50 " in cp.stderr and b"| P99 " in cp.stderr, "table columns")


def test_limit_option():
    exe = build("calls.c")
    _, rep = run_json([exe], ["--limit", "2"])
    eq(len(rep["functions"]), 2, "limited rows")
    eq(rep["functions_total"], 7, "functions before the limit")
    eq(rep["functions"][0]["name"], "main", "biggest first")
    _, rep = run_json([exe], ["--limit", "0"])
    eq(len(rep["functions"]), 7, "limit 0 lists all")
    cp = hotpath("run", "-n", "3", exe)
    check(b"(showing 3 of 7 functions" in cp.stderr, cp.stderr.decode())


def test_timeout_option():
    exe = build("forever.c")
    cp, rep = run_json([exe], ["--timeout", "300"], timeout=30)
    eq(cp.returncode, 0, "stopped by our timeout: status 0")
    check(fn(rep, "tick")["calls"] > 10, "ticks counted before the stop")
    check(any("timeout" in n for n in rep["notes"]), f"note about the timeout: {rep['notes']}")


def test_timeout_kills_a_program_ignoring_sigterm():
    exe = build("forever.c")
    # 1 s: enough for the program to have ignored SIGTERM even on a loaded machine.
    cp, rep = run_json([exe, "ignore-term"], ["--timeout", "1000"], timeout=30)
    eq(rep["state"], "killed", "state")
    eq(rep["term_signal"], signal.SIGKILL, "SIGKILL after the grace period")


def test_output_file_option():
    exe = build("sleepy.c")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.txt")
        cp = hotpath("run", "--output", out, exe)
        eq(cp.stderr, b"", "nothing on stderr")
        with open(out) as f:
            check(f.read().startswith("[hotpath] timing"), "report in the file")
        cp = hotpath("run", "--output", os.path.join(d, "no/such/dir/r"), exe)
        eq(cp.returncode, 2, "bad output path")
        check(b"cannot write the report" in cp.stderr, cp.stderr)


def test_config_file_and_precedence():
    exe = build("sleepy.c")
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "hotpath.conf")
        with open(conf, "w") as f:
            f.write("# test\nformat = json\nlimit = 1\npercentiles = 50, 99\n")
        # ./hotpath.conf is found in the working directory.
        cp = hotpath("run", exe, cwd=d)
        rep = json.loads(cp.stderr)
        eq(len(rep["functions"]), 1, "limit from config")
        eq(rep["percentiles"], [50, 99], "percentiles from config")
        # env beats config, flags beat env.
        cp = hotpath("run", exe, cwd=d, env={"HOTPATH_LIMIT": "2"})
        eq(len(json.loads(cp.stderr)["functions"]), 2, "env beats config")
        cp = hotpath("run", "--limit", "3", exe, cwd=d, env={"HOTPATH_LIMIT": "2"})
        eq(len(json.loads(cp.stderr)["functions"]), 3, "flag beats env")
        other = os.path.join(d, "other.conf")
        with open(other, "w") as f:
            f.write("format = table\n")
        cp = hotpath("run", "--config", other, exe, cwd=d)
        check(cp.stderr.startswith(b"[hotpath] timing"), "--config file used")


def test_bad_config_is_rejected_with_file_and_line():
    exe = build("sleepy.c")
    cases = [("limit 5\n", "hotpath.conf:1: expected '='"),
             ("format = json\nlimit = many\n", "hotpath.conf:2: "),
             ("percentiles = 101\n", "hotpath.conf:1: "),
             ("[oops\n", "hotpath.conf:1: expected ']'"),
             ("colour = red\n", "hotpath.conf:1: unknown setting 'colour'")]
    with tempfile.TemporaryDirectory() as d:
        for text, want in cases:
            with open(os.path.join(d, "hotpath.conf"), "w") as f:
                f.write(text)
            cp = hotpath("run", exe, cwd=d)
            eq(cp.returncode, 2, f"status for {text!r}")
            err = cp.stderr.decode()
            check(err.startswith("hotpath: " + want), f"{text!r}: {err!r}")
            eq(err.count("\n"), 1, "one line")
            eq(cp.stdout, b"", "program not run")


def test_bad_arguments():
    exe = build("sleepy.c")
    for args, want in ((["--limit", "x", exe], "hotpath: --limit: "),
                       (["--format", "xml", exe], "hotpath: --format: expected table, json, json-pretty, pprof, folded or svg"),
                       (["--percentiles", "0", exe], "hotpath: --percentiles: "),
                       (["--bogus", exe], "hotpath: unknown option '--bogus'"),
                       ([], "hotpath: run: no program given")):
        cp = hotpath("run", *args)
        eq(cp.returncode, 2, f"status {args}")
        err = cp.stderr.decode()
        check(err.startswith(want), f"{args}: {err!r}")
        eq(err.count("\n"), 1, f"one line: {err!r}")


def test_program_errors():
    with tempfile.TemporaryDirectory() as d:
        noexec = os.path.join(d, "noexec")
        with open(noexec, "w") as f:
            f.write("#!/bin/sh\n")
        static = os.path.join(d, "static")
        subprocess.run(["cc", "-static", "-O2", "-o", static, os.path.join(os.path.dirname(__file__), "progs", "sleepy.c")], check=True)
        plainexe = build("sleepy.c", instrument=False)
        cases = [(["/no/such/program"], "hotpath: /no/such/program: program not found"),
                 (["no-such-program-hp"], "hotpath: no-such-program-hp: program not found"),
                 ([noexec], f"hotpath: {noexec}: not executable"),
                 ([d], f"hotpath: {d}: is a directory"),
                 ([static], f"hotpath: {static}: statically linked: LD_PRELOAD cannot work"),
                 # With channels or locks on (the default) such a program runs: test_flow.py.
                 (["--channels=false", "--locks=false", plainexe],
                  f"hotpath: {plainexe}: built without -finstrument-functions")]
        for args, want in cases:
            cp = hotpath("run", *args)
            check(cp.returncode != 0, f"{args} fails")
            err = cp.stderr.decode()
            check(err.startswith(want), f"{args}: {err!r}")
            eq(err.count("\n"), 1, f"one line: {err!r}")


def test_region_size_is_a_ceiling():
    # 64 GiB: more than /dev/shm holds. Regions are sparse and reserve their pages as their
    # tables fill, so a larger region_size is made as large as the free space, not refused
    # (below 4 MiB free the launcher refuses: test_scale's small /dev/shm).
    exe = build("calls.c")
    cp, rep = run_json([exe], ["--region-size", "65536"], want_rc=0)
    eq(fn(rep, "leaf_add")["calls"], 20000, "counted")


def test_children_are_gathered():
    calls, sleepy = build("calls.c"), build("sleepy.c")
    cp, rep = run_json(["sh", "-c", f"{calls} | cat; {sleepy}"], ["--limit", "0"], want_rc=0)
    eq(cp.stdout, b"recurse=1000\njumps=10\ndone\n", "pipeline output")
    kids = {c["command"][0]: c for c in rep["children"] if c["state"] != "execed"}
    check(calls in kids and sleepy in kids, f"children: {[c['command'] for c in rep['children']]}")
    eq(fn(kids[calls], "leaf_add")["calls"], 20000, "child's counts")
    eq(fn(kids[sleepy], "nap")["calls"], 20, "second child's counts")
    for c in rep["children"]:
        check("children" not in c, "children are flat")


def test_fork_child_gets_its_own_region():
    exe = build("forker.c")
    cp, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    eq(fn(rep, "parent_work")["calls"], 5, "parent's calls")
    check(not has_fn(rep, "child_work"), "child's calls are not in the parent's row")
    eq(len(rep["children"]), 1, "one child")
    kid = rep["children"][0]
    eq(kid["ppid"], rep["pid"], "child of the parent")
    eq(fn(kid, "child_work")["calls"], 7, "child's own calls")
    eq(kid["exit_status"], 4, "child's status")


def test_exec_with_explicit_environment_stays_profiled():
    exe, sleepy = build("execer.c"), build("sleepy.c")
    cp, rep = run_json([exe, sleepy], ["--limit", "0"], want_rc=0)
    eq(fn(rep, "nap")["calls"], 20, "the exec'd image is the top process")
    execed = [c for c in rep["children"] if c["state"] == "execed"]
    eq(len(execed), 1, "the replaced image is a child marked execed")
    eq(fn(execed[0], "before_exec")["calls"], 1, "the first image's calls")


def test_help_and_version():
    for args in (["--help"], ["run", "--help"], ["report", "--help"]):
        cp = hotpath(*args)
        eq(cp.returncode, 0, f"{args} status")
        check(cp.stdout.startswith(b"Usage: hotpath"), cp.stdout[:100])
    cp = hotpath("run", "--help")
    for opt in (b"--percentiles", b"--format", b"--limit", b"--timeout", b"--output", b"--config",
                b"HOTPATH_JSON"):
        check(opt in cp.stdout, f"{opt} in run --help")
    cp = hotpath("--version")
    check(cp.stdout.startswith(b"hotpath "), cp.stdout)
    cp = hotpath("frobnicate")
    eq(cp.returncode, 2, "unknown command")
    check(cp.stderr.startswith(b"hotpath: unknown command 'frobnicate'"), cp.stderr)


def test_cxx_names_are_demangled():
    exe = build("cxx_names.cc")
    _, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    eq(fn(rep, "shapes::Circle::area() const")["calls"], 3, "method calls")
    eq(fn(rep, "int shapes::twice<int>(int)")["calls"], 2, "template calls")


def test_report_rerenders_saved_json():
    exe = build("sleepy.c")
    with tempfile.TemporaryDirectory() as d:
        saved = os.path.join(d, "r.json")
        cp = hotpath("run", "-f", "json", "-o", saved, "-p", "50,95", exe)
        eq(cp.returncode, 0, "run")
        with open(saved) as f:
            orig = json.load(f)
        cp = hotpath("report", "--format", "json", saved)
        eq(cp.returncode, 0, "report status")
        eq(json.loads(cp.stdout), orig, "json re-rendered identically")
        cp = hotpath("report", saved)
        check(cp.stdout.startswith(b"[hotpath] timing") and b"| P50 " in cp.stdout, "table")
        cp = hotpath("report", "-p", "99", "-f", "json", saved)
        r = json.loads(cp.stdout)
        check("p99_ns" in fn(r, "nap"), "other percentiles from the histogram")
        cp = hotpath("report", "-n", "1", "-f", "json", saved)
        eq(len(json.loads(cp.stdout)["functions"]), 1, "limit")
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            f.write('{"functions": [ {"name": 3} ]}')
        cp = hotpath("report", bad)
        eq(cp.returncode, 1, "bad report status")
        check(cp.stderr.startswith(f"hotpath: {bad}: ".encode()), cp.stderr)
        cp = hotpath("report", os.path.join(d, "missing.json"))
        check(cp.returncode != 0 and b"No such file" in cp.stderr, cp.stderr)


def test_no_regions_left_behind():
    exe = build("whoami.c")
    cp = hotpath("run", "-o", os.devnull, exe)
    eq(cp.returncode, 0, "status")
    pid = int(cp.stdout)
    left = [f for f in os.listdir("/dev/shm") if f.startswith(f"hotpath-{pid}-")]
    eq(left, [], "regions removed after the report")
    cp = hotpath("run", "-o", os.devnull, "--keep-regions", exe)
    pid = int(cp.stdout)
    left = [f for f in os.listdir("/dev/shm") if f.startswith(f"hotpath-{pid}-")]
    eq(len(left), 1, "--keep-regions keeps it")
    for f in left:
        os.unlink(os.path.join("/dev/shm", f))


def test_exported_symbols_are_only_the_hooks():
    out = subprocess.run(["nm", "-D", "--defined-only", os.path.join(BUILD, "libhotpath.so")],
                         capture_output=True, text=True, check=True).stdout
    names = {ln.split()[-1] for ln in out.splitlines() if ln.strip()}
    for n in names:
        check(not n.startswith("hp_"), f"internal symbol exported: {n}")
    check("__cyg_profile_func_enter" in names and "__cyg_profile_func_exit" in names, "hooks exported")


def test_make_install_finds_its_library():
    with tempfile.TemporaryDirectory() as d:
        cp = subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={BUILD}", "install",
                             f"PREFIX={d}/usr"], cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            capture_output=True, text=True)
        eq(cp.returncode, 0, f"make install: {cp.stderr}")
        check(os.path.exists(f"{d}/usr/lib/hotpath/libhotpath.so"), "library installed")
        exe = build("sleepy.c")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
        cp = subprocess.run([f"{d}/usr/bin/hotpath", "run", "-f", "json", exe], capture_output=True, env=env)
        eq(cp.returncode, 0, f"installed hotpath runs: {cp.stderr[-500:]}")
        eq(fn(json.loads(cp.stderr), "nap")["calls"], 20, "installed hotpath profiles")
        cp = subprocess.run([f"{d}/usr/bin/hotpath", "run", exe], capture_output=True,
                            env=dict(env, HOTPATH_LIB="/no/such/lib.so"))
        check(cp.returncode != 0 and cp.stderr.startswith(b"hotpath: HOTPATH_LIB=/no/such/lib.so: "), cp.stderr)


def test_debug_output_only_when_asked():
    exe = build("sleepy.c")
    cp = hotpath("run", "-o", os.devnull, exe)
    eq(cp.stderr, b"", "silent by default")
    cp = hotpath("run", "-o", os.devnull, exe, env={"HOTPATH_DEBUG": "1"})
    check(b"[hotpath " in cp.stderr and b"region /dev/shm/hotpath-" in cp.stderr, cp.stderr)


def test_source_lines_and_modules():
    exe = build("sleepy.c")
    _, rep = run_json([exe], ["--limit", "0"])
    nap = fn(rep, "nap")
    check(nap["file"].endswith("sleepy.c"), f"file {nap['file']}")
    eq(nap["line"], 7, "nap's line (that of its entry address: the opening brace)")
    eq(nap["module"], exe, "module of an executable's function")


def test_non_pie_executable():
    exe = build("calls.c", extra=("-no-pie",))
    _, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    eq(fn(rep, "recurse")["calls"], 1000, "non-PIE names and counts")
    check(int(fn(rep, "recurse")["address"], 16) < 0x1000000, "a non-PIE address")


def test_shared_library_functions():
    import lib as L
    os.makedirs(L.OUT, exist_ok=True)
    so = os.path.join(L.OUT, "libshapes.so")
    subprocess.run(["cc", "-O2", "-g", "-fPIC", "-shared", "-finstrument-functions", "-o", so,
                    os.path.join(L.PROGS, "libshapes.c")], check=True)
    exe = os.path.join(L.OUT, "shlib_user")
    subprocess.run(["cc", "-O2", "-g", "-finstrument-functions", "-o", exe,
                    os.path.join(L.PROGS, "shlib_user.c"), "-L" + L.OUT, "-lshapes",
                    "-Wl,-rpath," + L.OUT], check=True)
    cp, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    eq(cp.stdout, b"1589.6\n", "output")  # pi * (0^2 + ... + 11^2)
    area = fn(rep, "lib_area")
    eq(area["calls"], 12, "library function calls")
    eq(area["module"], so, "library module")
    check(area["file"].endswith("libshapes.c"), area["file"])
    eq(fn(rep, "local_sum")["calls"], 1, "static function in the executable")


def test_clean_removes_only_ended_regions():
    exe = build("whoami.c")
    cp = hotpath("run", "-o", os.devnull, "--keep-regions", exe)
    pid = int(cp.stdout)
    mine = [f for f in os.listdir("/dev/shm") if f.startswith(f"hotpath-{pid}-")]
    eq(len(mine), 1, "kept region")
    live = subprocess.Popen([build("forever.c")], env=dict(os.environ, LD_PRELOAD=os.path.join(BUILD, "libhotpath.so")))
    try:
        import time
        for _ in range(100):
            if any(f.startswith(f"hotpath-{live.pid}-") for f in os.listdir("/dev/shm")):
                break
            time.sleep(0.05)
        cp = hotpath("clean", "--dry-run", str(pid), str(live.pid))
        eq(cp.returncode, 0, "dry run")
        check(f"would remove /dev/shm/{mine[0]}".encode() in cp.stdout, cp.stdout)
        check(os.path.exists(f"/dev/shm/{mine[0]}"), "dry run removes nothing")
        cp = hotpath("clean", str(pid), str(live.pid))
        check(f"removed /dev/shm/{mine[0]}".encode() in cp.stdout, cp.stdout)
        check(not os.path.exists(f"/dev/shm/{mine[0]}"), "ended region removed")
        check(any(f.startswith(f"hotpath-{live.pid}-") for f in os.listdir("/dev/shm")), "live region kept")
        check(b"1 removed, 1 kept" in cp.stdout, cp.stdout)
        cp = hotpath("clean", "bogus")
        eq(cp.returncode, 2, "bad argument")
    finally:
        live.kill()
        live.wait()
        hotpath("clean", str(live.pid))
    check(not any(f.startswith(f"hotpath-{live.pid}-") for f in os.listdir("/dev/shm")), "cleaned after kill")


def test_table_shows_exec_only_images_on_one_line():
    calls = build("calls.c")
    cp = hotpath("run", "-n", "4", "sh", "-c", f"{calls} | cat")  # 4: every child block
    eq(cp.returncode, 0, "status")
    err = cp.stderr.decode()
    lines = err.splitlines()
    short = [ln for ln in lines if "nothing measured; replaced its image with exec after" in ln]
    eq(len(short), 2, f"one line for each sh image that exec'd a pipeline member:\n{err}")
    check(any(ln.startswith("[hotpath] process") and f"({calls})" in ln for ln in lines),
          f"the exec'd program has its own block:\n{err}")


def test_example_config_is_valid_and_complete():
    """hotpath.conf.example parses as a real config, and names every setting of the table."""
    import lib as L
    import re
    example = os.path.join(L.ROOT, "hotpath.conf.example")
    exe = build("sleepy.c")
    with tempfile.TemporaryDirectory() as d:
        with open(example) as src, open(os.path.join(d, "hotpath.conf"), "w") as dst:
            dst.write(src.read())
        cp = hotpath("run", "-o", os.devnull, exe, cwd=d)
        eq(cp.returncode, 0, f"the example as ./hotpath.conf: {cp.stderr.decode(errors='replace')}")
    with open(os.path.join(L.ROOT, "tools", "settings.c")) as f:
        keys = set(re.findall(r'^\s*\{"([a-z_]+)", "HOTPATH_[A-Z_]+"', f.read(), re.M))
    check(len(keys) >= 10, f"settings found in tools/settings.c: {keys}")
    with open(example) as f:
        text = f.read()
    missing = sorted(k for k in keys if not re.search(rf"^#?\s*{k}\s*=", text, re.M))
    eq(missing, [], "settings without an example in hotpath.conf.example")


# ---- budgets and descendants (issue 18) ----

def test_budgets_pass_and_fail():
    exe = build("gate.c")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "hotpath.conf"), "w") as f:
            f.write("limit = 1\n[budget]\nparse_row.alloc_count <= 30\nstep.calls <= 1000\n"
                    "main.total_ns <= 100000000000\n")
        # Within: the program's own status, one line saying so (parse_row is past --limit 1).
        cp = hotpath("run", "--alloc", "--check-budgets", "--", exe, "1000", "10", cwd=d)
        eq(cp.returncode, 0, f"within budgets: {cp.stderr[-600:]}")
        check(b"budgets - all 3 within their limits" in cp.stderr, cp.stderr[-600:])
        check(b"(showing 1 of " in cp.stderr, "the report itself is still cut at --limit 1")
        # Over: exit 3 and a table of what went over, with the values.
        cp = hotpath("run", "--alloc", "--check-budgets", "--", exe, "1001", "11", cwd=d)
        eq(cp.returncode, 3, f"over budget: {cp.stderr[-600:]}")
        text = cp.stderr.decode()
        check("budgets - over their limit" in text, text[-600:])
        check(any(l.startswith("parse_row.alloc_count") and " 33 " in l for l in text.splitlines()), text[-600:])
        check(any(l.startswith("step.calls") and " 1001 " in l for l in text.splitlines()), text[-600:])
        check(not any(l.startswith("main.total_ns") for l in text.splitlines()), "main within")
        # Without --check-budgets the lines are read but not checked.
        cp = hotpath("run", "--alloc", "--", exe, "1001", "11", cwd=d)
        eq(cp.returncode, 0, "not checked")
        # A budget on a function that is not in the report is over (a typo must not pass).
        with open(os.path.join(d, "hotpath.conf"), "w") as f:
            f.write("[budget]\nparse_rwo.calls <= 5\n")
        cp = hotpath("run", "--check-budgets", "--", exe, cwd=d)
        eq(cp.returncode, 3, "unknown function")
        check(b"no such function" in cp.stderr, cp.stderr[-400:])
        with open(os.path.join(d, "hotpath.conf"), "w") as f:
            f.write("[budget]\nparse_row calls <= 5\n")
        cp = hotpath("run", "--", exe, cwd=d)
        eq(cp.returncode, 2, "bad budget line")
        check(b"hotpath.conf:2: expected FUNCTION.FIELD" in cp.stderr, cp.stderr)


def test_descendants_that_end_late_are_complete():
    # uftrace's s-malloc-fork: the child mallocs and frees 20 ms after its parent exits.
    exe = build("fork_late.c")
    cp, rep = run_json([exe, "20000"], opts=("--alloc",), want_rc=0)
    kid = [c for c in rep["children"]][0]
    eq(kid["state"], "exited", f"the child finished within the grace period: {kid['notes']}")
    w = fn(kid, "work")
    eq((w["calls"], w["alloc_count"], w["free_count"]), (1, 1, 1), "the child's malloc and free")
    # --wait-children 0: the old snapshot (or no row at all when the child had not made its
    # region yet).
    cp, rep = run_json([exe, "200000"], opts=("--alloc", "--wait-children", "0"), want_rc=0)
    eq([c["state"] for c in rep["children"] if c["state"] != "running"], [], "a snapshot without waiting")
    # A daemon that outlives the grace period stays a snapshot and does not hang the run.
    t0 = time.monotonic()
    cp, rep = run_json([exe, "0", "daemon"], opts=("--wait-children", "300"), want_rc=0)
    check(time.monotonic() - t0 < 4, "the run did not wait for the daemon")
    eq([c["state"] for c in rep["children"]], ["running"], "the daemon is a snapshot")
