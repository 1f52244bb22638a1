"""lib.py - helpers for the end-to-end tests: build a target program, run it under
`hotpath run`, parse the JSON report, and assert with messages that say what differed."""
import json
import fcntl
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.abspath(os.environ.get("HOTPATH_BUILD", os.path.join(ROOT, "build")))
HOTPATH = os.path.join(BUILD, "hotpath")
PROGS = os.path.join(HERE, "progs")
OUT = os.path.join(BUILD, "tests", "progs")
# make tsan: programs built with -fsanitize=thread, libtsan preloaded ahead of libhotpath.so,
# and any race report makes the program exit 66 (so the test fails).
TSAN = os.environ.get("HOTPATH_TSAN") == "1"
TSAN_ENV = {}
if TSAN:
    _rt = subprocess.run(["cc", "-print-file-name=libtsan.so.2"], capture_output=True, text=True).stdout.strip()
    TSAN_ENV = {"LD_PRELOAD": _rt, "TSAN_OPTIONS": "exitcode=66 halt_on_error=1"}


class Fail(AssertionError):
    pass


class Skip(Exception):
    """Raised by a test whose environment cannot give what it needs; the message says why.
    tests/run.py counts it apart from passes and failures."""


def eq(got, want, what=""):
    if got != want:
        raise Fail(f"{what}: got {got!r}, want {want!r}")


def check(cond, what):
    if not cond:
        raise Fail(what)


def build(src, opt="-O2", instrument=True, extra=(), name=None, cxx=None):
    """Compile tests/progs/<src> (C, or C++ for .cc) into build/tests/progs; returns the path.
    Rebuilds only when the source is newer."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(PROGS, src)
    base = name or os.path.splitext(src)[0]
    tag = opt.strip("-") + ("-fi" if instrument else "")
    exe = os.path.join(OUT, f"{base}-{tag}" + ("-" + "-".join(e.strip("-").replace("=", "_").replace("/", "_") for e in extra) if extra else ""))
    if TSAN:
        extra = tuple(extra) + ("-fsanitize=thread",)
        exe += "-tsan"
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(path):
        return exe
    # One build per program: a second test that rebuilt it would replace the file under a
    # running one, whose report then (rightly) refuses the changed file's symbols.
    with open(exe + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(path):
            return exe
        return _compile(src, path, exe, opt, instrument, extra, cxx)


def _compile(src, path, exe, opt, instrument, extra, cxx):
    is_cxx = cxx if cxx is not None else src.endswith(".cc")
    cc = "g++" if is_cxx else "cc"
    tmp = f"{exe}.{os.getpid()}.tmp"
    cmd = [cc, opt, "-g", "-o", tmp, path, "-lpthread"] + list(extra)
    if instrument:
        cmd.insert(1, "-finstrument-functions")
    cp = subprocess.run(cmd, capture_output=True, text=True)
    if cp.returncode != 0:
        raise Fail(f"building {src} failed: {' '.join(cmd)}\n{cp.stderr}")
    os.replace(tmp, exe)
    return exe


def hotpath(*args, env=None, timeout=120, input=None, cwd=None):
    """Run the hotpath tool; returns CompletedProcess with bytes stdout/stderr."""
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("HOTPATH_") and k not in ("HOTPATH_BUILD",):
            del e[k]
    e.update(TSAN_ENV)
    if env:
        e.update(env)
    return subprocess.run([HOTPATH, *args], capture_output=True, timeout=timeout, env=e,
                          input=input, cwd=cwd)


def run_json(prog_args, opts=(), env=None, want_rc=None, **kw):
    """hotpath run --format json --output FILE <opts> -- prog args; returns (cp, report)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "report.json")
        cp = hotpath("run", "--format", "json", "--output", out, *opts, "--", *prog_args,
                     env=env, **kw)
        if want_rc is not None and cp.returncode != want_rc:
            raise Fail(f"exit status {cp.returncode}, want {want_rc}; stderr:\n{cp.stderr.decode(errors='replace')}")
        if not os.path.exists(out):
            raise Fail(f"no report written; exit {cp.returncode}; stderr:\n{cp.stderr.decode(errors='replace')}")
        with open(out) as f:
            text = f.read()
    try:
        return cp, json.loads(text)
    except ValueError as ex:
        raise Fail(f"report is not JSON ({ex}):\n{text[:2000]}")


def fn(report, name):
    """The function row called `name` (exact match); fails listing the names present."""
    for row in report["functions"]:
        if row["name"] == name:
            return row
    raise Fail(f"no function {name!r} in report; have {[r['name'] for r in report['functions']]}")


def has_fn(report, name):
    return any(r["name"] == name for r in report["functions"])


def plain(args, **kw):
    """Run a program without hotpath; returns CompletedProcess (bytes)."""
    return subprocess.run(args, capture_output=True, **kw)
