package org.canister.core.task;

import java.util.function.Consumer;

/**
 * The host's tasks as Canister knows them: thread groups and threads, parent links, start times,
 * credentials, namespaces, cgroup, comm/exe. Seeded from a {@code /proc} scan, kept live by proc
 * connector events ({@link TaskEvent}). Exited tasks stay as tombstones for a grace period so late
 * audit records still attribute.
 *
 * <p>Not thread-safe: the daemon applies events and reads under one model lock. Never reads a clock.
 */
public final class TaskTable {
    /** Default tombstone grace period (30 s). */
    public static final long DEFAULT_TOMBSTONE_GRACE_NS = 30_000_000_000L;

    public TaskTable(long tombstoneGraceNs) {
        throw new UnsupportedOperationException("TODO");
    }

    public TaskTable() {
        this(DEFAULT_TOMBSTONE_GRACE_NS);
    }

    public void addListener(TaskListener listener) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Apply one event; unknown or out-of-order events never throw (counted in {@link #stats()}). */
    public void apply(TaskEvent event) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The live task with this tid (process or thread), or null. */
    public Task task(int tid) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The live task with this tid, else its most recent tombstone still in grace, else null. */
    public Task taskOrTombstone(int tid) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The live thread-group leader with this tgid, or null. */
    public Task process(int tgid) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Every live thread-group leader, in no particular order. */
    public void forEachProcess(Consumer<Task> action) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Every live thread of a group, leader included. */
    public void forEachThread(int tgid, Consumer<Task> action) {
        throw new UnsupportedOperationException("TODO");
    }

    /** True when {@code ancestorTgid} is a strict ancestor of {@code tgid} along real-parent links. */
    public boolean isDescendant(int tgid, int ancestorTgid) {
        throw new UnsupportedOperationException("TODO");
    }

    public int liveProcessCount() {
        throw new UnsupportedOperationException("TODO");
    }

    public int liveTaskCount() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Drop tombstones older than the grace period; returns how many were removed. */
    public int expireTombstones(long nowNs) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Live processes whose parent exited since the last call: the kernel re-parented them (to a
     * subreaper or init) without a proc connector event, so the source re-reads their {@code PPid}
     * and applies a {@link TaskEvent.Refresh}. Until then their ppid is 1.
     */
    public int[] takeOrphans() {
        throw new UnsupportedOperationException("TODO");
    }
}
