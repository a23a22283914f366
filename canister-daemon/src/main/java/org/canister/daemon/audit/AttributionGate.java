package org.canister.daemon.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Holds assembled audit events until the task table can attribute them (spec/audit-contid.md req. 9).
 *
 * <p>The proc connector and audit netlink are two sockets read by two threads, each in batches, so an
 * event received at time R may name a task whose fork the proc tracker has not applied yet. Its
 * {@code ppid=} covers one generation; a grandchild forked in the same moment (a labelled shell's
 * {@code sh -c 'a | b'}) would stay unattributed. A fork is reported by the connector when it happens
 * (kernel/fork.c: copy_process calls proc_fork_connector), before any audit record of the child exists,
 * so once the tracker has applied everything the connector had queued at R, the table knows every task
 * an event received by R can name.
 *
 * <p>The gate keeps the events in arrival order with receive marks ("the first N were received by R")
 * and releases the longest prefix whose marks the tracker has caught up with, or that waited longer than
 * {@code maxHoldNs} (then the table's best is used, and {@link #timeouts()} counts those events). Not thread-safe:
 * the audit reader's own.
 *
 * @param <E> the event type
 */
public final class AttributionGate<E> {
    private final List<E> held = new ArrayList<>(256);
    private final LongPredicate caughtUpTo;
    private final long maxHoldNs;
    private long[] markNs = new long[16];
    private int[] markEnd = new int[16];
    private int marks;
    private long timeouts;

    /**
     * @param caughtUpTo whether every fork sent before a {@link System#nanoTime} is in the table; null:
     *                   release at once
     * @param maxHoldNs  longest hold
     */
    public AttributionGate(LongPredicate caughtUpTo, long maxHoldNs) {
        this.caughtUpTo = caughtUpTo;
        this.maxHoldNs = maxHoldNs;
    }

    /** Adds an event; call {@link #mark} once the events of a receive are added. */
    public void add(E event) {
        held.add(event);
    }

    /** Notes that every event added so far was received by {@code receivedNs}. */
    public void mark(long receivedNs) {
        int end = held.size();
        if (end == (marks == 0 ? 0 : markEnd[marks - 1])) {
            return;
        }
        if (marks == markNs.length) {
            markNs = Arrays.copyOf(markNs, marks * 2);
            markEnd = Arrays.copyOf(markEnd, marks * 2);
        }
        markNs[marks] = receivedNs;
        markEnd[marks] = end;
        marks++;
    }

    /**
     * Moves the releasable prefix to {@code out} (appended, in order).
     *
     * @param force release everything (shutdown), marked or not
     * @return how many were moved
     */
    public int release(long nowNs, boolean force, List<E> out) {
        int released = 0;
        int m = 0;
        for (; m < marks && !force; m++) {
            boolean ok = caughtUpTo == null || caughtUpTo.test(markNs[m]);
            if (!ok && nowNs - markNs[m] > maxHoldNs) {
                ok = true;
                timeouts += markEnd[m] - (m == 0 ? 0 : markEnd[m - 1]); // events, not marks
            }
            if (!ok) {
                break;
            }
            released = markEnd[m];
        }
        if (force) {
            released = held.size();
            m = marks;
        }
        if (released == 0) {
            return 0;
        }
        List<E> head = held.subList(0, released);
        out.addAll(head);
        head.clear();
        int keep = 0;
        for (int i = m; i < marks; i++) {
            markNs[keep] = markNs[i];
            markEnd[keep] = markEnd[i] - released;
            keep++;
        }
        marks = keep;
        return released;
    }

    /** Whether events wait. */
    public boolean isEmpty() {
        return held.isEmpty();
    }

    /** Events held now. */
    public int size() {
        return held.size();
    }

    /** Events released because they waited longer than the maximum. */
    public long timeouts() {
        return timeouts;
    }
}
