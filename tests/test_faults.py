"""test_faults.py - faults of the environment must cost neither the program, its children nor
the report (issue 12): a full /dev/shm, --timeout with grandchildren, a closed stderr, `env -i`,
exit through error()/errx(), a library unloaded and another loaded at its address, half-made
regions, and the small things users hit. Every test here failed before its fix."""
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import time

from lib import (BUILD, HOTPATH, Fail, Skip, build, check, eq, fn, has_fn, hotpath, run_json)

LIB = os.path.join(BUILD, "libhotpath.so")


def hp_env(**extra):
    """The environment lib.hotpath gives: ours without HOTPATH_* settings."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
    e.update(extra)
    return e


def group_members(pgid):
    """Pids of the live (not zombie) processes whose process group is pgid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(d))
    return out


def wait_group_gone(pgid, secs):
    deadline = time.time() + secs
    while group_members(pgid) and time.time() < deadline:
        time.sleep(0.05)
    left = group_members(pgid)
    for p in left:
        os.kill(p, signal.SIGKILL)
    check(not left, f"processes of group {pgid} still running: {left}")


def regions_of(pid, since):
    """Regions of pid created at or after `since` (time.monotonic_ns(), the clock of the
    name's second number): an older one is another process's that had the pid (pids wrap at
    32,768 here, and the suite starts tens of thousands of threads)."""
    out = []
    for f in os.listdir("/dev/shm"):
        parts = f.split("-")
        if len(parts) == 3 and parts[0] == "hotpath" and parts[1] == str(pid):
            if not parts[2].isdigit() or int(parts[2]) >= since:
                out.append(f)
    return out


# ---- 2: --timeout stops the program's whole process group --------------------------------

def test_timeout_stops_grandchildren():
    cp, rep = run_json(["sh", "-c", "echo $$; yes | cat >/dev/null"], ["--timeout", "1000"],
                       timeout=60)
    eq(cp.returncode, 0, "stopped by our timeout")
    pgid = int(cp.stdout.split()[0])
    eq(rep["pid"], pgid, "the program leads its own process group")
    wait_group_gone(pgid, 5)


def test_timeout_kills_grandchildren_that_ignore_sigterm():
    forever = build("forever.c")
    t0 = time.time()
    cp, rep = run_json(["sh", "-c", f"echo $$; {forever} ignore-term & sleep 100"],
                       ["--timeout", "500"], timeout=60)
    eq(cp.returncode, 0, "stopped by our timeout")
    pgid = int(cp.stdout.split()[0])
    wait_group_gone(pgid, 2)
    check(time.time() - t0 < 30, "bounded")


