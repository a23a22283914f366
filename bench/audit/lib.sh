# Shared functions of the whole-system audit benchmark (issue 4, "Performance"). Sourced by
# run-auditd.sh and run-canister.sh; not a test, never run by the build.
#
# Workload: `-a always,exit -F arch=b64 -S execve -k exec`, backlog_limit 8192, and an exec storm of
# /bin/true at fixed total rates and flat out, spread over PARENTS long-lived parent processes (the
# Canister run labels each as one container; the auditd run uses the same shape so both see the same
# load). Per phase: exec count achieved, events written (SYSCALL records of /bin/true in the daemon's
# log), daemon CPU (utime+stime of /proc/<pid>/stat over the storm window), kernel `lost` delta
# (auditctl -s), receive overruns (daemon-specific, see the run scripts).
#
# Safety (DESIGN.md): everything changed is restored by restore_audit on exit (trap): only processes
# this script started are signalled, by pid; the rule it added is deleted exactly (-d, never -D); the
# kernel status fields are set back; the audit pid is never left pointing at a dead daemon.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RATES=${RATES:-"100 1000 5000 0"}     # 0 = flat out
PHASE_SECONDS=${PHASE_SECONDS:-20}
PARENTS=${PARENTS:-20}
BACKLOG_LIMIT=${BACKLOG_LIMIT:-8192}
# 0: an overloaded reader shows as kernel `lost`, not as stalled exec storms (DESIGN.md safety rule)
BACKLOG_WAIT_TIME=${BACKLOG_WAIT_TIME:-0}
RULE_ARGS=(always,exit -F arch=b64 -S execve -k exec)
RULE_TEXT="-a always,exit -F arch=b64 -S execve -k exec"
CLK_TCK=$(getconf CLK_TCK)

STORM_PIDS=()
RULE_ADDED=0
SNAPSHOT_TAKEN=0

die() { echo "bench/audit: $*" >&2; exit 1; }
log() { echo "bench/audit: $*" >&2; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (audit rules and status need CAP_AUDIT_CONTROL)"
  command -v auditctl >/dev/null || die "auditctl not found: apt-get install auditd (3.0.9 on Debian 12)"
  command -v gcc >/dev/null || die "gcc not found: the exec storm generator is compiled at bench time"
}

# Compiles the storm generator into $WORK/execstorm.
build_storm() {
  gcc -O2 -Wall -Wextra -o "$WORK/execstorm" "$BENCH_DIR/execstorm.c" || die "cannot compile execstorm.c"
}

# One field of `auditctl -s` (enabled, failure, pid, rate_limit, backlog_limit, lost, backlog,
# backlog_wait_time).
audit_field() {
  auditctl -s | awk -v k="$1" '$1 == k { print $2; exit }'
}

snapshot_audit() {
  ORIG_ENABLED=$(audit_field enabled)
  ORIG_FAILURE=$(audit_field failure)
  ORIG_PID=$(audit_field pid)
  ORIG_RATE=$(audit_field rate_limit)
  ORIG_BACKLOG=$(audit_field backlog_limit)
  ORIG_WAIT=$(audit_field backlog_wait_time)
  [ "$ORIG_ENABLED" != 2 ] || die "audit is locked (enabled 2): nothing can change until reboot"
  [ "$ORIG_PID" = 0 ] || die "an audit daemon is registered (pid $ORIG_PID): each daemon must run alone; stop it first"
  if auditctl -l | grep -q -- '-F key=exec$'; then
    die "a rule with key 'exec' is already loaded; this benchmark adds and deletes its own and will not touch it"
  fi
  SNAPSHOT_TAKEN=1
}

# Kernel settings for the run; the daemon under test does not change them.
apply_audit_settings() {
  auditctl -b "$BACKLOG_LIMIT" >/dev/null
  auditctl --backlog_wait_time "$BACKLOG_WAIT_TIME" >/dev/null
  auditctl -r 0 >/dev/null
}

add_rule() {
  auditctl -a "${RULE_ARGS[@]}"
  RULE_ADDED=1
}

delete_rule() {
  if auditctl -l | grep -q -- '-F key=exec$'; then
    auditctl -d "${RULE_ARGS[@]}" || log "could not delete '$RULE_TEXT'"
  fi
  RULE_ADDED=0
}

kill_storms() {
  local p
  for p in "${STORM_PIDS[@]:-}"; do
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
  done
  STORM_PIDS=()
}

