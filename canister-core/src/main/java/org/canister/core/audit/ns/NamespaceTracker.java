package org.canister.core.audit.ns;

import java.io.Serial;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongFunction;

import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.task.Task;
import org.canister.core.task.TaskListener;
import org.canister.core.task.TaskTable;

/**
 * Namespace lifecycle (spec/audit-contid.md 6.3, req. 20-23): which namespaces exist, which tracked
 * tasks refer to them, which container chains ever had a member in them, and the NS_CREATE, NS_CHANGE
 * and NS_DESTROY records that follow.
 *
 * <h2>Inputs</h2>
 * <ul>
 *   <li>The {@link TaskTable}: seeded at {@link #attach} without NS_CREATE (req. 22 "Namespaces found at
 *       start are seeded"), then fork and exit through {@link TaskListener}. A forked child starts with
 *       its creator's namespaces ({@link NsView#forChildProcess()} for a process, the same view for a
 *       thread); a task found by a {@code /proc} refresh starts with the table's {@code Namespaces}.</li>
 *   <li>Kernel SYSCALL records of successful {@code clone}, {@code clone3}, {@code unshare} and
 *       {@code setns} ({@link NamespaceAuditRules}), each with the {@code stat(2)} results of
 *       {@code /proc/<tid>/ns/*} the daemon read for the tasks {@link #tasksToRead} names
 *       ({@link #onSyscall}). The tracker compares them with what it holds for the child (clone*: the id
 *       in {@code exit=}) or the caller (unshare/setns): clone/unshare and an untracked id give NS_CREATE;
 *       setns and a replaced id give NS_CHANGE; a namespace the task left that no tracked task refers to
 *       any more gives NS_DESTROY {@code cause=unshare|setns}. These records carry the kernel event's
 *       stamp and join it.</li>
 * </ul>
 *
 * <h2>"Destroyed" (req. 23)</h2>
 * A namespace is destroyed when no tracked task refers to it through any of its ten ns files (a task's
 * {@code pid_for_children} holds the namespace its children will enter: the kernel's nsproxy keeps it
 * alive). When the last reference goes by an exit, a standalone NS_DESTROY {@code cause=exit} event is
 * queued for {@link #takePendingEvents}, stamped by the daemon's stamp function (req. 5: never a kernel
 * stamp). Bind mounts, open fds, child namespaces and mqueue/proc mounts also keep a namespace alive
 * without members (namespaces(7), "Namespace lifetime"); the tracker cannot see them, so such a namespace
 * is declared destroyed, and a later setns into it registers it again under a new generation (inode
 * numbers are reused once a namespace is freed, so the key is {@code (type, dev, inode, generation)}).
 *
 * <h2>Choices (documented for the README)</h2>
 * <ul>
 *   <li>{@code pid=}/{@code tid=} of NS_CREATE and NS_CHANGE name the task whose namespaces changed: the
 *       child for clone/clone3 (the kernel SYSCALL record of the same event already names the caller in
 *       its own {@code pid=}), the caller for unshare/setns. {@code contid=} is that task's chain (a clone
 *       child carries its parent's).</li>
 *   <li>{@code old-*} is the namespace the task would have been in without the call: for clone, the one it
 *       inherited from its parent (with {@code CLONE_NEWPID}, the parent's {@code pid_for_children}); for
 *       unshare/setns, the one it held before.</li>
 *   <li>One record per namespace: with {@code CLONE_NEWPID} the child's {@code pid} and
 *       {@code pid_for_children} are the same new namespace and give one NS_CREATE. An id that the tracker
 *       already holds (another task reported it first) gives no NS_CREATE; membership still moves.</li>
 *   <li>Flags narrow the comparison: for clone and unshare only the types named in {@code a0}, for setns
 *       those in {@code a1} ({@code unshare(CLONE_NEWPID)}, {@code CLONE_NEWTIME} and setns into a pid or
 *       time namespace change {@code *_for_children}); clone3 and {@code setns(fd, 0)} compare every slot.
 *       A slot the tracker did not know (e.g. the time namespace, which the task table does not carry) is
 *       adopted silently unless the flags name it.</li>
 *   <li>Per-thread membership (namespaces belong to the nsproxy of each thread): for unshare/setns, whose
 *       SYSCALL record names only the tgid, every live thread of the caller is read and the threads whose
 *       namespaces differ from the tracked ones are the callers.</li>
 *   <li>A task gone before the daemon read {@code /proc} gives {@code dev=? inode=?} for each type its flags
 *       name (setns(fd, 0): one record with {@code nstype=?}; clone3: no record), and is counted in
 *       {@link Stats#unobserved()}; tracked membership does not change.</li>
 *   <li>A clone whose child the task table does not know yet keeps the child's namespaces as a pending
 *       holder until the fork reaches the table (at most {@code maxPending}; the oldest is released
 *       beyond that).</li>
 *   <li>NS_DESTROY {@code contid=} lists the chains seen on members when they joined and when they left
 *       (so a label set after joining counts), in first-seen order, at most {@value #MAX_CHAINS} per
 *       namespace.</li>
 *   <li>One standalone event per exit, holding one NS_DESTROY record per namespace that exit ended.</li>
 * </ul>
 *
 * <h2>Known limits</h2>
 * <ul>
 *   <li>A clone/clone3 by a task inside a non-initial pid namespace returns a pid of that namespace in
 *       {@code exit=}; the child cannot be found by it, so its records are {@code pid=? tid=? dev=? inode=?}.</li>
 *   <li>The kernel event arrives after the syscall returned: a child that changes its namespaces again
 *       before the daemon reads {@code /proc} may have that change attributed to its clone3 (clone and
 *       unshare are protected by their flags).</li>
 *   <li>{@code execve} by a non-leader thread of a task whose threads differ in namespaces revives the
 *       leader with the table's (stale) namespaces.</li>
 * </ul>
 *
 * <p>Not thread-safe: called under the daemon's model lock, like the table. Never reads a clock.
 */
