package org.canister.core.contid;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditStamp;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.core.task.Task;
import org.canister.core.task.TaskListener;
import org.canister.core.task.TaskTable;

/**
 * The audit container ID registry: ghak90 v11's {@code audit_set_contid} and
 * {@code audit_set_capcontid} over Canister's process tree (spec/audit-contid.md 1.3 and 6.2).
 *
 * <h2>Model</h2>
 * A task's label is a {@link ContidObject} held in {@link Task#containerLabel()}; the {@link TaskTable}
 * copies it to every child and thread at fork (v11 {@code audit_alloc_task}), and this registry, a
 * {@link TaskListener} of the table, counts the live tasks carrying each object (v11 refcount). When the
 * last one exits, one {@code op=drop} record is produced (req. 7); the ID stays reserved while a
 * registered nested object names it as parent, then becomes free for anyone.
 *
 * <h2>Set checks, in this order; the first failure wins (req. 2)</h2>
 * <ol start="0">
 * <li>target gone, or its start time differs from the one pinned at open → ESRCH (spec 6.1 [choice])</li>
 * <li>value is {@link ContidValue#UNSET} → EINVAL</li>
 * <li>writer lacks CAP_AUDIT_CONTROL in the initial user namespace and holds no capcontid → EPERM</li>
 * <li>target is not a thread-group leader, has another live thread, or has a live child → EBUSY</li>
 * <li>target is the writer's own process, or not its descendant along real-parent links → EXDEV</li>
 * <li>target already labelled (set or inherited) and the writer is not nesting (nesting: the writer is
 *     a strict descendant of the label's live owner process, not the owner itself) → EEXIST</li>
 * <li>ID registered and the writer is not its owner incarnation, or it has no live member left
 *     (dropped but kept as a parent) → ENOTUNIQ</li>
 * <li>registry full ({@link ContidSettings#maxObjects()}) → ENOMEM</li>
 * </ol>
 * On success: the owner's own live ID is injected (the object gains a member), any other ID becomes a
 * new object {id, owner = writer (tgid, start time), parent = writer's own label}; the target's old
 * label loses a member.
 *
 * <h2>Records</h2>
 * Every call of {@link #set} and {@link #setCapContid} yields exactly one event for the attempt,
 * accepted or refused, in the returned {@link ContidOutcome}: CONTAINER_OP op=set (plus NS_INFO on
 * success), or SET_CAPCONTID. Unlike v11, which returns ESRCH before logging, an attempt on a task that
 * is gone is recorded too ({@code opid=} the pid written to, {@code old-contid=-1}): the spec asks for
 * one record per attempt and a vanished target is still an attempt. Parse errors (EINVAL/ERANGE from
 * {@link ContidValue}) never reach the registry and, as in v11, are not recorded: there is no value.
 * Drop events triggered by task exits are queued and stamped by {@link #takePendingEvents(long)}.
 *
 * <h2>Choices where v11 is per-thread</h2>
 * v11 keeps capcontid per task and checks the calling thread. Canister treats the writer as its
 * thread-group leader (spec 6.1), so the writer holds capcontid when its leader or its calling thread
 * holds it: a multi-threaded orchestrator (runc is Go) must not depend on which thread writes.
 *
 * <p>Not thread-safe: called under the daemon's model lock, like the table. Never reads a clock.
 */
public final class ContidRegistry {
    private static final String NONE = ContidChain.NONE;

    private final TaskTable table;
    private final StampSource stamps;
    private final ContidSettings settings;
    private final Map<Long, ContidObject> objects = new HashMap<>();
    private final Set<Task> capHolders = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayList<PendingDrop> pending = new ArrayList<>();
    private long stateVersion;
    private long labelChanges;
    private LabelListener[] labelListeners = new LabelListener[0];
    private long setsAccepted;
    private long setsRefused;
    private long drops;
    private long anomalies;

    private record PendingDrop(int opid, ContidObject object) {
    }

    /**
     * Counters for {@code status} and metrics. {@code anomalies} counts tasks that reappeared carrying a
     * container already dropped (possible only after lost proc connector events; they are treated as
     * unlabelled) and member counts that would have gone negative.
     */
    public record Stats(int registered, long setsAccepted, long setsRefused, long drops, int pendingDrops,
                        long anomalies) {
    }

