#!/bin/sh
# install-deps.sh - install the Debian packages hotpath needs to build and test, when missing.
# Called by `make deps` (and so by `make demo` and `make test`). Set HOTPATH_NO_APT=1 to only
# check. Exits non-zero with one line naming what is missing when it cannot install it.
set -eu

# Build: compiler, ELF/DWARF, demangling, unwinding, disassembly, console, history.
# Tests: check (unit tests), python3 (end-to-end runner), tmux (console tests), and programs
# from Debian that the tests profile (gzip, xz, pigz, sqlite3, ltrace for independent counts),
# clang and its libFuzzer runtime for the fuzz targets, rustc for a Rust program's names.
# serve and pprof: libmicrohttpd (HTTP), protobuf-c (profile.proto), zlib (gzip).
# Peers and oracles for tests and benchmarks: valgrind, uftrace, heaptrack, google-perftools
# (CPU profiler), linux-perf, prometheus/promtool, golang-go (`go tool pprof`); clang-format
# for `make format`.
PACKAGES="gcc g++ make pkg-config libc6-dev libelf-dev libdw-dev libiberty-dev libunwind-dev
libcapstone-dev libncurses-dev libsqlite3-dev check python3 tmux sqlite3 gzip xz-utils pigz
ltrace zlib1g-dev clang libclang-rt-14-dev rustc libmicrohttpd-dev libprotobuf-c-dev
protobuf-c-compiler valgrind uftrace heaptrack google-perftools libgoogle-perftools-dev
linux-perf prometheus golang-go clang-format bzip2"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "${HOTPATH_NO_APT:-}" = 1 ]; then
	echo "hotpath: missing Debian packages:$missing (run: apt-get install$missing)" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
		echo "hotpath: missing Debian packages:$missing and not root (run as root: apt-get install$missing)" >&2
		exit 1
	fi
fi
echo "hotpath: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An out-of-date or empty package list makes install fail: refresh once, then install.
$SUDO apt-get update -qq >/dev/null || { echo "hotpath: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "hotpath: apt-get install$missing failed" >&2; exit 1; }