# Stops a daemon this script started, by pid: TERM, then KILL after 15 s.
stop_pid() {
  local pid=$1 name=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name (pid $pid) ignored TERM for 15 s: KILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The kernel clears a dead daemon's pid when a delivery to it fails (kernel/audit.c auditd_reset); if
# the pid still names a process that is gone, send a user message so kauditd tries and notices.
ensure_audit_pid_not_dead() {
  local pid i
  for i in $(seq 50); do
    pid=$(audit_field pid)
    if [ "$pid" = 0 ] || kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
    [ "$(audit_field enabled)" = 1 ] || auditctl -e 1 >/dev/null
    auditctl -m "canister bench: probing for a dead audit daemon" 2>/dev/null || true
    sleep 0.1
  done
  log "WARNING: audit pid $(audit_field pid) still names a dead process"
}

restore_audit() {
  [ "$SNAPSHOT_TAKEN" = 1 ] || return 0
  kill_storms
  ensure_audit_pid_not_dead
  [ "$RULE_ADDED" = 1 ] && delete_rule
  auditctl --backlog_wait_time "$ORIG_WAIT" >/dev/null || true
  auditctl -b "$ORIG_BACKLOG" >/dev/null || true
  auditctl -r "$ORIG_RATE" >/dev/null || true
  auditctl -f "$ORIG_FAILURE" >/dev/null || true
  auditctl -e "$ORIG_ENABLED" >/dev/null || true
  SNAPSHOT_TAKEN=0
}

# utime + stime (clock ticks) of a whole process (all threads: /proc/<tgid>/stat sums them).
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

now() { date +%s.%N; }

# "name ticks" per thread of $1 (utime + stime of /proc/<pid>/task/<tid>/stat; threads of one name summed).
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    [ -r "$t/stat" ] || continue
    printf '%s %s\n' "$(tr ' ' '_' <"$t/comm" 2>/dev/null)" "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null)"
  done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }'
}

# Per-thread CPU (% of a core) between two thread_ticks snapshots over SECONDS, largest first, to stderr.
print_thread_cpu() {
  local before=$1 after=$2 seconds=$3
  awk -v secs="$seconds" -v tck="$CLK_TCK" 'NR == FNR { b[$1] = $2; next }
    { d = $2 - b[$1]; if (d > 0) printf "  %-28s %6.1f\n", $1, 100 * d / tck / secs }' \
    <(echo "$before") <(echo "$after") | sort -k2 -n -r | head -12 >&2
}

# Waits until $1 (a command printing a number) stops growing for 2 s, at most 60 s; prints the count.
drain() {
  local last=-1 cur stable=0 i
  for i in $(seq 120); do
    cur=$("$@")
    if [ "$cur" = "$last" ]; then
      stable=$((stable + 1))
      [ "$stable" -ge 4 ] && break
    else
      stable=0
    fi
    last=$cur
    sleep 0.5
  done
  echo "$cur"
}

# Starts $PARENTS storm parents waiting for SIGUSR1, each at rate/$PARENTS (0: flat out). Fills
# STORM_PIDS and writes each one's output to $WORK/storm.<i>.
start_storms() {
  local rate=$1 seconds=$2 i per out
  STORM_PIDS=()
  if [ "$rate" = 0 ]; then per=0; else per=$(awk -v r="$rate" -v p="$PARENTS" 'BEGIN { printf "%.3f", r / p }'); fi
  for i in $(seq "$PARENTS"); do
    out=$WORK/storm.$i
    "$WORK/execstorm" -w -r "$per" -d "$seconds" -j 8 >"$out" 2>&1 </dev/null &
    STORM_PIDS+=("$!")
  done
  for i in $(seq "$PARENTS"); do
    out=$WORK/storm.$i
    local n
    for n in $(seq 100); do
      grep -q '^ready' "$out" && break
      sleep 0.05
    done
    grep -q '^ready' "$out" || die "storm parent $i did not start: $(cat "$out")"
  done
}

go_storms() {
  local p
  for p in "${STORM_PIDS[@]}"; do kill -USR1 "$p"; done
}

# Waits for the storm parents (in this shell: never call it inside $(...), a subshell cannot wait).
wait_storms() {
  local p
  for p in "${STORM_PIDS[@]}"; do wait "$p" || true; done
  STORM_PIDS=()
}

storm_execs() {
  cat "$WORK"/storm.* | awk -F'[= ]' '/^execs=/ { s += $2 } END { print s + 0 }'
}

