"""test_security.py - what another local user can plant must not hang, spoof, read or redirect
a profile (issue 11, docs/security.md): a FIFO in /dev/shm or at a module path, another user's
region naming your process, a predictable --console log, secure execution (setuid) with
HOTPATH_* set, terminal escapes in names, and a hotpath.conf in the working directory that is
not yours. Each test makes what it needs (a private /dev/shm, a throwaway user) and says SKIP
when it cannot; every command has a bounded timeout, so a hang fails the test."""
import glob
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import time

import lib
import seclib

HANG = 60  # seconds: a reader that takes longer on a planted file is hung


def bounded(fn, what, *args, **kw):
    try:
        return fn(*args, **kw)
    except subprocess.TimeoutExpired:
        raise lib.Fail(f"{what} hung (killed after {kw.get('timeout')} s)")


def hotpath(*args, timeout=HANG, **kw):
    return bounded(lib.hotpath, "hotpath " + " ".join(args[:2]), *args, timeout=timeout, **kw)


# 1. A FIFO planted in /dev/shm, or at a module path, hangs no reader.

def test_fifo_in_shm_hangs_no_reader():
    seclib.private_shm()
    with seclib.throwaway_user("f") as (_, uid, gid):
        cp = seclib.as_user(uid, gid, ["mkfifo", "-m", "666", "/dev/shm/hotpath-1-1"])
        lib.check(cp.returncode == 0, f"mkfifo as the other user: {cp.stderr}")
        exe = lib.build("whoami.c")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            cp = hotpath("run", "--format", "json", "--output", out, exe)
            lib.eq(cp.returncode, 0, f"hotpath run's status (stderr {cp.stderr!r})")
            with open(out) as f:
                rep = json.load(f)
            lib.fn(rep, "me")
        cp = hotpath("clean", "--dry-run")
        err = cp.stderr.decode()
        lib.check("/dev/shm/hotpath-1-1: not a regular file (left alone)" in err,
                  f"clean names the FIFO and leaves it:\n{err}")
        lib.check(stat.S_ISFIFO(os.lstat("/dev/shm/hotpath-1-1").st_mode), "the FIFO is still there")
        import test_console
        t = test_console.Tmux([])
        try:
            t.wait_text("no profiled process", timeout=HANG)
            t.keys("q")
            test_console.assert_restored(t)
        finally:
            t.close()


def test_fifo_at_module_path_does_not_hang_run():
    """The program replaces its executable with a FIFO before exiting: symbolizing it after the
    exit opens the module path recorded in the region."""
    seclib.private_shm()
    src = lib.build("fifo_self.c")
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "fifo_self")
        shutil.copy(src, exe)
        out = os.path.join(d, "r.json")
        cp = hotpath("run", "--format", "json", "--output", out, exe)
        lib.eq(cp.returncode, 0, f"status (stderr {cp.stderr!r})")
        lib.check(stat.S_ISFIFO(os.lstat(exe).st_mode), "the program left a FIFO in its place")
        with open(out) as f:
            rep = json.load(f)
        lib.check(len(rep["functions"]) >= 1, f"a report with the (unsymbolized) rows: {rep}")


# 2. Another user's region that names your process is not what your console shows or follows.

def region_bytes(pid):
    paths = glob.glob(f"/dev/shm/hotpath-{pid}-*")
    lib.check(paths, f"no region of {pid}")
    with open(paths[0], "rb") as f:
        return bytearray(f.read())


# struct hp_region_header (include/hp/region.h): pid at 32, proc_start_ticks 40, state 48,
# exit_status 52.
def set_header(buf, pid=None, start=None, state=None, status=None):
    if pid is not None:
        struct.pack_into("<i", buf, 32, pid)
    if start is not None:
        struct.pack_into("<Q", buf, 40, start)
    if state is not None:
        struct.pack_into("<I", buf, 48, state)
    if status is not None:
        struct.pack_into("<i", buf, 52, status)


