package org.canister.core.audit;

/** Receives assembled events from an {@link EventAssembler}, on the caller's thread. */
@FunctionalInterface
public interface AuditEventSink {
    /** Called once per assembled event. */
    void onEvent(AuditEvent event);
}