def _as_a_login_terminal():
    """In the child of pty.fork: the job-control signals at their defaults, as in a terminal
    session. A runner started in the background of a shell without job control (the landing
    procedure) ignores SIGINT and SIGQUIT, and hotpath passes what it inherits on unchanged."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _pty_run(args, send=b"", when=b"", timeout=30):
    """hotpath run ARGS on a new terminal, typing `send` once `when` was output (again every
    5 s while the program runs: a loaded machine may lose nothing, but must not hang the
    test); returns (wait status, terminal output)."""
    pid, fd = pty.fork()
    if pid == 0:
        _as_a_login_terminal()
        os.execve(HOTPATH, [HOTPATH, "run", *args], hp_env())
    out = b""
    deadline = time.time() + timeout
    sent_at = 0.0
    while time.time() < deadline:
        if send and when in out and time.time() - sent_at > 5:
            os.write(fd, send)
            sent_at = time.time()
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the terminal's last user closed it
                chunk = b""
            out += chunk
            if not chunk:
                time.sleep(0.05)
        w, status = os.waitpid(pid, os.WNOHANG)
        if w == pid:
            os.close(fd)
            return status, out
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)
    raise Fail(f"hotpath on a terminal did not end; output {out!r}")


def test_terminal_stays_the_programs():
    # The program's group is the terminal's foreground: it reads the terminal (no SIGTTIN).
    status, out = _pty_run(["-o", os.devnull, "--", "sh", "-c", "read x; echo got:$x"],
                           send=b"hello\n")
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"status {status:#x}, {out!r}")
    check(b"got:hello" in out, out)


def test_terminal_interrupt_reaches_the_program_once():
    with tempfile.TemporaryDirectory() as d:
        rep = os.path.join(d, "r.json")
        sh = f"trap 'echo INT; exit 9' INT; echo ready; while :; do sleep 0.05; done"
        status, out = _pty_run(["--format", "json", "-o", rep, "--", "sh", "-c", sh],
                               send=b"\x03", when=b"ready")
        check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 9, f"status {status:#x}, {out!r}")
        eq(out.count(b"INT"), 1, f"one SIGINT: {out!r}")


# ---- 3: a closed stderr costs neither the status nor the clean-up ----------------------

def test_closed_stderr_keeps_status_and_cleans_up():
    r, w = os.pipe()
    os.close(r)
    since = time.monotonic_ns()
    p = subprocess.Popen([HOTPATH, "run", "--", "sh", "-c", "echo $$; sleep 0.3; exit 3"],
                         stdout=subprocess.PIPE, stderr=w, env=hp_env())
    os.close(w)
    out, _ = p.communicate(timeout=60)
    eq(p.returncode, 3, "the program's status")
    pid = int(out.split()[0])
    eq(regions_of(pid, since), [], "regions removed")


# ---- 1: a full /dev/shm ---------------------------------------------------------------------

def in_private_shm(size, script, timeout=120):
    """Run the shell `script` with a private tmpfs of `size` on /dev/shm (unshare -m, root);
    returns CompletedProcess (bytes)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("needs root and unshare(1) for a private /dev/shm")
    full = f"mount -t tmpfs -o size={size},mode=1777 tmpfs /dev/shm || exit 99\n{script}"
    cp = subprocess.run(["unshare", "-m", "sh", "-c", full], capture_output=True,
                        timeout=timeout, env=hp_env())
    if cp.returncode == 99:
        raise Skip(f"cannot mount a private tmpfs on /dev/shm: {cp.stderr.decode()[:200]}")
    return cp


def test_shm_filling_up_after_start_costs_rows_not_the_program():
    exe = build("shm_fill.c")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cp = in_private_shm("10m", f"{HOTPATH} run --region-size 8 --format json -o {out} -- "
                                   f"{exe} /dev/shm/filler; echo rc=$?; ls /dev/shm")
        text = cp.stdout.decode()
        check("done 200\nrc=0\n" in text, f"the program ran to its end: {text!r} {cp.stderr!r}")
        eq(text.split("rc=0\n")[1].split(), ["filler"], "only the filler is left")
        import json
        with open(out) as f:
            rep = json.load(f)
    eq(rep["exit_status"], 0, "status")
    # 600 calls (worker, stage_one, stage_two on 200 threads) want 600 rows: the ones claimed
    # before /dev/shm filled count, the rest are dropped.
    calls = sum(r["calls"] for r in rep["functions"] if r["name"] in ("worker", "stage_one", "stage_two"))
    check(0 < calls < 600, f"rows for some threads, dropped for the rest: {calls}")
    check(rep["dropped"] > 0, "dropped counted")
    check(any("/dev/shm filled up" in n for n in rep["notes"]), rep["notes"])


def test_process_started_on_a_full_shm_runs_unprofiled_with_a_note():
    calls = build("calls.c")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cp = in_private_shm("10m", f"{HOTPATH} run --region-size 8 --format json -o {out} -- "
                                   f"sh -c 'head -c 16M /dev/zero >/dev/shm/filler 2>/dev/null; {calls}'"
                                  "; echo rc=$?; ls /dev/shm")
        text = cp.stdout.decode()
        check(text.startswith("recurse=1000\njumps=10\nrc=0\n"), f"{text!r} {cp.stderr!r}")
        eq(text.split("rc=0\n")[1].split(), ["filler"], "markers and regions removed")
        import json
        with open(out) as f:
            rep = json.load(f)
    check(any(n.startswith("1 process ran unprofiled: /dev/shm had no room") for n in rep["notes"]),
          rep["notes"])


FAKE = r'''
import os, sys, time
template, = sys.argv[1:]
hdr = bytearray(open(template, "rb").read(8192))  # the header; the tables start at 8192
size = int.from_bytes(hdr[16:24], "little")
hdr[24:32] = int(os.environ["HOTPATH_SESSION"]).to_bytes(8, "little")  # session
hdr[32:36] = (99999999).to_bytes(4, "little")  # pid: nobody
with open(f"/dev/shm/hotpath-99999999-{time.monotonic_ns()}", "wb") as f:
    f.write(hdr)
    f.truncate(size)  # the rest: holes, which a full tmpfs cannot back on a read fault
with open("/dev/shm/filler", "wb", buffering=0) as f:
    for chunk in (1 << 16, 4096):
        try:
            while True:
                f.write(b"\0" * chunk)
        except OSError:
            pass
'''


