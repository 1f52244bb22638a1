#!/bin/sh
# build.sh - build the libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan and UBSan into
# $BUILD/fuzz/, then run each for RUNS inputs, or for FUZZ_SECONDS seconds when that is set
# (`make fuzz`: 60 each), starting from a small seed corpus.
#
#     sh tests/fuzz/build.sh [BUILD] [RUNS]        (defaults: build, 20000)
#     FUZZ_SECONDS=60 sh tests/fuzz/build.sh [BUILD]
#
# Each target names the reader sources it links in lines of its top comment:
# `FUZZ_SOURCES: tools/report/json.c` (and optionally `FUZZ_LIBS: -lelf`); several such lines
# add up; `FUZZ_MAX_LEN: N` raises the input size from 4096 bytes. Seeds for a target are the files under tests/fuzz/seeds/<name>/ when that exists
# (crash inputs kept as regression seeds: every run replays them first), plus the inline ones
# below. FUZZ_ONLY=name runs only that target.
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
-fno-omit-frame-pointer -I$ROOT/include -I$ROOT -DHP_VERSION=\"fuzz\" -DHP_FUZZ_ROOT=\"$ROOT\""
if [ -n "${FUZZ_SECONDS:-}" ]; then
	LIMIT="-max_total_time=$FUZZ_SECONDS"
else
	LIMIT="-runs=$RUNS"
fi

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

# reader_obj SRC: the object of reader source SRC (relative to the root) under $OUT/obj, built
# with the sanitizers when it is missing or any source or header of the readers is newer (so
# targets share one build; written under a temporary name, so parallel runs do not collide).
reader_obj() {
	obj=$OUT/obj/$(printf '%s' "${1%.c}" | tr / _).o
	if [ ! -f "$obj" ] || [ -n "$(find "$ROOT/$1" "$ROOT/include" "$ROOT/tools" "$ROOT/symbolize" \
		-name '*.[ch]' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		mkdir -p "$OUT/obj"
		# shellcheck disable=SC2086
		"$CLANG" $CFLAGS -c -o "$obj.$$" "$ROOT/$1" >&2 && mv "$obj.$$" "$obj" || return 1
	fi
	echo "$obj"
}

status=0
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	[ -n "${FUZZ_ONLY:-}" ] && [ "$FUZZ_ONLY" != "$name" ] && continue
	# The words after the tags, up to the end of each line or of the comment; no globbing.
	sources=$(sed -n 's/.*FUZZ_SOURCES:\([^*]*\).*/\1/p' "$src" | tr '\n' ' ')
	libs=$(sed -n 's/.*FUZZ_LIBS:\([^*]*\).*/\1/p' "$src" | tr '\n' ' ')
	maxlen=$(sed -n 's/.*FUZZ_MAX_LEN: *\([0-9][0-9]*\).*/\1/p' "$src" | head -n 1)
	objs=""
	set -f
	# One build of the shared objects at a time (the suite runs targets side by side).
	exec 9>"$OUT/obj.lock"
	command -v flock >/dev/null 2>&1 && flock 9
	for s in $sources; do
		obj=$(reader_obj "$s") || { objs=FAILED; break; }
		objs="$objs $obj"
	done
	exec 9>&-
	set +f
	echo "  FUZZ   $OUT/$target"
	# shellcheck disable=SC2086
	if [ "$objs" = FAILED ] || ! "$CLANG" $CFLAGS -o "$OUT/$target" "$src" $objs $libs -lm; then
		echo "hotpath: $target does not build" >&2
		status=1
		continue
	fi
	corpus=$OUT/corpus/$name
	# FUZZ_FRESH=1 (the test suite's short run): the seeds only, not what earlier runs grew.
	[ -n "${FUZZ_FRESH:-}" ] && corpus=$OUT/corpus/$name.fresh.$$ && rm -rf "$corpus"
	mkdir -p "$corpus" "$OUT/seeds/$name"
	dirs="$corpus $OUT/seeds/$name"
	[ -d "$ROOT/tests/fuzz/seeds/$name" ] && dirs="$dirs $ROOT/tests/fuzz/seeds/$name"
	# shellcheck disable=SC2086
	if "$OUT/$target" $LIMIT -max_len="${maxlen:-4096}" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/$target-" $dirs >"$OUT/$target.log" 2>&1; then
		echo "  RAN    $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$OUT/$target.log" | tail -n 1), nothing found"
	else
		echo "hotpath: $target found a problem; the input is in $OUT/$target-*:" >&2
		tail -n 40 "$OUT/$target.log" >&2
		status=1
	fi
	[ -n "${FUZZ_FRESH:-}" ] && rm -rf "$corpus"
done
exit $status
