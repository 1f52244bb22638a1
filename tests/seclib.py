"""seclib.py - what the security tests (test_security.py) need and make for themselves: a
/dev/shm of the test's own (a mount namespace with a tmpfs on it, so that a FIFO planted there
cannot hang another test or helper) and throwaway users, removed afterwards. Each raises
lib.Skip with the reason when it cannot be had (not root, no namespaces, no useradd)."""
import contextlib
import ctypes
import os
import pwd
import shutil
import subprocess

import lib

CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_BIND = 0x1000


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def private_mounts():
    """Move this test process (and what it starts from now on) into a mount namespace of its
    own whose mounts do not propagate back."""
    if os.geteuid() != 0:
        raise lib.Skip("needs root for a mount namespace (unshare -m)")
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        raise lib.Skip(f"unshare(CLONE_NEWNS): {os.strerror(ctypes.get_errno())}")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise lib.Skip(f"mount --make-rprivate /: {os.strerror(ctypes.get_errno())}")


def private_shm():
    """A fresh tmpfs on /dev/shm for this test process and its children."""
    private_mounts()
    if _libc().mount(b"tmpfs", b"/dev/shm", b"tmpfs", 0, b"mode=1777,size=512m") != 0:
        raise lib.Skip(f"mount tmpfs on /dev/shm: {os.strerror(ctypes.get_errno())}")


def bind(src, dst):
    if _libc().mount(src.encode(), dst.encode(), None, MS_BIND, None) != 0:
        raise lib.Skip(f"mount --bind {src} {dst}: {os.strerror(ctypes.get_errno())}")


@contextlib.contextmanager
def throwaway_user(tag="a"):
    """A user (and its group) that exists for the duration of the block: (name, uid, gid)."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        raise lib.Skip("needs root and useradd for a second user")
    # pid and random bits: pids wrap (32,768 here), and a killed run leaves its user behind
    name = f"hpt{tag}{os.getpid() % 1000000}x{os.urandom(3).hex()}"
    cp = subprocess.run(["useradd", "-M", "-U", "-s", "/usr/sbin/nologin", name],
                        capture_output=True, text=True, timeout=60)
    if cp.returncode != 0:
        raise lib.Skip(f"useradd {name}: {cp.stderr.strip()}")
    try:
        pw = pwd.getpwnam(name)
        yield name, pw.pw_uid, pw.pw_gid
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=60)


def as_user(uid, gid, args, **kw):
    """Run `args` as uid:gid with no supplementary groups (bounded by kw timeout)."""
    kw.setdefault("timeout", 60)
    kw.setdefault("capture_output", True)
    return subprocess.run(args, user=uid, group=gid, extra_groups=[], **kw)
