"""test_history.py - `hotpath run --save`, `history`, `report RUN` and `compare` end to end:
a function made 2x slower is flagged and no other, --fail-on-regression gates on exactly that,
a stored run re-renders as the original report, concurrent saves both land, and bad database
files give one clear line. The program is tests/progs/slowfn.c (FACTOR 2 doubles slow_fn)."""
import json
import os
import sqlite3
import subprocess
import tempfile
import time

from lib import HOTPATH, OUT, Fail, build, check, eq, hotpath

EXPECTED_FUNCS = {"main", "fast_a", "fast_b", "slow_fn"}
GATE = ("--metric", "p10", "--threshold", "40")


def _run(db, *args, label=None, opts=(), cwd=None, want_rc=0):
    exe = build("slowfn.c")
    cmd = ["run", "--save", "--db", db, "--output", os.devnull, *opts]
    if label:
        cmd += ["--label", label]
    cp = hotpath(*cmd, "--", exe, *args, cwd=cwd)
    if want_rc is not None and cp.returncode != want_rc:
        raise Fail(f"hotpath run exit {cp.returncode}, want {want_rc}:\n{cp.stderr.decode(errors='replace')}")
    return cp


def _ok(cp, what):
    if cp.returncode != 0:
        raise Fail(f"{what}: exit {cp.returncode}\n{cp.stderr.decode(errors='replace')}")
    return cp.stdout.decode()


def _err_line(cp):
    lines = [l for l in cp.stderr.decode(errors="replace").splitlines() if l.startswith("hotpath:")]
    check(lines, f"no hotpath: line on stderr: {cp.stderr!r}")
    return lines[-1]


def _compare_json(db, base, head, *opts):
    cp = hotpath("compare", "--db", db, "--format", "json", *opts, base, head)
    if cp.returncode not in (0, 3):
        raise Fail(f"compare exit {cp.returncode}: {cp.stderr.decode(errors='replace')}")
    return cp, json.loads(cp.stdout)


def _status(rep):
    return {f["name"]: f["status"] for f in rep["functions"]}


UNITS = "300000"  # spin iterations per work unit: about 0.35 ms
RUNS = 5


def _interleaved(db, sides, runs=RUNS, cwd=None):
    """Save `runs` rounds of {label: factor}, one run of each side per round, so that a change
    of the machine's load (other jobs, the sibling hyperthread) hits every side alike."""
    for _ in range(runs):
        for label, factor in sides:
            _run(db, factor, UNITS, label=label, cwd=cwd)


