package org.canister.core.audit.annotate;

import java.util.ArrayList;
import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidObject;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * Adds ghak90 v11's CONTAINER_ID records to assembled kernel events (spec/audit-contid.md 6.2
 * req. 8 and 9), as the v11 kernel would have emitted them:
 *
 * <ul>
 *   <li>the subject of a syscall event (SYSCALL {@code pid=}) carrying a label gets
 *       {@code CONTAINER_ID record=N contid=<chain>}, and {@code record=N} is appended to the SYSCALL
 *       record (v11 03/11, with the {@code record=} link of v10);</li>
 *   <li>each labelled ptrace/signal target (OBJ_PID {@code opid=}) gets its own CONTAINER_ID
 *       {@code record=N}, and {@code record=N} on that OBJ_PID;</li>
 *   <li>a user-space record (USER 1005, 1100-1199, 2100-2999; {@code pid=} inside) of a labelled
 *       sender gets a CONTAINER_ID; the USER record itself gets no {@code record=} (v11 06/11).</li>
 * </ul>
 * {@code N} counts from 1 per event in record order ({@code ++context->contid_records}). The added
 * records keep the kernel event's stamp.
 *
 * <h2>Attribution (req. 9)</h2>
 * Only Canister's own process tree is consulted ({@link TaskTable#taskOrTombstone}): never
 * {@code /proc}, which at enrichment time may already show another process or nothing (the failure
 * of beats#22238). Tasks that exited stay findable as tombstones for the table's grace period, so a
 * child that forked, exec'd and exited within a millisecond is still attributed. The proc connector
 * is a separate socket and may lag the audit stream, so a SYSCALL whose {@code pid=} the table does
 * not know yet is attributed through its {@code ppid=}: a fresh child carries its parent's label
 * (labels are inherited at fork and a set needs a childless target, so the parent's label cannot
 * have changed since the fork). A known task without a label is never attributed through its parent.
 *
 * <h2>Placement [choice]</h2>
 * v11 emits CONTAINER_ID before the record it describes. Stock ausearch 3.0.9 closes an event as
 * single-record when its first line's type is below AUDIT_FIRST_EVENT (ausearch-lol.c
 * {@code check_events}), and an unknown name such as CONTAINER_ID counts as -1, so the v11 order
 * splits the CONTAINER_ID off the event and {@code ausearch -k} no longer shows it. The link is
 * {@code record=N}, not the position, so by default ({@link Placement#AFTER}) each CONTAINER_ID
 * directly follows the record it annotates; {@link Placement#BEFORE} gives the v11 order.
 *
 * <p>Pure, not thread-safe: call under the daemon's model lock, which guards the table.
 */
public final class ContidAnnotator {

    /** Where each CONTAINER_ID goes relative to the record it annotates. */
    public enum Placement {
        /** Right after it: stock ausearch keeps the event whole (default). */
        AFTER,
        /** Right before it, as the v11 kernel emits. */
        BEFORE
    }

    /**
     * One annotated event.
     *
     * @param event   the event, with CONTAINER_ID records added (the input itself when none was)
     * @param subject the chain of the event's subject (SYSCALL or USER sender), or null
     * @param added   CONTAINER_ID records added
     */
    public record Result(AuditEvent event, ContidChain subject, int added) {
    }

    /** Counters since construction. */
    public record Stats(long events, long annotated, long records, long viaPpid, long unknownSubjects) {
    }

    private final TaskTable table;
    private final Placement placement;
    private long events;
    private long annotated;
    private long records;
    private long viaPpid;
    private long unknownSubjects;

    public ContidAnnotator(TaskTable table, Placement placement) {
        if (table == null || placement == null) {
            throw new IllegalArgumentException("table and placement are required");
        }
        this.table = table;
        this.placement = placement;
    }

    /** Annotates one assembled kernel event; call under the model lock. */
    public Result annotate(AuditEvent event) {
        events++;
        List<AuditRecord> in = event.records();
        List<AuditRecord> out = null;
        ContidChain subject = null;
        int n = 0;
        for (int i = 0; i < in.size(); i++) {
            AuditRecord r = in.get(i);
            if (r.isCanister(CanisterTypes.CONTAINER_ID)) {
                // Already annotated (e.g. replayed): never annotate twice.
                return new Result(event, SubjectChains.subjectOf(event), 0);
            }
            ContidObject label = null;
            boolean link = false;
            boolean isSubject = false;
            if (r.is(AuditTypes.SYSCALL)) {
                label = syscallSubject(r.body());
                link = true;
                isSubject = true;
            } else if (r.is(AuditTypes.OBJ_PID)) {
                label = labelOfPid(AuditFields.getLong(r.body(), "opid", -1));
                link = true;
            } else if (isUserType(r)) {
                label = labelOfPid(AuditFields.getLong(r.body(), "pid", -1));
                isSubject = true;
            }
            if (label == null) {
                if (out != null) {
                    out.add(r);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(in.size() + 2);
                out.addAll(in.subList(0, i));
            }
            n++;
            AuditRecord cid = AuditRecord.canister(CanisterTypes.CONTAINER_ID, r.stamp(),
                    "record=" + n + " contid=" + label.chain());
            AuditRecord linked = link ? r.withBody(r.body() + " record=" + n) : r;
            if (placement == Placement.BEFORE) {
                out.add(cid);
                out.add(linked);
            } else {
                out.add(linked);
                out.add(cid);
            }
            if (isSubject && subject == null) {
                subject = label.toChain();
            }
        }
        if (out == null) {
            return new Result(event, null, 0);
        }
        annotated++;
        records += n;
        return new Result(event.withRecords(out), subject, n);
    }

    /** Counters since construction. */
    public Stats stats() {
        return new Stats(events, annotated, records, viaPpid, unknownSubjects);
    }

    private ContidObject syscallSubject(String body) {
        long pid = AuditFields.getLong(body, "pid", -1);
        Task t = pid > 0 && pid <= Integer.MAX_VALUE ? table.taskOrTombstone((int) pid) : null;
        if (t != null) {
            return ContidRegistry.labelOf(t);
        }
        // The proc connector has not told us about this task yet: a fresh child has its parent's label.
        long ppid = AuditFields.getLong(body, "ppid", -1);
        Task parent = ppid > 0 && ppid <= Integer.MAX_VALUE ? table.taskOrTombstone((int) ppid) : null;
        if (parent == null) {
            unknownSubjects++;
            return null;
        }
        ContidObject label = ContidRegistry.labelOf(parent);
        if (label != null) {
            viaPpid++;
        }
        return label;
    }

    private ContidObject labelOfPid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return null;
        }
        Task t = table.taskOrTombstone((int) pid);
        return t == null ? null : ContidRegistry.labelOf(t);
    }

    /**
     * User-space message types the kernel relays with the sender's {@code pid=}
     * (include/uapi/linux/audit.h: AUDIT_USER 1005, AUDIT_FIRST_USER_MSG..AUDIT_LAST_USER_MSG
     * 1100-1199, AUDIT_FIRST_USER_MSG2..AUDIT_LAST_USER_MSG2 2100-2999).
     */
    static boolean isUserType(AuditRecord r) {
        if (r.numbering() != AuditRecord.Numbering.LINUX) {
            return false;
        }
        int t = r.type();
        return t == AuditTypes.USER || (t >= 1100 && t <= 1199) || (t >= 2100 && t <= 2999);
    }
}
