package org.canister.core.audit;

import java.util.List;

/**
 * One assembled audit event: the records that share a stamp, in arrival order, without the
 * EOE marker (auditd never writes EOE to disk; {@link #completion()} says whether one was seen).
 *
 * @param stamp      the shared stamp
 * @param records    the records, in kernel order (never empty)
 * @param completion why the assembler considered the event finished
 */
public record AuditEvent(AuditStamp stamp, List<AuditRecord> records, Completion completion) {

    /** How an event was completed. Only {@link #EOE} and {@link #LAST_RECORD} mean "known whole". */
    public enum Completion {
        /** An EOE record closed a multi-record event (kernel/auditsc.c {@code audit_log_exit}). */
        EOE,
        /** A record type that ends its event by auparse's {@code audit_is_last_record} rule. */
        LAST_RECORD,
        /** No closing record arrived within the end-of-event timeout (default 2 s, as auditd's end_of_event_timeout). */
        TIMEOUT,
        /** Pushed out, incomplete, because too many events were in flight; counted, never dropped. */
        EVICTED,
        /** Emitted, incomplete, by an explicit flush (shutdown). */
        FLUSHED,
        /**
         * Made whole by the daemon itself (CONTAINER_OP, SET_CAPCONTID, DAEMON_ERR ...), with a
         * daemon-generated stamp: never assembled from kernel records.
         */
        ORIGINATED
    }

    public AuditEvent {
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("an audit event has at least one record");
        }
    }

    /**
     * An event the daemon made whole itself ({@link Completion#ORIGINATED}): every record carries
     * {@code stamp}, a daemon stamp (spec req. 5).
     */
    public static AuditEvent originated(AuditStamp stamp, List<AuditRecord> records) {
        return new AuditEvent(stamp, records, Completion.ORIGINATED);
    }

    /** The first Linux-numbered record of the given type, or {@code null}. */
    public AuditRecord first(int type) {
        for (AuditRecord r : records) {
            if (r.is(type)) {
                return r;
            }
        }
        return null;
    }

    /** Whether the event is known to be whole (closed by EOE or by a last-record type, or made by the daemon). */
    public boolean complete() {
        return completion == Completion.EOE || completion == Completion.LAST_RECORD
                || completion == Completion.ORIGINATED;
    }

    /** The same event with other records (annotation, filtering); stamp and completion stay. */
    public AuditEvent withRecords(List<AuditRecord> newRecords) {
        return new AuditEvent(stamp, newRecords, completion);
    }
}