def test_history_slower_function_flagged_and_gated():
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "h.db")
        _interleaved(db, [("base", "1"), ("head", "2"), ("again", "1")])
        # Gate on the 10th percentile of the calls (the calls that were not preempted) over
        # medians of 5 interleaved runs: the verdicts hold on a loaded machine, where avg and
        # total move with the load. The 2x change is +100%, the threshold 40%.
        cp, rep = _compare_json(db, "base", "head", *GATE)
        st = _status(rep)
        eq(set(st), EXPECTED_FUNCS, "functions compared")
        eq(st["slow_fn"], "slower", f"slow_fn status: {rep}")
        for name in ("main", "fast_a", "fast_b"):
            check(st[name] in ("unchanged", "within_spread"), f"{name} flagged: {rep}")
        slow = next(f for f in rep["functions"] if f["name"] == "slow_fn")
        eq(slow["base"]["runs"], RUNS, "base runs with slow_fn")
        eq(slow["head"]["runs"], RUNS, "head runs with slow_fn")
        eq(slow["head"]["calls"], 10, "slow_fn calls")
        eq(slow["change_pct"]["calls"], 0, "slow_fn calls change")
        # 2x the work per call: +100% give or take the machine's noise.
        check(50 < slow["change_pct"]["p10_ns"] < 200, f"slow_fn p10 change {slow['change_pct']}")
        eq(rep["slower"], 1, "functions slower")
        eq(rep["base"]["runs"], ["#13", "#10", "#7", "#4", "#1"], "base runs")

        # The gate: exit 3 naming slow_fn, only when something regressed.
        cp = hotpath("compare", "--db", db, "-m", "p10", "--fail-on-regression", "50", "base", "head")
        eq(cp.returncode, 3, f"exit on regression ({cp.stderr!r})")
        err = _err_line(cp)
        check("slow_fn" in err and "main" not in err and "fast_" not in err, f"regression line: {err}")
        cp = hotpath("compare", "--db", db, "-m", "p10", "--fail-on-regression", "50", "base", "again")
        eq(cp.returncode, 0, f"no regression between equal runs: {cp.stdout.decode()}{cp.stderr.decode()}")
        # Improvements do not fail the gate.
        cp = hotpath("compare", "--db", db, "-m", "p10", "--fail-on-regression", "50", "head", "base")
        eq(cp.returncode, 0, f"exit when head is faster: {cp.stderr!r}")
        cp, rep = _compare_json(db, "head", "base", "-m", "p10", "-t", "30")  # -50%
        eq(_status(rep)["slow_fn"], "faster", f"slow_fn status, reversed: {rep}")

        # Runs by id lists, and single runs by id and last~N (resolution only: one run per
        # side has no spread to judge noise by).
        cp, rep = _compare_json(db, "1,4,7,10,13", "2,5,8,11,14", *GATE)
        eq(_status(rep)["slow_fn"], "slower", "slow_fn, id lists")
        cp, rep = _compare_json(db, "last~1", "last", *GATE)
        eq((rep["base"]["runs"], rep["head"]["runs"]), (["#14"], ["#15"]), "last~1, last")
        eq(set(_status(rep)), EXPECTED_FUNCS, "functions of single runs")

        # Table and Markdown carry the same verdict.
        table = _ok(hotpath("compare", "--db", db, *GATE, "base", "head"), "compare table")
        line = next(l for l in table.splitlines() if l.startswith("slow_fn"))
        check(line.rstrip().endswith("slower") and "▲" in line, f"table row: {line}")
        for l in table.splitlines():
            if l.startswith(("fast_a", "fast_b")):
                check("slower" not in l, f"table row: {l}")
        md = _ok(hotpath("compare", "--db", db, *GATE, "-f", "markdown", "base", "head"), "compare md")
        check(md.startswith("<!-- hotpath-compare -->\n"), f"markdown marker: {md[:80]!r}")
        check("**1 function slower**" in md, f"markdown summary: {md}")
        rows = [l for l in md.splitlines() if l.startswith("| `")]
        eq(len(rows), 4, f"markdown rows: {md}")
        check(rows[0].startswith("| `slow_fn` |") and rows[0].endswith("🔴 slower |"), f"first row: {rows[0]}")

        # history lists all 15, newest first; --label filters.
        runs = json.loads(_ok(hotpath("history", "--db", db, "--format", "json"), "history"))["runs"]
        eq([r["id"] for r in runs], list(range(15, 0, -1)), "history ids")
        eq([r["label"] for r in runs[:4]], ["again", "head", "base", "again"], "history labels")
        eq(runs[0]["functions_total"], 4, "functions of a run")
        eq(runs[0]["exit_status"], 0, "exit status")
        runs = json.loads(_ok(hotpath("history", "--db", db, "-f", "json", "--label", "head"), "history"))["runs"]
        eq([r["id"] for r in runs], [14, 11, 8, 5, 2], "history --label head")
        text = _ok(hotpath("history", "--db", db, "-n", "2"), "history table")
        eq(len(text.splitlines()), 3, f"history -n 2: {text}")
        # --runs N: the newest N of a label.
        cp, rep = _compare_json(db, "--runs", "2", "base", "head")
        eq(rep["base"]["runs"], ["#13", "#10"], "--runs 2")


