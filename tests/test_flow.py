"""test_flow.py - data flow and concurrency: channels (pipe, readv/writev, socketpair, POSIX
message queue, eventfd) with exact message and byte counts, fd reuse, a shell pipeline's
inherited pipe, I/O per fd kind, lock contention, condition-variable waits, thread rows and
names, errno / short writes / EINTR passed through, xz -T2 checked against ltrace in the same
run, programs without hooks, the settings, and the JSON round trip."""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

import lib
from lib import Fail, build, check, eq, hotpath, plain, run_json

N, M = 2000, 100


def chans(rep, kind=None):
    return [c for c in rep["channels"] if kind is None or c["kind"] == kind]


def made(rep, kind):
    """Channels the program made (not the inherited stdin/stdout/stderr that its stdio
    output now shows on)."""
    return [c for c in chans(rep, kind) if "(inherited fd" not in c["label"]]


def one(rows, what):
    if len(rows) != 1:
        raise Fail(f"{what}: want one row, got {len(rows)}: {rows}")
    return rows[0]


def program_counts(cp):
    m = re.search(rb"reads (\d+) writes (\d+)", cp.stdout)
    check(m, f"program output: {cp.stdout!r}")
    return int(m.group(1)), int(m.group(2))


def check_channel(kind, prog_kind, n, m, opt="-O2"):
    exe = build("flow_chan.c", opt=opt)
    cp, rep = run_json([exe, prog_kind, str(n), str(m)], want_rc=0)
    eq(program_counts(cp), (n, n), f"{prog_kind}: the program's own calls")
    c = one(made(rep, kind), f"{kind} channels")
    eq((c["messages_in"], c["messages_out"]), (n, n), f"{prog_kind} messages in/out")
    eq((c["bytes_in"], c["bytes_out"]), (n * m, n * m), f"{prog_kind} bytes in/out")
    eq((c["max_in_bytes"], c["max_out_bytes"]), (m, m), f"{prog_kind} largest transfer")
    check(c["label"].startswith(kind + " "), f"label {c['label']!r}")
    # The creating call (mkfifo for a FIFO), symbolized with its line.
    check(c["site"] and c["site"].startswith("main (flow_chan.c:"), f"site {c['site']!r}")
    eq(c["blocked_ns"], c["blocked_in_ns"] + c["blocked_out_ns"], "blocked sum")
    check(c["blocked_ns"] > 0 and c["lifetime_ns"] > 0 and c["bytes_per_s"] > 0, f"times {c}")
    # Both directions are visible in the threads that did them.
    workers = {t["start_routine"]: t for t in rep["threads"] if t["start_routine"]}
    check({"producer", "consumer"} <= set(workers), f"threads {rep['threads']}")
    check(workers["consumer"]["io_block_ns"] > 0, "consumer blocked in I/O")
    return c


def test_pipe_exact():
    c = check_channel("pipe", "pipe", N, M)
    eq(c["capacity"], 65536, "pipe capacity (F_GETPIPE_SZ)")
    check(c["queued_max"] % M == 0 and M <= c["queued_max"] <= 65536, f"queued_max {c['queued_max']}")


def test_pipe_exact_O0():
    check_channel("pipe", "pipe", N, M, opt="-O0")


def test_pipe_readv_writev_exact():
    check_channel("pipe", "pipev", N, M)


def test_fifo_exact():
    c = check_channel("fifo", "fifo", N, M)
    check(c["label"].startswith("fifo /tmp/hotpath-flow-fifo-"), f"the FIFO's path: {c['label']}")
    check(c["queued_max"] > 0, "both ends here: queued bytes known")
    eq(c["capacity"], 65536, "fifo capacity")


def test_socketpair_exact():
    c = check_channel("socketpair", "socketpair", N, M)
    check(c["capacity"] > 0, "socket buffer size")


def test_mqueue_exact():
    c = check_channel("mqueue", "mqueue", N, M)
    eq(c["capacity"], 8, "queue capacity (mq_maxmsg)")
    check(1 <= c["queued_max"] <= 8, f"queued_max {c['queued_max']} messages")


