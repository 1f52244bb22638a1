#!/bin/sh
# run.sh BUILD [SECTION...] - `make bench`: every benchmark, ns of overhead per operation
# against an uninstrumented run in the same invocation.
B=${1:-build}
shift 2>/dev/null
exec /usr/bin/python3 "$(dirname "$0")/bench.py" "$B" "$@"