def test_history_compare_json_files_and_git_revisions():
    exe = build("slowfn.c")
    with tempfile.TemporaryDirectory() as d:
        # JSON reports as sides, no database.
        files = {"1": [], "2": []}
        for i in range(RUNS):
            for factor in ("1", "2"):
                f = os.path.join(d, f"r{factor}-{i}.json")
                _ok(hotpath("run", "--format", "json", "--output", f, "--", exe, factor, UNITS), "run")
                files[factor].append(f)
        cp = hotpath("compare", "-f", "json", *GATE, ",".join(files["1"]), ",".join(files["2"]), cwd=d)
        rep = json.loads(_ok(cp, "compare file lists"))
        st = _status(rep)
        eq(st["slow_fn"], "slower", f"slow_fn, JSON files: {rep}")
        check(all(st[n] != "slower" for n in ("fast_a", "fast_b")), f"statuses {st}")
        eq(rep["head"]["runs"], files["2"], "head files")
        cp = hotpath("compare", "-f", "json", files["1"][0], files["2"][0], cwd=d)
        rep = json.loads(_ok(cp, "compare two files"))
        eq(set(_status(rep)), EXPECTED_FUNCS, "functions of two files")
        eq(rep["base"]["runs"], [files["1"][0]], "base file")

        # Git revisions: runs saved in a work tree carry its commit.
        repo = os.path.join(d, "repo")
        os.mkdir(repo)
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]

        def sh(*a):
            return subprocess.run([*git, *a], cwd=repo, check=True, capture_output=True,
                                  text=True).stdout.strip()
        sh("init", "-q", "-b", "main")
        sh("commit", "-q", "--allow-empty", "-m", "base")
        sh("commit", "-q", "--allow-empty", "-m", "head")
        base, head = sh("rev-parse", "HEAD~1"), sh("rev-parse", "HEAD")
        for i in range(RUNS):
            sh("checkout", "-q", base)
            _run("h.db", "1", UNITS, cwd=repo)
            sh("checkout", "-q", "main")
            _run("h.db", "2", UNITS, cwd=repo)
        runs = json.loads(_ok(hotpath("history", "-f", "json", cwd=repo, env={"HOTPATH_DB": "h.db"}), "history"))["runs"]
        eq(runs[0]["git_commit"], head, "commit saved")
        eq(runs[0]["git_branch"], "main", "branch saved")
        eq(runs[0]["git_dirty"], False, "dirty")
        eq(runs[1]["git_commit"], base, "base commit")
        eq(runs[1]["git_branch"], None, "detached")
        cp = hotpath("compare", "--db", "h.db", "-f", "json", *GATE, "HEAD~1", "main", cwd=repo)
        rep = json.loads(_ok(cp, "compare git revisions"))
        eq(rep["base"]["runs"], [f"#{i}" for i in range(2 * RUNS - 1, 0, -2)], "HEAD~1 runs")
        eq(rep["head"]["runs"], [f"#{i}" for i in range(2 * RUNS, 0, -2)], "main runs")
        eq(_status(rep)["slow_fn"], "slower", f"slow_fn, git revisions: {rep}")
        cp = hotpath("compare", "--db", "h.db", "nosuchthing", "main", cwd=repo)
        eq(cp.returncode, 1, "unknown run")
        check("no run id, label or git revision 'nosuchthing'" in _err_line(cp), _err_line(cp))


