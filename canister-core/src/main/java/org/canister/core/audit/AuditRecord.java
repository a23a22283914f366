package org.canister.core.audit;

/**
 * One kernel audit record: its netlink message type, its event stamp, and the field text after
 * {@code "): "}. The body keeps the kernel's bytes one to one (decoded as ISO-8859-1 by
 * {@link AuditRecordText}), so writing it back with the same charset reproduces them exactly.
 *
 * @param type  the record type ({@code nlmsg_type}), e.g. {@link AuditTypes#SYSCALL}
 * @param stamp the event the record belongs to
 * @param body  the fields, e.g. {@code arch=c000003e syscall=59 success=yes ...}
 */
public record AuditRecord(int type, AuditStamp stamp, String body) {

    public AuditRecord {
        if (stamp == null || body == null) {
            throw new IllegalArgumentException("audit record needs a stamp and a body");
        }
    }

    /** The value of a field in the body, as written (quotes kept), or {@code null}. */
    public String field(String key) {
        return AuditFields.get(body, key);
    }

    /** The auditd RAW line for this record, without a trailing newline. */
    @Override
    public String toString() {
        return AuditRecordText.format(this);
    }
}