def plant(uid, gid, data, path):
    """Write `data` to `path` as uid:gid, readable by everyone (the attacker's file)."""
    with tempfile.NamedTemporaryFile(delete=False, dir="/tmp") as f:
        f.write(data)
    os.chmod(f.name, 0o644)
    try:
        cp = seclib.as_user(uid, gid, ["cp", f.name, path])
        lib.check(cp.returncode == 0, f"cp as the other user: {cp.stderr}")
        os.chmod(path, 0o644)
    finally:
        os.unlink(f.name)


def test_console_ignores_spoofed_region():
    seclib.private_shm()
    import test_console
    p = test_console.start_prog(120)
    t = None
    try:
        with seclib.throwaway_user("s") as (_, uid, gid):
            fake = region_bytes(p.pid)
            set_header(fake, state=2, status=77)  # "exited with status 77"
            plant(uid, gid, bytes(fake), f"/dev/shm/hotpath-{p.pid}-999999999999999")
            t = test_console.Tmux(["-i", "0.2", str(p.pid)])
            t.wait(lambda x: test_console.row_calls(x, "leaf_work"), "the dashboard of the process")
            time.sleep(1)
            s = t.screen()
            lib.check("status 77" not in s and "untrusted" not in s,
                      f"the console attached to the other user's file:\n{s}")
            t.keys("q")
            test_console.assert_restored(t)
    finally:
        if t:
            t.close()
        test_console.stop(p)


def test_picker_follows_no_other_users_region():
    seclib.private_shm()
    import test_console
    done = test_console.start_prog(0.1, tag="template")
    done.wait()
    template = region_bytes(done.pid)
    t = test_console.Tmux(["-i", "0.2"])
    sleeper = mine = None
    try:
        with seclib.throwaway_user("p") as (_, uid, gid):
            t.wait_text("following new ones", timeout=HANG)
            sleeper = subprocess.Popen(["sleep", "60"], user=uid, group=gid, extra_groups=[])
            fake = bytearray(template)
            set_header(fake, pid=sleeper.pid, start=0, state=1)
            plant(uid, gid, bytes(fake), f"/dev/shm/hotpath-{sleeper.pid}-999999999999999")
            t.wait(lambda x: str(sleeper.pid) in x, "the other user's process in the list")
            time.sleep(2)  # ten refreshes
            s = t.screen()
            lib.check("followed" not in s and "1 Functions" not in s,
                      f"the picker followed another user's region:\n{s}")
            # It does follow one of ours: the check above could not pass by being too early.
            mine = test_console.start_prog(60)
            t.wait_text(f"pid {mine.pid}")
            t.keys("q")
            test_console.assert_restored(t)
    finally:
        t.close()
        if sleeper:
            sleeper.kill()
            sleeper.wait()
        if mine:
            test_console.stop(mine)
        test_console.remove_regions(done.pid)


# 3. The --console log: a name no one can plant in advance, a file no one else made.

def test_console_log_is_not_predictable():
    with seclib.throwaway_user("l") as (_, uid, gid):
        tmp = tempfile.mkdtemp(prefix="hp-log-")
        os.chmod(tmp, 0o1777)
        try:
            with open("/proc/sys/kernel/ns_last_pid") as f:
                last = int(f.read())
            # The attacker's files for the pids the launcher may get (the old name).
            planted = [os.path.join(tmp, f"hotpath-run-{pid}.log") for pid in range(last, last + 3000)]
            script = "import sys\nfor p in sys.argv[1:]:\n    open(p, 'w').close()\n"
            cp = seclib.as_user(uid, gid, ["python3", "-c", script + "import os\n[os.chmod(p, 0o666) for p in sys.argv[1:]]", *planted])
            lib.check(cp.returncode == 0, f"planting the logs: {cp.stderr}")
            prog = os.path.join(tmp, "say.sh")
            with open(prog, "w") as f:
                f.write("#!/bin/sh\necho SECRET-OUTPUT\n")
            os.chmod(prog, 0o755)
            cp = hotpath("run", "--console", prog, env={"TMPDIR": tmp})
            err = cp.stderr.decode()
            m = re.search(r"the program's output is in (\S+)", err)
            lib.check(m, f"the log is named on stderr:\n{err}")
            log = m.group(1)
            leaked = [p for p in planted if os.path.getsize(p)]
            lib.check(not leaked, f"the program's output went into a file the other user made: {leaked[:3]}")
            lib.check(log not in planted and os.path.dirname(log) == tmp, f"log {log} is a fresh name in TMPDIR")
            st = os.lstat(log)
            lib.check(stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) == 0o600,
                      f"log {log}: owner {st.st_uid}, mode {oct(st.st_mode)}")
            with open(log) as f:
                lib.check("SECRET-OUTPUT" in f.read(), "the program's output is in the log")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