def test_history_rerender_equals_original():
    exe = build("slowfn.c")
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "h.db")
        for fmt, opts in (("json", ["-p", "50,99.9", "--limit", "3"]), ("json-pretty", ["--alloc"]),
                          ("table", ["-p", "90"])):
            out = os.path.join(d, "orig." + fmt)
            cp = hotpath("run", "--save", "--db", db, "--label", "r-" + fmt, "--format", fmt,
                         "--output", out, *opts, "--", exe, "1", "300000")
            _ok(cp, "run --save")
            check("saved as run #" in cp.stderr.decode(), f"saved message: {cp.stderr!r}")
            with open(out) as f:
                orig = f.read()
            limit = opts[opts.index("--limit") + 1] if "--limit" in opts else "15"
            again = _ok(hotpath("report", "--db", db, "--format", fmt, "-n", limit, "r-" + fmt), "report RUN")
            if fmt.startswith("json"):
                eq(json.loads(again), json.loads(orig), f"{fmt} re-rendered")
            eq(again, orig, f"{fmt} re-rendered text")
        # Threads, and a section switched off, come back as they were shown.
        calls = build("calls.c")
        for opts in ([], ["--threads=false"], ["--alloc", "--locks=false"]):
            out = os.path.join(d, "calls.txt")
            _ok(hotpath("run", "--save", "--db", db, "--label", "calls", "--output", out, *opts,
                        "--", calls), "run calls")
            with open(out) as f:
                orig = f.read()
            eq(_ok(hotpath("report", "--db", db, "calls"), "report calls"), orig, f"table {opts}")
        # The saved run has every function (the report showed 3), any percentile.
        rep = json.loads(_ok(hotpath("report", "--db", db, "-f", "json", "-p", "75", "1"), "report 1"))
        eq({f["name"] for f in rep["functions"]}, EXPECTED_FUNCS, "all functions stored")
        eq(rep["percentiles"], [75], "percentiles")
        check(all(f["p75_ns"] is not None and f["histogram"] for f in rep["functions"]), "p75 from histograms")
        rep = json.loads(_ok(hotpath("report", "--db", db, "-f", "json", "r-table"), "report r-table"))
        eq(rep["percentiles"], [90], "the run's own percentiles")
        # HOTPATH_DB names the database for report too.
        _ok(hotpath("report", "r-json", env={"HOTPATH_DB": db}), "report with HOTPATH_DB")
        cp = hotpath("report", "--db", db, "r-nothing")
        eq(cp.returncode, 1, "report of an unknown run")

        # The database itself: versioned, WAL, app id, histograms that sum to the calls, the
        # other sections queryable as JSON (run 2 ran with --alloc).
        con = sqlite3.connect(db)
        with open(os.path.join(d, "orig.json-pretty")) as f:
            mem = json.load(f)["memory"]
        got = con.execute("SELECT json_extract(sections, '$.memory.peak_live_bytes') FROM runs WHERE id = 2")
        eq(got.fetchone()[0], mem["peak_live_bytes"], "memory section in SQL")
        eq(con.execute("PRAGMA journal_mode").fetchone()[0], "wal", "journal mode")
        eq(con.execute("PRAGMA application_id").fetchone()[0], 0x68707468, "application_id")
        eq([r[0] for r in con.execute("SELECT version FROM schema_migrations")], [1, 2, 3], "migrations")
        got = con.execute("SELECT f.calls, (SELECT sum(count) FROM histogram_buckets b WHERE b.function_id = f.id) "
                          "FROM functions f JOIN processes p ON f.process_id = p.id "
                          "WHERE p.run_id = 1 AND f.name = 'slow_fn'").fetchone()
        eq(got, (10, 10), "slow_fn calls and histogram counts")
        # Foreign keys cascade: deleting a run removes all of it.
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("DELETE FROM runs WHERE id = 1")
        con.commit()
        eq(con.execute("SELECT count(*) FROM processes WHERE run_id = 1").fetchone()[0], 0, "cascade")
        con.close()


