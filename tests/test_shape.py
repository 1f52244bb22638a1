"""test_shape.py - the shape of the tree that issue 10 set, checked so that it stays: no function
outside tests/ longer than 80 lines without a `long because` comment (tests/long_functions.py),
no x86 instruction, encoding or register outside preload/arch/ (the arch layer chooses), and
tools/region/ depending only on symbolize/, include/hp/ and the arch layer."""
import os
import re
import subprocess
import sys
import tempfile

from lib import HERE, ROOT, check, eq

sys.path.insert(0, HERE)
import long_functions  # noqa: E402

CHECKER = os.path.join(HERE, "long_functions.py")


def run_checker(*args):
    cp = subprocess.run([sys.executable, CHECKER, *args], capture_output=True, text=True,
                        cwd=ROOT, timeout=120)
    return cp.returncode, cp.stdout, cp.stderr


def test_no_long_function_without_a_reason():
    rc, out, err = run_checker()
    check(rc == 0 and out == "", f"functions over 80 lines without a `long because` comment "
          f"(split them into named steps, or say why):\n{out}{err}")


def _function(name, lines, comment_above="", comment_inside=""):
    """A C function of `lines` lines: signature, braces and the body between them."""
    body_lines = lines - 3
    body = [f"\tx += {i}; /* {{ not a brace */" if i % 3 else f'\ts = "}}{i}";'
            for i in range(body_lines)]
    if comment_inside:
        body[0] = f"\t/* {comment_inside} */"
    head = [f"/* {comment_above} */"] if comment_above else []
    return "\n".join(head + [f"static int {name}(int x, const char *s)", "{"] + body + ["}"]) + "\n"


def test_long_function_checker_finds_them():
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "f.c")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\n#define OPEN {\n")
            f.write("static const int table[] = {\n" + "\t1,\n" * 100 + "};\n")  # data, no function
            f.write(_function("fits", 80))  # allowed
            f.write(_function("too_long", 81))
            f.write(_function("long_with_reason", 92, comment_above="long because: one switch"))
            f.write(_function("reason_inside", 92, comment_inside="long because it is a table"))
            f.write(_function("reason_elsewhere", 87, comment_above="short, really"))
            f.write("#if 0\n}\n#endif\n")
            f.write(_function("after_preprocessor", 83))
        rc, out, err = run_checker(src)
        eq(rc, 1, f"exit status ({out}{err})")
        names = re.findall(r"f\.c:(\d+): (\w+) is (\d+) lines", out)
        eq([(n, int(k)) for _, n, k in names],
           [("too_long", 81), ("reason_elsewhere", 87), ("after_preprocessor", 83)], out)
        rc, out, _ = run_checker("--all", src)
        check("long_with_reason is 92 lines (says why)" in out and
              "reason_inside is 92 lines (says why)" in out, out)
        rc, out, _ = run_checker("--limit", "100", src)
        eq((rc, out), (0, ""), "nothing over 100 lines")


# Instructions, encodings and registers of x86 that code outside preload/arch/ must not name.
X86 = re.compile(r"rdtsc|x86intrin|immintrin|__builtin_ia32|\bREG_[RE]IP\b|\bEM_X86_64\b|x86[-_]64"
                 r"|\b0x(cc|CC|e8|E8|e9|E9)\b|%[re](ax|bx|cx|dx|si|di|sp|bp|ip)\b|\bendbr64\b"
                 r"|\bint3\b")


def test_no_x86_outside_the_arch_layer():
    """preload/ outside arch/ and every reader (symbolize/, tui/, tools/, include/). bench/ is
    left out: calls_bench.c and locks_bench.c measure the floor of two rdtsc reads, in code
    built with -finstrument-functions where the arch layer's inline tick source would be
    instrumented too."""
    found = []
    for path in long_functions.tracked_files():
        rel = os.path.relpath(path, ROOT)
        if rel.startswith(("preload/arch/", "bench/", "examples/")):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        code = long_functions.blank(text, keep_strings=True)[0]  # comments may name x86
        for n, line in enumerate(code.split("\n"), 1):
            if X86.search(line):
                found.append(f"{rel}:{n}: {text.split(chr(10))[n - 1].strip()}")
    check(not found, "x86 outside preload/arch/ (give the arch layer a name for it):\n" +
          "\n".join(found))


def test_region_reader_includes_only_what_is_below_it():
    allowed = re.compile(r'"(hp/|symbolize/|preload/arch/arch\.h|tools/region/|[a-z_]+\.h")')
    found = []
    folder = os.path.join(ROOT, "tools", "region")
    for fn in sorted(os.listdir(folder)):
        with open(os.path.join(folder, fn)) as f:
            for n, line in enumerate(f, 1):
                m = re.match(r'\s*#\s*include\s+(".*?")', line)
                if m and not allowed.match(m.group(1)):
                    found.append(f"tools/region/{fn}:{n}: {line.strip()}")
                if m and re.match(r'"[a-z_]+\.h"', m.group(1)) and \
                        not os.path.exists(os.path.join(folder, m.group(1).strip('"'))):
                    found.append(f"tools/region/{fn}:{n}: {line.strip()} (not in tools/region/)")
    check(not found, "tools/region/ includes from above it:\n" + "\n".join(found))
