"""test_console.py - `hotpath console` driven through tmux: attach to a running program
(tests/progs/console_loop.c, preloaded directly so its region stays), see counts change, switch
every tab, sort, filter, inspect, pause, quit with the terminal restored; the exited,
corrupted, unknown-version, truncated, not-profiled, killed-while-watched and follow cases.

Every wait polls capture-pane with a timeout (a loaded machine only makes it slower); the only
fixed sleep is in the pause test, whose assertion is equality (nothing may change), so a slow
machine cannot make it fail."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import lib

LIB = os.path.join(lib.BUILD, "libhotpath.so")
WAIT = 30  # seconds a screen may take to show what we wait for


class Tmux:
    """One tmux server of our own (-L), one session running `cmd` in a shell that, after the
    console exits, prints its exit status and the terminal modes, then waits."""

    def __init__(self, console_args, width=120, height=40, env=None, cmd="console", prefix=""):
        self.sock = f"hp-con-{os.getpid()}-{time.monotonic_ns()}"
        e = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        if env:
            e.update(env)
        envs = " ".join(f"{k}={v}" for k, v in e.items())
        args = " ".join(console_args)
        # The shell survives Ctrl-C (trap), to show how the console left the terminal.
        script = (f"trap : INT; {prefix} env {envs} {lib.HOTPATH} {cmd} {args}; echo CONSOLE-EXIT=$?; "
                  "stty -a | tr ' ' '\\n' | grep -x -e '-\\?icanon' -e '-\\?echo' | tr '\\n' ' '; "
                  "echo; sleep 120")  # bounded: a killed test leaves no server for long
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-x",
                        str(width), "-y", str(height), "-s", "t", "sh", "-c", script], check=True)

    def tm(self, *args, **kw):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True, **kw)

    def screen(self, escapes=False, history=False):
        return self.tm("capture-pane", "-p", *(["-e"] if escapes else []),
                       *(["-S", "-1000"] if history else []), "-t", "t").stdout

    def keys(self, *keys):
        for k in keys:
            self.tm("send-keys", "-t", "t", k)
            time.sleep(0.05)

    def type(self, text):
        self.tm("send-keys", "-t", "t", "-l", text)

    def wait(self, pred, what, timeout=WAIT):
        end = time.monotonic() + timeout
        s = ""
        while time.monotonic() < end:
            s = self.screen()
            if pred(s):
                return s
            time.sleep(0.2)
        raise lib.Fail(f"timed out waiting for {what}; screen:\n{s}")

    def wait_text(self, text, timeout=WAIT):
        return self.wait(lambda s: text in s, repr(text), timeout)

    def console_pid(self):
        out = self.tm("list-panes", "-t", "t", "-F", "#{pane_pid}").stdout.split()
        shell = int(out[0])
        kids = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True).stdout.split()
        # sh -> env -> hotpath (env execs hotpath, so the child is hotpath itself)
        return int(kids[0]) if kids else None

    def close(self):
        # The pane's process group (tmux makes it a session): after the hang-up, anything
        # still in it is killed. An ASan-built console on SIGHUP can hang in LeakSanitizer's
        # exit-time check (make sanitize); without this it would spin on after the test.
        panes = self.tm("list-panes", "-F", "#{pane_pid}").stdout.split()
        self.tm("kill-server")
        for pid in panes:
            for _ in range(20):
                try:
                    os.killpg(int(pid), 0)
                except (OSError, ValueError):
                    break
                time.sleep(0.05)
            else:
                try:
                    os.killpg(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        # tmux leaves its socket file behind
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", self.sock)
        if os.path.exists(sock):
            os.unlink(sock)


def start_prog(seconds, env=None, tag=None):
    exe = lib.build("console_loop.c")
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("HOTPATH_"):
            del e[k]
    e.update({"LD_PRELOAD": LIB, "HOTPATH_REGION_SIZE": "8", "HOTPATH_ALLOC": "1"})
    if env:
        e.update(env)
    p = subprocess.Popen([exe, str(seconds)] + ([tag] if tag else []), env=e,
                         stdout=subprocess.DEVNULL)
    end = time.monotonic() + WAIT
    while not glob.glob(f"/dev/shm/hotpath-{p.pid}-*"):
        if time.monotonic() > end:
            p.kill()
            raise lib.Fail("the test program created no region")
        time.sleep(0.05)
    return p


def remove_regions(pid):
    for f in glob.glob(f"/dev/shm/hotpath-{pid}-*"):
        os.unlink(f)


def stop(p):
    if p.poll() is None:
        p.kill()
    p.wait()
    remove_regions(p.pid)


def row_calls(screen, name):
    """Calls column of the Functions row `name`, or None."""
    m = re.search(rf"^{re.escape(name)}\s+(\d+)\s", screen, re.M)
    return int(m.group(1)) if m else None


def assert_restored(t):
    s = t.wait_text("CONSOLE-EXIT=")
    modes = t.wait(lambda x: re.search(r"icanon.*\n", x.split("CONSOLE-EXIT=")[1]), "stty modes")
    after = modes.split("CONSOLE-EXIT=")[1]
    lib.check("-icanon" not in after and "-echo" not in after,
              f"terminal left in raw mode after the console exited:\n{s}")
    lib.check("1 Functions" not in s and "profiled processes" not in s,
              f"the dashboard is still on screen (alternate screen not left):\n{s}")
    return int(re.search(r"CONSOLE-EXIT=(\d+)", s).group(1))


def test_live_tabs_sort_filter_inspect_pause_quit():
    p = start_prog(120)
    t = Tmux([str(p.pid)])
    try:
        s = t.wait(lambda x: row_calls(x, "leaf_work"), "the leaf_work row")
        lib.check(f"pid {p.pid}" in s, f"title names the pid:\n{s}")
        first = row_calls(s, "leaf_work")
        t.wait(lambda x: (row_calls(x, "leaf_work") or 0) > first, "leaf_work's calls to grow")
        # Every tab.
        for key, want in (("2", "alloc_some"), ("3", "pipe"), ("4", "mutex"),
                          ("5", "running"), ("1", "Calls/s")):
            t.keys(key)
            t.wait_text(want)
        t.keys("2")
        s = t.wait(lambda x: re.search(r"^alloc_some\s+\d+\s+\S+ K?i?B", x, re.M), "alloc_some's bytes")
        lib.check("Heap live" in s and "Allocs" in s, f"Memory tab:\n{s}")
        t.keys("3")
        s = t.wait(lambda x: re.search(r"^pipe\b.*open\s+[1-9]\d*", x, re.M), "the pipe's messages")
        t.keys("4")
        s = t.wait(lambda x: re.search(r"^mutex\b.*?\s[1-9]\d*\s", x, re.M), "the mutex's acquisitions")
        t.keys("5")
        s = t.wait(lambda x: len(re.findall(r"^\S.*?\s\d+ running", x, re.M)) == 2, "two running threads")
        lib.check("Process RSS" in s and "TID" in s and "CPU %" in s, f"Threads tab:\n{s}")
        t.keys("1")
        t.wait_text("Calls/s")
        # Sort: from Total, three steps forward wrap to Function (ascending by name).
        t.keys("s", "s", "s")
        s = t.wait_text("sort: Function")
        names = [m.group(1) for m in re.finditer(r"^(\w+)\s+\d+\s", s, re.M)]
        lib.check(len(names) >= 5, f"rows on screen: {names}\n{s}")
        lib.eq(names, sorted(names), "rows sorted by name")
        t.keys("r")
        s = t.wait(lambda x: re.search(r"sort: Function .*\n", x) and "▼" in x.splitlines()[-1], "reverse sort")
        names = [m.group(1) for m in re.finditer(r"^(\w+)\s+\d+\s", s, re.M)]
        lib.eq(names, sorted(names, reverse=True), "rows sorted by name, reversed")
        # Filter.
        t.keys("/", "l", "e", "a", "f", "Enter")
        s = t.wait(lambda x: "filter: leaf" in x and row_calls(x, "step") is None, "the filter")
        lib.check(row_calls(s, "leaf_work") is not None, f"leaf_work kept by the filter:\n{s}")
        t.keys("Escape")
        t.wait(lambda x: row_calls(x, "step") is not None, "the filter cleared")
        # Inspect step.
        t.keys("/", "s", "t", "e", "p", "Enter")
        t.wait(lambda x: row_calls(x, "leaf_work") is None and row_calls(x, "step"), "filter step")
        t.keys("i")
        s = t.wait_text("Histogram")
        for want in ("Function  step", "console_loop.c:", "p50", "p99", "max", "Calls/s over the last"):
            lib.check(want in s, f"Inspect shows {want!r}:\n{s}")
        t.wait(lambda x: re.search(r"[▁▂▃▄▅▆▇█]{2,}", x), "a sparkline of two samples")
        t.keys("Escape", "Escape")
        t.wait(lambda x: row_calls(x, "leaf_work") is not None, "the table back, unfiltered")
        # Pause: nothing changes however long we wait.
        t.keys("p")
        s1 = t.wait_text("PAUSED")
        time.sleep(2.5)
        s2 = t.screen()
        lib.eq(row_calls(s2, "leaf_work"), row_calls(s1, "leaf_work"), "calls while paused")
        lib.eq(s2, s1, "screen while paused")
        t.keys("p")
        t.wait(lambda x: "PAUSED" not in x and (row_calls(x, "leaf_work") or 0) > row_calls(s1, "leaf_work"),
               "updates after resuming")
        # Help and quit.
        t.keys("?")
        t.wait_text("any key closes")
        t.keys("x")
        t.wait(lambda x: "any key closes" not in x, "help closed")
        t.keys("q")
        lib.eq(assert_restored(t), 0, "console exit status after q")
    finally:
        t.close()
        stop(p)


def test_100000_functions_filter_and_inspect():
    """A model of 100,000 functions (issue 13): the console stretches its refresh interval to
    keep its CPU share (the title says so), its keys still work (the Functions tab keeps its
    sorted rows between refreshes, a filter sorts again), and the filter finds one function of
    the 100,000."""
    exe = lib.build("live_funcs.c", instrument=False)
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
    e["LD_PRELOAD"] = LIB
    p = subprocess.Popen([exe, "100000", "120"], env=e, stdout=subprocess.DEVNULL)
    t = None
    try:
        end = time.monotonic() + WAIT
        while not glob.glob(f"/dev/shm/hotpath-{p.pid}-*") and time.monotonic() < end:
            time.sleep(0.05)
        t = Tmux([str(p.pid)])
        t.wait_text("large model")
        t.keys("j", "j", "/")
        t.type("0x10001230")
        t.keys("Enter")
        s = t.wait(lambda x: "filter: 0x10001230" in x and row_calls(x, "0x10001230") == 1,
                   "the one function the filter keeps")
        lib.eq(re.findall(r"^0x[0-9a-f]+(?=\s+\d+\s)", s, re.M), ["0x10001230"], "rows")
        t.keys("i")
        s = t.wait_text("Histogram")
        lib.check("Function  0x10001230" in s, f"Inspect shows the function:\n{s}")
        t.keys("Escape", "Escape")
        t.wait(lambda x: len(re.findall(r"^0x[0-9a-f]+\s+\d+\s", x, re.M)) >= 20,
               "the table back, unfiltered")
        t.keys("q")
        lib.eq(assert_restored(t), 0, "console exit status after q")
    finally:
        if t:
            t.close()
        stop(p)


def test_80x24_monochrome():
    p = start_prog(60)
    t = Tmux([str(p.pid)], width=80, height=24, env={"TERM": "xterm-mono"})
    try:
        s = t.wait(lambda x: row_calls(x, "leaf_work") and "q quit" in x,
                   "the leaf_work row and the footer at 80x24")
        lines = s.splitlines()
        lib.check(all(len(line) <= 80 for line in lines), "lines fit 80 columns")
        lib.check("Function" in lines[2] and "Calls" in lines[2] and "Total" in lines[2],
                  f"header at 80 columns:\n{s}")
        lib.check("q quit" in s, f"footer at 24 lines:\n{s}")
        esc = t.screen(escapes=True)
        lib.check(not re.search(r"\x1b\[(3[0-7]|4[0-7]|38;|48;|9[0-7])", esc),
                  f"colour used on a monochrome terminal:\n{esc!r}"[:2000])
        # Resize to 120x40 and back: still drawn in full.
        t.tm("resize-window", "-t", "t", "-x", "120", "-y", "40")
        t.wait(lambda x: len(x.splitlines()) >= 39 and "q quit" in x.splitlines()[-1], "the resized frame")
        t.tm("resize-window", "-t", "t", "-x", "80", "-y", "24")
        t.wait(lambda x: "q quit" in x and row_calls(x, "leaf_work"), "the frame at 80x24 again")
        pid = t.console_pid()
        os.kill(pid, signal.SIGTERM)
        lib.eq(assert_restored(t), 128 + signal.SIGTERM, "exit status after SIGTERM")
    finally:
        t.close()
        stop(p)


def test_sigint_restores_terminal():
    p = start_prog(60)
    t = Tmux([str(p.pid)])
    try:
        t.wait(lambda x: row_calls(x, "leaf_work"), "the leaf_work row")
        t.keys("C-c")
        lib.eq(assert_restored(t), 128 + signal.SIGINT, "exit status after Ctrl-C")
    finally:
        t.close()
        stop(p)


def test_exited_process_is_viewable():
    p = start_prog(0.3)
    p.wait()
    t = Tmux([str(p.pid)])
    try:
        s = t.wait_text(f"process {p.pid} exited with status 0")
        t.wait(lambda x: row_calls(x, "leaf_work"), "the exited process's functions")
    finally:
        t.close()
        remove_regions(p.pid)


def test_dies_while_watched():
    p = start_prog(120)
    t = Tmux([str(p.pid)])
    try:
        t.wait(lambda x: row_calls(x, "leaf_work"), "the leaf_work row")
        p.kill()
        p.wait()
        s = t.wait_text(f"process {p.pid} died without a recorded exit")
        lib.check(row_calls(s, "leaf_work"), f"last numbers still shown:\n{s}")
    finally:
        t.close()
        stop(p)


def fake_region(src_pid, mutate):
    """Copy the region of src_pid to /dev/shm/hotpath-<unused pid>-1 and change it."""
    src = glob.glob(f"/dev/shm/hotpath-{src_pid}-*")[0]
    with open("/proc/sys/kernel/pid_max") as f:
        fake = int(f.read()) + 1 + os.getpid() % 100000  # above pid_max: no such process
    dst = f"/dev/shm/hotpath-{fake}-1"
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o600)
    mutate(dst)
    return fake, dst


def scribble(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_corrupted_unknown_version_truncated():
    p = start_prog(0.2)
    p.wait()
    made = []
    try:
        cases = (
            (lambda d: scribble(d, 0, b"garbage!"), "corrupted region: ", "bad magic"),
            (lambda d: scribble(d, 8, (77).to_bytes(4, "little")), "unknown region layout",
             "layout version 77"),
            (lambda d: os.truncate(d, 100), "corrupted region: ", "too small"),
            (lambda d: scribble(d, 16, (12345).to_bytes(8, "little")), "corrupted region: ",
             "corrupted header"),
        )
        for mutate, want1, want2 in cases:
            fake, dst = fake_region(p.pid, mutate)
            made.append(dst)
            t = Tmux([str(fake)])
            try:
                # One screen with the message and the footer: a capture may land between
                # the two being drawn.
                s = t.wait(lambda x: want1 in x and want2 in x and "q quit" in x,
                           f"{want1}{want2} with the footer")
                lib.check("q quit" in s, f"the console still runs:\n{s}")
                t.keys("q")
                assert_restored(t)
            finally:
                t.close()
            os.unlink(dst)
            made.remove(dst)
    finally:
        for d in made:
            if os.path.exists(d):
                os.unlink(d)
        remove_regions(p.pid)


def test_region_of_another_user():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        raise lib.Skip("needs root and setpriv to become another user")
    p = start_prog(0.1)
    p.wait()
    t = Tmux([str(p.pid)], prefix="setpriv --reuid=65534 --regid=65534 --clear-groups")
    try:
        t.wait(lambda x: "belongs to user root (uid 0): permission denied" in x, "the other-user message")
        t.keys("q")
        assert_restored(t)
    finally:
        t.close()
        remove_regions(p.pid)


def test_truncated_while_watched():
    """A region cut short under the console: the SIGBUS of reading it is caught."""
    p = start_prog(0.2)
    p.wait()
    fake, dst = fake_region(p.pid, lambda d: None)
    # Recovering from the SIGBUS abandons the half-built model: under `make sanitize`,
    # LeakSanitizer would turn that small, documented leak into exit status 1.
    t = Tmux([str(fake)], env={"ASAN_OPTIONS": "detect_leaks=0"})
    try:
        t.wait(lambda x: row_calls(x, "leaf_work"), "the copied region's functions")
        os.truncate(dst, 8192)
        s = t.wait(lambda x: "was truncated while being read" in x and "q quit" in x,
                   "the truncation message with the footer")
        lib.check("q quit" in s, f"the console still runs:\n{s}")
        t.keys("q")
        lib.eq(assert_restored(t), 0, "exit status")
    finally:
        t.close()
        os.unlink(dst)
        remove_regions(p.pid)


def test_not_profiled():
    sleeper = subprocess.Popen(["sleep", "60"])
    t = Tmux([str(sleeper.pid)])
    try:
        t.wait_text(f"process {sleeper.pid} is not profiled")
        t.keys("q")
        assert_restored(t)
    finally:
        t.close()
        sleeper.kill()
        sleeper.wait()


def test_picker_follows_new_process():
    # Other tests (and other programs) may start profiled processes at the same time: follow
    # only ours, through the filter, which the picker applies to what it follows.
    tag = f"follow-me-{os.getpid()}"
    done = start_prog(0.1, tag=tag + "-exited")
    done.wait()
    t = Tmux([], env={})
    p = None
    try:
        t.wait_text("following new ones")
        t.keys("/")
        t.type(tag)
        t.keys("Enter")
        t.wait_text(f"filter: {tag}")
        # The command column may cut the tag (a long build path): the filter already
        # chose the rows, the pid names ours.
        s = t.wait(lambda x: re.search(rf"\s{done.pid}\s+\S+\s+exited \(0\)", x),
                   "the exited process listed as exited")
        p = start_prog(60, tag=tag)
        s = t.wait_text(f"pid {p.pid}")
        t.wait(lambda x: row_calls(x, "leaf_work"), "the followed process's functions")
        t.keys("b")
        s = t.wait(lambda x: "profiled processes" in x and str(p.pid) in x, "the list with the process")
        lib.check("running" in s, f"state shown in the list:\n{s}")
        t.keys("q")
        assert_restored(t)
    finally:
        t.close()
        remove_regions(done.pid)
        if p:
            stop(p)


def test_run_console():
    exe = lib.build("console_loop.c")
    tmp = tempfile.mkdtemp(prefix="hp-console-")  # where the log goes (TMPDIR)
    t = Tmux(["--console", exe, "60"], cmd="run", env={"TMPDIR": tmp})
    log = None
    try:
        s = t.wait(lambda x: row_calls(x, "leaf_work") and "output: " in x, "the dashboard of run --console")
        t.keys("o")
        t.wait(lambda x: "Program output:" in x and "console_loop: running for 60 s" in x, "the log view")
        t.keys("1")
        t.wait(lambda x: row_calls(x, "leaf_work"), "the Functions tab again")
        t.keys("q")
        t.wait_text("CONSOLE-EXIT=")
        s = t.screen(history=True)
        m = re.search(r"the program's output is in (\S+)", s)
        lib.check(m, f"the log file is named after the console:\n{s}")
        log = m.group(1)
        lib.check(os.path.exists(log), f"{log} exists")
        lib.check("[hotpath] timing" in s and "| leaf_work" in s, f"the report follows:\n{s}")
        lib.eq(int(re.search(r"CONSOLE-EXIT=(\d+)", s).group(1)), 128 + signal.SIGTERM,
               "hotpath run's status: the program's, stopped by SIGTERM on q")
        lib.check(log.startswith(tmp + "/"), f"the log {log} is in TMPDIR {tmp}")
    finally:
        t.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_self_profiling_demo():
    """`hotpath run hotpath console` with a hotpath built with -finstrument-functions: the
    console lists itself, attaches to itself with Enter and shows its own functions; the
    report printed at the end has them too."""
    self_build = os.path.join(lib.BUILD, "tests", "self")
    # SAN= : under `make sanitize` the variable reaches this make through MAKEFLAGS, and an
    # ASan-built hotpath cannot run with a library preloaded ahead of the ASan runtime.
    cp = subprocess.run(["make", "-C", lib.ROOT, "-j2", f"BUILD={self_build}", "SAN=",
                         "CC=cc -finstrument-functions", os.path.join(self_build, "hotpath")],
                        capture_output=True, text=True, timeout=170)
    lib.check(cp.returncode == 0, f"building the instrumented hotpath failed:\n{cp.stderr[-3000:]}")
    t = Tmux([os.path.join(self_build, "hotpath"), "console", "--no-follow"], cmd="run")
    try:
        t.wait_text("profiled processes")
        t.keys("/")
        t.type("tests/self/hotpath console")
        t.keys("Enter")
        t.wait(lambda x: re.search(r"hotpath console --no-follow\s+\d+\s+\S+\s+running", x), "itself in the list")
        t.keys("Enter")
        t.wait(lambda x: row_calls(x, "hp_con_refresh"), "the console's own functions")
        # hp_con_put's row can sit below the screen (sorted by total): filter to it
        t.keys("/")
        t.type("hp_con_put")
        t.keys("Enter")
        s = t.wait(lambda x: row_calls(x, "hp_con_put") and not row_calls(x, "hp_con_refresh"),
                   "the hp_con_put row, filtered")
        first = row_calls(s, "hp_con_put")
        t.wait(lambda x: (row_calls(x, "hp_con_put") or 0) > first, "its own calls growing")
        t.keys("q")
        t.wait_text("CONSOLE-EXIT=")
        s = t.screen(history=True)
        lib.check("| hp_console_run" in s or "| hp_con_refresh" in s, f"the report has the console's functions:\n{s}")
    finally:
        t.close()


def test_inspect_stays_whole_when_the_process_exits():
    # The "process exited" line used to be drawn over the Inspect view's Function line.
    p = start_prog(4)
    t = Tmux([str(p.pid)])
    try:
        t.wait(lambda x: row_calls(x, "step"), "the step row")
        t.keys("/", "s", "t", "e", "p", "Enter")
        t.wait(lambda x: row_calls(x, "leaf_work") is None and row_calls(x, "step"), "filter step")
        t.keys("i")
        t.wait_text("Histogram")
        p.wait()
        s = t.wait_text(f"process {p.pid} exited with status 0")
        lines = s.splitlines()
        banner = [i for i, l in enumerate(lines) if f"process {p.pid} exited" in l]
        func = [i for i, l in enumerate(lines) if re.match(r"^\s*Function\s+step\s*$", l)]
        lib.check(len(banner) == 1 and len(func) == 1 and func[0] == banner[0] + 1,
                  f"banner, then the Function line below it:\n{s}")
        lib.check(any(re.match(r"^\s*Module\s+\S", l) for l in lines), f"Module line intact:\n{s}")
    finally:
        t.close()
        stop(p)


def test_tree_tab_and_callers_in_inspect():
    """The Tree tab: main > step > leaf_work, closed and opened with - and +, sorted by
    another column; Enter on step inspects it with its callers and callees."""
    p = start_prog(120)
    t = Tmux([str(p.pid)])
    try:
        t.wait(lambda x: row_calls(x, "leaf_work"), "the leaf_work row")
        t.keys("6")
        s = t.wait(lambda x: re.search(r"^\s+leaf_work\s+\d+", x, re.M), "leaf_work in the tree")
        lines = s.splitlines()
        at = {name: next(i for i, ln in enumerate(lines) if re.match(rf"^\W*{name}\s", ln))
              for name in ("main", "step", "leaf_work", "worker", "worker_tick")}
        indent = {name: len(lines[i]) - len(lines[i].lstrip(" ▾▸+-")) for name, i in at.items()}
        lib.check(indent["main"] < indent["step"] < indent["leaf_work"], f"indentation {indent}:\n{s}")
        lib.check(at["main"] < at["step"] < at["leaf_work"], f"leaf_work under step under main:\n{s}")
        lib.check(indent["worker"] == indent["main"] and indent["worker_tick"] == indent["step"],
                  f"the worker thread's root:\n{s}")
        lib.check("Call path" in s and "Self" in s and "% Caller" in s, f"columns:\n{s}")
        # g selects the first row; sorted by Total, the first root is the one with the most
        # time: close it, its children go, open it, they come back.
        t.keys("s", "s", "s", "s")  # Total -> Self -> % Caller -> % Run -> Call path
        s = t.wait_text("sort: Call path")
        roots = [m.group(1) for m in re.finditer(r"^[▾▸] (\w+)", s, re.M)]
        lib.eq(roots, sorted(roots), "roots by name")
        t.keys("g", "-")
        s = t.wait(lambda x: re.search(r"^▸ main", x, re.M) and not re.search(r"^\s+▾ step", x, re.M),
                   "main closed")
        t.keys("+")
        t.wait(lambda x: re.search(r"^▾ main", x, re.M) and re.search(r"^\s+▾ step", x, re.M), "main open")
        # The step row: inspect it.
        t.keys("/", "s", "t", "e", "p", "Enter")
        t.wait(lambda x: re.search(r"^\s+▾ step", x, re.M) and "leaf_work" not in x, "filtered to step")
        t.keys("Enter")
        s = t.wait_text("Callees")
        lib.check(re.search(r"Callers\s+Calls\s+Time", s) and re.search(r"^ main\s+\d+\s+100\.0%", s, re.M),
                  f"step's caller main:\n{s}")
        lib.check(re.search(r"leaf_work\s+\d+\s+\d", s) and "alloc_some" in s, f"step's callees:\n{s}")
        lib.check("Function  step" in s and "Self " in s, f"inspect of step:\n{s}")
        t.keys("Escape", "Escape")
        t.wait_text("Call path")
        t.keys("q")
        lib.eq(assert_restored(t), 0, "console exit status after q")
    finally:
        t.close()
        stop(p)


def cpu_row(screen, name):
    """(Self 5s, Total 5s, Self, Total) of the CPU tab's row `name` (None for '-'), or None."""
    pct = r"(\d+\.\d\d%|-)"
    m = re.search(rf"^{re.escape(name)}\s+\S+\s+{pct}\s+{pct}\s+{pct}\s+{pct}\s", screen, re.M)
    if not m:
        return None
    return tuple(None if v == "-" else float(v[:-1]) for v in m.groups())