def test_reader_survives_a_region_it_cannot_read():
    # The reader leaves the model it was building when the SIGBUS came (region_guard.h: "memory
    # fn allocated before is leaked: once per bad region"); under `make sanitize` that run
    # of hotpath alone has LeakSanitizer off, every other check of this test stays.
    calls = build("calls.c")
    with tempfile.TemporaryDirectory() as d:
        out, fake = os.path.join(d, "r.json"), os.path.join(d, "fake.py")
        with open(fake, "w") as f:
            f.write(FAKE)
        cp = in_private_shm("12m", f"{HOTPATH} run --keep-regions --region-size 8 -o /dev/null "
                                   f"-- {calls} >/dev/null && cp /dev/shm/hotpath-* {d}/template && "
                                   f"rm /dev/shm/hotpath-* && ASAN_OPTIONS=detect_leaks=0 {HOTPATH} run --region-size 8 "
                                   f"--format json -o {out} -- sh -c 'HOTPATH_DISABLE=1 python3 {fake} {d}/template'"
                                   "; echo rc=$?; ls /dev/shm")
        text, err = cp.stdout.decode(), cp.stderr.decode()
        check(text.startswith("rc=0\n"), f"{text!r} {err!r}")
        eq(text.split("rc=0\n")[1].split(), ["filler"], "every region removed")
        check("hotpath-99999999-" in err and "cannot be read (SIGBUS" in err, err)
        import json
        with open(out) as f:
            rep = json.load(f)
    eq(rep["command"][0], "sh", "the report of the program")


# ---- 5: exit_status after error()/errx()/err() --------------------------------------------

def test_exit_status_after_glibc_exits():
    exe = build("exit_err.c")
    for how, code in (("error", 3), ("errx", 5), ("err", 6)):
        cp, rep = run_json([exe, how, str(code)], want_rc=code)
        eq(rep["exit_status"], code, f"{how}: top process")
    # A child's status comes from its own region: the library must see that exit too.
    cp, rep = run_json([exe, "fork-errx", "7"], ["--limit", "0"], want_rc=7)
    eq(len(rep["children"]), 1, "one child")
    eq(rep["children"][0]["exit_status"], 7, "the forked child's status")
    cp, rep = run_json(["sh", "-c", f"{exe} errx 5; exit 0"], ["--limit", "0"], want_rc=0)
    kid = [c for c in rep["children"] if c["command"][0] == exe]
    eq([c["exit_status"] for c in kid], [5], "an exec'd child's status")


# ---- 7: hotpath clean removes half-made regions of ended processes --------------------------

def _dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_clean_removes_half_made_regions_of_ended_processes():
    dead1, dead2, live = _dead_pid(), _dead_pid(), os.getpid()
    ns = time.monotonic_ns()
    files = {pid: f"/dev/shm/hotpath-{pid}-{ns + i}" for i, pid in enumerate((dead1, dead2, live))}
    with open(files[dead1], "wb"):
        pass  # killed right after the open
    with open(files[dead2], "wb") as f:
        f.write(b"\0" * 8192)  # killed before the magic was written
    with open(files[live], "wb"):
        pass  # still in its constructor
    try:
        cp = hotpath("clean", str(dead1), str(dead2), str(live))
        out = cp.stdout.decode()
        for pid in (dead1, dead2):
            check(f"removed {files[pid]} (half-made, pid {pid} has ended)" in out, out)
            check(not os.path.exists(files[pid]), f"{files[pid]} removed")
        check(os.path.exists(files[live]), "a live process's half-made region stays")
        check("2 removed, 1 kept" in out, out)
    finally:
        for f in files.values():
            if os.path.exists(f):
                os.unlink(f)


# ---- 4: a process that lost HOTPATH_SESSION is still found, and leaves no region ------------

def test_env_i_keeps_the_child_profiled():
    calls = build("calls.c")
    since = time.monotonic_ns()
    cp, rep = run_json(["env", "-i", calls], ["--limit", "0"], want_rc=0)
    eq(rep["command"], [calls], "the last image of the launched pid: env's exec of the program")
    eq(fn(rep, "leaf_add")["calls"], 20000, "its counts")
    eq(regions_of(rep["pid"], since), [], "no region left behind")