# 4. Secure execution (setuid): the library reads no HOTPATH_* and records nothing.

def test_secure_execution_ignores_settings():
    seclib.private_shm()
    lib_so = os.path.join(lib.BUILD, "libhotpath.so")
    probe = lib.build("secure_probe.c")
    with seclib.throwaway_user("x") as (name, uid, gid):
        d = tempfile.mkdtemp(prefix="hp-secure-")
        try:
            os.chmod(d, 0o755)
            so = os.path.join(d, "libhotpath.so")
            shutil.copy(lib_so, so)
            os.chmod(so, 0o755)
            suid = os.path.join(d, "probe-suid")
            plain = os.path.join(d, "probe")
            shutil.copy(probe, suid)
            shutil.copy(probe, plain)
            os.chmod(plain, 0o755)
            os.chmod(suid, 0o4755)
            # /etc/ld.so.preload in this mount namespace only: a copy of /etc bound over it.
            etc = os.path.join(d, "etc")
            subprocess.run(["cp", "-a", "/etc", etc], check=True, timeout=120)
            with open(os.path.join(etc, "ld.so.preload"), "w") as f:
                f.write(so + "\n")
            secret = os.path.join(d, "plan")
            with open(secret, "w") as f:
                f.write("root only\n")
            os.chmod(secret, 0o600)
            env = {"PATH": "/usr/bin:/bin", "HOTPATH_DEBUG": "1", "HOTPATH_REGION_SIZE": "8",
                   "HOTPATH_FUNCTIONS": "probe_work", "HOTPATH_PATCH_PLAN": secret}
            seclib.bind(etc, "/etc")

            def run(path):
                cp = seclib.as_user(uid, gid, [path], env=env, text=True)
                lib.eq(cp.returncode, 0, f"{path} status (stderr {cp.stderr!r})")
                pid, secure = map(int, cp.stdout.split())
                return pid, secure, cp.stderr, glob.glob(f"/dev/shm/hotpath-{pid}-*")

            # The control: not setuid, the same settings are honoured.
            pid, secure, err, regions = run(plain)
            lib.eq(secure, 0, "AT_SECURE of the plain copy")
            lib.check(regions and "hotpath" in err, f"the plain copy is profiled (debug: {err!r})")
            pid, secure, err, regions = run(suid)
            if secure != 1:
                raise lib.Skip("the setuid copy did not run in secure mode (nosuid mount?)")
            lib.eq(regions, [], "regions of the setuid program")
            lib.check("hotpath" not in err, f"HOTPATH_DEBUG honoured under AT_SECURE: {err!r}")
        finally:
            subprocess.run(["umount", "/etc"], capture_output=True, timeout=30)
            shutil.rmtree(d, ignore_errors=True)


# 5. Terminal escapes in names, command lines and saved reports reach the terminal escaped.

ESC_SEQS = ("\x1b]0;PWNED\x07", "\x1b[2J", "\x9b2J")


ENUMS = ("hotpath_version", "hotpath_profiling_mode", "state", "address", "kind")