# Drops counted by the kernel on every NETLINK_AUDIT socket (/proc/net/netlink "Drops", sk_drops:
# netlink_overrun on a full receive buffer, the ENOBUFS a reader sees). With one audit daemon alone on
# the machine, these are its receive overruns.
netlink_audit_drops() {
  awk '$2 == 9 { s += $9 } END { print s + 0 }' /proc/net/netlink
}

# run_phase RATE DAEMON_PID COUNT_FN OVERRUN_FN [LABEL_FN]: one storm phase, one result line. COUNT_FN
# prints the events written so far; OVERRUN_FN the receive overruns so far; LABEL_FN (optional) runs
# after the storm parents exist (childless, waiting) and before they start.
run_phase() {
  local rate=$1 dpid=$2 count_fn=$3 overrun_fn=$4 label_fn=${5:-}
  local lost0 lost1 ev0 ev1 cpu0 cpu1 cpu2 t0 t1 t2 execs ov0 ov1
  kill -0 "$dpid" 2>/dev/null || die "the daemon (pid $dpid) is not running"
  ev0=$(drain "$count_fn")
  ov0=$("$overrun_fn")
  lost0=$(audit_field lost)
  start_storms "$rate" "$PHASE_SECONDS"
  [ -n "$label_fn" ] && "$label_fn"
  local th0='' th1='' kd0='' kd1='' kpid
  kpid=$(pgrep -x kauditd | head -1 || true)
  [ "${THREADS:-0}" = 1 ] && th0=$(thread_ticks "$dpid") && kd0=$(cat "/proc/$kpid/schedstat" 2>/dev/null || true)
  cpu0=$(cpu_ticks "$dpid"); t0=$(now)
  go_storms
  wait_storms
  execs=$(storm_execs)
  cpu1=$(cpu_ticks "$dpid"); t1=$(now)
  if [ "${THREADS:-0}" = 1 ]; then
    th1=$(thread_ticks "$dpid")
    kd1=$(cat "/proc/$kpid/schedstat" 2>/dev/null || true)
    # kauditd moves records from the kernel's backlog to the daemon: its run-queue wait is what a storm
    # that starves it costs (kernel `lost` grows when it cannot keep the backlog under backlog_limit)
    [ -n "$kd0" ] && [ -n "$kd1" ] && log "kauditd: on-cpu $(awk -v a="$kd0" -v b="$kd1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f ms, run-queue wait %.0f ms", (y[1] - x[1]) / 1e6, (y[2] - x[2]) / 1e6 }')"
    log "per-thread CPU over the $rate/s storm (% of a core):"
    print_thread_cpu "$th0" "$th1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  fi
  ev1=$(drain "$count_fn")
  cpu2=$(cpu_ticks "$dpid"); t2=$(now)
  lost1=$(audit_field lost)
  ov1=$("$overrun_fn")
  awk -v rate="$rate" -v execs="$execs" -v ev="$((ev1 - ev0))" -v secs="$PHASE_SECONDS" \
      -v c1="$((cpu1 - cpu0))" -v c2="$((cpu2 - cpu0))" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
      -v tck="$CLK_TCK" -v lost="$((lost1 - lost0))" -v ov="$((ov1 - ov0))" 'BEGIN {
        storm = t1 - t0
        # writing ended about 2 s before the drain noticed it had stopped
        write = (t2 - t0) - 2; if (write < storm) write = storm
        printf "%-9s %8d %9.0f %8d %9.0f %7.1f %8.1f %10.3f %6d %9s\n",
          (rate == 0 ? "flat-out" : rate "/s"), execs, execs / storm, ev, ev / write,
          100 * c1 / tck / storm, 100 * c2 / tck / (t2 - t0), (ev > 0 ? 1000 * c2 / tck / ev : 0), lost, ov
      }'
}

# A phase whose line is not printed: both daemons get the same JIT/cache warm-up before the measured
# phases (WARMUP_SECONDS at WARMUP_RATE; 0 seconds: none), so a first phase does not measure compilation.
warm_up() {
  local secs=${WARMUP_SECONDS:-10}
  [ "$secs" -gt 0 ] || return 0
  log "warm-up: ${secs}s at ${WARMUP_RATE:-1000}/s (not reported)"
  PHASE_SECONDS=$secs run_phase "${WARMUP_RATE:-1000}" "$@" >/dev/null
}

print_header() {
  printf "%-9s %8s %9s %8s %9s %7s %8s %10s %6s %9s\n" \
    target execs execs/s events events/s cpu% cpu%+dr cpu-s/1k lost overruns
}