public final class NamespaceTracker {
    /** Chains kept per namespace for NS_DESTROY {@code contid=}; later ones are counted, not listed. */
    public static final int MAX_CHAINS = 4096;
    /** Default bound on clone children held until their fork event arrives. */
    public static final int DEFAULT_MAX_PENDING = 4096;
    private static final int VIEW_INTERN_LIMIT = 16_384;
    private static final NsSlot[] SLOTS = NsSlot.all();

    /**
     * A tracked namespace, as a value.
     *
     * @param id         its type, nsfs device and inode
     * @param generation distinguishes registrations of the same id (inode numbers are reused): unique per
     *                   tracker, increasing
     * @param members    tracked tasks (and pending clone children) that refer to it
     * @param chains     contid chains that ever had a member in it, first-seen order
     */
    public record NsState(NsId id, long generation, int members, List<String> chains) {
    }

    /**
     * Counters for {@code status} and metrics.
     *
     * @param live            namespaces tracked now
     * @param trackedTasks    tasks with a namespace view
     * @param seeded          namespaces registered silently (seed, refresh, adopted slots)
     * @param created         NS_CREATE records with a known id
     * @param changed         NS_CHANGE records with a known id
     * @param destroyed       NS_DESTROY records (all causes)
     * @param unobserved      records with {@code dev=? inode=?}, and clone3 events whose child was gone
     * @param pendingChildren clone children waiting for their fork event
     * @param evictedPending  pending children released because the bound was reached
     */
    public record Stats(int live, int trackedTasks, long seeded, long created, long changed, long destroyed,
                        long unobserved, int pendingChildren, long evictedPending) {
    }

    /** A tracked namespace (mutable; values leave as {@link NsState}). */
    private static final class Ns {
        final NsId id;
        final long generation;
        int members;
        LinkedHashSet<String> chains;
        long chainsOmitted;

        Ns(NsId id, long generation) {
            this.id = id;
            this.generation = generation;
        }

        List<String> chainList() {
            return chains == null ? List.of() : List.copyOf(chains);
        }
    }

    /**
     * Namespaces of a clone child (or an untracked caller) held until the table reports the task.
     * {@code changed} are the slots the syscall set; the others were guessed from the caller's leader
     * (the SYSCALL record names no thread) and are re-derived from the real parent when the fork arrives.
     */
    private record Pending(int tid, int expectedTgid, int callerPid, NsView view, NsSlot[] changed) {
    }

