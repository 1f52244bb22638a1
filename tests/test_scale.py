"""test_scale.py - the region at scale (issue 13): compact statistics rows, many threads x many
functions with every call counted, threads that end folded into their process, and more
distinct functions per thread than the per-thread cache first holds."""
from lib import build, check, eq, run_json


def f_rows(rep):
    return {r["name"]: r for r in rep["functions"] if r["name"].startswith("f_")}


def bucket_sum(row):
    return sum(b[2] for b in row["histogram"])


def test_64_threads_x_100_functions_every_call_counted():
    exe = build("scale_threads.c")
    _, rep = run_json([exe, "64", "64", "100", "1000"], ["--limit", "0"], want_rc=0)
    rows = f_rows(rep)
    eq(len(rows), 100, "functions")
    for name, r in sorted(rows.items()):
        eq(r["calls"], 64000, f"{name} calls")
        eq(r["completed"], 64000, f"{name} completed")
        eq(bucket_sum(r), 64000, f"{name} histogram counts")
    eq(rep["dropped"], 0, "dropped")
    eq(rep["notes"], [], "notes")
