"""test_tree.py - the calling-context tree (issue 14): exact calls per path, self time, the
tree's consistency under recursion, threads, longjmp, C++ exceptions and fork, a full node
table, and its renderers (--tree, folded, svg) from a run and from a saved report."""
import json
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from lib import Fail, build, check, eq, fn, hotpath, run_json


def paths(rep):
    """{"main/a/c": node} for the process's call_tree (paths must be unique)."""
    nodes = rep["call_tree"]
    by_id = {n["id"]: n for n in nodes}
    out = {}
    for n in nodes:
        names, k = [], n
        while k is not None:
            names.append(k["name"])
            k = by_id[k["parent"]] if k["parent"] is not None else None
        p = "/".join(reversed(names))
        check(p not in out, f"path {p} twice in the tree")
        out[p] = n
    return out


def consistent(rep, what):
    """Every node: total >= the children's totals, self = total - children, parents first."""
    nodes = rep["call_tree"]
    kids = {}
    for i, n in enumerate(nodes):
        eq(n["id"], i, f"{what}: ids in order")
        if n["parent"] is not None:
            check(n["parent"] < i, f"{what}: parent of {n} comes first")
            kids[n["parent"]] = kids.get(n["parent"], 0) + n["total_ns"]
    for n in nodes:
        k = kids.get(n["id"], 0)
        check(n["total_ns"] >= k, f"{what}: {n['name']} total {n['total_ns']} < children {k}")
        eq(n["self_ns"], n["total_ns"] - k, f"{what}: {n['name']} self")


def call(p, path):
    if path not in p:
        raise Fail(f"no path {path}; have {sorted(p)}")
    return p[path]["calls"]


def test_tree_known_calls_and_self():
    exe = build("tree_known.c")
    _, rep = run_json([exe], ["--limit", "0"], want_rc=0)
    p = paths(rep)
    eq(call(p, "main"), 1, "main")
    eq(call(p, "main/a"), 10, "main/a")
    eq(call(p, "main/b"), 5, "main/b")
    eq(call(p, "main/a/c"), 30, "main/a/c")
    eq(call(p, "main/b/c"), 10, "main/b/c")
    eq(len(p), 5, f"paths {sorted(p)}")
    eq(rep["tree_dropped"], 0, "tree_dropped")
    consistent(rep, "known")
    c, a, b = fn(rep, "c"), fn(rep, "a"), fn(rep, "b")
    check(c["total_ns"] >= 40 * 1000000, f"c sleeps 40 x 1 ms: {c['total_ns']}")
    check(abs(c["self_ns"] - c["total_ns"]) <= c["total_ns"] * 0.001, f"c self {c['self_ns']} vs total {c['total_ns']}")
    for r in (a, b):
        check(r["self_ns"] < r["total_ns"] * 0.02, f"{r['name']} self {r['self_ns']} of {r['total_ns']}")
    # The tree's c nodes hold all of c's time.
    tc = p["main/a/c"]["total_ns"] + p["main/b/c"]["total_ns"]
    check(abs(tc - c["total_ns"]) <= c["total_ns"] * 0.01, f"tree c {tc} vs function c {c['total_ns']}")


def _saved(exe, args=(), opts=()):
    d = tempfile.mkdtemp()
    out = os.path.join(d, "r.json")
    cp = hotpath("run", "--format", "json", "-o", out, *opts, "--", exe, *args)
    eq(cp.returncode, 0, f"run: {cp.stderr.decode()}")
    return out, json.load(open(out))


def test_tree_folded_and_report_renderers():
    exe = build("tree_known.c")
    path, rep = _saved(exe)
    cp = hotpath("report", "--format", "folded", path)
    eq(cp.returncode, 0, f"report folded: {cp.stderr.decode()}")
    lines = {}
    for ln in cp.stdout.decode().splitlines():
        stack, _, v = ln.rpartition(" ")
        check(stack and v.isdigit(), f"folded line {ln!r}")
        lines[stack] = int(v)
    c = fn(rep, "c")
    s = lines.get("main;a;c", 0) + lines.get("main;b;c", 0)
    check(abs(s - c["total_ns"]) <= c["total_ns"] * 0.01, f"folded c {s} vs c total {c['total_ns']}")
    # every line's value is its path's self time
    p = paths(rep)
    for stack, v in lines.items():
        eq(v, p[stack.replace(";", "/")]["self_ns"], f"folded {stack}")
    # the same from the run directly
    cp = hotpath("run", "--format", "folded", "--", exe)
    eq(cp.returncode, 0, "run --format folded")
    got = [ln.rpartition(" ")[0] for ln in cp.stderr.decode().splitlines()]
    eq(sorted(got), sorted(lines), "folded stacks of a run")
    # --tree from the saved report: indented, c under a and b
    cp = hotpath("report", "--tree", path)
    text = cp.stdout.decode()
    eq(cp.returncode, 0, "report --tree")
    check("call tree" in text and "+-a" in text and "+-b" in text, text)
    eq(sum(1 for ln in text.splitlines() if ln.endswith("+-c")), 2, f"two c nodes:\n{text}")
    c30 = [ln for ln in text.splitlines() if ln.endswith("+-c") and " 30 :" in ln]
    eq(len(c30), 1, f"c with 30 calls:\n{text}")
    # the table has a Self column
    cp = hotpath("report", path)
    check("| Self " in cp.stdout.decode(), cp.stdout.decode())
    # a JSON round trip keeps the tree
    cp = hotpath("report", "--format", "json", path)
    again = json.loads(cp.stdout)
    eq(again["call_tree"], rep["call_tree"], "call_tree after report --format json")
    eq([f["self_ns"] for f in again["functions"]], [f["self_ns"] for f in rep["functions"]], "self_ns")