    /** One NS_DESTROY waiting for its standalone event. */
    private record Destroyed(NsId id, List<String> chains, int pid) {
    }

    private final TaskTable table;
    private final long nsfsDev;
    private final Function<Task, String> chainOf;
    private final LongFunction<AuditStamp> stamps;
    private final Function<Task, NsView> seedView;
    private final int maxPending;
    private final HashMap<NsId, Ns> live = new HashMap<>();
    private final IdentityHashMap<Task, NsView> views = new IdentityHashMap<>();
    private final Map<NsView, NsView> interned = new BoundedMap<>(VIEW_INTERN_LIMIT);
    private final LinkedHashMap<Integer, Pending> pending = new LinkedHashMap<>();
    /** Standalone exit events: one list of destroys per exit. */
    private final ArrayList<List<Destroyed>> pendingExits = new ArrayList<>();
    private long nextGeneration = 1;
    private long seeded;
    private long created;
    private long changed;
    private long destroyed;
    private long unobserved;
    private long evictedPending;

    private NamespaceTracker(TaskTable table, long nsfsDev, Function<Task, String> chainOf,
                             LongFunction<AuditStamp> stamps, Function<Task, NsView> seedView, int maxPending) {
        this.table = table;
        this.nsfsDev = nsfsDev;
        this.chainOf = chainOf;
        this.stamps = stamps;
        this.seedView = seedView;
        this.maxPending = maxPending;
    }

    /**
     * A tracker seeded from {@code table}'s live tasks (their {@code Namespaces} on device {@code nsfsDev})
     * and listening to it. Attach after the table was seeded from {@code /proc}.
     *
     * @param nsfsDev {@code st_dev} of the nsfs files ({@code stat -L /proc/self/ns/net}), -1 if unknown
     * @param chainOf a task's contid chain or null ({@code ContidRegistry::chainOf})
     * @param stamps  a daemon stamp for wall-clock milliseconds (the contid {@code StampSource}), for
     *                standalone NS_DESTROY events
     */
    public static NamespaceTracker attach(TaskTable table, long nsfsDev, Function<Task, String> chainOf,
                                          LongFunction<AuditStamp> stamps) {
        return attach(table, nsfsDev, chainOf, stamps, t -> NsView.of(t.ns(), nsfsDev), DEFAULT_MAX_PENDING);
    }