    private ContidRegistry(TaskTable table, StampSource stamps, ContidSettings settings) {
        this.table = table;
        this.stamps = stamps;
        this.settings = settings;
    }

    /**
     * A registry listening to {@code table}. Attach it after the table was seeded from {@code /proc}
     * and before applying live events; then call {@link #reconcile} once if there is saved state.
     */
    public static ContidRegistry attach(TaskTable table, StampSource stamps, ContidSettings settings) {
        ContidRegistry r = new ContidRegistry(table, stamps, settings);
        table.addListener(r.new Listener());
        return r;
    }

    // ------------------------------------------------------------------ lookups (hot path)

    /** The object a task carries, or null. */
    public static ContidObject labelOf(Task task) {
        return task.containerLabel() instanceof ContidObject o ? o : null;
    }

    /**
     * The task's chain in v11 grammar ({@code 4,^2,^1}), or null when it carries no container ID.
     * Two field reads: the chain string is cached in the object.
     */
    public static String chainOf(Task task) {
        return task.containerLabel() instanceof ContidObject o ? o.chain() : null;
    }

    /** The chain of a live task, else of its tombstone still in grace, or null (unknown or unlabelled). */
    public String chainOf(int tid) {
        Task t = table.taskOrTombstone(tid);
        return t == null ? null : chainOf(t);
    }

    /** The registered object with this ID (live or kept as a parent), or null. */
    public ContidObject object(long contid) {
        return objects.get(contid);
    }

    /** Registered objects, in no particular order (a copy). */
    public List<ContidObject> objects() {
        return new ArrayList<>(objects.values());
    }

    /** Told when a set gives a task the table has announced another label. */
    @FunctionalInterface
    public interface LabelListener {
        /** {@code task} now carries {@link #labelOf labelOf(task)} instead of {@code before} (null: none). */
        void onLabelChanged(Task task, ContidObject before);
    }

    /**
     * Adds a listener for the labels sets give (listeners are called in the order added, under the model
     * lock, after the registry's own counts). Other label changes are not announced: they move
     * {@link #labelChanges()}.
     */
    public void addLabelListener(LabelListener listener) {
        Objects.requireNonNull(listener, "listener");
        LabelListener[] grown = Arrays.copyOf(labelListeners, labelListeners.length + 1);
        grown[labelListeners.length] = listener;
        labelListeners = grown;
    }

    private void notifyLabel(Task task, ContidObject before) {
        for (LabelListener l : labelListeners) {
            l.onLabelChanged(task, before);
        }
    }

    /**
     * Changes whenever this registry gave a task another label without telling the
     * {@link #addLabelListener label listeners}: a restart's reconcile, a task found by {@code /proc}
     * inheriting its parent's, a dropped label withdrawn (all rare). Indexes over labels (the per-netns
     * container lists of {@link org.canister.core.audit.annotate.NetnsContainers}) rebuild when it moves.
     */
    public long labelChanges() {
        return labelChanges;
    }

    /**
     * Changes whenever something a restart must not lose changed: a set or capcontid change, a drop, an
     * ID released, or a labelled process ending (its children, if any, are re-parented, and {@code /proc}
     * no longer shows which container they forked from; the table re-parents them before telling
     * listeners, so the registry cannot tell whether there were any). Forks never change it: they are
     * recovered from {@code /proc}. Save when it differs from the version last saved; under process
     * churn inside containers, coalesce (e.g. at most one save per second).
     */
    public long stateVersion() {
        return stateVersion;
    }

    public Stats stats() {
        return new Stats(objects.size(), setsAccepted, setsRefused, drops, pending.size(), anomalies);
    }

    // ------------------------------------------------------------------ set (req. 2-6)

    /** {@link #set(Caller, LoginIds, int, long, long, long)} with unknown login ids. */
    public ContidOutcome set(Caller writer, int targetPid, long targetStartTime, long contid, long wallClockMs) {
        return set(writer, LoginIds.UNSET, targetPid, targetStartTime, contid, wallClockMs);
    }

