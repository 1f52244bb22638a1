"""callgrind.py - instructions per iteration of a benchmark loop under valgrind's callgrind:
load-independent, where the ns figures of a shared machine are not. Used by bench_locks.py
and bench_patch.py (bench.py runs them with bench/ on sys.path)."""
import os
import shutil
import subprocess
import tempfile


def instructions(build, cmd, how, n=(100000, 1100000)):
    """Instructions per iteration under callgrind: the difference of two runs of different
    lengths (start-up cancels out), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    irs = []
    for k in n:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "cg.out")
            vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, *cmd, str(k)]
            if how == "plain":
                argv = vg
            else:
                argv = [os.path.join(build, "hotpath"), "run", "-o", os.devnull, *how, "--", *vg]
            subprocess.run(argv, capture_output=True, check=True)
            total = 0
            for name in os.listdir(d):  # one file per process image
                with open(os.path.join(d, name)) as f:
                    for line in f:
                        if line.startswith("totals:") or line.startswith("summary:"):
                            total += int(line.split()[1])
                            break
            irs.append(total)
    return (irs[1] - irs[0]) / (n[1] - n[0])
