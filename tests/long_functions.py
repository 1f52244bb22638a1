#!/usr/bin/env python3
"""long_functions.py - lists the C functions outside tests/ that are longer than a limit (80
lines, signature to closing brace) and do not say why in a comment: `/* long because ... */`
inside the function or in the comment right above it. Exit status 1 when it lists any.

    tests/long_functions.py [--limit N] [--all] [PATH...]

PATHs are files or folders (default: the C files git tracks outside tests/, from the top of the
tree). --all lists every function over the limit, with or without its comment.
A brace counter, not a compiler: comments, strings, character constants and preprocessor lines
are blanked first; a function is a `{` at file level that follows a `)`.
"""
import argparse
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUFFIXES = (".c", ".h")
WHY = re.compile(r"long\s+because", re.I)


def blank(text, keep_strings=False):
    """Returns (code, comments): code with comments, strings, character constants and
    preprocessor lines replaced by spaces (newlines kept; keep_strings keeps the last three),
    and [(line, comment text)]."""
    out = []
    comments = []
    i, n, line = 0, len(text), 1
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            out.append(c)
            line += 1
            i += 1
            at_line_start = True
            continue
        if at_line_start and c == "#":
            j = i
            while j < n and text[j] != "\n":  # the directive, with its continuation lines
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 2
                    continue
                j += 1
            chunk = text[i:j]
            if keep_strings:  # the directive's comments still go
                chunk = "#" + blank(chunk[1:], True)[0]
            out.append(chunk if keep_strings else re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = j
            continue
        if not c.isspace():
            at_line_start = False
        if text.startswith("/*", i) or text.startswith("//", i):
            if text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end == -1 else end + 2
            else:
                end = text.find("\n", i)
                end = n if end == -1 else end
            chunk = text[i:end]
            comments.append((line, chunk))
            out.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            chunk = text[i:j + 1]
            out.append(chunk if keep_strings else re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), comments


def functions(text):
    """Yields (name, first line, last line, body start, body end) for every function definition:
    the first line is the one that holds the name, the last the closing brace."""
    code, _ = blank(text)
    depth = 0
    i = 0
    start = None
    while i < len(code):
        c = code[i]
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and start is not None:
                head = code[:start].rstrip()
                name = None
                if head.endswith(")"):
                    k, d = len(head) - 1, 0
                    while k >= 0:  # back to the '(' that opens the parameter list
                        d += head[k] == ")"
                        d -= head[k] == "("
                        if d == 0:
                            break
                        k -= 1
                    m = re.search(r"([A-Za-z_]\w*)\s*$", head[:k])
                    if m and m.group(1) not in ("if", "while", "for", "switch", "sizeof"):
                        name = m.group(1)
                        first = code.count("\n", 0, m.start(1)) + 1
                        last = code.count("\n", 0, i) + 1
                        yield name, first, last, start, i
                start = None
            if depth < 0:
                depth = 0
        i += 1


def says_why(comments, first, last):
    """A `long because` comment inside the function, or in the comments that end on the lines
    just above its first line."""
    above = first - 1
    for line, text in sorted(comments, reverse=True):
        end = line + text.count("\n")
        if first <= line <= last and WHY.search(text):
            return True
        if line < first and end >= above - 1:
            if WHY.search(text):
                return True
            above = line
    return False


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = [os.path.relpath(os.path.join(d, f), TOP)
               for d, _, fs in os.walk(TOP) for f in fs]
    return sorted(os.path.join(TOP, f) for f in out
                  if f.endswith(SUFFIXES) and not f.startswith(("tests/", "build")))


def expand(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, fs in sorted(os.walk(p)):
                for f in sorted(fs):
                    if f.endswith(SUFFIXES):
                        yield os.path.join(d, f)
        else:
            yield p


def long_functions(paths, limit, all_of_them=False):
    """[(path, first line, name, lines, has a why comment)] for functions over the limit."""
    found = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        _, comments = blank(text)
        for name, first, last, _, _ in functions(text):
            lines = last - first + 1
            if lines > limit:
                why = says_why(comments, first, last)
                if all_of_them or not why:
                    found.append((path, first, name, lines, why))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--all", action="store_true", help="also those with a `long because` comment")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    paths = list(expand(a.paths)) if a.paths else tracked_files()
    found = long_functions(paths, a.limit, a.all)
    for path, first, name, lines, why in found:
        rel = os.path.relpath(path)
        print(f"{rel}:{first}: {name} is {lines} lines" + (" (says why)" if why else ""))
    bad = sum(1 for f in found if not f[4])
    print(f"{bad} function(s) over {a.limit} lines without a `long because` comment "
          f"({len(paths)} files)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
