"""test_fuzz.py - a short run of every fuzz target (tests/fuzz/fuzz_*.c), one test each: the
regression seeds under tests/fuzz/seeds/<target>/ (crash inputs kept from earlier findings) are
replayed first, then the target runs for a few seconds, so a parser or renderer of untrusted
input that crashes on them fails the suite; `make fuzz` runs each for FUZZ_SECONDS (60)."""
import os
import subprocess

from lib import BUILD, ROOT, check

SECONDS = os.environ.get("HOTPATH_FUZZ_SMOKE_SECONDS", "5")
TARGETS = sorted(f[len("fuzz_"):-2] for f in os.listdir(os.path.join(ROOT, "tests", "fuzz"))
                 if f.startswith("fuzz_") and f.endswith(".c"))


def smoke(name):
    env = dict(os.environ, FUZZ_ONLY=name, FUZZ_SECONDS=SECONDS, FUZZ_FRESH="1")
    cp = subprocess.run(["sh", os.path.join(ROOT, "tests", "fuzz", "build.sh"), BUILD],
                        capture_output=True, text=True, timeout=590, env=env)
    out = cp.stdout + cp.stderr
    check(cp.returncode == 0, f"fuzzing {name} failed:\n{out[-3000:]}")
    check(f"RAN    fuzz_{name}:" in out and "nothing found" in out, f"fuzz_{name} ran:\n{out[-3000:]}")
    seeds = os.path.join(ROOT, "tests", "fuzz", "seeds", name)
    if os.path.isdir(seeds):
        log = open(os.path.join(BUILD, "fuzz", f"fuzz_{name}.log")).read()
        check(f"files found in {seeds}" in log, f"the regression seeds of {name} were replayed:\n{log[-2000:]}")


def _test(name):
    def t():
        smoke(name)
    t.timeout = 600  # the first target to run builds the readers with the sanitizers
    return t


for _name in TARGETS:
    globals()[f"test_fuzz_{_name}"] = _test(_name)
