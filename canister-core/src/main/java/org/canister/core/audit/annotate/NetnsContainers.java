package org.canister.core.audit.annotate;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.canister.core.collections.IntObjectMap;
import org.canister.core.contid.ContidObject;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskListener;
import org.canister.core.task.TaskTable;

/**
 * For each network namespace, the audit containers with at least one live member task in it: ghak90
 * v11 08/11's per-netns {@code contobj_list} ({@code struct audit_contobj_netns {obj, count}}), which
 * the kernel prints as {@code CONTAINER_ID record=1 contid=<all chains>} before a NETFILTER_PKT record
 * (spec/audit-contid.md 1.7, 6.2 req. 10).
 *
 * <h2>Membership</h2>
 * A live task (thread or process) counts for the container its label names, in the netns its
 * {@link Task#ns()} names; tasks whose netns is unknown (0) count nowhere. v11 adds a member on set, on
 * fork and on unshare/setns into a netns, and removes it on exit, relabel and unshare/setns away; here:
 * <ul>
 *   <li>fork, exit and a revived leader come from {@link TaskListener} and are applied at once;</li>
 *   <li>a netns change the table learns from {@code /proc} comes from
 *       {@link TaskListener#onNamespacesChanged} and moves the member at once;</li>
 *   <li>a label a set gives comes from {@link ContidRegistry.LabelListener} and moves the member at once;</li>
 *   <li>labels the registry changes otherwise (a restart's reconcile, a task found by {@code /proc}
 *       inheriting its parent's, a dropped label withdrawn: all rare) move
 *       {@link ContidRegistry#labelChanges()}, and the next lookup rebuilds the whole index with one
 *       scan of the live tasks.</li>
 * </ul>
 * So a lookup costs one primitive-map probe and returns a cached string, and no packet, fork, exit or
 * set ever scans the table (at 115,000 tasks one scan takes about 10 ms).
 *
 * <h2>Order</h2>
 * v11 inserts a netns entry with {@code list_add_rcu()}, i.e. at the head, when the container's first
 * member enters the netns, and deletes it when the last leaves, so the list reads newest container
 * first. This index keeps that order for entries it adds one by one. Entries a rebuild finds new
 * (every entry at the first lookup; after that, labels changed without an announcement) go to the head
 * ordered by their oldest member's start time, latest first: the kernel's order is not recoverable
 * then, and a container's oldest member is usually its init, started just before its label.
 *
 * <p>Not thread-safe: called under the daemon's model lock, like the table.
 */
public final class NetnsContainers {
    /** Counters since construction. */
    public record Stats(long lookups, long rebuilds, int netns) {
    }

    private static final class Member {
        final ContidObject object;
        int tasks;
        /** Arrival order in its netns: higher is newer (v11 head insertion). */
        long seq;
        /** Rebuild only: the oldest start time among its members, to order new entries. */
        long oldestStart = Long.MAX_VALUE;

        Member(ContidObject object) {
            this.object = object;
        }
    }

    private static final class Netns {
        final Map<ContidObject, Member> members = new IdentityHashMap<>(4);
        /** The v11 list text, or null after a membership change. */
        String text;
    }

    private final TaskTable table;
    private final ContidRegistry registry;
    /** netns inode (an nsfs inode is a 32-bit unsigned int, {@code ns_common.inum}) -> its containers. */
    private IntObjectMap<Netns> byNetns = new IntObjectMap<>();
    /** The registry's {@link ContidRegistry#labelChanges()} the index was last built for. */
    private long builtFor;
    private boolean built;
    private long nextSeq = 1;
    private long lookups;
    private long rebuilds;

    private NetnsContainers(TaskTable table, ContidRegistry registry) {
        this.table = table;
        this.registry = registry;
    }

    /**
     * An index over {@code table}'s tasks, labelled by {@code registry}; listens to the table from now on.
     * The first lookup builds it.
     */
    public static NetnsContainers attach(TaskTable table, ContidRegistry registry) {
        if (table == null || registry == null) {
            throw new IllegalArgumentException("table and registry are required");
        }
        NetnsContainers n = new NetnsContainers(table, registry);
        Listener l = n.new Listener();
        table.addListener(l);
        registry.addLabelListener(l);
        return n;
    }

