package org.canister.core.task;

/**
 * Exited tasks in the order they became tombstones, with their expiry deadline: a growable ring of
 * parallel arrays, so a tombstone costs 12 bytes here and no node object.
 *
 * <p>Deadlines are expected in non-decreasing order (event times come from one monotonic clock). If
 * a source delivers an older time, that entry waits behind newer ones: a tombstone may then live
 * longer than its grace period, never shorter.
 */
final class TombstoneQueue {
    private static final int MIN_CAPACITY = 64;
    private Task[] tasks = new Task[MIN_CAPACITY];
    private long[] deadlines = new long[MIN_CAPACITY];
    private int head;
    private int size;

    void add(Task task, long deadlineNs) {
        if (size == tasks.length) {
            resize(tasks.length << 1);
        }
        int tail = (head + size) & (tasks.length - 1);
        tasks[tail] = task;
        deadlines[tail] = deadlineNs;
        size++;
    }

    /** The oldest entry if its deadline is at or before {@code nowNs}, removed; else null. */
    Task pollExpired(long nowNs) {
        if (size == 0 || deadlines[head] > nowNs) {
            return null;
        }
        Task t = tasks[head];
        tasks[head] = null;
        head = (head + 1) & (tasks.length - 1);
        size--;
        if (size == 0) {
            head = 0;
        }
        if (tasks.length > MIN_CAPACITY && size < (tasks.length >>> 2)) {
            resize(tasks.length >>> 1);
        }
        return t;
    }

    int size() {
        return size;
    }

    /** Copies the entries in order into arrays of {@code capacity} (a power of two, at least size). */
    private void resize(int capacity) {
        int n = tasks.length;
        Task[] nt = new Task[capacity];
        long[] nd = new long[capacity];
        for (int k = 0; k < size; k++) {
            int from = (head + k) & (n - 1);
            nt[k] = tasks[from];
            nd[k] = deadlines[from];
        }
        tasks = nt;
        deadlines = nd;
        head = 0;
    }
}
