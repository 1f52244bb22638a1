"""test_lock_hold.py - lock hold times, sampled by default (docs/dataflow.md "Hold time"):
acquisitions and holds counted exactly, the first hold of each lock and every 17th after it
timed (`lock_hold_every`), the total estimated from them; --lock-hold=all times every hold,
--lock-hold=N one in N, --lock-hold=false none. tests/progs/lock_hold.c measures its own holds
around the same calls, so the report's timed sums are compared with the program's."""
import re

from lib import build, check, eq, hotpath, run_json

THREADS, ROUNDS, UNIT_US = 2, 1000, 20
# What a timed hold may add to the program's own measurement of it: the hooks' work between
# their timestamp and the program's clock reads (~100 ns), a preemption inside that window.
SLACK_NS = 5000


def ceil_div(a, b):
    return -(-a // b)


def run(every, opts=()):
    exe = build("lock_hold.c", instrument=False)
    cp, rep = run_json([exe, str(THREADS), str(ROUNDS), str(UNIT_US), str(every)], opts,
                       want_rc=0)
    out = cp.stdout.decode()
    locks = {l["address"]: l for l in rep["locks"]}

    def row(what):
        m = re.search(what + r" (0x[0-9a-f]+)", out)
        check(m and m.group(1) in locks, f"{what} lock in the report: {out} {list(locks)}")
        return locks[m.group(1)]

    shared = re.search(r"shared \S+ holds (\d+) all_ns (\d+) timed_ns (\d+) timed (\d+)", out)
    nums = dict(zip(("holds", "all_ns", "timed_ns", "timed"), map(int, shared.groups())))
    privs = [locks.get(a) for a in re.findall(r"private (0x[0-9a-f]+)", out)]
    check(len(privs) == THREADS and all(privs), f"private locks: {out}")
    return rep, row("shared"), nums, privs, row("rwlock"), row("marker")


def check_timed_sum(lock, want_ns, timed, what):
    """The report's timed hold sum against the program's own measurement of the same holds:
    never less (its clock starts before and stops after the program's), at most SLACK_NS
    more per hold, and 0.5% for the two clocks' calibration."""
    got = lock["hold_timed_ns"]
    check(want_ns * 0.995 <= got <= want_ns * 1.005 + timed * SLACK_NS,
          f"{what}: timed holds {got} ns, the program measured {want_ns} ns over {timed} holds")


def check_estimate(lock, what):
    want = int(lock["hold_timed_ns"] * lock["holds"] / lock["holds_timed"] + 0.5)
    check(abs(lock["hold_ns"] - want) <= 1,
          f"{what}: hold_ns {lock['hold_ns']}, want hold_timed_ns x holds / holds_timed = {want}")


def test_lock_hold_sampled_threads():
    """The default: exact counts, one hold in 17 of each lock timed (its first, then every
    17th), the total estimated from them."""
    rep, shared, nums, privs, rw, marker = run(17)
    eq(rep["lock_hold_every"], 17, "lock_hold_every")
    n = THREADS * ROUNDS
    eq((shared["acquisitions"], shared["holds"]), (n, n), "shared mutex: acquisitions, holds")
    eq(shared["holds_timed"], ceil_div(n, 17), "shared mutex: holds timed")
    eq(nums["timed"], ceil_div(n, 17), "the program's count of holds k with k % 17 == 0")
    # Timed are exactly holds 0, 17, 34, ...: their sum is the program's sum over those k
    # (the lengths follow a hash of k, so another phase would sum differently).
    check_timed_sum(shared, nums["timed_ns"], nums["timed"], "shared mutex")
    check_estimate(shared, "shared mutex")
    check(shared["max_hold_ns"] >= UNIT_US * 1000, f"longest timed hold {shared}")
    for p in privs:
        eq((p["acquisitions"], p["holds"], p["holds_timed"]), (ROUNDS, ROUNDS, ceil_div(ROUNDS, 17)),
           f"private mutex {p['address']}")
        check_estimate(p, "private mutex")
    # rwlock: read locks are acquisitions, not holds; the write holds are sampled.
    eq((rw["acquisitions"], rw["holds"], rw["holds_timed"]), (2 * ROUNDS, ROUNDS, ceil_div(ROUNDS, 17)),
       "rwlock acquisitions, write holds, timed")
    # The marker's hold 17 (3 ms) was timed, hold 18 (30 ms) was not.
    eq((marker["holds"], marker["holds_timed"]), (19, 2), "marker holds, timed")
    check(3_000_000 <= marker["max_hold_ns"] < 30_000_000, f"marker's longest timed hold: {marker}")
    eq(rep["children"], [], "no children")


def test_lock_hold_all_threads():
    """--lock-hold=all: every hold timed; the totals are measured, not estimated."""
    rep, shared, nums, privs, rw, marker = run(1, ["--lock-hold=all"])
    eq(rep["lock_hold_every"], 1, "lock_hold_every")
    n = THREADS * ROUNDS
    eq((shared["acquisitions"], shared["holds"], shared["holds_timed"]), (n, n, n), "shared")
    eq(shared["hold_ns"], shared["hold_timed_ns"], "hold_ns is the measured total")
    check_timed_sum(shared, nums["all_ns"], n, "shared mutex")
    for p in privs + [rw]:
        eq(p["holds_timed"], p["holds"], f"every hold timed: {p}")
        eq(p["hold_ns"], p["hold_timed_ns"], "measured total")
    eq((marker["holds"], marker["holds_timed"]), (3, 3), "marker")
    check(marker["max_hold_ns"] >= 30_000_000, f"the 30 ms hold: {marker}")


def test_lock_hold_one_in_n_and_off_threads():
    rep, shared, nums, privs, rw, marker = run(5, ["--lock-hold=5"])
    eq(rep["lock_hold_every"], 5, "lock_hold_every")
    n = THREADS * ROUNDS
    eq((shared["holds"], shared["holds_timed"]), (n, n // 5), "one hold in 5")
    check_timed_sum(shared, nums["timed_ns"], nums["timed"], "shared mutex, one in 5")
    check_estimate(shared, "one in 5")
    check(3_000_000 <= marker["max_hold_ns"] < 30_000_000, f"marker: {marker}")
    rep, shared, nums, privs, rw, marker = run(17, ["--lock-hold=false"])
    eq(rep["lock_hold_every"], 0, "lock_hold_every off")
    for l in [shared, rw, marker] + privs:
        eq((l["hold_ns"], l["hold_timed_ns"], l["holds_timed"], l["max_hold_ns"]), (0, 0, 0, 0),
           f"no hold times: {l}")
    eq((shared["acquisitions"], shared["holds"]), (n, n), "acquisitions and holds still exact")
    eq((rw["acquisitions"], rw["holds"]), (2 * ROUNDS, ROUNDS), "rwlock counts still exact")


def test_lock_hold_setting_values():
    exe = build("lock_hold.c", instrument=False)
    args = [exe, "1", "10", "1", "17"]
    for opts, env, want in ((["--lock-hold"], None, 17), (["--no-lock-hold"], None, 0),
                            ([], {"HOTPATH_LOCK_HOLD": "all"}, 1),
                            ([], {"HOTPATH_LOCK_HOLD": "3"}, 3),
                            (["--lock-hold=1"], None, 1), (["--lock-hold=0"], None, 0)):
        _, rep = run_json(args, opts, env=env, want_rc=0)
        eq(rep["lock_hold_every"], want, f"lock_hold_every with {opts} {env}")
    cp = hotpath("run", "--lock-hold=sometimes", "--", exe, *args[1:])
    check(cp.returncode != 0, "a bad value is refused")
    check(b"--lock-hold: expected true, false, all or a number" in cp.stderr, cp.stderr)


def test_lock_hold_table_note_and_saved_report_threads():
    """The table says when hold times are sampled; a saved report keeps how they were."""
    import json
    import os
    import tempfile
    exe = build("lock_hold.c", instrument=False)
    args = [exe, "2", "200", "1", "17"]
    cp = hotpath("run", "--", *args)
    err = cp.stderr.decode()
    m = re.search(r"Hold times sampled: 1 in 17 holds of each lock timed \((\d+) of (\d+)\)", err)
    check(m, f"the sampling note under the locks table:\n{err}")
    cp = hotpath("run", "--lock-hold=all", "--", *args)
    check("Hold times sampled" not in cp.stderr.decode(), "no note when every hold is timed")
    with tempfile.TemporaryDirectory() as d:
        saved = os.path.join(d, "r.json")
        cp = hotpath("run", "--format", "json", "--output", saved, "--", *args)
        eq(cp.returncode, 0, "run")
        with open(saved) as f:
            first = json.load(f)
        cp = hotpath("report", "--format", "json", saved)
        again = json.loads(cp.stdout or cp.stderr)
        eq((again["lock_hold_every"], again["locks"]), (17, first["locks"]), "round trip")
        cp = hotpath("report", saved)
        check(b"Hold times sampled: 1 in 17" in cp.stdout + cp.stderr, "note from a saved report")