def test_cpu_tab_recent_and_since_start():
    """The CPU tab of an -O2 program without hooks: phase_a computes first, then phase_b. Once
    phase_b has run a while, the last 5 s are all phase_b's (phase_a 0%) while since the start
    phase_a keeps its share; main holds every sample in Total."""
    exe = lib.build("cpu_phases.c", instrument=False)
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
    e.update({"LD_PRELOAD": LIB, "HOTPATH_REGION_SIZE": "8"})
    p = subprocess.Popen([exe, "1500", "120"], env=e, stdout=subprocess.PIPE)
    t = None
    try:
        end = time.monotonic() + WAIT
        while not glob.glob(f"/dev/shm/hotpath-{p.pid}-*"):
            if time.monotonic() > end:
                raise lib.Fail("the test program created no region")
            time.sleep(0.05)
        t = Tmux(["--interval", "0.5", str(p.pid)])
        t.keys("7")
        s = t.wait(lambda x: cpu_row(x, "phase_a"), "phase_a in the CPU tab")
        lib.check("Self 5s" in s and "Total 5s" in s and "CPU (self)" in s, f"columns:\n{s}")
        lib.check(re.search(r"Where CPU time went: \d+ samples at 100 Hz", s), f"summary:\n{s}")
        lib.check(re.search(r"^phase_a\s+cpu_phases-O2\s", s, re.M), f"module column:\n{s}")
        # phase b starts when phase a has used its CPU time; its line says so.
        r, _, _ = __import__("select").select([p.stdout], [], [], 120)
        lib.check(r and p.stdout.readline() == b"phase b\n", "the program reached phase b")

        # -O2 puts the loop in spin (self); phase_a and phase_b hold it in their Total.
        def settled(x):
            a, b, m = cpu_row(x, "phase_a"), cpu_row(x, "phase_b"), cpu_row(x, "main")
            return (a and b and m and a[1] == 0 and a[3] > 0 and b[1] is not None and
                    b[1] >= 90 and m[1] is not None)
        s = t.wait(settled, "the last 5 s all phase_b's, phase_a's share since the start kept", 60)
        a, b, m = cpu_row(s, "phase_a"), cpu_row(s, "phase_b"), cpu_row(s, "main")
        lib.check(abs(m[3] - 100) < 0.01 and abs(m[1] - 100) < 0.01, f"main in every stack: {m}\n{s}")
        # phase_b's own loop around spin() may take a sample now and then (it failed 2 of
        # ~20 parallel runs at exactly 0): its self share is small, not none.
        lib.check(abs(a[3] + b[3] - 100) < 0.5 and a[0] == 0 and b[0] <= 5, f"shares: a {a}, b {b}\n{s}")
        spin = [cpu_row(s, n) for n in ("spin", "spin.constprop.0") if cpu_row(s, n)]
        lib.check(spin and spin[0][0] >= 90, f"spin computes (self):\n{s}")
        # Sorted by Self 5s, descending, unknown last.
        col = [m2.group(1) for m2 in re.finditer(r"^\S+\s+\S+\s+(\d+\.\d\d%|-)\s", s, re.M)]
        vals = [float(v[:-1]) if v != "-" else -1 for v in col]
        lib.check(len(vals) >= 4 and vals == sorted(vals, reverse=True), f"sorted by Self 5s {col}:\n{s}")
        t.keys("q")
        lib.eq(assert_restored(t), 0, "console exit status after q")
    finally:
        if t:
            t.close()
        stop(p)