def test_process_without_session_is_adopted_through_its_parent():
    raw, calls = build("raw_exec.c"), build("calls.c")
    since = time.monotonic_ns()
    # The launched pid itself, and a forked child of it, exec with LD_PRELOAD alone.
    cp, rep = run_json([raw, calls], ["--limit", "0"], want_rc=0)
    eq(rep["command"], [calls], "the image after the raw exec is the top process")
    eq(fn(rep, "leaf_add")["calls"], 20000, "its counts")
    eq(regions_of(rep["pid"], since), [], "no region left behind")
    cp, rep = run_json([raw, "fork", calls], ["--limit", "0"], want_rc=0)
    kids = [c for c in rep["children"] if c["command"] == [calls]]
    eq(len(kids), 1, f"the child: {[c['command'] for c in rep['children']]}")
    eq(fn(kids[0], "leaf_add")["calls"], 20000, "the child's counts")
    eq(regions_of(kids[0]["pid"], since), [], "no region left behind")


# ---- 8: the small things -------------------------------------------------------------------

def test_small_region_sizes_work():
    exe = build("calls.c")
    for mib in ("4", "5"):
        cp, rep = run_json([exe], ["--region-size", mib, "--limit", "0"], want_rc=0)
        eq(fn(rep, "leaf_add")["calls"], 20000, f"--region-size {mib}")


def test_forked_child_main_row_is_possible():
    exe = build("forker.c")
    cp, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    kid = rep["children"][0]
    main = fn(kid, "main")
    eq(main["calls"], 1, "the child is inside main once")
    check(main["total_ns"] <= kid["wall_ns"], f"main {main['total_ns']} within the child's life {kid['wall_ns']}")
    check(main["percent_total"] <= 100.0, f"{main['percent_total']}%")


def test_script_without_shebang_runs_with_sh():
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "noshebang")
        with open(script, "w") as f:
            f.write('echo "hello $1 $2"; exit 4\n')
        os.chmod(script, 0o755)
        cp, rep = run_json([script, "a", "b"], want_rc=4)
        eq(cp.stdout, b"hello a b\n", "run by /bin/sh, as execvp does")
        eq(rep["command"], ["/bin/sh", script, "a", "b"], "the shell is the program")
        eq(rep["exit_status"], 4, "status")


def test_setuid_program_says_why_and_keeps_its_status():
    if os.geteuid() != 0:
        raise Skip("needs root to make a set-user-ID program of another user")
    exe = build("calls.c")
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        suid = os.path.join(d, "suid-calls")
        shutil.copy(exe, suid)
        os.chown(suid, 65534, 65534)
        os.chmod(suid, 0o4755)
        cp = hotpath("run", "--", suid, "7")
        if b"secure-execution" not in cp.stderr and b"leaf_add" in cp.stderr:
            raise Skip("this file system ignores set-user-ID bits (nosuid)")
        eq(cp.returncode, 7, "the program's status")
        err = cp.stderr.decode()
        eq(err, f"hotpath: {suid} ran unprofiled: it is set-user-ID or set-group-ID, and the loader "
                "ignores LD_PRELOAD for such programs (secure-execution mode)\n", "one line why")


def test_asan_binary_says_why_and_keeps_its_status():
    exe = os.path.join(BUILD, "tests", "progs", "exit_err-asan")
    src = os.path.join(os.path.dirname(__file__), "progs", "exit_err.c")
    cp = subprocess.run(["cc", "-fsanitize=address", "-finstrument-functions", "-g", "-O1", "-o",
                         exe, src], capture_output=True)
    if cp.returncode != 0:
        raise Skip(f"cannot build with -fsanitize=address: {cp.stderr.decode()[:200]}")
    cp = hotpath("run", "--", exe, "errx", "5")
    eq(cp.returncode, 5, "the program's status (ASan exited 1 when preloaded after us)")
    err = cp.stderr.decode()
    check(err.endswith(f"hotpath: {exe} ran unprofiled: it is built with AddressSanitizer, whose "
                       "runtime (libasan.so.8) must come first in the initial library list, "
                       "before LD_PRELOAD\n") or "libasan.so." in err, err)
    check("exit_err-asan: failing with errx()" in err, "the program's own message")