def test_eventfd_exact():
    c = check_channel("eventfd", "eventfd", N, 8)
    eq(c["label"].split(" @ ")[0], "eventfd", "label")


def test_fd_reuse_is_a_new_channel():
    exe = build("flow_chan.c")
    cp, rep = run_json([exe, "reuse"], want_rc=0)
    m = re.match(rb"fds (\d+) (\d+) then (\d+) (\d+)", cp.stdout)
    check(m and m.group(1) == m.group(3) and m.group(2) == m.group(4), f"same fd numbers: {cp.stdout!r}")
    a, b = made(rep, "pipe")
    eq((a["messages_in"], a["messages_out"], a["bytes_in"], a["bytes_out"]), (1, 1, 1, 1), "first pipe")
    eq(a["state"], "closed", "first pipe closed")
    check(a["closed_ns"] is not None and a["closed_ns"] <= b["created_ns"], "closed before the second")
    eq((b["messages_in"], b["messages_out"], b["bytes_in"], b["bytes_out"]), (4, 2, 4, 4), "second pipe")
    eq(b["state"], "open", "second pipe still open at exit")
    eq(a["fds"], b["fds"], "same fds")


def test_pipeline_yes_head():
    n = 100_000_000
    cp, rep = run_json(["sh", "-c", f"yes | head -c {n} > /dev/null"], want_rc=0)
    kids = {c["command"][0]: c for c in rep["children"] if c["state"] != "execed"}
    check("head" in kids and "yes" in kids, f"children {[c['command'] for c in rep['children']]}")
    pipe = one(chans(kids["head"], "pipe"), "head's pipes")
    eq(pipe["bytes_in"], n, "bytes head read from the pipe")
    eq(pipe["bytes_out"], 0, "head wrote nothing into it")
    check("inherited fd 0" in pipe["label"], f"label {pipe['label']!r}")
    out = one(chans(kids["yes"], "pipe"), "yes's pipes")
    check(out["bytes_out"] >= n, f"yes wrote {out['bytes_out']}")
    eq(out["bytes_in"], 0, "yes read nothing")
    # The shell made the pipe: its row has the creating call.
    made = chans(rep, "pipe")
    check(made and all(c["site"] for c in made), f"shell's pipe {made}")


def test_io_totals_per_kind():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "data")
        with open(path, "wb") as f:
            f.write(b"x" * 100000)
        # dd reads and writes with read(2)/write(2); LC_ALL=C: no locale.alias read by stdio.
        dd = shutil.which("dd")
        cp, rep = run_json([dd, f"if={path}", "bs=1000", "count=5", "status=none"],
                           env={"LC_ALL": "C"}, want_rc=0)
        eq(len(cp.stdout), 5000, "output")
        io = {r["kind"]: r for r in rep["io"]}
        check("file" in io, f"io rows {rep['io']}")
        eq((io["file"]["reads"], io["file"]["read_bytes"]), (5, 5000), "reads from the file")
        eq(io["file"]["writes"], 0, "nothing written to files")
        eq(io["file"]["max_read_bytes"], 1000, "largest read")
        # stdout is the test's pipe: an inherited channel with exactly what dd wrote.
        out = one(chans(rep, "pipe"), "stdout pipe")
        eq((out["messages_out"], out["bytes_out"]), (5, 5000), "written to stdout")
        check("inherited fd 1" in out["label"], out["label"])


def flow_locks():
    exe = build("flow_locks.c")
    cp, rep = run_json([exe, "50000", "1000"], want_rc=0)
    text = cp.stdout.decode()
    shared = re.search(r"shared (0x[0-9a-f]+)", text).group(1)
    private = re.findall(r"private (0x[0-9a-f]+)", text)
    cond = re.search(r"cond (0x[0-9a-f]+) waits (\d+) signals (\d+)", text)
    locks = {l["address"]: l for l in rep["locks"]}
    return rep, locks, shared, private, cond


