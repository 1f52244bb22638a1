#!/bin/sh
# demo.sh BUILD - build the bundled example with -finstrument-functions and profile it.
set -eu
B=${1:-build}
mkdir -p "$B/examples"
cc -O2 -g -finstrument-functions -o "$B/examples/demo" examples/demo.c -lpthread
echo "\$ cc -O2 -g -finstrument-functions -o demo examples/demo.c -lpthread"
echo "\$ hotpath run --percentiles 50,95,99 ./demo"
exec "$B/hotpath" run --percentiles 50,95,99 "$B/examples/demo"