    /**
     * One write of {@code contid} to {@code proc/<targetPid>/audit_containerid}.
     *
     * @param writer          the orchestrator (FUSE request context, mapped to its leader and pinned)
     * @param login           the writer's loginuid and sessionid for the record
     * @param targetPid       the task the file belongs to (a tid under {@code task/<tid>/})
     * @param targetStartTime the target's start time pinned at open, or -1 to accept any incarnation
     * @param contid          the parsed value ({@link ContidValue#parse})
     * @param wallClockMs     wall clock for the record's stamp
     * @return success or the errno, and the events to write (never empty)
     */
    public ContidOutcome set(Caller writer, LoginIds login, int targetPid, long targetStartTime, long contid,
                             long wallClockMs) {
        return set(writer, login, targetPid, targetStartTime, contid, wallClockMs, false);
    }

    /**
     * {@link #set(Caller, LoginIds, int, long, long, long)} for a target that may already run several
     * threads, all of which are labelled together: Canister's choice for OCI runtimes whose container
     * init is a Go program ({@code runc init} runs about five runtime threads when the
     * {@code createRuntime} hook fires, so v11's thread rule would refuse every runc container). The
     * v11 rule exists because one thread's label would leave its siblings unlabelled; labelling every
     * live thread of the group at once, under the model lock, keeps the group consistent, and threads
     * created later copy the leader's label. A thread target and a target with a live child are still
     * EBUSY; every other check is unchanged. The daemon calls this only when the writer acts for the
     * runtime that spawned it (see the daemon's {@code audit_containerid_runtime} file).
     */
    public ContidOutcome setThreadGroup(Caller writer, LoginIds login, int targetPid, long targetStartTime,
                                        long contid, long wallClockMs) {
        return set(writer, login, targetPid, targetStartTime, contid, wallClockMs, true);
    }