def taint(v, key=None):
    """Every free-text string of a JSON report with the escapes appended."""
    if isinstance(v, dict):
        return {k: taint(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [taint(x, key) for x in v]
    if isinstance(v, str) and key not in ENUMS:
        return v + "".join(ESC_SEQS)
    return v


def no_controls(out, what):
    bad = [c for c in out if (c < 0x20 and c not in (0x0a,)) or c == 0x7f]
    lib.check(not bad, f"{what}: raw control bytes {sorted(set(bad))} in:\n{out[:3000]!r}")
    lib.check(b"\xc2\x9b" not in out, f"{what}: a raw C1 CSI in:\n{out[:3000]!r}")


def test_escapes_in_table_output():
    exe = lib.build("escape_names.c")
    cp = hotpath("run", exe)
    lib.eq(cp.returncode, 0, f"status (stderr {cp.stderr!r})")
    no_controls(cp.stderr, "hotpath run's table")
    lib.check(b"\\x1b[2Jx" in cp.stderr, f"the thread name shown escaped:\n{cp.stderr.decode()}")
    with tempfile.TemporaryDirectory() as d:
        _, rep = lib.run_json([exe], opts=("--alloc",))
        path = os.path.join(d, "evil.json")
        with open(path, "w") as f:
            json.dump(taint(rep), f)
        cp = hotpath("report", path)
        lib.eq(cp.returncode, 0, f"hotpath report status (stderr {cp.stderr!r})")
        out = cp.stdout + cp.stderr
        no_controls(out, "hotpath report FILE")
        lib.check(b"named_work\\x1b]0;PWNED\\x07" in out, f"names shown escaped:\n{out.decode()}")
        # Markdown and table output of compare, and the history list, from saved runs.
        db = os.path.join(d, "h.db")
        for label in ("base\x1b[2J", "head\x1b]0;X\x07"):
            cp = hotpath("run", "--save", "--db", db, "--label", label, exe)
            lib.eq(cp.returncode, 0, f"save (stderr {cp.stderr!r})")
        for args in (("history", "--db", db), ("compare", "--db", db, "base\x1b[2J", "head\x1b]0;X\x07"),
                     ("compare", "--db", db, "--format", "markdown", "base\x1b[2J", "head\x1b]0;X\x07")):
            cp = hotpath(*args)
            lib.eq(cp.returncode, 0, f"{args[0]} status (stderr {cp.stderr!r})")
            no_controls(cp.stdout + cp.stderr, " ".join(args[:3]))


# 7. A hotpath.conf in the working directory that someone else could have written is skipped.

def test_cwd_config_must_be_yours():
    exe = lib.build("whoami.c")
    with seclib.throwaway_user("c") as (name, uid, gid):
        d = tempfile.mkdtemp(prefix="hp-conf-")
        try:
            os.chmod(d, 0o1777)
            stolen = os.path.join(d, "stolen.txt")
            conf = os.path.join(d, "hotpath.conf")
            cp = seclib.as_user(uid, gid, ["sh", "-c", f"printf 'output = {stolen}\\n' > {conf}"])
            lib.check(cp.returncode == 0, f"writing the config as the other user: {cp.stderr}")
            cp = hotpath("run", exe, cwd=d)
            err = cp.stderr.decode()
            lib.eq(cp.returncode, 0, f"status (stderr {err!r})")
            lib.check(not os.path.exists(stolen), "the other user's hotpath.conf redirected the report")
            lib.check(f"hotpath: warning: ./hotpath.conf skipped: owned by uid {uid}" in err,
                      f"a warning says why the config was skipped:\n{err}")
            lib.check("[hotpath] timing" in err, f"the report went to stderr:\n{err}")
            # Ours but writable by others: skipped too.
            os.unlink(conf)
            with open(conf, "w") as f:
                f.write(f"output = {stolen}\n")
            os.chmod(conf, 0o666)
            cp = hotpath("run", exe, cwd=d)
            err = cp.stderr.decode()
            lib.check(not os.path.exists(stolen) and "writable by others" in err,
                      f"a world-writable config is skipped with the reason:\n{err}")
            # Ours and not writable by others: used, and stderr says so.
            os.chmod(conf, 0o644)
            cp = hotpath("run", exe, cwd=d)
            err = cp.stderr.decode()
            lib.check(os.path.exists(stolen), f"our own config is used:\n{err}")
            lib.check(f"hotpath: settings from ./hotpath.conf: output = {stolen}" in err,
                      f"stderr names the config that set the output path:\n{err}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
