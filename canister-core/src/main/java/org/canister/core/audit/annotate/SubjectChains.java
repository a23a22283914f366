package org.canister.core.audit.annotate;

import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidChain;

/**
 * Reads the container chains an annotated event already carries, from its text alone: for events
 * Canister originated (whose chain no annotator computed), for {@code canister audit tail} (which
 * sees only the lines of {@code audit.sock}) and for anything read back from a log.
 *
 * <ul>
 *   <li>The <em>subject</em> chain (what routes and filters use): the CONTAINER_ID whose
 *       {@code record=N} the SYSCALL carries; in an event without SYSCALL, the first CONTAINER_ID
 *       that no OBJ_PID or NETFILTER_PKT links (a USER record's; a packet has no subject); for CONTAINER_OP, the new chain of an accepted
 *       {@code op=set} ({@code contid=}) or the ended container of {@code op=drop}
 *       ({@code old-contid=}). A refused set has no subject container (the requested ID is not one).</li>
 *   <li>{@link #mentions}: whether any chain in the event (subject, ptrace/kill targets,
 *       CONTAINER_OP old and new) contains an ID, as {@code tail --contid} wants.</li>
 * </ul>
 * CONTAINER_OP is recognised in both namings: {@code type=CONTAINER_OP} and
 * {@code type=UNKNOWN[1020]} (which reads back as Linux-numbered 1020, a number Linux leaves unused).
 */
public final class SubjectChains {

    private SubjectChains() {
    }

    /** The subject chain of an event, or null when it has none (or it is malformed). */
    public static ContidChain subjectOf(AuditEvent event) {
        List<AuditRecord> records = event.records();
        long link = -1;
        boolean hasSyscall = false;
        for (AuditRecord r : records) {
            if (r.is(AuditTypes.SYSCALL)) {
                hasSyscall = true;
                link = AuditFields.getLong(r.body(), "record", -1);
                break;
            }
        }
        for (AuditRecord r : records) {
            if (r.isCanister(CanisterTypes.CONTAINER_ID)) {
                long n = AuditFields.getLong(r.body(), "record", -1);
                if (hasSyscall ? n == link : !linkedByTarget(records, n)) {
                    return chain(AuditFields.get(r.body(), "contid"));
                }
            } else if (isContainerOp(r)) {
                String op = AuditFields.get(r.body(), "op");
                if ("set".equals(op) && "1".equals(AuditFields.get(r.body(), "res"))) {
                    return chain(AuditFields.get(r.body(), "contid"));
                }
                if ("drop".equals(op)) {
                    return chain(AuditFields.get(r.body(), "old-contid"));
                }
            }
        }
        return null;
    }

    /** Whether any container chain the event names contains {@code contid}. */
    public static boolean mentions(AuditEvent event, long contid) {
        for (AuditRecord r : event.records()) {
            if (r.isCanister(CanisterTypes.CONTAINER_ID)) {
                if (contains(AuditFields.get(r.body(), "contid"), contid)) {
                    return true;
                }
            } else if (isContainerOp(r)) {
                if (contains(AuditFields.get(r.body(), "contid"), contid)
                        || contains(AuditFields.get(r.body(), "old-contid"), contid)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** CONTAINER_OP by name, or as {@code UNKNOWN[1020]} read back. */
    static boolean isContainerOp(AuditRecord r) {
        return r.type() == CanisterTypes.CONTAINER_OP;
    }

    /** Whether an OBJ_PID (a ptrace/kill target) or a NETFILTER_PKT (a netns list) carries {@code record=n}. */
    private static boolean linkedByTarget(List<AuditRecord> records, long n) {
        for (AuditRecord r : records) {
            if ((r.is(AuditTypes.OBJ_PID) || r.is(AuditTypes.NETFILTER_PKT))
                    && AuditFields.getLong(r.body(), "record", -1) == n) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String list, long contid) {
        if (list == null) {
            return false;
        }
        try {
            for (ContidChain c : ContidChain.parseAll(list)) {
                if (c.contains(contid)) {
                    return true;
                }
            }
        } catch (CanisterException e) {
            return false;
        }
        return false;
    }

    private static ContidChain chain(String text) {
        if (text == null) {
            return null;
        }
        try {
            List<ContidChain> all = ContidChain.parseAll(text);
            return all.isEmpty() ? null : all.get(0);
        } catch (CanisterException e) {
            return null;
        }
    }
}