    private ContidOutcome set(Caller writer, LoginIds login, int targetPid, long targetStartTime, long contid,
                              long wallClockMs, boolean wholeThreadGroup) {
        Task orch = table.process(writer.tgid());
        AuditSubject subject = subject(writer, orch, login);
        String requested = ContidValue.format(contid);
        Task target = table.task(targetPid);
        if (target == null || !target.isAlive() || (targetStartTime >= 0 && target.startTime() != targetStartTime)) {
            return refuseSet(Errno.ESRCH, "task " + targetPid + " has exited (or its pid now names another process)"
                    + "; nothing was labelled", targetPid, requested, NONE, subject, wallClockMs);
        }
        int opid = target.tgid();
        ContidObject old = labelOf(target);
        String oldChain = old == null ? NONE : old.chain();
        TaskRef writerRef = new TaskRef(writer.tgid(), writer.startTime());

        // 1. v11: "Don't allow the contid to be unset".
        if (contid == ContidValue.UNSET) {
            return refuseSet(Errno.EINVAL, ContidValue.UNSET_TEXT + " means unset; a container ID can be set "
                    + "but never removed", opid, requested, oldChain, subject, wallClockMs);
        }
        // 2. capable(CAP_AUDIT_CONTROL) is a check in the initial user namespace; capcontid delegates it.
        if (!mayManage(writer, orch)) {
            return refuseSet(Errno.EPERM, "process " + writer.tgid() + " needs CAP_AUDIT_CONTROL in the initial "
                    + "user namespace, or audit_capcontainerid=1 granted by a process that has it",
                    opid, requested, oldChain, subject, wallClockMs);
        }
        // 3. v11 9/11: "return -EBUSY for both threading and children".
        if (!target.isLeader()) {
            return refuseSet(Errno.EBUSY, "task " + targetPid + " is a thread of process " + opid
                    + "; label the process before it starts threads", opid, requested, oldChain, subject, wallClockMs);
        }
        if (target.liveThreads() > 1 && !wholeThreadGroup) {
            return refuseSet(Errno.EBUSY, "process " + opid + " already runs " + target.liveThreads()
                    + " threads; label it before it starts threads", opid, requested, oldChain, subject, wallClockMs);
        }
        if (target.liveChildren() > 0) {
            return refuseSet(Errno.EBUSY, "process " + opid + " already has " + target.liveChildren()
                    + " child process(es); label it before it forks", opid, requested, oldChain, subject, wallClockMs);
        }
        // 4. v11: tsk == current || !task_is_descendant(current, tsk) -> EXDEV.
        if (opid == writer.tgid()) {
            return refuseSet(Errno.EXDEV, "a process cannot set its own container ID; its parent orchestrator must",
                    opid, requested, oldChain, subject, wallClockMs);
        }
        if (!table.isDescendant(opid, writer.tgid())) {
            return refuseSet(Errno.EXDEV, "process " + opid + " is not a descendant of process " + writer.tgid()
                    + "; only an ancestor may label it", opid, requested, oldChain, subject, wallClockMs);
        }
        // 5. Already labelled (set or inherited) and not nesting.
        if (old != null && !isNesting(old, writer)) {
            return refuseSet(Errno.EEXIST, "process " + opid + " is already in container " + old.chain()
                    + " (created by " + old.owner() + "); only an orchestrator nested inside that container "
                    + "may label it again", opid, requested, oldChain, subject, wallClockMs);
        }
        // 6. ID taken by another orchestrator incarnation, or dead but still named as a parent.
        ContidObject existing = objects.get(contid);
        if (existing != null) {
            if (!existing.owner().equals(writerRef)) {
                return refuseSet(Errno.ENOTUNIQ, "container ID " + requested + " belongs to orchestrator "
                        + existing.owner() + (isAlive(existing.owner()) ? "" : ", which has exited,")
                        + " (pid:start time); choose another ID", opid, requested, oldChain, subject, wallClockMs);
            }
            if (existing.members == 0) {
                return refuseSet(Errno.ENOTUNIQ, "container ID " + requested + " has no live task left but "
                        + existing.children + " nested container(s) still name it as parent; it can be reused "
                        + "when they end", opid, requested, oldChain, subject, wallClockMs);
            }
        } else if (objects.size() >= settings.maxObjects()) {
            return refuseSet(Errno.ENOMEM, "the registry already holds " + objects.size()
                    + " containers (maxObjects); containers are released when their last task exits",
                    opid, requested, oldChain, subject, wallClockMs);
        }

        // Success: injection by the owner, else a new object nested in the writer's own container.
        ContidObject label = existing;
        if (label == null) {
            ContidObject parent = orch == null ? null : labelOf(orch);
            label = new ContidObject(contid, writerRef, parent);
            label.registered = true;
            objects.put(contid, label);
            if (parent != null) {
                parent.children++;
            }
        }
        target.setContainerLabel(label);
        label.members++;
        notifyLabel(target, old);
        setsAccepted++;
        stateVersion++;

        List<AuditEvent> events = new ArrayList<>(2);
        AuditStamp stamp = stamps.next(wallClockMs);
        events.add(AuditEvent.originated(stamp, List.of(
                ContidRecords.set(stamp, opid, label.chain(), oldChain, subject, null),
                ContidRecords.nsInfo(stamp, opid, settings.nsfsDev(), target.ns()))));
        if (old != null && leave(old)) {
            // Possible only through injection/nesting: the relabelled task was the old container's last.
            events.add(dropEvent(opid, old, wallClockMs));
        }
        if (wholeThreadGroup && target.liveThreads() > 1) {
            final ContidObject newLabel = label;
            List<Task> siblings = new ArrayList<>(target.liveThreads());
            table.forEachThread(opid, t -> {
                if (t != target && t.isAlive() && t.containerLabel() != newLabel) {
                    siblings.add(t);
                }
            });
            for (Task t : siblings) {
                ContidObject tOld = labelOf(t);
                t.setContainerLabel(newLabel);
                newLabel.members++;
                notifyLabel(t, tOld);
                if (tOld != null && leave(tOld)) {
                    events.add(dropEvent(opid, tOld, wallClockMs));
                }
            }
        }
        String how = existing != null ? "joined container " : "created container ";
        return new ContidOutcome(null, "process " + opid + " " + how + label.chain(), events);
    }

