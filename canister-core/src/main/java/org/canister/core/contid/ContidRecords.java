package org.canister.core.contid;

import org.canister.core.Errno;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.task.Namespaces;

/**
 * The records of spec/audit-contid.md 6.2, as {@link AuditRecord}s of the audit pipeline numbered by
 * {@link CanisterTypes} ({@link AuditRecord#canister}): the pipeline's writer frames them as auditd
 * does, {@code type=<NAME> msg=audit(<sec>.<msec>:<serial>): <body>} ({@link AuditLogFormat}), with
 * the naming of spec req. 13 ({@link CanisterTypes.Naming}).
 *
 * <pre>
 * type=CONTAINER_OP msg=audit(T:N): op=set opid=4242 contid=123456 old-contid=-1 pid=4100 uid=0 auid=1000 ses=3 comm="runc" exe="/usr/bin/runc" res=1 errno=0
 * type=CONTAINER_OP msg=audit(T:N): op=drop opid=4242 contid=-1 old-contid=4,^2,^1 res=1
 * type=SET_CAPCONTID msg=audit(T:N): opid=4243 capcontid=1 old-capcontid=0 res=1
 * type=NS_INFO msg=audit(T:N): opid=4242 dev=00:04 ns_cgroup=4026531835 ns_ipc=... ns_time=? ...
 * </pre>
 *
 * <p>Field choices, where the spec leaves room:
 * <ul>
 * <li>op=set {@code contid=}: on success the new chain in v11 grammar (the requested ID is its leaf,
 *     so a v11 reader of the first element sees the same value), so that "a task labelled 4 by an
 *     orchestrator labelled 2 inside one labelled 1 is printed contid=4,^2,^1" (req. 6); on refusal the
 *     requested value alone (req. 5), e.g. {@code contid=18446744073709551615} for an unset attempt.</li>
 * <li>SET_CAPCONTID: the spec's success text exactly; a refusal ends {@code res=0 errno=<n>}, as
 *     CONTAINER_OP does, so the log says why.</li>
 * <li>comm and exe are printed as the kernel's {@code audit_log_untrustedstring}: quoted, or as
 *     upper-case hex of their UTF-8 bytes when they contain a quote, a space, a control or a non-ASCII
 *     byte ({@code audit_string_contains_control}).</li>
 * </ul>
 */
public final class ContidRecords {

    private ContidRecords() {
    }

    /** The CONTAINER_OP {@code op=set} record of one attempt; {@code errno} null for success. */
    public static AuditRecord set(AuditStamp stamp, int opid, String contid, String oldContid, AuditSubject subject,
                                  Errno errno) {
        StringBuilder b = new StringBuilder(192);
        b.append("op=set opid=").append(opid)
                .append(" contid=").append(contid)
                .append(" old-contid=").append(oldContid)
                .append(" pid=").append(subject.pid())
                .append(" uid=").append(Integer.toUnsignedString(subject.uid()))
                .append(" auid=").append(Integer.toUnsignedString(subject.auid()))
                .append(" ses=").append(Integer.toUnsignedString(subject.ses()))
                .append(" comm=");
        AuditLogFormat.appendUntrusted(b, subject.comm());
        b.append(" exe=");
        AuditLogFormat.appendUntrusted(b, subject.exe());
        b.append(" res=").append(errno == null ? 1 : 0)
                .append(" errno=").append(errno == null ? 0 : errno.number());
        return AuditRecord.canister(CanisterTypes.CONTAINER_OP, stamp, b.toString());
    }

    /** The CONTAINER_OP {@code op=drop} record: the last task carrying {@code oldChain} exited (req. 7). */
    public static AuditRecord drop(AuditStamp stamp, int opid, String oldChain) {
        return AuditRecord.canister(CanisterTypes.CONTAINER_OP, stamp,
                "op=drop opid=" + opid + " contid=-1 old-contid=" + oldChain + " res=1");
    }

    /** The SET_CAPCONTID record of one attempt (req. 11); {@code errno} null for success. */
    public static AuditRecord setCapContid(AuditStamp stamp, int opid, int capcontid, int oldCapcontid, Errno errno) {
        String tail = errno == null ? " res=1" : " res=0 errno=" + errno.number();
        return AuditRecord.canister(CanisterTypes.SET_CAPCONTID, stamp,
                "opid=" + opid + " capcontid=" + capcontid + " old-capcontid=" + oldCapcontid + tail);
    }

    /**
     * The NS_INFO record joining a successful set (req. 21): the target's namespaces at registration.
     * {@code Namespaces} has no time namespace, so {@code ns_time=?}; an inode of 0 (unknown) prints {@code ?}.
     *
     * @param nsfsDev the nsfs device as {@code %02x:%02x} (e.g. {@code 00:04}), or null when unknown
     */
    public static AuditRecord nsInfo(AuditStamp stamp, int opid, String nsfsDev, Namespaces ns) {
        StringBuilder b = new StringBuilder(200);
        b.append("opid=").append(opid).append(" dev=").append(nsfsDev == null ? "?" : nsfsDev);
        inode(b, " ns_cgroup=", ns.cgroup());
        inode(b, " ns_ipc=", ns.ipc());
        inode(b, " ns_mnt=", ns.mnt());
        inode(b, " ns_net=", ns.net());
        inode(b, " ns_pid=", ns.pid());
        inode(b, " ns_time=", 0);
        inode(b, " ns_user=", ns.user());
        inode(b, " ns_uts=", ns.uts());
        return AuditRecord.canister(CanisterTypes.NS_INFO, stamp, b.toString());
    }

    private static void inode(StringBuilder b, String key, long ino) {
        b.append(key);
        if (ino == 0) {
            b.append('?');
        } else {
            b.append(Long.toUnsignedString(ino));
        }
    }
}