def test_mutex_contention():
    rep, locks, shared, private, _ = flow_locks()
    s = locks.get(shared)
    check(s, f"shared mutex {shared} not in {list(locks)}")
    eq(s["kind"], "mutex", "kind")
    eq(s["acquisitions"], 4 * 50000, "shared acquisitions")
    check(s["contended"] > 0, f"shared mutex contended: {s}")
    check(s["wait_ns"] >= s["max_wait_ns"] > 0, f"wait times {s}")
    check(s["hold_ns"] >= s["max_hold_ns"] > 0, f"hold times {s}")
    check(s["label"].startswith("mutex @ fighter (flow_locks.c:"), s["label"])
    eq(len(private), 4, "private mutexes")
    for a in private:
        p = locks.get(a)
        check(p, f"private mutex {a}")
        eq((p["acquisitions"], p["contended"], p["wait_ns"]), (50000, 0, 0), f"private {a}")
        check(p["label"].startswith("mutex @ main (flow_locks.c:"), f"init site {p['label']}")
    # Sorted by total wait: the shared mutex first among mutexes.
    mutexes = [l for l in rep["locks"] if l["kind"] == "mutex"]
    eq(mutexes[0]["address"], shared, "most waited-on mutex first")


def test_condvar_pingpong_exact():
    rep, locks, _, _, cond = flow_locks()
    c = locks.get(cond.group(1))
    check(c, f"cond {cond.group(1)} not in {list(locks)}")
    eq(c["kind"], "cond", "kind")
    eq(c["cond_waits"], int(cond.group(2)), "waits")
    eq(c["cond_signals"], int(cond.group(3)), "signals")
    eq(c["cond_signals"], 2000, "signals")
    check(c["cond_wait_ns"] > 0, "wait time")
    # The players' mutex: exactly their pthread_mutex_lock calls, not glibc's re-acquisitions
    # inside pthread_cond_wait.
    pp = [l for l in rep["locks"] if l["kind"] == "mutex" and l["label"].startswith("mutex @ player")]
    eq(one(pp, "ping-pong mutex")["acquisitions"], 2000, "ping-pong mutex acquisitions")


def test_thread_rows():
    rep, _, _, _, _ = flow_locks()
    by = {}
    for t in rep["threads"]:
        by.setdefault(t["start_routine"], []).append(t)
    eq(len(by.get("fighter", [])), 4, "fighter threads")
    eq(len(by.get("player", [])), 2, "player threads")
    eq(len(by.get(None, [])), 1, "main thread")
    for t in rep["threads"]:
        eq(t["blocked_ns"], t["lock_wait_ns"] + t["io_block_ns"], "blocked_ns")
        eq(t["state"], "exited", f"thread {t['tid']} state")
        check(t["end_ns"] >= t["start_ns"] >= 0, f"lifetime {t}")
    check(sum(t["lock_wait_ns"] for t in by["fighter"]) > 0, "fighters waited")
    check(sum(t["lock_wait_ns"] for t in by["player"]) > 0, "players waited in cond waits")


def test_thread_names_followed():
    exe = build("flow_names.c")
    cp, rep = run_json([exe], want_rc=0)
    eq(cp.stdout, b"ok\n", "output")
    names = {t["start_routine"]: t["name"] for t in rep["threads"]}
    eq(names.get("by_main"), "main-named", "pthread_setname_np from another thread")
    eq(names.get("by_self"), "self-named", "pthread_setname_np on itself")
    eq(names.get("by_prctl"), "prctl-named", "prctl(PR_SET_NAME)")


def test_errno_eagain_eintr_short_writes_pass_through():
    exe = build("flow_nonblock.c")
    want = plain([exe])
    eq(want.returncode, 0, "plain run")
    check(b"short write: 4096 ok" in want.stdout and b"EINTR" in want.stdout, want.stdout)
    cp, rep = run_json([exe], want_rc=0)
    eq(cp.stdout.decode(), want.stdout.decode(), "output under hotpath")
    nb, blk = made(rep, "pipe")
    check(nb["was_full"], f"non-blocking pipe seen full: {nb}")
    # Calls that failed moved nothing: 2 writes and 2 reads did.
    eq((nb["messages_out"], nb["bytes_out"]), (2, 65536), "non-blocking pipe writes")
    eq((nb["messages_in"], nb["bytes_in"]), (2, 65536), "non-blocking pipe reads")
    eq((blk["messages_in"], blk["messages_out"]), (0, 0), "interrupted pipe moved nothing")
    check(blk["blocked_in_ns"] >= 10_000_000, f"the interrupted read blocked ~50 ms: {blk}")


