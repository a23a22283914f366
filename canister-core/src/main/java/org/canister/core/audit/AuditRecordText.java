package org.canister.core.audit;

import java.nio.charset.StandardCharsets;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * The text forms of a kernel audit record.
 *
 * <p>The kernel payload of every record is {@code audit(<sec>.<msec>:<serial>): <fields>}
 * (kernel/audit.c {@code audit_log_start}: {@code "audit(%llu.%03lu:%u): "}); the record type
 * travels separately as {@code nlmsg_type}. auditd writes each record as one RAW line
 * {@code type=<NAME> msg=<payload>}, or {@code node=<n> type=<NAME> msg=<payload>} when
 * {@code name_format} is set (auditd-event.c {@code format_raw}, 3.0.9).
 *
 * <p>Payload bytes map one to one onto chars (ISO-8859-1): the kernel hex-encodes untrusted
 * strings, and whatever else it sends is preserved byte for byte when written back with the same
 * charset. The text ends at the first NUL, as auditd's {@code %.*s} formatting does.
 */
public final class AuditRecordText {

    private static final byte[] PREFIX = {'a', 'u', 'd', 'i', 't', '('};

    private AuditRecordText() {
    }

    /**
     * Parses one netlink payload.
     *
     * @throws CanisterException EINVAL when the payload is not {@code audit(S.M:N): ...}
     */
    public static AuditRecord parse(int type, byte[] buf, int off, int len) {
        AuditRecord r = tryParse(type, buf, off, len);
        if (r == null) {
            throw new CanisterException(Errno.EINVAL, "audit record of type " + type
                    + " does not start with audit(<sec>.<msec>:<serial>): (payload: \""
                    + preview(new String(buf, off, Math.min(len, 64), StandardCharsets.ISO_8859_1)) + "\")");
        }
        return r;
    }

    /** Parses one netlink payload, or returns {@code null} when it is malformed. */
    public static AuditRecord tryParse(int type, byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IndexOutOfBoundsException("payload " + off + "+" + len + " outside " + buf.length);
        }
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (buf[i] == 0) {
                end = i;
                break;
            }
        }
        int p = off;
        if (end - p < PREFIX.length) {
            return null;
        }
        for (byte b : PREFIX) {
            if (buf[p++] != b) {
                return null;
            }
        }
        long seconds = 0;
        int start = p;
        while (p < end && isDigit(buf[p]) && p - start < 18) {
            seconds = seconds * 10 + (buf[p++] - '0');
        }
        if (p == start || p >= end || buf[p++] != '.') {
            return null;
        }
        int millis = 0;
        start = p;
        while (p < end && isDigit(buf[p]) && p - start < 3) {
            millis = millis * 10 + (buf[p++] - '0');
        }
        if (p == start || p >= end || buf[p++] != ':') {
            return null;
        }
        long serial = 0;
        start = p;
        while (p < end && isDigit(buf[p]) && p - start < 18) {
            serial = serial * 10 + (buf[p++] - '0');
        }
        if (p == start || p >= end || buf[p++] != ')') {
            return null;
        }
        if (p < end && buf[p] == ':') {
            p++;
        } else {
            return null;
        }
        if (p < end && buf[p] == ' ') {
            p++;
        }
        String body = new String(buf, p, end - p, StandardCharsets.ISO_8859_1);
        return new AuditRecord(type, new AuditStamp(seconds, millis, serial), body);
    }

    /** Parses a payload held as text (for tests and for records read back from logs). */
    public static AuditRecord parse(int type, CharSequence payload) {
        String s = payload.toString();
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        return parse(type, bytes, 0, bytes.length);
    }

    /**
     * Parses one auditd RAW log line ({@code [node=N ]type=NAME msg=audit(...): fields}),
     * the inverse of {@link #format(AuditRecord, String)}.
     *
     * @throws CanisterException EINVAL naming what is missing
     */
    public static AuditRecord parseLine(String line) {
        String s = line;
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.startsWith("node=")) {
            int sp = s.indexOf(' ');
            if (sp < 0) {
                throw new CanisterException(Errno.EINVAL, "audit log line has node= but no type=: " + preview(s));
            }
            s = s.substring(sp + 1);
        }
        if (!s.startsWith("type=")) {
            throw new CanisterException(Errno.EINVAL, "audit log line does not start with type=: " + preview(s));
        }
        int sp = s.indexOf(" msg=");
        if (sp < 0) {
            throw new CanisterException(Errno.EINVAL, "audit log line has no msg= field: " + preview(s));
        }
        String name = s.substring(5, sp);
        int canister = CanisterTypes.number(name);
        if (canister >= 0) {
            AuditRecord r = parse(canister, s.substring(sp + 5));
            return AuditRecord.canister(canister, r.stamp(), r.body());
        }
        int type = AuditTypes.number(name);
        if (type < 0) {
            throw new CanisterException(Errno.EINVAL, "audit log line has unknown record type '" + name + "'");
        }
        return parse(type, s.substring(sp + 5));
    }

    /** The auditd RAW line {@code type=NAME msg=audit(...): body}, without newline. */
    public static String format(AuditRecord r) {
        return appendTo(new StringBuilder(64 + r.body().length()), r, null).toString();
    }

    /** The auditd RAW line, prefixed with {@code node=<node> } when node is not null. */
    public static String format(AuditRecord r, String node) {
        return appendTo(new StringBuilder(80 + r.body().length()), r, node).toString();
    }

    /** Appends the RAW line (no newline) to {@code out}, Canister types by name. */
    public static StringBuilder appendTo(StringBuilder out, AuditRecord r, String node) {
        return appendTo(out, r, node, CanisterTypes.Naming.NAMES);
    }

    /**
     * Appends the RAW line (no newline) to {@code out}; Canister-numbered types are named by
     * {@code naming} (spec req. 13: never a bare 1336).
     */
    public static StringBuilder appendTo(StringBuilder out, AuditRecord r, String node, CanisterTypes.Naming naming) {
        if (node != null) {
            out.append("node=").append(node).append(' ');
        }
        out.append("type=").append(typeName(r, naming)).append(" msg=");
        r.stamp().appendTo(out).append(':');
        if (!r.body().isEmpty()) {
            out.append(' ').append(r.body());
        }
        return out;
    }

    /**
     * What follows {@code type=}: the auditd 3.0.9 name of a Linux-numbered type (or
     * {@code UNKNOWN[n]}), or the {@link CanisterTypes} name under {@code naming}.
     */
    public static String typeName(AuditRecord r, CanisterTypes.Naming naming) {
        return r.numbering() == AuditRecord.Numbering.CANISTER
                ? CanisterTypes.displayName(r.type(), naming)
                : AuditTypes.displayName(r.type());
    }

    /** The kernel payload text {@code audit(...): body} of a record. */
    public static String payload(AuditRecord r) {
        StringBuilder out = r.stamp().appendTo(new StringBuilder(48 + r.body().length())).append(':');
        if (!r.body().isEmpty()) {
            out.append(' ').append(r.body());
        }
        return out.toString();
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static String preview(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
