#!/bin/sh
# build.sh - build the libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan and UBSan into
# $BUILD/fuzz/, then run each for RUNS inputs starting from a small seed corpus.
#
#     sh tests/fuzz/build.sh [BUILD] [RUNS]        (defaults: build, 20000)
#
# Each target names the reader sources it links in one line of its top comment:
# `FUZZ_SOURCES: tools/report/json.c` (and optionally `FUZZ_LIBS: -lelf`). Seeds for a target are
# the files under tests/fuzz/seeds/<name>/ when that exists, plus the inline ones below.
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-<version>-dev). Exits non-zero
# when a target does not build or a run finds a crash; the input is left in $BUILD/fuzz/.
set -eu

BUILD=${1:-build}
RUNS=${2:-20000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLANG=${FUZZ_CC:-clang}
OUT=$BUILD/fuzz
CFLAGS="-std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wstrict-prototypes -Wshadow
-Wno-unused-parameter -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
-fno-omit-frame-pointer -I$ROOT/include -I$ROOT"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "hotpath: fuzzing needs clang (run: apt-get install clang)" >&2
	exit 1
fi
mkdir -p "$OUT"

# The fuzzer runtime ships apart from clang on Debian: check it with a trivial target.
probe=$OUT/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" 2>"$probe.log"; then
	major=$("$CLANG" -dumpversion | cut -d. -f1)
	echo "hotpath: clang's libFuzzer runtime is missing (run: apt-get install libclang-rt-$major-dev)" >&2
	sed 's/^/    /' "$probe.log" >&2
	exit 1
fi
rm -f "$probe" "$probe.c" "$probe.log"

# seed NAME FILE TEXT: one seed input (printf escapes allowed in TEXT).
seed() {
	mkdir -p "$OUT/seeds/$1"
	printf "$3" >"$OUT/seeds/$1/$2"
}

seed json object '{"version": 1, "name": "gzip", "total_ns": 123456789, "ok": true,\n "x": null}'
seed json nested '[[1, -2.5e3, 0.25], {"a": {"b": []}}, [], {}]'
seed json escapes '"q\\" b\\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \\u0000"'
seed json numbers '[0, -0, 9223372036854775807, -9223372036854775808, 18446744073709551615, 1e308, 1E-5]'
seed json report '{\n  "functions": [\n    {"name": "main", "calls": 1, "p99_ns": 80.94}\n  ]\n}\n'
seed json bad '{"a": [1, 2,], "b": "\\ud800"}'
seed config basic '# hotpath.conf\n[run]\nlimit = 20\noutput = "report.json"  # out\n'
seed config sections 'top = 1\n[report]\npercentiles = 50,95,99.9\nexclude = a, b ,c\n[console.tui]\ncolor = on\n'
seed config quotes 'name = "say \\"hi\\" \\\\ \\n\\t # kept"\nplain = a "b # c" d # gone\n'
seed config crlf '\357\273\277[run]\r\nk = v\r\n; comment\r\n'
seed config bad '[run\nlimit 5\n[a b]\nx = "open\n'

status=0
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	# The words after the tag, up to the end of the line or of the comment; no globbing.
	sources=$(sed -n 's/.*FUZZ_SOURCES:\([^*]*\).*/\1/p' "$src" | head -n 1)
	libs=$(sed -n 's/.*FUZZ_LIBS:\([^*]*\).*/\1/p' "$src" | head -n 1)
	paths=""
	set -f
	for s in $sources; do paths="$paths $ROOT/$s"; done
	set +f
	echo "  FUZZ   $OUT/$target"
	# shellcheck disable=SC2086
	if ! "$CLANG" $CFLAGS -o "$OUT/$target" "$src" $paths $libs -lm; then
		echo "hotpath: $target does not build" >&2
		status=1
		continue
	fi
	corpus=$OUT/corpus/$name
	mkdir -p "$corpus" "$OUT/seeds/$name"
	dirs="$corpus $OUT/seeds/$name"
	[ -d "$ROOT/tests/fuzz/seeds/$name" ] && dirs="$dirs $ROOT/tests/fuzz/seeds/$name"
	# shellcheck disable=SC2086
	if "$OUT/$target" -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/$target-" $dirs >"$OUT/$target.log" 2>&1; then
		echo "  RAN    $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$OUT/$target.log"), nothing found"
	else
		echo "hotpath: $target found a problem; the input is in $OUT/$target-*:" >&2
		tail -n 40 "$OUT/$target.log" >&2
		status=1
	fi
done
exit $status