def test_percentiles_zero_message():
    cp = hotpath("run", "--percentiles", "0", "true")
    eq(cp.returncode, 2, "refused")
    check(cp.stderr.startswith(b"hotpath: --percentiles: expected percentiles above 0 and up to 100"),
          cp.stderr)


def test_list_functions_searches_path():
    exe = build("calls.c", instrument=False)
    d = os.path.dirname(exe)
    cp = hotpath("list-functions", os.path.basename(exe), "leaf_add",
                 env={"PATH": d + ":" + os.environ.get("PATH", "")})
    eq(cp.returncode, 0, cp.stderr.decode())
    check(b"selected 1, patchable 1" in cp.stdout, cp.stdout)
    cp = hotpath("list-functions", "no-such-program-hp")
    check(cp.stderr.startswith(b"hotpath: no-such-program-hp: program not found"), cp.stderr)


def test_limit_caps_child_process_blocks():
    cp = hotpath("run", "--limit", "3", "--", "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do true; "
                 "/bin/true; done")
    eq(cp.returncode, 0, "status")
    err = cp.stderr.decode()
    eq(err.count("[hotpath] process "), 3, "three child blocks")
    check("[hotpath] 7 more child processes not shown (--limit 3): 7 exited 0, 0 failed, 0 replaced "
          "by exec or killed;" in err, err[-600:])
    _, rep = run_json(["sh", "-c", "for i in 1 2 3 4 5; do /bin/true; done"], ["--limit", "2"])
    eq(len(rep["children"]), 5, "JSON keeps every child")


# ---- 6: a library unloaded and another loaded at its address --------------------------------

def test_library_swapped_at_the_same_address_keeps_its_names():
    lib_a = build("dl_gen.c", extra=("-shared", "-fPIC", "-DWORK=gen_a_work"), name="libgen_a.so")
    lib_b = build("dl_gen.c", extra=("-shared", "-fPIC", "-DWORK=gen_b_work"), name="libgen_b.so")
    exe = build("dl_swap.c", extra=("-ldl",))
    cp, rep = run_json([exe, lib_a, lib_b], ["--limit", "0"], want_rc=0)
    if cp.stdout != b"same base\n":
        raise Skip(f"the loader put the second library elsewhere ({cp.stdout!r}): no swap to check")
    a, b = fn(rep, "gen_a_work"), fn(rep, "gen_b_work")
    eq((a["calls"], b["calls"]), (3, 5), "each library's own calls")
    eq(a["address"], b["address"], "one address, two libraries")
    check(a["module"].endswith(os.path.basename(lib_a)), a["module"])
    check(b["module"].endswith(os.path.basename(lib_b)), b["module"])


def test_terminal_stop_stops_hotpath_and_fg_continues():
    """^Z stops the program's group; hotpath takes the terminal back and stops itself, so a
    shell sees the job stopped; SIGCONT (fg) hands the terminal over again and continues the
    program, which ends normally."""
    pid, fd = pty.fork()
    if pid == 0:
        _as_a_login_terminal()
        os.execve(HOTPATH, [HOTPATH, "run", "-o", os.devnull, "--", "sh", "-c",
                            "echo ready $$; read x; echo got:$x"], hp_env())
        # (no external command before the ^Z: a ^Z inside dash's vfork window stops the
        # child only, and the shell waits for it uninterruptibly, with or without hotpath)
    out, stopped, status = b"", False, None
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    pass
            if b"ready" in out and not stopped:
                fg_at_stop = os.tcgetpgrp(fd)
                os.write(fd, b"\x1a")  # ^Z
                stopped = True
                t_stop = time.time()
            w, st = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
            if w == pid and os.WIFSTOPPED(st):
                os.kill(pid, signal.SIGCONT)  # what the shell's fg does (we are its terminal)
                time.sleep(0.3)
                os.write(fd, b"line\n")  # only the foreground program can read it
            elif w == pid:
                status = st
                break
            elif stopped and time.time() - t_stop > 10:
                raise Fail(f"hotpath {pid} did not stop with its program (terminal foreground "
                           f"{os.tcgetpgrp(fd)} at ^Z {fg_at_stop}): {out!r}")
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    check(status is not None, f"hotpath ended: {out!r}")
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"status {status:#x}: {out!r}")
    check(b"got:line" in out, out)
