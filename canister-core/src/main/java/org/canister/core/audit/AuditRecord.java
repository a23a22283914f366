package org.canister.core.audit;

/**
 * One audit record: its type, its event stamp, and the field text after {@code "): "}. The body
 * keeps the kernel's bytes one to one (decoded as ISO-8859-1 by {@link AuditRecordText}), so
 * writing it back with the same charset reproduces them exactly.
 *
 * <p>Kernel records and the auditd daemon records Canister writes (DAEMON_ERR, DAEMON_RESUME) are
 * numbered by Linux ({@link Numbering#LINUX}, named by {@link AuditTypes}); the ghak90 and Canister
 * records (CONTAINER_OP, CONTAINER_ID, NS_*) by Canister ({@link Numbering#CANISTER}, named by
 * {@link CanisterTypes}). The two tables overlap at 1336 (URINGOP for Linux since 5.16,
 * CONTAINER_ID for ghak90 v11), so the number alone does not say what a record is.
 *
 * @param type      the record type ({@code nlmsg_type} for kernel records), e.g. {@link AuditTypes#SYSCALL}
 * @param stamp     the event the record belongs to
 * @param body      the fields, e.g. {@code arch=c000003e syscall=59 success=yes ...}
 * @param numbering which table the type number belongs to
 */
public record AuditRecord(int type, AuditStamp stamp, String body, Numbering numbering) {

    /** Which number table a record's type comes from. */
    public enum Numbering {
        /** The kernel's and audit-userspace's numbers ({@code include/uapi/linux/audit.h}, libaudit). */
        LINUX,
        /** ghak90 v11's and Canister's numbers ({@link CanisterTypes}). */
        CANISTER
    }

    public AuditRecord {
        if (stamp == null || body == null || numbering == null) {
            throw new IllegalArgumentException("audit record needs a stamp, a body and a numbering");
        }
    }

    /** A record numbered by Linux (every record the kernel sends). */
    public AuditRecord(int type, AuditStamp stamp, String body) {
        this(type, stamp, body, Numbering.LINUX);
    }

    /** A record numbered by Canister ({@link CanisterTypes}). */
    public static AuditRecord canister(int type, AuditStamp stamp, String body) {
        return new AuditRecord(type, stamp, body, Numbering.CANISTER);
    }

    /** Whether this is a Linux-numbered record of {@code linuxType}. */
    public boolean is(int linuxType) {
        return type == linuxType && numbering == Numbering.LINUX;
    }

    /** Whether this is a Canister-numbered record of {@code canisterType}. */
    public boolean isCanister(int canisterType) {
        return type == canisterType && numbering == Numbering.CANISTER;
    }

    /** The same record with another body (annotation appends {@code record=N}). */
    public AuditRecord withBody(String newBody) {
        return new AuditRecord(type, stamp, newBody, numbering);
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