    /**
     * As {@link #attach(TaskTable, long, Function, LongFunction)}, with the views of seeded and refreshed
     * tasks supplied by {@code seedView} (the daemon may read all ten ns files there, time included).
     */
    public static NamespaceTracker attach(TaskTable table, long nsfsDev, Function<Task, String> chainOf,
                                          LongFunction<AuditStamp> stamps, Function<Task, NsView> seedView,
                                          int maxPending) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(chainOf, "chainOf");
        Objects.requireNonNull(stamps, "stamps");
        Objects.requireNonNull(seedView, "seedView");
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be positive: " + maxPending);
        }
        NamespaceTracker t = new NamespaceTracker(table, nsfsDev, chainOf, stamps, seedView, maxPending);
        List<Task> all = new ArrayList<>();
        table.forEachProcess(p -> table.forEachThread(p.tgid(), all::add));
        for (Task task : all) {
            t.track(task, t.seed(task));
        }
        table.addListener(t.new Listener());
        return t;
    }

    // ------------------------------------------------------------------ lookups

    /** The namespaces the tracker holds for a task, or null when it holds none. */
    public NsView viewOf(Task task) {
        return views.get(task);
    }

    /** The tracked namespace with this id, or null (never seen, or destroyed). */
    public NsState state(NsId id) {
        Ns ns = live.get(id);
        return ns == null ? null : new NsState(ns.id, ns.generation, ns.members, ns.chainList());
    }

    /** Every tracked namespace, in no particular order. */
    public List<NsState> states() {
        List<NsState> out = new ArrayList<>(live.size());
        for (Ns ns : live.values()) {
            out.add(new NsState(ns.id, ns.generation, ns.members, ns.chainList()));
        }
        return out;
    }

    /** The nsfs device this tracker was given ({@code st_dev}), or -1. */
    public long nsfsDev() {
        return nsfsDev;
    }

    /** Counters since attach, for {@code status} and metrics. */
    public Stats stats() {
        return new Stats(live.size(), views.size(), seeded, created, changed, destroyed, unobserved,
                pending.size(), evictedPending);
    }

    // ------------------------------------------------------------------ kernel events

    /**
     * The tasks whose {@code /proc/<tid>/ns/*} the daemon should {@code stat} for this SYSCALL record
     * before calling {@link #onSyscall}: the child ({@code exit=}) for clone/clone3, every live thread of
     * the caller for unshare/setns (its leader first). Empty when the record is not a successful namespace
     * syscall, or when the child's id is a pid of a non-initial pid namespace (see the class limits).
     */
    public int[] tasksToRead(AuditRecord syscall) {
        NsSyscall sc = NsSyscall.parse(syscall);
        if (sc == null) {
            return new int[0];
        }
        if (sc.kind().spawns()) {
            int child = sc.child();
            return child < 0 || callerInForeignPidNs(sc.pid()) ? new int[0] : new int[] {child};
        }
        List<Integer> tids = new ArrayList<>(1);
        table.forEachThread(sc.pid(), th -> tids.add(th.tid()));
        if (tids.isEmpty()) {
            return new int[] {sc.pid()};
        }
        int[] out = tids.stream().mapToInt(Integer::intValue).toArray();
        sortLeaderFirst(out, sc.pid());
        return out;
    }

    /**
     * Applies one kernel SYSCALL record with the namespaces the daemon read for {@link #tasksToRead}.
     *
     * @param syscall  the SYSCALL record of the kernel event (any other record gives no output)
     * @param observed tid to the view {@code stat(2)} gave; a tid that is missing or maps to null was gone
     * @return the NS_CREATE / NS_CHANGE / NS_DESTROY records to add to that event (its stamp), creates and
     *         changes first; empty when nothing changed
     */
    public List<AuditRecord> onSyscall(AuditRecord syscall, Map<Integer, NsView> observed) {
        Objects.requireNonNull(observed, "observed");
        NsSyscall sc = NsSyscall.parse(syscall);
        if (sc == null) {
            return List.of();
        }
        List<AuditRecord> out = new ArrayList<>(2);
        if (sc.kind().spawns()) {
            onSpawn(sc, observed, out);
        } else {
            onSwitch(sc, observed, out);
        }
        return out;
    }

    /**
     * Standalone NS_DESTROY events for namespaces whose last member exited since the last call, one event
     * per exit, each stamped by the daemon's stamp function. Call after applying each batch of task events.
     */
    public List<AuditEvent> takePendingEvents(long wallClockMs) {
        if (pendingExits.isEmpty()) {
            return List.of();
        }
        List<AuditEvent> out = new ArrayList<>(pendingExits.size());
        for (List<Destroyed> exit : pendingExits) {
            AuditStamp stamp = stamps.apply(wallClockMs);
            List<AuditRecord> records = new ArrayList<>(exit.size());
            for (Destroyed d : exit) {
                records.add(NsRecords.destroy(stamp, d.id(), d.chains(), "exit", d.pid()));
            }
            out.add(new AuditEvent(stamp, records, AuditEvent.Completion.LAST_RECORD));
        }
        pendingExits.clear();
        return out;
    }

    // ------------------------------------------------------------------ clone, clone3

    private void onSpawn(NsSyscall sc, Map<Integer, NsView> observed, List<AuditRecord> out) {
        int child = sc.child();
        if (child < 0) {
            return;
        }
        NsSlot[] scope = scope(sc);
        boolean explicit = sc.flagsKnown();
        if (callerInForeignPidNs(sc.pid())) {
            // exit= is a pid of the caller's namespace, not a host pid: nothing to read.
            unobservedRecords(sc, -1, -1, chainOf(table.process(sc.pid())), callerView(sc.pid()).forChildProcess(),
                    scope, explicit, out);
            return;
        }
        Task ct = table.task(child);
        NsView tracked = ct != null ? views.get(ct) : null;
        int tgid = ct != null ? ct.tgid() : sc.spawnsThread() ? sc.pid() : child;
        String chain = ct != null ? chainOf(ct) : chainOf(table.process(sc.pid()));
        NsView expected;
        if (tracked != null) {
            expected = tracked;
        } else {
            NsView parent = callerView(sc.pid());
            expected = tgid == sc.pid() ? parent : parent.forChildProcess();
        }
        NsView now = observed.get(child);
        if (now == null) {
            unobservedRecords(sc, tgid, child, chain, expected, scope, explicit, out);
            return;
        }
        List<Change> changes = diff(expected, now, scope, explicit);
        if (changes.isEmpty()) {
            return;
        }
        NsView next = transitionRecords(sc, tgid, child, chain, expected, changes, out);
        if (ct != null) {
            if (tracked != null) {
                // The child was counted in what it inherited at fork; releasing that can end a namespace only
                // if its real members all exited meanwhile, so the event is a standalone cause=exit one; it
                // names the child, whose (inherited) reference was the last the tracker held.
                List<Destroyed> ended = move(tracked, next, chain, child);
                views.put(ct, intern(next));
                queueExit(ended);
            } else {
                track(ct, next);
            }
        } else {
            hold(new Pending(child, tgid, sc.pid(), intern(next), slots(changes)), chain);
        }
    }

    // ------------------------------------------------------------------ unshare, setns

    private void onSwitch(NsSyscall sc, Map<Integer, NsView> observed, List<AuditRecord> out) {
        NsSlot[] scope = scope(sc);
        boolean explicit = sc.flagsKnown();
        // Candidates: every thread read; nothing read at all means the caller was gone. The leader first:
        // the usual caller, and the one named when every candidate was gone.
        int[] tids = observed.isEmpty() ? new int[] {sc.pid()}
                : observed.keySet().stream().filter(Objects::nonNull).mapToInt(Integer::intValue).sorted().toArray();
        sortLeaderFirst(tids, sc.pid());
        boolean anyChange = false;
        int firstGone = -1;
        List<AuditRecord> destroys = new ArrayList<>();
        for (int tid : tids) {
            Task t = table.task(tid);
            if (t != null && t.tgid() != sc.pid()) {
                continue; // not a thread of the caller (the daemon's read raced with pid reuse)
            }
            NsView now = observed.get(tid);
            if (now == null) {
                if (firstGone < 0) {
                    firstGone = tid;
                }
                continue;
            }
            NsView tracked = t != null ? views.get(t) : null;
            NsView before = tracked != null ? tracked : fallbackView(sc.pid(), tid);
            List<Change> changes = diff(before, now, scope, explicit);
            if (changes.isEmpty()) {
                continue;
            }
            anyChange = true;
            String chain = t != null ? chainOf(t) : chainOf(table.process(sc.pid()));
            NsView next = transitionRecords(sc, sc.pid(), tid, chain, before, changes, out);
            if (tracked != null) {
                views.put(t, intern(next));
                String cause = sc.kind().text();
                for (Destroyed d : move(tracked, next, chain, sc.pid())) {
                    destroys.add(NsRecords.destroy(sc.stamp(), d.id(), d.chains(), cause, d.pid()));
                }
            } else if (t != null) {
                track(t, next);
            } else {
                // The table has not seen this task yet (its fork event lags): hold its namespaces for it.
                hold(new Pending(tid, sc.pid(), sc.pid(), intern(next), slots(changes)), chain);
            }
        }
        if (!anyChange && firstGone >= 0) {
            Task t = table.taskOrTombstone(firstGone);
            String chain = t != null ? chainOf(t) : chainOf(table.process(sc.pid()));
            NsView before = t != null && views.get(t) != null ? views.get(t) : fallbackView(sc.pid(), firstGone);
            unobservedRecords(sc, sc.pid(), firstGone, chain, before, scope, explicit, out);
        }
        out.addAll(destroys);
    }

    private static NsSlot[] slots(List<Change> changes) {
        NsSlot[] out = new NsSlot[changes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = changes.get(i).slot();
        }
        return out;
    }

    private static void sortLeaderFirst(int[] tids, int leader) {
        for (int i = 0; i < tids.length; i++) {
            if (tids[i] == leader) {
                System.arraycopy(tids, 0, tids, 1, i);
                tids[0] = leader;
                return;
            }
        }
    }

    // ------------------------------------------------------------------ comparison and records

    /** One slot whose namespace differs: {@code now} may be unknown (flag named it, file unreadable). */
    private record Change(NsSlot slot, NsId old, NsId now) {
    }

    /** The slots a call can change: those its flags name, or every slot (clone3, setns(fd, 0)). */
    private static NsSlot[] scope(NsSyscall sc) {
        if (!sc.flagsKnown()) {
            return SLOTS;
        }
        long flags = sc.flags();
        List<NsSlot> out = new ArrayList<>(4);
        for (NsSlot s : SLOTS) {
            if ((flags & s.type().cloneFlag()) == 0) {
                continue;
            }
            boolean forChildrenType = s.type() == NsType.PID || s.type() == NsType.TIME;
            if (sc.kind() == NsSyscall.Kind.CLONE) {
                // the child lives in the new pid namespace and its children will too
                out.add(s);
            } else if (!forChildrenType || s.forChildren()) {
                // unshare/setns of pid and time act on *_for_children only (pid_namespaces(7), time_namespaces(7))
                out.add(s);
            }
        }
        return out.toArray(new NsSlot[0]);
    }

    /**
     * The slots in scope whose namespace differs. A slot the tracker did not know is adopted silently
     * unless the flags name it; an unreadable slot counts only when the flags name it.
     */
    private static List<Change> diff(NsView before, NsView now, NsSlot[] scope, boolean explicit) {
        List<Change> out = new ArrayList<>(2);
        for (NsSlot s : scope) {
            NsId o = before.get(s);
            NsId n = now.get(s);
            if (!n.known()) {
                if (explicit && o.known()) {
                    out.add(new Change(s, o, n));
                }
            } else if (!n.equals(o)) {
                out.add(new Change(s, o, n));
            }
        }
        return out;
    }

    /**
     * Emits NS_CREATE / NS_CHANGE for the changes (one per namespace), registers new ids, and returns the
     * task's new view. Slots adopted without a record (unknown before, not named by flags) change too.
     */
    private NsView transitionRecords(NsSyscall sc, int pid, int tid, String chain, NsView before,
                                     List<Change> changes, List<AuditRecord> out) {
        boolean explicit = sc.flagsKnown();
        boolean setns = sc.kind() == NsSyscall.Kind.SETNS;
        NsView.Builder next = before.toBuilder();
        List<Object> reported = new ArrayList<>(changes.size());
        for (Change c : changes) {
            next.set(c.slot(), c.now());
            Object key = c.now().known() ? c.now() : c.slot().type();
            if (reported.contains(key)) {
                continue;
            }
            reported.add(key);
            if (!c.now().known()) {
                unobserved++;
                out.add(NsRecords.transition(setns ? NsRecords.NS_CHANGE : NsRecords.NS_CREATE, sc.stamp(), pid, tid,
                        sc.kind().text(), chain, c.slot().type(), c.old(), c.now()));
                continue;
            }
            boolean fresh = !live.containsKey(c.now());
            if (!c.old().known() && !explicit) {
                // Adopted: the tracker did not know this slot (e.g. time, absent from the task table).
                if (fresh) {
                    register(c.now());
                    seeded++;
                }
                continue;
            }
            if (fresh) {
                register(c.now());
            }
            if (setns) {
                changed++;
                out.add(NsRecords.transition(NsRecords.NS_CHANGE, sc.stamp(), pid, tid, sc.kind().text(), chain,
                        c.slot().type(), c.old(), c.now()));
            } else if (fresh) {
                created++;
                out.add(NsRecords.transition(NsRecords.NS_CREATE, sc.stamp(), pid, tid, sc.kind().text(), chain,
                        c.slot().type(), c.old(), c.now()));
            }
        }
        return next.build();
    }

    /** Records with {@code dev=? inode=?} for a task that was gone before {@code /proc} was read. */
    private void unobservedRecords(NsSyscall sc, int pid, int tid, String chain, NsView before, NsSlot[] scope,
                                   boolean explicit, List<AuditRecord> out) {
        unobserved++;
        boolean setns = sc.kind() == NsSyscall.Kind.SETNS;
        int type = setns ? NsRecords.NS_CHANGE : NsRecords.NS_CREATE;
        if (!explicit) {
            if (setns) {
                // setns(fd, 0): the fd's type is not in the record.
                out.add(NsRecords.transition(type, sc.stamp(), pid, tid, sc.kind().text(), chain, null,
                        NsId.unknown(NsType.NET), NsId.unknown(NsType.NET)));
            }
            // clone3: the flags are in user memory; a gone child (most clone3 calls create threads) says nothing.
            return;
        }
        List<NsType> done = new ArrayList<>(2);
        for (NsSlot s : scope) {
            if (done.contains(s.type())) {
                continue;
            }
            done.add(s.type());
            out.add(NsRecords.transition(type, sc.stamp(), pid, tid, sc.kind().text(), chain, s.type(),
                    before.get(s), NsId.unknown(s.type())));
        }
    }

    // ------------------------------------------------------------------ membership

    private Ns register(NsId id) {
        Ns ns = new Ns(id, nextGeneration++);
        live.put(id, ns);
        return ns;
    }

    /** Starts tracking a task with a view: joins every namespace in it, registering unknown ones silently. */
    private void track(Task task, NsView view) {
        NsView v = intern(view);
        views.put(task, v);
        join(v.distinctShared(), null, chainOf(task));
    }

    /** Holds a pending child's (or untracked caller's) view; evicts the oldest beyond the bound. */
    private void hold(Pending p, String chain) {
        Pending old = pending.remove(p.tid());
        if (old != null) {
            queueExit(leave(old.view().distinctShared(), null, chain, old.expectedTgid()));
        }
        join(p.view().distinctShared(), null, chain);
        pending.put(p.tid(), p);
        while (pending.size() > maxPending) {
            Map.Entry<Integer, Pending> eldest = pending.entrySet().iterator().next();
            pending.remove(eldest.getKey());
            evictedPending++;
            Pending e = eldest.getValue();
            queueExit(leave(e.view().distinctShared(), null, null, e.expectedTgid()));
        }
    }

    /** Moves a holder from one view to another: joins first, then leaves; returns the namespaces ended. */
    private List<Destroyed> move(NsView from, NsView to, String chain, int pid) {
        NsId[] f = from.distinctShared();
        NsId[] t = to.distinctShared();
        join(t, f, chain);
        return leave(f, t, chain, pid);
    }

    /** Joins the ids of {@code ids} not in {@code except}. */
    private void join(NsId[] ids, NsId[] except, String chain) {
        for (NsId id : ids) {
            if (except != null && contains(except, id)) {
                continue;
            }
            Ns ns = live.get(id);
            if (ns == null) {
                ns = register(id);
                seeded++;
            }
            ns.members++;
            addChain(ns, chain);
        }
    }

    /** Leaves the ids of {@code ids} not in {@code except}; returns those that lost their last member. */
    private List<Destroyed> leave(NsId[] ids, NsId[] except, String chain, int pid) {
        List<Destroyed> ended = null;
        for (NsId id : ids) {
            if (except != null && contains(except, id)) {
                continue;
            }
            Ns ns = live.get(id);
            if (ns == null) {
                continue;
            }
            addChain(ns, chain);
            if (--ns.members <= 0) {
                live.remove(id);
                destroyed++;
                if (ended == null) {
                    ended = new ArrayList<>(2);
                }
                ended.add(new Destroyed(id, ns.chainList(), pid));
            }
        }
        return ended == null ? List.of() : ended;
    }

    private void queueExit(List<Destroyed> ended) {
        if (!ended.isEmpty()) {
            pendingExits.add(ended);
        }
    }

    private static void addChain(Ns ns, String chain) {
        if (chain == null) {
            return;
        }
        if (ns.chains == null) {
            ns.chains = new LinkedHashSet<>(4);
        }
        if (ns.chains.size() < MAX_CHAINS) {
            ns.chains.add(chain);
        } else if (!ns.chains.contains(chain)) {
            ns.chainsOmitted++;
        }
    }

    private static boolean contains(NsId[] a, NsId id) {
        for (NsId x : a) {
            if (x.equals(id)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ helpers

    private String chainOf(Task t) {
        return t == null ? null : chainOf.apply(t);
    }

    private NsView seed(Task task) {
        NsView v = seedView.apply(task);
        return v == null ? NsView.of(task.ns(), nsfsDev) : v;
    }

    private NsView intern(NsView v) {
        NsView known = interned.putIfAbsent(v, v);
        return known != null ? known : v;
    }

    /** The caller's namespaces: its leader's (or any thread's) tracked view, else the table's, else unknown. */
    private NsView callerView(int pid) {
        Task leader = table.process(pid);
        if (leader != null) {
            NsView v = views.get(leader);
            if (v != null) {
                return v;
            }
            NsView[] any = {null};
            table.forEachThread(pid, th -> {
                if (any[0] == null) {
                    any[0] = views.get(th);
                }
            });
            if (any[0] != null) {
                return any[0];
            }
        }
        Task t = table.taskOrTombstone(pid);
        return t != null ? NsView.of(t.ns(), nsfsDev) : NsView.unknown();
    }

    /** What a thread the tracker holds no view for was in: its tombstone's namespaces, else its group's. */
    private NsView fallbackView(int pid, int tid) {
        Task t = table.taskOrTombstone(tid);
        if (t != null && t.tgid() == pid && !t.isAlive()) {
            return NsView.of(t.ns(), nsfsDev);
        }
        return callerView(pid);
    }

    /** Whether the caller's pid namespace is known and differs from init's (then exit= is not a host pid). */
    private boolean callerInForeignPidNs(int pid) {
        Task init = table.task(1);
        NsView iv = init != null ? views.get(init) : null;
        if (iv == null) {
            return false;
        }
        NsId initPid = iv.get(NsSlot.PID);
        NsId callerPid = callerView(pid).get(NsSlot.PID);
        return initPid.known() && callerPid.known() && !initPid.equals(callerPid);
    }

    /** The table's view of tasks. */
    private final class Listener implements TaskListener {
        @Override
        public void onTaskStart(Task task, Task parent) {
            if (views.containsKey(task)) {
                return;
            }
            Pending p = pending.remove(task.tid());
            if (p != null) {
                if (task.tgid() == p.expectedTgid() || task.tgid() == p.callerPid()) {
                    // The clone event came first: the namespaces it set are known and already held; the rest
                    // comes from the creating thread the fork event names.
                    NsView v = p.view();
                    NsView pv = parent != null ? views.get(parent) : null;
                    if (pv != null) {
                        NsView.Builder b = (task.isLeader() ? pv.forChildProcess() : pv).toBuilder();
                        for (NsSlot s : p.changed()) {
                            b.set(s, p.view().get(s));
                        }
                        v = intern(b.build());
                    }
                    views.put(task, v);
                    String chain = chainOf(task);
                    queueExit(move(p.view(), v, chain, task.tgid()));
                    addChainAll(v, chain);
                    return;
                }
                // A different task got the tid: the one held for was never reported; release it.
                queueExit(leave(p.view().distinctShared(), null, null, p.expectedTgid()));
            }
            NsView v;
            if (parent != null) {
                NsView pv = views.get(parent);
                if (pv == null) {
                    pv = seed(parent);
                }
                v = task.isLeader() ? pv.forChildProcess() : pv;
            } else {
                v = seed(task);
            }
            track(task, v);
        }

        @Override
        public void onTaskExit(Task task, boolean processEnded, long timeNs) {
            NsView v = views.remove(task);
            if (v == null) {
                return;
            }
            queueExit(leave(v.distinctShared(), null, chainOf(task), task.tgid()));
        }
    }

    private void addChainAll(NsView v, String chain) {
        if (chain == null) {
            return;
        }
        for (NsId id : v.distinctShared()) {
            Ns ns = live.get(id);
            if (ns != null) {
                addChain(ns, chain);
            }
        }
    }

    /** Insertion-ordered map that forgets its oldest entry beyond a bound (interning only saves memory). */
    private static final class BoundedMap<K, V> extends LinkedHashMap<K, V> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final int max;

        BoundedMap(int max) {
            super(64, 0.75f, false);
            this.max = max;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > max;
        }
    }
}
