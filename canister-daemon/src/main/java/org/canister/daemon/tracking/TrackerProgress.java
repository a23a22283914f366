package org.canister.daemon.tracking;

import java.util.function.BooleanSupplier;

/**
 * How far the proc tracker has got, for the audit reader on another thread: whether every proc
 * connector event the kernel sent before a given moment is already in the task table.
 *
 * <p>Why the reader asks (spec/audit-contid.md req. 9): the proc connector and audit netlink are two
 * sockets read by two threads, so the SYSCALL of a freshly forked task can be annotated before its fork
 * reached the table. Its {@code ppid=} covers one generation; a grandchild forked within the same
 * moment (a labelled shell's {@code sh -c 'a | b'}) would be left unattributed. A fork is reported by
 * the connector when it happens (kernel/fork.c calls proc_fork_connector in copy_process), before any
 * audit record of the child can exist, so once the tracker has taken and applied everything the
 * connector had queued at the moment the reader received a record, the table knows every task that
 * record can name.
 *
 * <p>The tracker sets {@link #busy} before it takes datagrams from the socket and clears it after it has
 * applied them, and publishes {@link #drainedAtNs}: the {@link System#nanoTime} taken just before a
 * drain that emptied the socket. An idle tracker (blocked in poll(2), nothing queued) has applied
 * everything: the reader checks the socket first and {@code busy} second, so a drain that emptied the
 * socket in between is seen as busy.
 */
public final class TrackerProgress {
    /** Meaningful once {@link #drainedOnce}: nanoTime values compare by difference, no sentinel works. */
    private volatile long drainedAtNs;
    private volatile boolean drainedOnce;
    private volatile boolean busy;
    private volatile BooleanSupplier socketEmpty = () -> true;
    private volatile boolean stopped;

    /** Sets the check of the connector socket (a zero-timeout poll). */
    public void socketEmpty(BooleanSupplier check) {
        this.socketEmpty = check;
    }

    /** The tracker is about to take datagrams. */
    void beginDrain() {
        busy = true;
    }

    /**
     * The tracker applied what it took.
     *
     * @param drainStartNs the time noted just before the drain, or {@link Long#MIN_VALUE} when the drain
     *                     did not empty the socket (its datagram limit stopped it)
     */
    void endDrain(long drainStartNs) {
        if (drainStartNs != Long.MIN_VALUE && (!drainedOnce || drainStartNs - drainedAtNs > 0)) {
            drainedAtNs = drainStartNs;
            drainedOnce = true;
        }
        busy = false;
    }

    /** The tracker has stopped: nothing more will be applied, so nobody should wait for it. */
    void stop() {
        stopped = true;
    }

    /** Whether every connector event sent before {@code nanoTime} is in the table. Any thread. */
    public boolean caughtUpTo(long nanoTime) {
        if (stopped || drainedOnce && drainedAtNs - nanoTime >= 0) {
            return true;
        }
        // Order matters: socket first, busy second (see the class comment).
        return socketEmpty.getAsBoolean() && !busy;
    }

    /** The tracker's last complete drain, for status. */
    public long drainedAtNs() {
        return drainedAtNs;
    }
}
