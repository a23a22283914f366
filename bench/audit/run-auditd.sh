#!/usr/bin/env bash
# The auditd half of the whole-system audit benchmark (issue 4, "Performance"): Debian auditd 3.0.9 in
# the foreground as a child of this script, flush = incremental_async, log_format = RAW, logging to a
# temporary directory, with the exec storm phases of lib.sh. Prints one result line per phase.
#
#   sudo bench/audit/run-auditd.sh   # env: RATES="100 1000 5000 0" PHASE_SECONDS=20 PARENTS=20 KEEP_WORK=0
#
# auditd runs with -n (no fork: a child of this script, stopped by pid), not -f: in -f (debug) mode
# auditd 3.0.9 writes events to stderr instead of its log. Overruns: the kernel's drop counter of the
# audit netlink sockets (lib.sh netlink_audit_drops); auditd's own "No buffer space available" messages go
# to syslog and are also counted from its stderr if it writes any there.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root
AUDITD=$(command -v auditd || true)
[ -n "$AUDITD" ] || die "auditd not found: apt-get install auditd"

WORK=$(mktemp -d /tmp/canister-bench-auditd.XXXXXX)
AUDITD_PID=
cleanup() {
  set +e
  kill_storms
  # Rule first, daemon second: with the rule loaded and no reader, every exec on the machine would go
  # to the kernel's hold queue and, past backlog_limit, count as lost.
  [ "$RULE_ADDED" = 1 ] && delete_rule
  [ -n "$AUDITD_PID" ] && stop_pid "$AUDITD_PID" auditd
  restore_audit
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    log "auditd log and stderr kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

snapshot_audit
build_storm

mkdir -p "$WORK/log" "$WORK/plugins.d"
cat >"$WORK/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $WORK/log/audit.log
log_group = root
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 4096
num_logs = 2
priority_boost = 4
name_format = NONE
max_log_file_action = IGNORE
space_left = 75
space_left_action = IGNORE
verify_email = no
action_mail_acct = root
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = SYSLOG
use_libwrap = no
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = $WORK/plugins.d
end_of_event_timeout = 2
CONF
chmod 0640 "$WORK/auditd.conf"

apply_audit_settings
# -n: no fork (a child, stopped by pid below); -s nochange: this script owns `enabled` and restores it.
"$AUDITD" -n -s nochange -c "$WORK" >"$WORK/auditd.stderr" 2>&1 &
AUDITD_PID=$!
for i in $(seq 100); do
  [ "$(audit_field pid)" = "$AUDITD_PID" ] && break
  kill -0 "$AUDITD_PID" 2>/dev/null || die "auditd exited at start: $(tail -5 "$WORK/auditd.stderr")"
  sleep 0.1
done
[ "$(audit_field pid)" = "$AUDITD_PID" ] || die "auditd (pid $AUDITD_PID) did not register with the kernel"
auditctl -e 1 >/dev/null
add_rule

count_auditd() {
  [ -f "$WORK/log/audit.log" ] || { echo 0; return; }
  grep -c '^type=SYSCALL .* comm="true" ' "$WORK/log/audit.log" 2>/dev/null || true
}
overruns_auditd() {
  local own
  own=$(grep -c 'No buffer space' "$WORK/auditd.stderr" 2>/dev/null || true)
  echo $(( $(netlink_audit_drops) + ${own:-0} ))
}

echo "# auditd $(dpkg-query -W -f='${Version}' auditd 2>/dev/null || echo '?'), flush=incremental_async freq=50, RAW;" \
  "backlog_limit=$BACKLOG_LIMIT backlog_wait_time=$BACKLOG_WAIT_TIME; $PARENTS parents; ${PHASE_SECONDS}s per phase;" \
  "$(nproc) CPUs, kernel $(uname -r)"
warm_up "$AUDITD_PID" count_auditd overruns_auditd
print_header
for rate in $RATES; do
  run_phase "$rate" "$AUDITD_PID" count_auditd overruns_auditd
done
