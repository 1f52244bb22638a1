"""test_fuzz.py - a short run of every fuzz target (tests/fuzz/), so a parser of untrusted input
that crashes on the first few thousand inputs fails the suite; `make fuzz` runs them longer."""
import os
import subprocess

from lib import BUILD, ROOT, check


def test_fuzz_targets_smoke():
    cp = subprocess.run(["sh", os.path.join(ROOT, "tests", "fuzz", "build.sh"), BUILD, "20000"],
                        capture_output=True, text=True, timeout=600)
    out = cp.stdout + cp.stderr
    check(cp.returncode == 0, f"fuzzing failed:\n{out[-3000:]}")
    targets = [f for f in os.listdir(os.path.join(ROOT, "tests", "fuzz")) if f.startswith("fuzz_") and f.endswith(".c")]
    check(out.count("nothing found") == len(targets), f"every target ran:\n{out[-3000:]}")
