package org.canister.core.audit;

import java.nio.charset.StandardCharsets;

/**
 * Events as auditd RAW text: one line per record, {@code type=<NAME> msg=audit(S.MMM:N): <fields>},
 * the format of auditd's log ({@code log_format = RAW}) and of its af_unix plugin's
 * {@code format = string} (docs/auditd-plugins.5, 3.0.9), so one rendering serves the logs and
 * {@code audit.sock}. Lines are ISO-8859-1: the kernel's bytes go out exactly as they came in.
 *
 * <p>EOE: auditd never writes EOE to disk (src/auditd-event.c), but it dispatches it to plugins,
 * and readers of the plugin stream (LAUREL, audisp-remote) use it to close multi-record events. So
 * an event the kernel closed with EOE can be rendered with its EOE line for the socket, and without
 * it for files.
 */
public final class AuditLogFormat {

    private AuditLogFormat() {
    }

    /**
     * Appends every record of the event, each line ending in {@code '\n'}; then, when {@code eoe}
     * and the kernel closed the event with EOE, the EOE line.
     */
    public static StringBuilder appendEvent(StringBuilder out, AuditEvent event, CanisterTypes.Naming naming, boolean eoe) {
        for (AuditRecord r : event.records()) {
            AuditRecordText.appendTo(out, r, null, naming).append('\n');
        }
        if (eoe && event.completion() == AuditEvent.Completion.EOE) {
            out.append("type=EOE msg=");
            event.stamp().appendTo(out).append(": \n");
        }
        return out;
    }

    /** The event's lines as bytes (ISO-8859-1, byte for byte what the kernel sent). */
    public static byte[] eventBytes(AuditEvent event, CanisterTypes.Naming naming, boolean eoe) {
        return appendEvent(new StringBuilder(512), event, naming, eoe).toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A value as the kernel's {@code audit_log_n_untrustedstring} prints it: {@code "value"}, or
     * upper-case hex of its UTF-8 bytes when a byte is {@code '"'}, below 0x21 or above 0x7e;
     * {@code ?} for null or empty.
     */
    public static void appendUntrusted(StringBuilder b, String value) {
        if (value == null || value.isEmpty()) {
            b.append('?');
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        boolean control = false;
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c == '"' || c < 0x21 || c > 0x7e) {
                control = true;
                break;
            }
        }
        if (!control) {
            b.append('"').append(value).append('"');
            return;
        }
        final String hex = "0123456789ABCDEF";
        for (byte x : bytes) {
            b.append(hex.charAt((x >> 4) & 0xf)).append(hex.charAt(x & 0xf));
        }
    }
}