    private ContidOutcome refuseSet(Errno errno, String message, int opid, String requested, String oldChain,
                                    AuditSubject subject, long wallClockMs) {
        setsRefused++;
        AuditStamp stamp = stamps.next(wallClockMs);
        AuditEvent e = AuditEvent.originated(stamp,
                List.of(ContidRecords.set(stamp, opid, requested, oldChain, subject, errno)));
        return new ContidOutcome(errno, message, List.of(e));
    }

    /**
     * v11 09/11 {@code audit_contid_isnesting}: the writer is not the label's owner and lives inside the
     * owner's subtree. An exited owner has no subtree: nobody nests under it.
     */
    private boolean isNesting(ContidObject label, Caller writer) {
        TaskRef owner = label.owner();
        if (owner.pid() == writer.tgid() && owner.startTime() == writer.startTime()) {
            return false;
        }
        return isAlive(owner) && table.isDescendant(writer.tgid(), owner.pid());
    }

    private boolean isAlive(TaskRef process) {
        Task t = table.process(process.pid());
        return t != null && t.startTime() == process.startTime();
    }

    /** capable(CAP_AUDIT_CONTROL) in the initial user namespace, or capcontid on the leader or the calling thread. */
    private boolean mayManage(Caller writer, Task orch) {
        if (writer.capableInInitNs(Credentials.CAP_AUDIT_CONTROL)) {
            return true;
        }
        if (orch != null && orch.capContid()) {
            return true;
        }
        if (writer.tid() != writer.tgid()) {
            Task thread = table.task(writer.tid());
            return thread != null && thread.tgid() == writer.tgid() && thread.capContid();
        }
        return false;
    }

    private static AuditSubject subject(Caller writer, Task orch, LoginIds login) {
        return new AuditSubject(writer.tgid(), writer.creds().uid(), login.auid(), login.ses(),
                orch == null ? null : orch.comm(), orch == null ? null : orch.exe());
    }

    // ------------------------------------------------------------------ capcontid (req. 11)

    /**
     * One write of 0 or 1 to {@code proc/<targetPid>/audit_capcontainerid}. Checks, in v11's order:
     * ESRCH; target is the writer's own process or not its strict descendant → EXDEV; writer lacks
     * CAP_AUDIT_CONTROL in the initial user namespace and capcontid → EPERM, whatever the writer's user
     * namespace (spec req. 11 [choice]: v11 did not check callers outside the initial one). The right
     * is per task and never inherited.
     *
     * @param value 0 or 1 ({@link ContidValue#parseCapContid})
     */
    public ContidOutcome setCapContid(Caller writer, int targetPid, long targetStartTime, int value,
                                      long wallClockMs) {
        if (value != 0 && value != 1) {
            throw new IllegalArgumentException("capcontid is 0 or 1: " + value);
        }
        Task target = table.task(targetPid);
        if (target == null || !target.isAlive() || (targetStartTime >= 0 && target.startTime() != targetStartTime)) {
            return capOutcome(Errno.ESRCH, "task " + targetPid + " has exited (or its pid now names another process)",
                    targetPid, value, 0, wallClockMs);
        }
        int opid = target.tgid();
        int old = target.capContid() ? 1 : 0;
        if (opid == writer.tgid() || !table.isDescendant(opid, writer.tgid())) {
            return capOutcome(Errno.EXDEV, "process " + writer.tgid() + " may delegate capcontid only to its own "
                    + "descendants, and not to itself", opid, value, old, wallClockMs);
        }
        if (!mayManage(writer, table.process(writer.tgid()))) {
            return capOutcome(Errno.EPERM, "process " + writer.tgid() + " needs CAP_AUDIT_CONTROL in the initial "
                    + "user namespace, or capcontid itself, to delegate it", opid, value, old, wallClockMs);
        }
        target.setCapContid(value == 1);
        if (value == 1) {
            capHolders.add(target);
        } else {
            capHolders.remove(target);
        }
        stateVersion++;
        return capOutcome(null, "task " + targetPid + " capcontid " + old + " -> " + value, opid, value, old,
                wallClockMs);
    }

