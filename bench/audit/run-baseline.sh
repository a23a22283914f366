#!/usr/bin/env bash
# Reference for the audit benchmark: the same exec storm phases with no audit rule loaded (audit state
# untouched), to show what the machine itself can spawn. Needs no root beyond running the storm.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v gcc >/dev/null || die "gcc not found"
WORK=$(mktemp -d /tmp/canister-bench-baseline.XXXXXX)
trap 'kill_storms; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
build_storm
echo "# baseline: no audit rule; $PARENTS parents; ${PHASE_SECONDS}s per phase; $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-9s %8s %9s\n" target execs execs/s
for rate in $RATES; do
  start_storms "$rate" "$PHASE_SECONDS"
  t0=$(now)
  go_storms
  wait_storms
  t1=$(now)
  awk -v rate="$rate" -v execs="$(storm_execs)" -v t0="$t0" -v t1="$t1" 'BEGIN {
    printf "%-9s %8d %9.0f\n", (rate == 0 ? "flat-out" : rate "/s"), execs, execs / (t1 - t0) }'
done
