package org.canister.core.contid;

import java.util.List;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;

/**
 * What one write to {@code audit_containerid} or {@code audit_capcontainerid} did: success or the
 * errno for write(2), a sentence for a person, and the audit events to write. The first event is
 * always the attempt's own (CONTAINER_OP op=set, plus NS_INFO on success; or SET_CAPCONTID); a
 * relabel that leaves the old container without members adds that container's drop event after it.
 *
 * @param errno   null on success, else the errno write(2) returns
 * @param message what happened, or why it was refused and what to do instead
 * @param events  at least one event, in the order they should be written
 */
public record ContidOutcome(Errno errno, String message, List<AuditEvent> events) {

    public ContidOutcome {
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("every attempt yields its event");
        }
    }

    public boolean isSuccess() {
        return errno == null;
    }

    /** The attempt's own event (CONTAINER_OP op=set or SET_CAPCONTID first). */
    public AuditEvent attemptEvent() {
        return events.get(0);
    }

    /** Throw the errno and message, for callers that report errors by exception (the FUSE adapter). */
    public void throwIfFailed() {
        if (errno != null) {
            throw new CanisterException(errno, message);
        }
    }
}
