package org.canister.core.task;

import java.util.function.Consumer;

/**
 * tid -> task: an open-addressing table of {@link Task} references keyed by the task's own
 * {@code tid} field (linear probing, Fibonacci hashing, backward-shift deletion, load at most 1/2,
 * shrinks at 1/8).
 *
 * <p>Why not {@link org.canister.core.collections.IntObjectMap}: at a million tasks every array
 * access is a cache miss; a separate key array costs one more miss per lookup, while the key stored
 * in the task is read from the task the caller is about to use anyway. So a hit costs one miss in
 * the slot array plus the task itself, and the table is 4 bytes a slot instead of 8.
 */
final class TaskIndex {
    private static final int MIN_CAPACITY = 1024;

    private Task[] slots;
    private int size;
    private int shift;
    private int mask;

    TaskIndex() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        slots = new Task[capacity];
        mask = capacity - 1;
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
    }

    private int slot(int tid) {
        return (tid * 0x9E3779B9) >>> shift;
    }

    int size() {
        return size;
    }

    Task get(int tid) {
        final Task[] s = slots;
        int i = slot(tid);
        Task t;
        while ((t = s[i]) != null) {
            if (t.tid == tid) {
                return t;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Stores {@code task} under its tid, replacing and returning any task with that tid. */
    Task put(Task task) {
        final int tid = task.tid;
        int i = slot(tid);
        Task t;
        while ((t = slots[i]) != null) {
            if (t.tid == tid) {
                slots[i] = task;
                return t;
            }
            i = (i + 1) & mask;
        }
        slots[i] = task;
        if (++size > (slots.length >>> 1)) {
            rehash(slots.length << 1);
        }
        return null;
    }

    /** Removes the task stored under {@code tid}; returns it or null. */
    Task remove(int tid) {
        int i = slot(tid);
        Task t;
        while ((t = slots[i]) != null) {
            if (t.tid == tid) {
                deleteSlot(i);
                if (size < (slots.length >>> 3) && slots.length > MIN_CAPACITY) {
                    rehash(slots.length >>> 1);
                }
                return t;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Backward-shift deletion (Knuth 6.4, algorithm R), as in IntObjectMap. */
    private void deleteSlot(int hole) {
        slots[hole] = null;
        size--;
        int i = hole;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            Task t = slots[j];
            if (t == null) {
                return;
            }
            int home = slot(t.tid);
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                slots[i] = t;
                slots[j] = null;
                i = j;
            }
        }
    }

    private void rehash(int capacity) {
        Task[] old = slots;
        allocate(capacity);
        for (Task t : old) {
            if (t != null) {
                int i = slot(t.tid);
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = t;
            }
        }
    }

    /** Every task, in slot order. The index must not change meanwhile. */
    void forEach(Consumer<? super Task> action) {
        for (Task t : slots) {
            if (t != null) {
                action.accept(t);
            }
        }
    }
}