def test_tree_svg_flame_graph():
    exe = build("tree_known.c")
    path, rep = _saved(exe)
    cp = hotpath("report", "--format", "svg", path)
    eq(cp.returncode, 0, f"report svg: {cp.stderr.decode()}")
    root = ET.fromstring(cp.stdout)
    ns = "{http://www.w3.org/2000/svg}"
    eq(root.tag, ns + "svg", "svg root")
    check(root.find(ns + "script") is not None, "inline script")
    titles = [g.find(ns + "title").text for g in root.iter(ns + "g") if g.get("class") == "f"]
    cs = [t for t in titles if t.startswith("c (")]
    eq(len(cs), 2, f"two c frames: {titles}")
    check(any("calls: 30" in t for t in cs) and any("calls: 10" in t for t in cs), f"c tooltips {cs}")
    check(all("total:" in t and "self:" in t for t in titles), "tooltips have total and self")
    # widths: c under a is about 3x c under b
    frames = {g.find(ns + "title").text: float(g.get("data-w")) for g in root.iter(ns + "g") if g.get("class") == "f"}
    main = [w for t, w in frames.items() if t.startswith("main (")]
    check(main and abs(main[0] - 1.0) < 1e-6, f"main spans the graph: {main}")
    check("search()" in cp.stdout.decode() and "unzoom()" in cp.stdout.decode(), "search and zoom")


def test_tree_recursion_deep():
    exe = build("tree_shapes.c")
    _, rep = run_json([exe, "recurse"], want_rc=0)
    p = paths(rep)
    eq(call(p, "main/deep"), 10000, "direct recursion folds into one node")
    eq(fn(rep, "deep")["calls"], 10000, "deep calls")
    check(not any(k.startswith("main/deep/") for k in p), "no nodes below deep")
    # mutual recursion: one node per level, 401 deep
    chain = "main" + "".join("/ping" if i % 2 == 0 else "/pong" for i in range(401))
    eq(call(p, chain), 1, "ping/pong chain 401 deep")
    consistent(rep, "recursion")
    d = fn(rep, "deep")
    check(abs(d["self_ns"] - d["total_ns"]) <= d["total_ns"] * 0.001 + 1000, f"deep self {d}")
    check(d["total_ns"] <= rep["wall_ns"], "recursion counted once")


def test_tree_threads_have_their_roots():
    exe = build("tree_shapes.c")
    _, rep = run_json([exe, "threads"], want_rc=0)
    p = paths(rep)
    eq(call(p, "left/leaf"), 100, "left/leaf")
    eq(call(p, "right/leaf"), 50, "right/leaf")
    eq(call(p, "main"), 1, "main root")
    roots = sorted(n["name"] for n in rep["call_tree"] if n["parent"] is None)
    eq(roots, ["left", "main", "right"], "roots")
    consistent(rep, "threads")


def test_tree_longjmp_out_of_three_frames():
    exe = build("tree_shapes.c")
    for opt in ("-O0", "-O2"):
        exe = build("tree_shapes.c", opt=opt)
        _, rep = run_json([exe, "longjmp"], want_rc=0)
        p = paths(rep)
        eq(call(p, "main/jump_from/one/two/three/leaf"), 20, f"{opt} path into the jump")
        eq(call(p, "main/after"), 7, f"{opt} after the jumps: main's child")
        eq(call(p, "main/after/leaf"), 7, f"{opt} after/leaf")
        check(not any("three/" in k and "after" in k for k in p), f"{opt} after under the dead frames: {sorted(p)}")
        check("main/jump_from/one/leaf" not in p, "code after the jump never ran")
        consistent(rep, f"longjmp {opt}")
        eq(rep["unmatched_exits"], 0, "unmatched exits")


def test_tree_cxx_exceptions():
    exe = build("tree_exc.cc")
    _, rep = run_json([exe], want_rc=0)
    p = paths(rep)
    eq(call(p, "main/catcher(int)/middle(int)/thrower(int)"), 10, "path through the throw")
    eq(call(p, "main/tail()"), 3, "tail under main")
    consistent(rep, "exceptions")