    private ContidOutcome capOutcome(Errno errno, String message, int opid, int value, int old, long wallClockMs) {
        AuditStamp stamp = stamps.next(wallClockMs);
        AuditEvent e = AuditEvent.originated(stamp, List.of(ContidRecords.setCapContid(stamp, opid, value, old, errno)));
        return new ContidOutcome(errno, message, List.of(e));
    }

    // ------------------------------------------------------------------ reads (req. 12)

    /**
     * A read of {@code proc/<pid>/audit_containerid}: the leaf ID, or {@link ContidValue#UNSET}.
     *
     * @throws CanisterException ESRCH when the task is gone; EPERM without CAP_AUDIT_CONTROL (initial
     *                           user namespace) or capcontid, as v11 {@code proc_contid_read}
     */
    public long read(Caller reader, int pid, long startTime) {
        Task t = readable(reader, pid, startTime);
        ContidObject o = labelOf(t);
        return o == null ? ContidValue.UNSET : o.id();
    }

    /** A read of {@code proc/<pid>/audit_capcontainerid}: 0 or 1, with the same checks as {@link #read}. */
    public int readCapContid(Caller reader, int pid, long startTime) {
        return readable(reader, pid, startTime).capContid() ? 1 : 0;
    }

    private Task readable(Caller reader, int pid, long startTime) {
        Task t = table.task(pid);
        if (t == null || !t.isAlive() || (startTime >= 0 && t.startTime() != startTime)) {
            throw new CanisterException(Errno.ESRCH, "task " + pid + " has exited");
        }
        if (!mayManage(reader, table.process(reader.tgid()))) {
            throw new CanisterException(Errno.EPERM, "reading a container ID needs CAP_AUDIT_CONTROL in the "
                    + "initial user namespace or audit_capcontainerid=1 (ghak90: a task may not see its own ID)");
        }
        return t;
    }

    // ------------------------------------------------------------------ membership and drops (req. 7)