def xz_input(d):
    path = os.path.join(d, "in.txt")
    words = [b"alpha", b"beta", b"gamma", b"delta", b"hotpath", b"channel", b"mutex"]
    with open(path, "wb") as f:
        x = 12345
        for i in range(300000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            f.write(words[x % len(words)] + (b"\n" if i % 11 == 0 else b" "))
    return path


def run_xz(d, args, ltrace=None):
    """hotpath run -- xz ARGS (under `ltrace -f -c` when given); returns (stdout, report, ltrace
    count or None)."""
    out = os.path.join(d, "report.json")
    cmd = [os.path.join(os.environ.get("HOTPATH_BUILD", "build"), "hotpath"), "run",
           "--format", "json", "--output", out, "--", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_") or k == "HOTPATH_BUILD"}
    env.update(lib.TSAN_ENV)  # make tsan: libtsan ahead of the TSan-built library
    lt = os.path.join(d, "ltrace.txt")
    if ltrace:
        # ltrace counts liblzma's calls of pthread_mutex_lock at its PLT, before they reach
        # our hook: an independent count of the same run.
        cmd = [ltrace, "-f", "-c", "-o", lt, "-e", "pthread_mutex_lock@liblzma.so.5", *cmd]
    cp = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    eq(cp.returncode, 0, f"xz under hotpath: {cp.stderr[-2000:]!r}")
    import json
    with open(out) as f:
        rep = json.load(f)
    count = None
    if ltrace:
        with open(lt) as f:
            text = f.read()
        m = re.search(r"\s(\d+)\s+pthread_mutex_lock", text)
        check(m, f"ltrace output: {text}")
        count = int(m.group(1))
    return cp.stdout, rep, count


def test_xz_threads_locks_and_ltrace():
    xz = shutil.which("xz")
    check(xz, "xz is installed (tools/install-deps.sh)")
    with tempfile.TemporaryDirectory() as d:
        src = xz_input(d)
        args = [xz, "-T2", "--block-size=131072", "-c", src]
        want = plain(args)
        eq(want.returncode, 0, "plain xz")
        digest = hashlib.sha256(want.stdout).hexdigest()
        out, rep, _ = run_xz(d, args)
        eq(hashlib.sha256(out).hexdigest(), digest, "identical output under hotpath")
        workers = [t for t in rep["threads"] if t["start_routine"]]
        check(len(workers) >= 2, f"worker threads: {rep['threads']}")
        check(all(t["start_routine"].startswith("liblzma.so.5+0x") for t in workers), f"{workers}")
        mutexes = [l for l in rep["locks"] if l["kind"] == "mutex"]
        conds = [l for l in rep["locks"] if l["kind"] == "cond"]
        check(mutexes and conds, f"locks {rep['locks']}")
        check(sum(l["acquisitions"] for l in mutexes) > 0, "mutex acquisitions")
        check(sum(c["cond_waits"] for c in conds) > 0, "condition waits")
        check(sum(c["cond_signals"] for c in conds) > 0, "condition signals")
        check(any("no function hooks" in n for n in rep["notes"]), f"notes {rep['notes']}")
        ltrace = shutil.which("ltrace")
        check(ltrace, "ltrace is installed (tools/install-deps.sh)")
        # ltrace -f itself sometimes disturbs a threaded xz (its output then differs even
        # without hotpath): compare counts on a run whose output ltrace left intact.
        for attempt in range(4):
            out, rep, count = run_xz(d, args, ltrace)
            if hashlib.sha256(out).hexdigest() == digest:
                break
        else:
            raise Fail("ltrace disturbed xz's output in 4 runs out of 4")
        ours = sum(l["acquisitions"] for l in rep["locks"] if l["kind"] == "mutex")
        eq(ours, count, "mutex acquisitions vs ltrace -c -e pthread_mutex_lock, same run")


def test_program_without_hooks_runs_with_a_note():
    exe = build("flow_chan.c", instrument=False)
    cp, rep = run_json([exe, "pipe", "100", "10"], want_rc=0)
    eq(rep["functions"], [], "no functions")
    c = one(made(rep, "pipe"), "pipes")
    eq((c["messages_in"], c["messages_out"], c["bytes_in"]), (100, 100, 1000), "counts")
    check(any("no function hooks" in n and "-finstrument-functions" in n for n in rep["notes"]), rep["notes"])


def test_sections_can_be_switched_off():
    exe = build("flow_locks.c")
    _, rep = run_json([exe, "1000", "10"], ["--channels=false", "--locks=false"], want_rc=0)
    eq((rep["channels"], rep["locks"], rep["io"]), ([], [], []), "nothing recorded")
    _, rep = run_json([exe, "1000", "10"], ["--lock-hold=false"], want_rc=0)
    locks = [l for l in rep["locks"] if l["kind"] == "mutex"]
    check(locks and all(l["hold_ns"] == 0 for l in locks), "no hold times")
    eq(sum(l["acquisitions"] for l in locks), 4 * 1000 * 2 + 20, "acquisitions still exact")
    cp = hotpath("run", exe, "1000", "10")
    err = cp.stderr.decode()
    for title in ("[hotpath] locks", "[hotpath] threads"):
        check(title in err, f"{title} in the table report")
    cp = hotpath("run", "--threads=false", "--locks=false", exe, "1000", "10")
    err = cp.stderr.decode()
    check("[hotpath] threads" not in err and "[hotpath] locks" not in err, err)


def test_saved_report_keeps_flow_sections():
    exe = build("flow_chan.c")
    with tempfile.TemporaryDirectory() as d:
        saved = os.path.join(d, "r.json")
        cp = hotpath("run", "--format", "json", "--output", saved, exe, "socketpair", "50", "20")
        eq(cp.returncode, 0, "run")
        import json
        with open(saved) as f:
            first = json.load(f)
        cp = hotpath("report", "--format", "json", saved)
        eq(cp.returncode, 0, f"report: {cp.stderr!r}")
        again = json.loads(cp.stdout or cp.stderr)
        for k in ("channels", "locks", "io"):
            eq(again[k], first[k], f"{k} after a round trip")
        cp = hotpath("report", saved)
        check(b"[hotpath] channels" in cp.stdout + cp.stderr, "channels table from a saved report")


def test_own_malloc_locking_a_mutex_does_not_deadlock():
    # Its malloc locks a mutex, also inside dlsym's calloc before hotpath has started.
    exe = build("flow_own_malloc.c")
    cp, rep = run_json([exe], want_rc=0, timeout=60)
    m = re.match(rb"main locks (\d+) total (\d+)", cp.stdout)
    check(m, cp.stdout)
    during_main, total = int(m.group(1)), int(m.group(2))
    check(during_main >= 2000, f"the workers' mallocs: {during_main}")
    heap = one([l for l in rep["locks"] if l["label"].startswith("mutex @ bump")], "heap lock")
    # + 1: printf allocates its stdout buffer after the program took its count.
    check(during_main <= heap["acquisitions"] <= total + 1,
          f"{heap['acquisitions']} within [{during_main}, {total} + 1]")


def test_rwlock_and_spin_counts():
    exe = build("flow_locks.c")
    cp, rep = run_json([exe, "100", "10"], want_rc=0)
    m = re.search(rb"rwlock (0x[0-9a-f]+) spin (0x[0-9a-f]+)", cp.stdout)
    locks = {l["address"]: l for l in rep["locks"]}
    rw, spin = locks[m.group(1).decode()], locks[m.group(2).decode()]
    eq((rw["kind"], rw["acquisitions"]), ("rwlock", 3000), "rwlock: 2 readers and a writer")
    eq((spin["kind"], spin["acquisitions"]), ("spin", 2000), "spin lock")
    check(rw["hold_ns"] > 0, "write holds timed")


# ---- stdio and the I/O calls beyond read/write (issue 18) ----

def io_row(rep, kind):
    rows = [r for r in rep["io"] if r["kind"] == kind]
    return one(rows, f"io rows of kind {kind}")


def test_stdio_through_a_pipe_seq_wc():
    # seq writes with stdio (fwrite/printf through glibc's jump table), wc reads with read(2).
    want = sum(len(f"{i}\n") for i in range(1, 100001))
    eq(want, 588_895, "bytes seq prints")
    cp, rep = run_json(["sh", "-c", "seq 1 100000 | wc -l"], want_rc=0)
    eq(cp.stdout.strip(), b"100000", "wc's output")
    kids = {c["command"][0]: c for c in rep["children"] if c["state"] != "execed"}
    check({"seq", "wc"} <= set(kids), f"children {[c['command'] for c in rep['children']]}")
    out = one(chans(kids["seq"], "pipe"), "seq's pipes")
    eq((out["bytes_out"], out["bytes_in"]), (want, 0), "bytes seq wrote into the pipe")
    check(out["messages_out"] >= want // 4096, f"seq's writes {out['messages_out']}")
    pipes = {c["label"]: c for c in chans(kids["wc"], "pipe")}
    inp = [c for l, c in pipes.items() if "inherited fd 0" in l]
    eq(one(inp, "wc's stdin")["bytes_in"], want, "bytes wc read from the pipe")
    # wc's own line goes through stdio into the test's pipe.
    res = [c for l, c in pipes.items() if "inherited fd 1" in l]
    eq(one(res, "wc's stdout")["bytes_out"], len(cp.stdout), "bytes wc printed")


def make_text(path, n=40000):
    import random
    rnd = random.Random(18)
    with open(path, "w") as f:
        for _ in range(n):
            f.write("".join(rnd.choice("abcdefghij") for _ in range(rnd.randint(1, 60))) + "\n")
    return os.path.getsize(path)


def test_stdio_to_files_bzip2_sort():
    bzip2 = shutil.which("bzip2")
    check(bzip2, "bzip2 is installed (tools/install-deps.sh)")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.txt")
        size = make_text(src)
        # bzip2 -c: reads the file through a FILE stream, writes the stream to stdout (a pipe).
        cp, rep = run_json([bzip2, "-c", src], want_rc=0)
        check(len(cp.stdout) > 1000, "compressed output")
        eq(io_row(rep, "file")["read_bytes"], size, "bytes bzip2 read from the file")
        out = one([c for c in chans(rep, "pipe") if "inherited fd 1" in c["label"]], "stdout")
        eq(out["bytes_out"], len(cp.stdout), "bytes bzip2 wrote to stdout")
        # sort -o: reads and writes files through stdio.
        dst = os.path.join(d, "out.txt")
        cp, rep = run_json(["sort", "-o", dst, src], env={"LC_ALL": "C"}, want_rc=0)
        eq(os.path.getsize(dst), size, "sorted file")
        f = io_row(rep, "file")
        eq((f["read_bytes"], f["write_bytes"]), (size, size), "bytes sort read and wrote")


def test_io_calls_exact():
    # pread/pwrite(v)(2), the fortified read, sendfile, vmsplice, splice, copy_file_range,
    # sendmmsg/recvmmsg and stdio through a socket: exact bytes (flow_io_calls.c says how).
    exe = build("flow_io_calls.c", extra=("-D_FORTIFY_SOURCE=2",))
    nm = subprocess.run(["nm", "-D", exe], capture_output=True, text=True).stdout
    check("__read_chk" in nm, "the fixed-buffer read is fortified")
    with tempfile.TemporaryDirectory() as d:
        cp, rep = run_json([exe, d], want_rc=0)
    f = io_row(rep, "file")
    # writes: pwrite 3 x 2000, pwritev 300, pwritev2 300, splice into b 4196, copy into c 5000
    eq((f["writes"], f["write_bytes"]), (7, 6000 + 300 + 300 + 4196 + 5000), "file writes")
    # reads: pread 2 x 500, preadv 300, preadv2 300, __read_chk 100, sendfile 4096, copy 5000
    eq((f["reads"], f["read_bytes"]), (7, 1000 + 300 + 300 + 100 + 4096 + 5000), "file reads")
    eq((f["max_read_bytes"], f["max_write_bytes"]), (5000, 5000), "largest transfers")
    pipe = one(chans(rep, "pipe"), "the pipe")
    eq((pipe["messages_out"], pipe["bytes_out"]), (2, 4096 + 100), "sendfile + vmsplice into it")
    eq((pipe["messages_in"], pipe["bytes_in"]), (1, 4196), "splice out of it")
    pairs = chans(rep, "socketpair")
    eq(len(pairs), 2, f"socketpairs {pairs}")
    dgram = [c for c in pairs if c["bytes_out"] == 60]
    d = one(dgram, "the datagram pair")
    eq((d["messages_out"], d["messages_in"], d["bytes_in"]), (3, 3, 60), "sendmmsg/recvmmsg")
    eq((d["max_out_bytes"], d["max_in_bytes"]), (30, 30), "largest message")
    stream = one([c for c in pairs if c is not d], "the stream pair")
    want = sum(len(f"line {i}\n") for i in range(1000))
    eq((stream["bytes_out"], stream["bytes_in"]), (want, want), "fprintf/fgets through the socket")
    check(stream["messages_out"] >= 1 and stream["messages_in"] >= 1, f"stream {stream}")


def test_semaphores_exact():
    exe = build("flow_sem.c")
    plain_out = plain([exe]).stdout
    cp, rep = run_json([exe], want_rc=0)
    # errno and results are the real calls': EAGAIN, ETIMEDOUT, and a successful wait that
    # leaves errno alone even though the hook's own try failed with EAGAIN first.
    eq(cp.stdout.split(b"sem ")[0], plain_out.split(b"sem ")[0], "output under hotpath")
    check(b"blocking wait 0 errno 1234" in cp.stdout, cp.stdout)
    addr = re.search(rb"sem (0x[0-9a-f]+)", cp.stdout).group(1).decode()
    s = one([l for l in rep["locks"] if l["address"] == addr], "the semaphore")
    eq(s["kind"], "semaphore", "kind")
    eq((s["acquisitions"], s["contended"], s["cond_signals"]), (6, 2, 6), "acquisitions, blocked, posts")
    check(s["wait_ns"] >= 80_000_000, f"two waits of ~50 ms: {s}")
    main = [t for t in rep["threads"] if not t["start_routine"]][0]
    check(main["lock_wait_ns"] >= s["wait_ns"] + 15_000_000, f"the 20 ms timeout counts for the thread: {main}")


def test_mutexes_of_a_single_threaded_process():
    """A process with one thread: glibc locks its private mutexes with a plain store, and the
    hook locks them directly instead of trying first (docs/dataflow.md "Contended"). Counts
    stay exact: default, recursive and error-checking mutexes (a relock's EDEADLK is no
    acquisition), the first hold and every 17th timed; a process-shared mutex held by a
    forked child is contended once; the same mutex again after a thread was made."""
    n = 1000
    exe = build("lock_single.c", instrument=False)
    cp, rep = run_json([exe, str(n)], want_rc=0)
    out = cp.stdout.decode()
    m = re.search(r"plain (\S+) recursive (\S+) errorcheck (\S+) relock (\S+)", out)
    ps = re.search(r"pshared (\S+) waited_ms (\d+) child 0", out)
    check(m and ps and f"work {4 * n}" in out, f"program output: {out}")
    eq(m.group(4), "EDEADLK", "the error-checking relock's answer")
    locks = {l["address"]: l for l in rep["locks"]}
    for addr, acq, what in ((m.group(1), 2 * n, "default"), (m.group(2), 2 * n, "recursive"),
                            (m.group(3), n + 1, "error-checking")):
        lk = locks.get(addr)
        check(lk, f"{what} mutex {addr} in {list(locks)}")
        eq((lk["acquisitions"], lk["contended"], lk["wait_ns"]), (acq, 0, 0), what)
    for addr, holds, what in ((m.group(1), 2 * n, "default"), (m.group(3), n + 1, "error-checking")):
        eq((locks[addr]["holds"], locks[addr]["holds_timed"]), (holds, -(-holds // 17)),
           f"{what}: holds, one in 17 timed")
    sh = locks.get(ps.group(1))
    check(sh, f"shared mutex {ps.group(1)} in {list(locks)}")
    eq((sh["acquisitions"], sh["contended"]), (1, 1), "the shared mutex: acquired once, contended")
    check(sh["wait_ns"] >= (int(ps.group(2)) - 5) * 1_000_000,
          f"its wait {sh['wait_ns']} ns against the {ps.group(2)} ms the program measured")
    kid = one(rep["children"], "the forked child")
    eq([(l["address"], l["acquisitions"], l["contended"]) for l in kid["locks"]],
       [(ps.group(1), 1, 0)], "the child's one uncontended acquisition")


def test_python_threading_lock_is_counted():
    # CPython's threading.Lock is a POSIX semaphore: 8,000 acquisitions, some of them blocked.
    cp, rep = run_json(["python3", os.path.join(lib.PROGS, "flow_pylock.py"), "8000"], want_rc=0)
    eq(cp.stdout, b"taken 8000\n", "program output")
    sems = [l for l in rep["locks"] if l["kind"] == "semaphore"]
    check(sems, f"semaphore rows: {[l['kind'] for l in rep['locks']]}")
    top = max(sems, key=lambda l: l["acquisitions"])
    eq(top["acquisitions"], 8000, "acquisitions of the contended Lock")
    check(top["contended"] > 0 and top["wait_ns"] > 0, f"contention seen: {top}")
    eq(top["hold_ns"], 0, "no hold time for a semaphore")


def test_waits_in_progress_at_exit_count():
    # Two threads blocked when the program exits after 1 s: a condition wait and a pipe read.
    exe = build("flow_waiting.c")
    cp, rep = run_json([exe], want_rc=0)
    addr = re.search(rb"cond (0x[0-9a-f]+)", cp.stdout).group(1).decode()
    threads = {t["start_routine"]: t for t in rep["threads"] if t["start_routine"]}
    s, r = threads["sleeper"], threads["reader"]
    check(s["lock_wait_ns"] >= 1_000_000_000, f"the sleeper's wait counts up to the exit: {s}")
    eq(s["waiting_ns"] <= s["lock_wait_ns"], True, "its wait in progress is part of it")
    check(s["waiting_on"].startswith("cond @ sleeper"), f"what it waits on: {s['waiting_on']!r}")
    check(r["io_block_ns"] >= 1_000_000_000, f"the reader's read counts up to the exit: {r}")
    check(r["waiting_on"].startswith("pipe @ main") and r["waiting_on"].endswith(" read"), r["waiting_on"])
    cond = one([l for l in rep["locks"] if l["address"] == addr], "the condition variable's row")
    eq((cond["kind"], cond["waiting_now"], cond["cond_waits"]), ("cond", 1, 0), "cond row")
    check(cond["cond_wait_ns"] >= 1_000_000_000, f"cond wait so far: {cond}")
    pipe = one(made(rep, "pipe"), "the pipe")
    eq(pipe["waiting_now"], 1, "one reader blocked on the pipe")
    check(pipe["blocked_in_ns"] >= 1_000_000_000, f"pipe read so far: {pipe}")
    main = [t for t in rep["threads"] if not t["start_routine"]][0]
    eq((main["waiting_ns"], main["waiting_on"]), (0, None), "main was not waiting")
    # The text report says who was still waiting.
    cp = hotpath("run", exe)
    check(re.search(rb"\(sleeper\) was still, at exit, blocked for 1\.\d+ s .*cond @ sleeper", cp.stderr) or
          re.search(rb"was still, at exit, blocked for 1\.\d+ s \(counted above\): cond @ sleeper", cp.stderr),
          cp.stderr[-800:])