def test_tree_fork():
    exe = build("tree_shapes.c")
    _, rep = run_json([exe, "fork"], want_rc=0)
    p = paths(rep)
    eq(call(p, "main/before"), 1, "parent before")
    eq(call(p, "main/parent_work"), 1, "parent work")
    check(not any("child_work" in k for k in p), "child's work not in the parent")
    consistent(rep, "fork parent")
    eq(len(rep["children"]), 1, "one child")
    ch = rep["children"][0]
    cp_ = paths(ch)
    eq(call(cp_, "main/child_work"), 1, "child work")
    eq(call(cp_, "main/child_work/leaf"), 40, "child leaf")
    check("main/before" not in cp_, "the child's tree starts at the fork")
    consistent(ch, "fork child")
    # folded stacks of both processes, each under its command (pid) frame
    cp = hotpath("run", "--format", "folded", "--", exe, "fork")
    lines = cp.stderr.decode().splitlines()
    pids = {ln.split(";")[0] for ln in lines}
    eq(len(pids), 2, f"two process frames: {pids}")
    check(any(";main;child_work;leaf " in ln for ln in lines), f"child stacks: {lines}")


def test_tree_full_node_table():
    exe = build("tree_shapes.c")
    _, rep = run_json([exe, "wide"], ["--tree-nodes", "10"], want_rc=0)
    nodes = rep["call_tree"]
    eq(len(nodes), 10, "nodes: the table's capacity")
    # 64 f's and 64 leaf calls: 10 nodes were claimed (main, fan, 4 f + 4 leaf), the rest fold
    eq(rep["tree_dropped"], 128 - 8, "folded calls")
    consistent(rep, "full table")
    p = paths(rep)
    # totals add up: fan's node holds all of fan's time, folded callees in its self time
    eq(p["main/fan"]["total_ns"], fn(rep, "fan")["total_ns"], "fan total")
    check(p["main"]["total_ns"] >= p["main/fan"]["total_ns"], "main covers fan")
    cp = hotpath("run", "--tree", "--tree-nodes", "10", "--", exe, "wide")
    check("node table was full" in cp.stderr.decode(), cp.stderr.decode())


def test_tree_switched_off():
    exe = build("tree_known.c")
    _, rep = run_json([exe], ["--tree-nodes", "0"], want_rc=0)
    eq(rep["call_tree"], [], "no tree")
    c = fn(rep, "c")
    eq(c["calls"], 40, "calls without the tree")
    check(abs(c["self_ns"] - c["total_ns"]) <= c["total_ns"] * 0.001, "self time without the tree")
    cp = hotpath("run", "--tree", "--tree-nodes", "0", "--", exe)
    check("not recorded" in cp.stderr.decode(), cp.stderr.decode())


def test_tree_history_and_compare_self():
    exe = build("tree_known.c")
    d = tempfile.mkdtemp()
    db = os.path.join(d, "h.db")
    cp = hotpath("run", "--save", "--db", db, "--label", "base", "-o", os.path.join(d, "r.txt"), "--", exe)
    eq(cp.returncode, 0, f"run --save: {cp.stderr.decode()}")
    cp = hotpath("report", "--db", db, "--format", "json", "last")
    eq(cp.returncode, 0, f"report last: {cp.stderr.decode()}")
    rep = json.loads(cp.stdout)
    p = paths(rep)
    eq(call(p, "main/a/c"), 30, "saved tree main/a/c")
    eq(call(p, "main/b/c"), 10, "saved tree main/b/c")
    consistent(rep, "saved")
    c = fn(rep, "c")
    check(c["self_ns"] > 0 and abs(c["self_ns"] - c["total_ns"]) <= c["total_ns"] * 0.001, f"saved self {c}")
    cp = hotpath("report", "--db", db, "--tree", "last")
    check("+-c" in cp.stdout.decode(), cp.stdout.decode())
    # compare --metric self: a's self time grows 10x, its total stays
    base = os.path.join(d, "base.json")
    head = os.path.join(d, "head.json")
    json.dump(rep, open(base, "w"))
    a = fn(rep, "a")
    a["self_ns"] = a["self_ns"] * 10 + 1000
    json.dump(rep, open(head, "w"))
    cp = hotpath("compare", "-f", "json", "--metric", "self", base, head)
    out = json.loads(cp.stdout)
    eq(out["metric"], "self_ns", "metric key")
    st = {f["name"]: f["status"] for f in out["functions"]}
    eq(st["a"], "slower", f"a by self time: {st}")
    eq(st["c"], "unchanged", f"c by self time: {st}")
    cp = hotpath("compare", "-f", "json", "--metric", "total", base, head)
    st = {f["name"]: f["status"] for f in json.loads(cp.stdout)["functions"]}
    eq(st["a"], "unchanged", f"a by total time: {st}")
    # the gate on self time: status 3 naming a, and 0 when a's self time is the same
    cp = hotpath("compare", "--metric", "self", "--fail-on-regression", "50", base, head)
    eq(cp.returncode, 3, f"--fail-on-regression on self: {cp.stderr.decode()}")
    check(b"a" in cp.stderr, f"names a: {cp.stderr.decode()}")
    cp = hotpath("compare", "--metric", "self", "--fail-on-regression", "50", base, base)
    eq(cp.returncode, 0, f"same self time: {cp.stderr.decode()}")
