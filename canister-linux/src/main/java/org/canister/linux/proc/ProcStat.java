package org.canister.linux.proc;

/**
 * The fields Canister takes from {@code /proc/<pid>/task/<tid>/stat} (proc(5)).
 *
 * @param comm      field 2, without the parentheses (may contain spaces and ')')
 * @param state     field 3 (R, S, D, Z, T, t, X, I...)
 * @param ppid      field 4
 * @param startTime field 22: clock ticks after boot at which the task started
 */
public record ProcStat(String comm, char state, int ppid, long startTime) {
}
