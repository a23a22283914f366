package org.canister.core.audit.ns;

import java.util.Arrays;
import java.util.Objects;

import org.canister.core.task.Namespaces;

/**
 * The namespaces one task refers to: the {@code (dev, inode)} of each of its ten
 * {@code /proc/<pid>/task/<tid>/ns/*} files ({@link NsSlot}). The daemon builds one from
 * {@code stat(2)} results; the tracker keeps one per task. Immutable; equal by value.
 */
public final class NsView {
    private static final NsSlot[] SLOTS = NsSlot.all();
    private static final NsView UNKNOWN;

    static {
        NsId[] ids = new NsId[SLOTS.length];
        for (NsSlot s : SLOTS) {
            ids[s.ordinal()] = NsId.unknown(s.type());
        }
        UNKNOWN = new NsView(ids);
    }

    private final NsId[] ids;
    /** The known ids without repeats (pid and pid_for_children are usually the same namespace). */
    private final NsId[] distinct;
    private final int hash;

    private NsView(NsId[] ids) {
        this.ids = ids;
        NsId[] d = new NsId[ids.length];
        int n = 0;
        for (NsId id : ids) {
            if (id.known() && !contains(d, n, id)) {
                d[n++] = id;
            }
        }
        this.distinct = Arrays.copyOf(d, n);
        this.hash = Arrays.hashCode(ids);
    }

    /** Every slot unknown. */
    public static NsView unknown() {
        return UNKNOWN;
    }

    /**
     * The view a {@link Namespaces} record of the task table gives: inodes of seven types on one nsfs
     * device. The table has no time namespace, so {@code time} and {@code time_for_children} are unknown;
     * {@code pid_for_children} is taken to equal {@code pid}, as it does unless the task called
     * {@code unshare(CLONE_NEWPID)} or {@code setns} into a pid namespace.
     *
     * @param nsfsDev {@code st_dev} of the nsfs files ({@code stat -L /proc/self/ns/net}), or -1
     */
    public static NsView of(Namespaces ns, long nsfsDev) {
        if (ns == null) {
            return UNKNOWN;
        }
        return builder()
                .set(NsSlot.CGROUP, nsfsDev, ns.cgroup())
                .set(NsSlot.IPC, nsfsDev, ns.ipc())
                .set(NsSlot.MNT, nsfsDev, ns.mnt())
                .set(NsSlot.NET, nsfsDev, ns.net())
                .set(NsSlot.PID, nsfsDev, ns.pid())
                .set(NsSlot.PID_FOR_CHILDREN, nsfsDev, ns.pid())
                .set(NsSlot.USER, nsfsDev, ns.user())
                .set(NsSlot.UTS, nsfsDev, ns.uts())
                .build();
    }

    /** A builder starting with every slot unknown. */
    public static Builder builder() {
        return new Builder(UNKNOWN.ids.clone());
    }

    /** A builder starting from this view. */
    public Builder toBuilder() {
        return new Builder(ids.clone());
    }

    /** The namespace in a slot (never null; {@link NsId#known()} false when unknown). */
    public NsId get(NsSlot slot) {
        return ids[slot.ordinal()];
    }

    /** This view with one slot replaced. */
    public NsView with(NsSlot slot, NsId id) {
        if (get(slot).equals(id)) {
            return this;
        }
        return toBuilder().set(slot, id).build();
    }

    /**
     * What a child process forked by this task starts with: the same namespaces, except that it lives
     * in its parent's {@code pid_for_children} and {@code time_for_children} (kernel/nsproxy.c
     * {@code copy_namespaces}: the child's nsproxy is the parent's, and its pid is allocated in
     * {@code pid_ns_for_children}; {@code timens_on_fork} installs {@code time_ns_for_children}).
     * A new thread shares its creator's nsproxy and keeps the view unchanged.
     */
    public NsView forChildProcess() {
        // Unknown *_for_children stays unknown in the child: after unshare(CLONE_NEWPID) the file is
        // unreadable until the first child exists (pidns_for_children_get needs a child_reaper).
        return with(NsSlot.PID, get(NsSlot.PID_FOR_CHILDREN)).with(NsSlot.TIME, get(NsSlot.TIME_FOR_CHILDREN));
    }

    /** True when a known slot refers to {@code id}. */
    public boolean refersTo(NsId id) {
        return contains(distinct, distinct.length, id);
    }

    /** The known namespaces without repeats, in slot order (a copy). */
    public NsId[] distinctIds() {
        return distinct.clone();
    }

    NsId[] distinctShared() {
        return distinct;
    }

    private static boolean contains(NsId[] a, int n, NsId id) {
        for (int i = 0; i < n; i++) {
            if (a[i].equals(id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NsView v && hash == v.hash && Arrays.equals(ids, v.ids);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("NsView[");
        for (NsSlot s : SLOTS) {
            NsId id = ids[s.ordinal()];
            if (id.known()) {
                b.append(s.file()).append('=').append(Long.toUnsignedString(id.inode())).append(' ');
            }
        }
        return b.append(']').toString();
    }

    /** Builds a view slot by slot. */
    public static final class Builder {
        private final NsId[] ids;

        private Builder(NsId[] ids) {
            this.ids = ids;
        }

        /** Sets a slot from {@code stat(2)}: {@code inode} 0 means unknown (the file could not be read). */
        public Builder set(NsSlot slot, long dev, long inode) {
            ids[slot.ordinal()] = inode == 0 ? NsId.unknown(slot.type()) : new NsId(slot.type(), dev, inode);
            return this;
        }

        /** Sets a slot; the id's type must be the slot's. */
        public Builder set(NsSlot slot, NsId id) {
            Objects.requireNonNull(id, "id");
            if (id.type() != slot.type()) {
                throw new IllegalArgumentException("slot " + slot.file() + " holds a " + slot.type().text()
                        + " namespace, not " + id.type().text());
            }
            ids[slot.ordinal()] = id;
            return this;
        }

        public NsView build() {
            return new NsView(ids.clone());
        }
    }
}
