#!/usr/bin/env bash
# The Canister half of the whole-system audit benchmark (issue 4, "Performance"): `canister run` with the
# same kernel rule (from a rules file, --audit-rules), annotation and per-container routing on, and
# PARENTS (20) storm parents each labelled as its own container through the control filesystem
# (/proc/<pid>/audit_containerid under the mount) before it starts. Same phases and columns as
# run-auditd.sh.
#
#   sudo bench/audit/run-canister.sh   # env: CANISTER=<launcher> RATES PHASE_SECONDS PARENTS KEEP_WORK
#
# The daemon must accept --audit-rules FILE, --log-dir DIR, --mount DIR and --state-dir DIR and write
# assembled events to DIR/audit.log (and DIR/containers/<contid>/audit.log). When this build lacks any of
# that, the script stops with a message saying what is missing: it never reports numbers it did not measure.
#
# Overruns: the kernel's drop counter of the audit netlink sockets (lib.sh), and, reported after the
# table, the DAEMON_ERR op=lost records Canister itself writes (kernel_lost=, socket_overruns=).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root
CANISTER=${CANISTER:-$(cd "$BENCH_DIR/../.." && pwd)/canister}
[ -x "$CANISTER" ] || die "no canister launcher at $CANISTER (set CANISTER=...)"
# The launcher builds on a first `run`; a benchmark must not: require the jar, then ask for the options.
JAR=$(dirname "$CANISTER")/canister-daemon/target/canister.jar
[ -f "$JAR" ] || die "canister is not built ($JAR missing): run '$CANISTER build' first"
help=$("$CANISTER" run --help 2>&1 || true)
for opt in --audit-rules --log-dir --mount --state-dir; do
  if ! grep -q -- "$opt" <<<"$help"; then
    die "'canister run' has no $opt option in this build: the audit pipeline (issue 4 items 1-4) is not" \
        "there yet, so there are no Canister figures. 'canister run --help' says: $(head -3 <<<"$help" | tr '\n' ' ')"
  fi
done

WORK=$(mktemp -d /tmp/canister-bench-canister.XXXXXX)
MNT=$WORK/mnt
LOGDIR=$WORK/log
CANISTER_PID=
cleanup() {
  set +e
  kill_storms
  # Rule first, daemon second: with the rule loaded and no reader, every exec on the machine would go
  # to the kernel's hold queue and, past backlog_limit, count as lost.
  [ "$RULE_ADDED" = 1 ] && delete_rule
  [ -n "$CANISTER_PID" ] && stop_pid "$CANISTER_PID" canister
  if mountpoint -q "$MNT" 2>/dev/null; then
    fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
  fi
  restore_audit
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    log "canister logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

snapshot_audit
build_storm
mkdir -p "$MNT" "$LOGDIR" "$WORK/state"
cat >"$WORK/audit.rules" <<RULES
# canister bench: the workload of issue 4 "Performance"
-b $BACKLOG_LIMIT
--backlog_wait_time $BACKLOG_WAIT_TIME
-r 0
$RULE_TEXT
RULES

# No size limit on the host log: a rotation with num-logs would delete events before they are counted.
printf 'audit:\n  max-log-file: 0\n' >"$WORK/canister.yaml"
# CANISTER_YAML: more settings for an experiment, e.g. $'tasks:\n  batch-delay-us: 5000' (top-level keys
# other than audit; audit keys go in CANISTER_AUDIT_YAML, indented two spaces)
[ -n "${CANISTER_AUDIT_YAML:-}" ] && printf '%s\n' "$CANISTER_AUDIT_YAML" >>"$WORK/canister.yaml"
[ -n "${CANISTER_YAML:-}" ] && printf '%s\n' "$CANISTER_YAML" >>"$WORK/canister.yaml"
"$CANISTER" run --config "$WORK/canister.yaml" --audit-rules "$WORK/audit.rules" --log-dir "$LOGDIR" --mount "$MNT" --state-dir "$WORK/state" \
  >"$WORK/canister.out" 2>&1 </dev/null &
CANISTER_PID=$!
RULE_ADDED=1 # loaded by the daemon; restore_audit deletes it if the daemon left it behind
for i in $(seq 1200); do
  [ -e "$MNT/status" ] && break
  kill -0 "$CANISTER_PID" 2>/dev/null || die "canister run exited at start: $(tail -5 "$WORK/canister.out")"
  sleep 0.1
done
[ -e "$MNT/status" ] || die "canister did not mount $MNT within 120 s: $(tail -5 "$WORK/canister.out")"
for i in $(seq 100); do
  auditctl -l | grep -q -- '-F key=exec$' && break
  sleep 0.1
done
auditctl -l | grep -q -- '-F key=exec$' || die "canister did not load the rule from --audit-rules"
[ "$(audit_field enabled)" = 1 ] || auditctl -e 1 >/dev/null
log "canister pid $CANISTER_PID; audit pid $(audit_field pid) (equal: registered daemon; 0: multicast reader)"

CONTID_BASE=${CONTID_BASE:-700000}
label_storms() {
  local i=0 p
  for p in "${STORM_PIDS[@]}"; do
    i=$((i + 1))
    echo $((CONTID_BASE + i)) >"$MNT/proc/$p/audit_containerid" \
      || die "labelling storm parent $p through $MNT/proc/$p/audit_containerid failed"
  done
}
count_canister() {
  [ -f "$LOGDIR/audit.log" ] || { echo 0; return; }
  # audit.log and its rotations (audit.log.1 ...): the host log rotates at max-log-file
  cat "$LOGDIR"/audit.log* 2>/dev/null | grep -c '^type=SYSCALL .* comm="true" ' || true
}
count_routed() {
  cat "$LOGDIR"/containers/*/audit.log 2>/dev/null | grep -c '^type=SYSCALL .* comm="true" ' || true
}

echo "# canister ($(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')), annotation + routing, $PARENTS" \
  "labelled containers; backlog_limit=$BACKLOG_LIMIT backlog_wait_time=$BACKLOG_WAIT_TIME; ${PHASE_SECONDS}s per phase;" \
  "$(nproc) CPUs, kernel $(uname -r)"
warm_up "$CANISTER_PID" count_canister netlink_audit_drops label_storms
print_header
for rate in $RATES; do
  run_phase "$rate" "$CANISTER_PID" count_canister netlink_audit_drops label_storms
done
if [ "${THREADS:-0}" = 1 ]; then
  log "daemon counters: $(tr -d ' \n' <"$MNT/status" | grep -oE '"(proc_events|proc_read_misses|exec_reads|exec_reads_cancelled|proc_connector_overruns|proc_rescans|audit_attribution_hold_timeouts|audit_events_annotated)":[0-9]+' | tr '\n' ' ')"
fi
echo "# routed to per-container logs: $(count_routed) SYSCALL events of /bin/true (host log: $(count_canister))"
# Only the daemon's own records: the grep below is itself an audited execve whose EXECVE record says op=lost.
loss_lines() { grep -h '^type=DAEMON_ERR .*op=lost' "$LOGDIR"/audit.log* 2>/dev/null || true; }
echo "# Canister loss records: $(loss_lines | wc -l)" \
  "(kernel_lost sum $(loss_lines | grep -o 'kernel_lost=[0-9]*' | awk -F= '{s+=$2} END {print s+0}')," \
  "socket_overruns sum $(loss_lines | grep -o 'socket_overruns=[0-9]*' | awk -F= '{s+=$2} END {print s+0}'))"
