package org.canister.core.audit.annotate;

import java.util.ArrayList;
import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;

/**
 * The boundary between the registry's event values ({@link org.canister.core.contid.AuditEvent}:
 * CONTAINER_OP, SET_CAPCONTID, NS_INFO with a daemon stamp) and the audit pipeline's
 * ({@link AuditEvent}), so that both reach the same router and are written by one writer.
 *
 * <p>The contid package keeps its own small value types (it has no dependency on the audit
 * pipeline, and the registry's tests and state codec use them); converting at this one place keeps
 * its diff at zero. A record whose type {@link CanisterTypes} names becomes Canister-numbered; any
 * other number (none today) keeps the Linux table, which then names it.
 */
public final class ContidEvents {

    private ContidEvents() {
    }

    /** The pipeline form of a registry event: same stamp, same records, {@link AuditEvent.Completion#ORIGINATED}. */
    public static AuditEvent toAudit(org.canister.core.contid.AuditEvent e) {
        org.canister.core.contid.AuditStamp s = e.stamp();
        AuditStamp stamp = new AuditStamp(s.seconds(), s.millis(), s.serial());
        List<AuditRecord> records = new ArrayList<>(e.records().size());
        for (org.canister.core.contid.AuditRecord r : e.records()) {
            AuditRecord.Numbering numbering = CanisterTypes.name(r.type()) != null
                    ? AuditRecord.Numbering.CANISTER : AuditRecord.Numbering.LINUX;
            records.add(new AuditRecord(r.type(), stamp, r.body(), numbering));
        }
        return new AuditEvent(stamp, records, AuditEvent.Completion.ORIGINATED);
    }

    /** {@link #toAudit} of each. */
    public static List<AuditEvent> toAudit(List<org.canister.core.contid.AuditEvent> events) {
        List<AuditEvent> out = new ArrayList<>(events.size());
        for (org.canister.core.contid.AuditEvent e : events) {
            out.add(toAudit(e));
        }
        return out;
    }

    /** A pipeline stamp from a registry stamp. */
    public static AuditStamp toAudit(org.canister.core.contid.AuditStamp s) {
        return new AuditStamp(s.seconds(), s.millis(), s.serial());
    }
}