    /**
     * Drop events produced by task exits since the last call, stamped now. The daemon calls this after
     * applying each batch of task events and writes them.
     */
    public List<AuditEvent> takePendingEvents(long wallClockMs) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<AuditEvent> out = new ArrayList<>(pending.size());
        for (PendingDrop d : pending) {
            out.add(dropEvent(d.opid(), d.object(), wallClockMs));
        }
        pending.clear();
        return out;
    }

    private AuditEvent dropEvent(int opid, ContidObject o, long wallClockMs) {
        AuditStamp stamp = stamps.next(wallClockMs);
        return AuditEvent.originated(stamp, List.of(ContidRecords.drop(stamp, opid, o.chain())));
    }

    /** One member left {@code o}; returns true when that made it drop (the caller emits the record). */
    private boolean leave(ContidObject o) {
        o.members--;
        if (o.members < 0) {
            anomalies++;
            o.members = 0;
        }
        boolean dropNow = o.members == 0 && !o.dropped;
        if (dropNow) {
            o.dropped = true;
            drops++;
            stateVersion++;
        }
        release(o);
        return dropNow;
    }

    /** Unregister dropped objects no nested object names any more, walking up the parents they pinned. */
    private void release(ContidObject o) {
        while (o != null && o.registered && o.dropped && o.members == 0 && o.children == 0) {
            o.registered = false;
            objects.remove(o.id());
            stateVersion++;
            ContidObject p = o.parent();
            if (p != null) {
                p.children--;
            }
            o = p;
        }
    }

    /** The TaskTable's view: counts members, inherits labels across forks the table did not see. */
    private final class Listener implements TaskListener {
        @Override
        public void onTaskStart(Task task, Task parent) {
            Object label = task.containerLabel();
            if (label == null) {
                // The table copies the label at fork; this covers a task found by a /proc refresh instead of
                // a fork event (connector overflow, late start), which in the kernel inherited at fork. The
                // parent's label cannot have changed since (a set needs a childless, single-threaded
                // target), so its current label is the inherited one.
                Task from = parent != null ? parent : forkedFrom(task);
                label = from == null || from == task ? null : from.containerLabel();
                if (label != null) {
                    task.setContainerLabel(label);
                    labelChanges++;
                }
            }
            if (label instanceof ContidObject o) {
                if (o.dropped) {
                    // Only after lost proc connector events: the table saw no live carrier, so the drop was
                    // emitted, and now a task carrying the object reappears (a zombie leader revived by a
                    // refresh after de_thread(), a thread forked from it). A container ends once: the ID
                    // may already be reused, so this task is treated as unlabelled, and counted.
                    anomalies++;
                    task.setContainerLabel(null);
                    labelChanges++;
                    return;
                }
                o.members++;
            }
        }

        @Override
        public void onTaskExit(Task task, boolean processEnded, long timeNs) {
            if (task.capContid()) {
                capHolders.remove(task);
            }
            if (!(task.containerLabel() instanceof ContidObject o)) {
                return;
            }
            if (processEnded) {
                // Its children (if any; the table has already handed them to init) lose the lineage
                // that /proc would show after a restart: ask for a save (the daemon coalesces them).
                stateVersion++;
            }
            // The tombstone keeps its label: late kernel records of this task still get its chain.
            if (leave(o)) {
                pending.add(new PendingDrop(task.tgid(), o));
            }
        }
    }

    /** The task a fork event would have named as parent: a thread's leader, a process's parent process. */
    private Task forkedFrom(Task task) {
        return task.isLeader() ? table.process(task.ppid()) : table.process(task.tgid());
    }

    // ------------------------------------------------------------------ persistence (req. 19)

    /**
     * The state to save: registered objects (parents first), every live labelled task and every live
     * capcontid holder.
     *
     * @param bootId   {@code /proc/sys/kernel/random/boot_id}
     * @param nowTicks clock ticks since boot now (CLOCK_BOOTTIME in units of stat field 22)
     */
    public ContidState snapshot(String bootId, long nowTicks) {
        List<ContidObject> sorted = new ArrayList<>(objects.values());
        sorted.sort(Comparator.comparingInt(ContidObject::depth).thenComparing(ContidObject::id, Long::compareUnsigned));
        List<ContidState.ObjectEntry> objs = new ArrayList<>(sorted.size());
        for (ContidObject o : sorted) {
            objs.add(new ContidState.ObjectEntry(o.id(), o.owner(),
                    o.parent() == null ? ContidValue.UNSET : o.parent().id(), o.dropped));
        }
        List<ContidState.LabelEntry> labels = new ArrayList<>();
        table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> {
            if (t.isAlive() && t.containerLabel() instanceof ContidObject o) {
                labels.add(new ContidState.LabelEntry(TaskRef.of(t), o.id()));
            }
        }));
        labels.sort(Comparator.comparingInt((ContidState.LabelEntry l) -> l.task().pid())
                .thenComparingLong(l -> l.task().startTime()));
        List<TaskRef> holders = new ArrayList<>();
        for (Task t : capHolders) {
            if (t.isAlive() && t.capContid()) {
                holders.add(TaskRef.of(t));
            }
        }
        holders.sort(Comparator.comparingInt(TaskRef::pid).thenComparingLong(TaskRef::startTime));
        return new ContidState(bootId, nowTicks, objs, labels, holders);
    }

    /**
     * After a restart: rebuild the registry from saved state and the table (already seeded from
     * {@code /proc}), and produce the drops that happened while the daemon was down, once.
     *
     * <p>Each live task gets, in this order: the label saved for its exact (tid, start time); else
     * nothing if it started at or before the save (it was unlabelled then, and labels appear only by a
     * set, which saves); else, having started after the save, the label of the task it was forked from
     * (a thread: its leader; a process: its parent), resolved the same way, because in the kernel model
     * it inherited at fork. Known limit: a process that started after the save and whose parent also
     * exited before the restart was re-parented, so it takes its adoptive parent's label (usually none);
     * {@link #stateVersion()} asks for a save when a labelled process ends, which keeps this window small.
     * A reused pid (same tid, other start time) never matches a saved entry. After a
     * reboot ({@code bootId} differs) nothing matches: every object ends.
     *
     * <p>A saved object left with no live member gets its drop record now. Its {@code opid} is the last
     * saved member's tgid (the daemon did not see which member exited last; with one member, the usual
     * container init, it is exact), or -1 when none was saved.
     *
     * @return the drop events to write, stamped {@code wallClockMs}
     * @throws IllegalStateException when the registry already holds objects
     */
    public List<AuditEvent> reconcile(ContidState saved, String currentBootId, long wallClockMs) {
        if (!objects.isEmpty()) {
            throw new IllegalStateException("reconcile runs once, on a fresh registry");
        }
        boolean sameBoot = saved.bootId().equals(currentBootId);
        Map<Long, ContidObject> restored = new HashMap<>();
        for (ContidState.ObjectEntry e : saved.objects()) {
            ContidObject parent = e.hasParent() ? restored.get(e.parentId()) : null;
            if (e.hasParent() && parent == null) {
                throw new IllegalArgumentException("object " + Long.toUnsignedString(e.id()) + " listed before its parent");
            }
            ContidObject o = new ContidObject(e.id(), e.owner(), parent);
            o.registered = true;
            o.dropped = e.dropped();
            if (parent != null) {
                parent.children++;
            }
            restored.put(e.id(), o);
            objects.put(e.id(), o);
        }
        Map<TaskRef, ContidObject> savedLabels = new HashMap<>();
        Map<ContidObject, Integer> lastSavedMember = new IdentityHashMap<>();
        for (ContidState.LabelEntry l : saved.labels()) {
            ContidObject o = restored.get(l.id());
            if (o == null) {
                throw new IllegalArgumentException("label for unknown container ID " + Long.toUnsignedString(l.id()));
            }
            lastSavedMember.put(o, l.task().pid());
            if (sameBoot) {
                savedLabels.put(l.task(), o);
            }
        }

        // Resolve every live task; memo by identity (Task objects are unique per incarnation).
        Map<Task, ContidObject> memo = new IdentityHashMap<>();
        List<Task> live = new ArrayList<>();
        table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> {
            if (t.isAlive()) {
                live.add(t);
            }
        }));
        labelChanges++;
        for (Task t : live) {
            ContidObject o = resolve(t, savedLabels, saved.savedAtTicks(), memo);
            if (o != null) {
                t.setContainerLabel(o);
                o.members++;
            } else {
                t.setContainerLabel(null);
            }
        }

        if (sameBoot) {
            for (TaskRef h : saved.capContidHolders()) {
                Task t = table.task(h.pid());
                if (h.names(t) && t.isAlive()) {
                    t.setCapContid(true);
                    capHolders.add(t);
                }
            }
        }

        // Drops for objects whose members all died meanwhile, deepest first so releases cascade upwards.
        List<ContidObject> all = new ArrayList<>(restored.values());
        all.sort(Comparator.comparingInt(ContidObject::depth).reversed()
                .thenComparing(ContidObject::id, Long::compareUnsigned));
        List<AuditEvent> events = new ArrayList<>();
        for (ContidObject o : all) {
            if (o.members == 0 && !o.dropped) {
                o.dropped = true;
                drops++;
                Integer opid = lastSavedMember.get(o);
                events.add(dropEvent(opid == null ? -1 : opid, o, wallClockMs));
            }
            release(o);
        }
        stateVersion++;
        return events;
    }

    private ContidObject resolve(Task start, Map<TaskRef, ContidObject> savedLabels, long savedAtTicks,
                                 Map<Task, ContidObject> memo) {
        // Walk towards the task each one was forked from until an answer is known, then fill the memo back.
        ArrayDeque<Task> path = new ArrayDeque<>();
        ContidObject answer = null;
        Task t = start;
        while (t != null) {
            if (memo.containsKey(t)) {
                answer = memo.get(t);
                break;
            }
            ContidObject saved = savedLabels.get(TaskRef.of(t));
            if (saved != null) {
                answer = saved;
                memo.put(t, answer);
                break;
            }
            if (t.startTime() <= savedAtTicks) {
                answer = null; // existed at the save and was not labelled then
                memo.put(t, null);
                break;
            }
            path.push(t);
            Task from = forkedFrom(t);
            if (from == t || (from != null && path.contains(from))) {
                break; // defensive: a cycle in stale ppid data
            }
            t = from;
        }
        while (!path.isEmpty()) {
            memo.put(path.pop(), answer);
        }
        return answer;
    }
}
