package org.canister.core.contid;

import java.util.List;

/**
 * One audit event: records sharing a stamp, in emission order. Canister's own events are standalone
 * (no kernel SYSCALL joins them) and, like auditd's text log, carry no EOE record.
 */
public record AuditEvent(AuditStamp stamp, List<AuditRecord> records) {

    public AuditEvent {
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("an event has at least one record");
        }
    }

    /** The first record of this type, or null. */
    public AuditRecord record(int type) {
        for (AuditRecord r : records) {
            if (r.type() == type) {
                return r;
            }
        }
        return null;
    }
}