    /**
     * The chains of every container with a live member in the netns with this inode, comma-joined in
     * the v11 grammar ({@code 2,^1,3,^1}), newest first; null when there is none.
     */
    public String chains(long netnsInode) {
        lookups++;
        if (!isCurrent()) {
            rebuild();
        }
        if (netnsInode <= 0 || netnsInode > 0xFFFF_FFFFL) {
            return null;
        }
        Netns n = byNetns.get((int) netnsInode);
        if (n == null) {
            return null;
        }
        if (n.text == null) {
            n.text = format(n);
        }
        return n.text;
    }

    /** Counters since construction. */
    public Stats stats() {
        return new Stats(lookups, rebuilds, byNetns.size());
    }

    private boolean isCurrent() {
        return built && builtFor == registry.labelChanges();
    }

    private static String format(Netns n) {
        List<Member> order = new ArrayList<>(n.members.values());
        order.sort((a, b) -> Long.compare(b.seq, a.seq));
        StringBuilder sb = new StringBuilder(order.size() * 24);
        for (Member m : order) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(m.object.chain());
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ incremental (listener)

    private void add(long netns, ContidObject o) {
        if (netns <= 0 || netns > 0xFFFF_FFFFL) {
            return;
        }
        int key = (int) netns;
        Netns n = byNetns.get(key);
        if (n == null) {
            n = new Netns();
            byNetns.put(key, n);
        }
        Member m = n.members.get(o);
        if (m == null) {
            m = new Member(o);
            m.seq = nextSeq++;
            n.members.put(o, m);
            n.text = null;
        }
        m.tasks++;
    }

    private void remove(long netns, ContidObject o) {
        if (netns <= 0 || netns > 0xFFFF_FFFFL) {
            return;
        }
        int key = (int) netns;
        Netns n = byNetns.get(key);
        Member m = n == null ? null : n.members.get(o);
        if (m == null) {
            return;
        }
        if (--m.tasks <= 0) {
            n.members.remove(o);
            n.text = null;
            if (n.members.isEmpty()) {
                byNetns.remove(key);
            }
        }
    }

    /** Counts from events apply only to an index that is current; a stale one is rebuilt anyway. */
    private final class Listener implements TaskListener, ContidRegistry.LabelListener {
        @Override
        public void onLabelChanged(Task task, ContidObject before) {
            if (isCurrent() && task.isAlive()) {
                long net = task.ns().net();
                if (before != null) {
                    remove(net, before);
                }
                if (task.containerLabel() instanceof ContidObject o) {
                    add(net, o);
                }
            }
        }

        @Override
        public void onTaskStart(Task task, Task parent) {
            if (isCurrent() && task.isAlive() && task.containerLabel() instanceof ContidObject o) {
                add(task.ns().net(), o);
            }
        }

        @Override
        public void onTaskExit(Task task, boolean processEnded, long timeNs) {
            if (isCurrent() && task.containerLabel() instanceof ContidObject o) {
                remove(task.ns().net(), o);
            }
        }

        @Override
        public void onNamespacesChanged(Task task, Namespaces before) {
            if (isCurrent() && task.isAlive() && before.net() != task.ns().net()
                    && task.containerLabel() instanceof ContidObject o) {
                remove(before.net(), o);
                add(task.ns().net(), o);
            }
        }
    }

    // ------------------------------------------------------------------ rebuild

    /** Recounts from every live task; entries that survive keep their order, new ones go first. */
    private void rebuild() {
        rebuilds++;
        IntObjectMap<Netns> fresh = new IntObjectMap<>(Math.max(16, byNetns.size()));
        List<Member> added = new ArrayList<>();
        table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> {
            if (!(t.containerLabel() instanceof ContidObject o)) {
                return;
            }
            long net = t.ns().net();
            if (net <= 0 || net > 0xFFFF_FFFFL) {
                return;
            }
            int key = (int) net;
            Netns n = fresh.get(key);
            if (n == null) {
                n = new Netns();
                fresh.put(key, n);
            }
            Member m = n.members.get(o);
            if (m == null) {
                m = new Member(o);
                Netns old = byNetns.get(key);
                Member before = old == null ? null : old.members.get(o);
                if (before != null) {
                    m.seq = before.seq;
                } else {
                    m.seq = -1;
                    added.add(m);
                }
                n.members.put(o, m);
            }
            m.tasks++;
            m.oldestStart = Math.min(m.oldestStart, t.startTime());
        }));
        // Oldest first gets the lowest new sequence, so the newest reads first (v11 head insertion).
        added.sort((a, b) -> Long.compare(a.oldestStart, b.oldestStart));
        for (Member m : added) {
            m.seq = nextSeq++;
        }
        byNetns = fresh;
        builtFor = registry.labelChanges();
        built = true;
    }
}