def test_history_concurrent_saves_land():
    exe = build("slowfn.c")
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "sub", "h.db")  # the directory is created
        # Four at once on a new file: all race to create the schema and to save.
        procs = [subprocess.Popen([HOTPATH, "run", "--save", "--db", db, "--label", f"c{i}",
                                   "--output", os.devnull, "--", exe, "1", "100000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(4)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            eq(p.returncode, 0, f"concurrent save: {err.decode(errors='replace')}")
        # Held lock: the savers wait (busy timeout) and land after it is released.
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        procs = [subprocess.Popen([HOTPATH, "run", "--save", "--db", db, "--label", f"w{i}",
                                   "--output", os.devnull, "--", exe, "1", "100000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(2)]
        time.sleep(1.0)  # not a timing assert: gives the savers time to meet the lock
        con.execute("COMMIT")
        for p in procs:
            _, err = p.communicate(timeout=120)
            eq(p.returncode, 0, f"save after a held lock: {err.decode(errors='replace')}")
        # A lock held longer than db_timeout: a clear error, the report still printed.
        con.execute("BEGIN IMMEDIATE")
        cp = hotpath("run", "--save", "--db", db, "--db-timeout", "200", "--", exe, "1", "100000")
        con.execute("ROLLBACK")
        con.close()
        eq(cp.returncode, 1, "exit when the database stays locked")
        check("| slow_fn" in cp.stderr.decode(), "report printed despite the failed save")
        check("locked by another process" in _err_line(cp) and db in _err_line(cp), _err_line(cp))
        runs = json.loads(_ok(hotpath("history", "--db", db, "-f", "json"), "history"))["runs"]
        eq(sorted(r["label"] for r in runs), ["c0", "c1", "c2", "c3", "w0", "w1"], "saved runs")
        eq(len({r["id"] for r in runs}), 6, "distinct ids")
        for r in runs:
            rep = json.loads(_ok(hotpath("report", "--db", db, "-f", "json", str(r["id"])), "report"))
            eq(next(f for f in rep["functions"] if f["name"] == "slow_fn")["calls"], 10, "stored calls")


def test_history_bad_database_files():
    exe = build("slowfn.c")
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "missing.db")
        cp = hotpath("history", "--db", missing)
        eq(cp.returncode, 1, "history of a missing file")
        check("no history database" in _err_line(cp), _err_line(cp))
        check(not os.path.exists(missing), "reading created the file")

        text = os.path.join(d, "notes.txt")
        with open(text, "w") as f:
            f.write("these are not the runs you are looking for\n" * 200)
        for args in (("history", "--db", text), ("report", "--db", text, "last"),
                     ("compare", "--db", text, "1", "2")):
            cp = hotpath(*args)
            eq(cp.returncode, 1, f"{args[0]} on a text file")
            check("not a SQLite database" in _err_line(cp) and text in _err_line(cp), _err_line(cp))
        eq(_err_line(hotpath("history", "--db", text)),
           f"hotpath: {text}: not a SQLite database, so not a hotpath history (use another --db)", "message")
        cp = hotpath("run", "--save", "--db", text, "--", exe, "1", "100000")
        eq(cp.returncode, 1, "run --save into a text file")
        check("cannot save the run" in _err_line(cp) and "not a SQLite database" in _err_line(cp), _err_line(cp))
        with open(text) as f:
            check(f.read().startswith("these are not"), "the text file is untouched")

        other = os.path.join(d, "other.db")
        con = sqlite3.connect(other)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        cp = hotpath("history", "--db", other)
        check("a SQLite database, but not a hotpath history" in _err_line(cp), _err_line(cp))

        # Corrupted: a good history with garbage over its pages after the first.
        bad = os.path.join(d, "bad.db")
        for i in range(3):
            _run(bad, "1", "100000", label=f"x{i}")
        con = sqlite3.connect(bad)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = os.path.getsize(bad)
        check(size > 8192, f"database size {size}")
        with open(bad, "r+b") as f:
            f.seek(4096)
            f.write(bytes((i * 7 + 13) & 0xFF for i in range(size - 4096)))
        for args in (("history", "--db", bad), ("report", "--db", bad, "last"),
                     ("compare", "--db", bad, "x0", "x1")):
            cp = hotpath(*args)
            eq(cp.returncode, 1, f"{args[0]} on a corrupted file: {cp.stdout!r}")
            line = _err_line(cp)
            check("corrupted" in line and bad in line, f"{args[0]}: {line}")

        # A newer schema is refused.
        good = os.path.join(d, "good.db")
        _run(good, "1", "100000")
        con = sqlite3.connect(good)
        con.execute("INSERT INTO schema_migrations VALUES (99, 'future', 0, 'x')")
        con.commit()
        con.close()
        cp = hotpath("history", "--db", good)
        check("schema version 99 was written by a newer hotpath" in _err_line(cp), _err_line(cp))


def test_history_killed_saves_leave_whole_runs():
    # A program with 600 functions makes each save a few thousand rows; hotpath is killed at
    # different moments of its life (running, gathering, saving). Whatever the moment, every
    # run in the database is whole: the transaction commits all of it or none.
    os.makedirs(OUT, exist_ok=True)
    src = os.path.join(OUT, "many-fns2.c")
    exe = src[:-2]
    if not os.path.exists(exe):
        with open(src, "w") as f:
            f.write("#include <stdio.h>\nvolatile long s;\n")
            for i in range(600):
                f.write(f"__attribute__((noinline)) void f{i}(int k) {{ for (int j = 0; j < k; j++) s += j; }}\n")
            f.write("int main(void) {\n for (int r = 0; r < 10; r++) {\n")
            for i in range(600):
                f.write(f"  f{i}(r);\n")
            f.write(" }\n puts(\"done\");\n fflush(stdout);\n return 0;\n}\n")
        subprocess.run(["cc", "-O0", "-finstrument-functions", "-o", exe + ".tmp", src], check=True)
        os.replace(exe + ".tmp", exe)
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "h.db")
        _ok(hotpath("run", "--save", "--db", db, "--output", os.devnull, "--", exe), "first save")
        for i in range(16):
            p = subprocess.Popen([HOTPATH, "run", "--save", "--db", db, "--output", os.devnull, "--", exe],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            eq(p.stdout.readline(), b"done\n", "program output")
            # The program is ending: hotpath is about to gather and save. Where the kill lands
            # varies from run to run; no assertion depends on it.
            time.sleep(0.04 + 0.005 * i)
            p.kill()
            p.wait()
            p.stdout.close()
        con = sqlite3.connect(db)
        eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity")
        rows = con.execute("SELECT p.run_id, p.functions_total, count(f.id) FROM processes p "
                           "LEFT JOIN functions f ON f.process_id = p.id GROUP BY p.id").fetchall()
        check(rows, "no run saved")
        for run_id, total, n in rows:
            eq((run_id, n), (run_id, total), "functions of a saved run")
            eq(total, 601, "functions of the program")
        eq(con.execute("SELECT count(*) FROM runs r WHERE NOT EXISTS "
                       "(SELECT 1 FROM processes p WHERE p.run_id = r.id)").fetchone()[0], 0,
           "runs without processes")
        con.close()
        _ok(hotpath("history", "--db", db), "history after kills")
    # The killed launchers could not remove their programs' regions: hotpath clean does.
    ours = []
    for f in os.listdir("/dev/shm"):
        if f.startswith("hotpath-"):
            try:
                with open(os.path.join("/dev/shm", f), "rb") as r:
                    if exe.encode() + b"\0" in r.read(8192):
                        ours.append(f)
            except OSError:
                pass
    # By file: another process's old region may carry one of these pids (pids wrap).
    out = _ok(hotpath("clean", *sorted({f.split("-")[1] for f in ours})),
              "clean up after the killed runs")
    check(not ours or "removed /dev/shm/hotpath-" in out, out)
    for f in ours:
        check(not os.path.exists(os.path.join("/dev/shm", f)), f"{f} left after clean")


# ---- exact gates (issue 18): counts do not move between identical runs ----

def gate_reports(d, *runs):
    exe = build("gate.c")
    paths = []
    for k, args in enumerate(runs):
        path = os.path.join(d, f"r{k}.json")
        cp = hotpath("run", "--alloc", "--format", "json", "--output", path, "--", exe, *args)
        eq(cp.returncode, 0, f"run {args}: {cp.stderr[-300:]}")
        paths.append(path)
    return paths


def test_compare_on_exact_counts():
    with tempfile.TemporaryDirectory() as d:
        base, same, more, allocs = gate_reports(d, ("1000", "10"), ("1000", "10"), ("1200", "10"),
                                                ("1000", "12"))
        # Two runs that differ only in a loop count: calls say so, exactly, and gate.
        cp = hotpath("compare", "-f", "json", "--metric", "calls", "--fail-on-regression", "5", base, more)
        eq(cp.returncode, 3, f"calls +20% fails the gate: {cp.stderr}")
        rep = json.loads(cp.stdout)
        eq(rep["metric"], "calls", "metric")
        rows = {r["name"]: r for r in rep["functions"]}
        eq((rows["step"]["base"]["calls"], rows["step"]["head"]["calls"]), (1000, 1200), "step calls")
        eq(rows["step"]["status"], "slower", "step regressed")
        eq(rows["parse_row"]["status"], "unchanged", "parse_row unchanged")
        check(b"step +20.0% in calls" in cp.stderr, cp.stderr)
        # Identical runs: times move, counts do not; the gate passes.
        for metric in ("calls", "alloc_count", "alloc_bytes"):
            cp = hotpath("compare", "--metric", metric, "--fail-on-regression", "0", base, same)
            eq(cp.returncode, 0, f"identical runs on {metric}: {cp.stdout[-400:]} {cp.stderr}")
        cp = hotpath("compare", "-f", "json", "--metric", "alloc_count", "--fail-on-regression", "10",
                     base, allocs)
        eq(cp.returncode, 3, f"3 more allocations x 2 calls fail: {cp.stderr}")
        rows = {r["name"]: r for r in json.loads(cp.stdout)["functions"]}
        eq((rows["parse_row"]["base"]["alloc_count"], rows["parse_row"]["head"]["alloc_count"]),
           (30, 36), "parse_row allocations")
        cp = hotpath("compare", "--metric", "alloc_bytes", "--fail-on-regression", "10", base, allocs)
        eq(cp.returncode, 3, f"bytes +20%: {cp.stderr}")
        cp = hotpath("compare", "--metric", "lock_wait", base, same)
        eq(cp.returncode, 0, f"lock_wait is a metric: {cp.stderr}")
        cp = hotpath("compare", "--metric", "bogus", base, same)
        eq(cp.returncode, 2, "unknown metric")
        check(b"calls, alloc_count, alloc_bytes" in cp.stderr, cp.stderr)
