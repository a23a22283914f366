package org.canister.core.contid;


import org.canister.core.Errno;
import org.canister.core.task.Namespaces;

/**
 * The records of spec/audit-contid.md 6.2 as text, and auditd's text framing
 * {@code type=<NAME> msg=audit(<sec>.<msec>:<serial>): <body>}.
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
    /** v11 02/11 {@code AUDIT_CONTAINER_OP}. */
    public static final int CONTAINER_OP = 1020;
    /** v11 04/11 {@code AUDIT_SIGNAL_INFO2} (a netlink request; listed for the naming rule). */
    public static final int SIGNAL_INFO2 = 1021;
    /** v11 11/11 {@code AUDIT_SET_CAPCONTID}. */
    public static final int SET_CAPCONTID = 1022;
    /** v11 03/11 {@code AUDIT_CONTAINER_ID}; upstream 1336 is URINGOP, so it is never printed as a number. */
    public static final int CONTAINER_ID = 1336;
    /** Canister's NS_INFO (spec req. 20, the 2900-2999 block audit-userspace leaves unassigned). */
    public static final int NS_INFO = 2903;

    /** {@code type=} naming in text output (spec req. 13). */
    public enum Naming {
        /** {@code type=CONTAINER_OP}: Canister's default. */
        NAMES,
        /**
         * {@code type=UNKNOWN[1020]} for the types stock audit-userspace 3.0.x does not know (1020, 1021,
         * 1022 and Canister's 2900-2999), as auditd itself prints them, so stock {@code ausearch -m
         * UNKNOWN[1020]} selects them (checked with Debian auditd 3.0.9, which rejects
         * {@code -m CONTAINER_OP}). CONTAINER_ID keeps its name: {@code UNKNOWN[1336]} would read as URINGOP.
         */
        UNKNOWN_NUMBERS
    }

    private ContidRecords() {
    }

    /** The CONTAINER_OP {@code op=set} record of one attempt; {@code errno} null for success. */
    public static AuditRecord set(int opid, String contid, String oldContid, AuditSubject subject, Errno errno) {
        StringBuilder b = new StringBuilder(192);
        b.append("op=set opid=").append(opid)
                .append(" contid=").append(contid)
                .append(" old-contid=").append(oldContid)
                .append(" pid=").append(subject.pid())
                .append(" uid=").append(Integer.toUnsignedString(subject.uid()))
                .append(" auid=").append(Integer.toUnsignedString(subject.auid()))
                .append(" ses=").append(Integer.toUnsignedString(subject.ses()))
                .append(" comm=");
        appendUntrusted(b, subject.comm());
        b.append(" exe=");
        appendUntrusted(b, subject.exe());
        b.append(" res=").append(errno == null ? 1 : 0)
                .append(" errno=").append(errno == null ? 0 : errno.number());
        return new AuditRecord(CONTAINER_OP, "CONTAINER_OP", b.toString());
    }

    /** The CONTAINER_OP {@code op=drop} record: the last task carrying {@code oldChain} exited (req. 7). */
    public static AuditRecord drop(int opid, String oldChain) {
        return new AuditRecord(CONTAINER_OP, "CONTAINER_OP",
                "op=drop opid=" + opid + " contid=-1 old-contid=" + oldChain + " res=1");
    }

    /** The SET_CAPCONTID record of one attempt (req. 11); {@code errno} null for success. */
    public static AuditRecord setCapContid(int opid, int capcontid, int oldCapcontid, Errno errno) {
        String tail = errno == null ? " res=1" : " res=0 errno=" + errno.number();
        return new AuditRecord(SET_CAPCONTID, "SET_CAPCONTID",
                "opid=" + opid + " capcontid=" + capcontid + " old-capcontid=" + oldCapcontid + tail);
    }

    /**
     * The NS_INFO record joining a successful set (req. 21): the target's namespaces at registration.
     * {@code Namespaces} has no time namespace, so {@code ns_time=?}; an inode of 0 (unknown) prints {@code ?}.
     *
     * @param nsfsDev the nsfs device as {@code %02x:%02x} (e.g. {@code 00:04}), or null when unknown
     */
    public static AuditRecord nsInfo(int opid, String nsfsDev, Namespaces ns) {
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
        return new AuditRecord(NS_INFO, "NS_INFO", b.toString());
    }

    private static void inode(StringBuilder b, String key, long ino) {
        b.append(key);
        if (ino == 0) {
            b.append('?');
        } else {
            b.append(Long.toUnsignedString(ino));
        }
    }

    /** One record line, without the newline: {@code type=NAME msg=audit(S.MMM:N): body}. */
    public static String formatRecord(AuditStamp stamp, AuditRecord record, Naming naming) {
        StringBuilder b = new StringBuilder(64 + record.body().length());
        appendRecord(b, stamp, record, naming);
        return b.toString();
    }

    /** Every record of the event, each line ending in {@code '\n'}, in emission order. */
    public static String format(AuditEvent event, Naming naming) {
        StringBuilder b = new StringBuilder(256);
        for (AuditRecord r : event.records()) {
            appendRecord(b, event.stamp(), r, naming);
            b.append('\n');
        }
        return b.toString();
    }

    private static void appendRecord(StringBuilder b, AuditStamp stamp, AuditRecord record, Naming naming) {
        b.append("type=").append(typeName(record, naming)).append(" msg=audit(");
        stamp.appendTo(b);
        b.append("): ").append(record.body());
    }

    /** The name printed after {@code type=} under this naming. */
    public static String typeName(AuditRecord record, Naming naming) {
        if (naming == Naming.UNKNOWN_NUMBERS && unknownToStockUserspace(record.type())) {
            return "UNKNOWN[" + record.type() + "]";
        }
        return record.name();
    }

    private static boolean unknownToStockUserspace(int type) {
        return type == CONTAINER_OP || type == SIGNAL_INFO2 || type == SET_CAPCONTID
                || (type >= 2900 && type <= 2999);
    }

    /**
     * Kernel {@code audit_log_n_untrustedstring}: {@code "value"} unless a byte is {@code '"'}, below
     * 0x21 or above 0x7e, then upper-case hex of the bytes; {@code ?} for unknown (null or empty).
     */
    public static void appendUntrusted(StringBuilder b, String value) {
        org.canister.core.audit.AuditLogFormat.appendUntrusted(b, value);
    }
}
