#!/usr/bin/env python3
"""run.py - hotpath's test runner: end-to-end tests (tests/test_*.py, functions test_*) and the
unit-test binaries (build/tests/unit/test_*, Check suites), two at a time, each in its own
process so a crash or a hang is one failure. A test that raises lib.Skip (its environment
cannot give what it needs) prints SKIP with the reason and counts neither as passed nor as
failed. Ends with the line `N passed, N failed`.

    tests/run.py [-k SUBSTRING] [-x SUBSTRING]... [-j JOBS] [-v]
"""
import argparse
import concurrent.futures as cf
import importlib.util
import multiprocessing as mp
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
TIMEOUT = int(os.environ.get("HOTPATH_TEST_TIMEOUT", "180"))
TIMEOUTS = {}


def collect(filt):
    cases = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        mod = fn[:-3]
        spec = importlib.util.spec_from_file_location(mod, os.path.join(HERE, fn))
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        for name in sorted(dir(m)):
            f = getattr(m, name)
            if name.startswith("test_") and callable(f):
                full = f"{mod}.{name}"
                if not filt or filt in full:
                    # serial: timing-sensitive, runs alone after the parallel phase
                    cases.append(("serial" if getattr(f, "serial", False) else "py", full))
                    # timeout: a test that builds a lot (the fuzz targets) may ask for more
                    TIMEOUTS[full] = max(TIMEOUT, int(getattr(f, "timeout", 0)))
    build = os.environ.get("HOTPATH_BUILD", os.path.join(HERE, "..", "build"))
    udir = os.path.join(build, "tests", "unit")
    if os.path.isdir(udir):
        for fn in sorted(os.listdir(udir)):
            p = os.path.join(udir, fn)
            if fn.startswith("test_") and os.access(p, os.X_OK) and "." not in fn:
                if not filt or filt in fn or filt == "unit":
                    cases.append(("unit", p))
    return cases


def _py_child(full, q):
    os.setpgrp()  # the test and everything it starts: one group, killed whole on a timeout
    try:
        mod, name = full.split(".", 1)
        spec = importlib.util.spec_from_file_location(mod, os.path.join(HERE, mod + ".py"))
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        getattr(m, name)()
        q.put(("ok", ""))
    except Exception as ex:  # noqa: BLE001 - any failure of the test is reported
        if type(ex).__name__ == "Skip":
            q.put(("skip", str(ex)))
            return
        q.put(("fail", traceback.format_exc(limit=6)))


def run_py(full):
    """Run one test function in a fresh process; returns [(name, ok, detail, secs)]."""
    t0 = time.time()
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_py_child, args=(full, q))
    p.start()
    limit = TIMEOUTS.get(full, TIMEOUT)
    p.join(limit)
    # is_alive() can say yes for a child that has ended: Process.start() in another thread
    # polls every child, and when two threads' waitpid race, the loser sees ECHILD and keeps
    # returncode None (a "timed out after 180s" in 0.2 s). Only a join that ran out is a timeout.
    if p.is_alive() and time.time() - t0 >= limit:
        try:
            os.killpg(p.pid, 9)  # with the programs it started, not only the test
        except OSError:
            p.kill()
        p.join()
        return [(full, False, f"timed out after {limit}s", time.time() - t0)]
    try:
        status, detail = q.get(timeout=5)
    except Exception:  # noqa: BLE001
        status, detail = "fail", f"test process died (exit {p.exitcode})"
    if status == "skip":
        return [(full, None, detail, time.time() - t0)]
    return [(full, status == "ok", detail, time.time() - t0)]


LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<res>[PFE]):(?P<tc>[^:]*):(?P<name>[^:]+):\d+:\s?(?P<msg>.*)$")


def run_unit(path):
    """Run a Check suite binary verbosely; one result per Check test."""
    t0 = time.time()
    env = dict(os.environ, CK_VERBOSITY="verbose", CK_FORK="yes")
    base = os.path.basename(path)
    try:
        cp = subprocess.run([path], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [(base, False, "timed out", time.time() - t0)]
    out = []
    for ln in (cp.stdout + cp.stderr).splitlines():
        m = LINE.match(ln)
        if m:
            out.append((f"{base}.{m['name']}", m["res"] == "P", m["msg"], 0.0))
    if not out:
        out.append((base, cp.returncode == 0, (cp.stdout + cp.stderr)[-2000:], 0.0))
    elif cp.returncode != 0 and all(ok for _, ok, _, _ in out):
        out.append((base, False, f"exit status {cp.returncode}", 0.0))
    return out


def run_case(case):
    kind, what = case
    return run_unit(what) if kind == "unit" else run_py(what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("-x", action="append", default=[],
                    help="skip tests whose name contains this (may be given more than once)")
    ap.add_argument("-j", type=int, default=int(os.environ.get("HOTPATH_TEST_JOBS", "2")))
    ap.add_argument("-v", action="store_true", help="print passing tests' details too")
    a = ap.parse_args()
    cases = [c for c in collect(a.k) if not any(x in c[1] for x in a.x)]
    passed = failed = skipped = 0
    t0 = time.time()
    def report(results):
        nonlocal passed, failed, skipped
        for name, ok, detail, secs in results:
            if ok is None:  # lib.Skip: the environment cannot give what the test needs
                skipped += 1
                print(f"SKIP {name} ({secs:.1f}s): {detail}", flush=True)
            elif ok:
                passed += 1
                print(f"PASS {name} ({secs:.1f}s)", flush=True)
            else:
                failed += 1
                print(f"FAIL {name} ({secs:.1f}s)", flush=True)
                for ln in detail.rstrip().splitlines():
                    print("     " + ln)

    parallel = [c for c in cases if c[0] != "serial"]
    with cf.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        for results in ex.map(run_case, parallel):
            report(results)
    for case in cases:
        if case[0] == "serial":
            report(run_case(case))
    print(f"# {len(cases)} cases in {time.time() - t0:.0f}s, {skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
