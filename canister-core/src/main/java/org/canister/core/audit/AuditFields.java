package org.canister.core.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Field access on an audit record body ({@code key=value key="quoted" key=68657820}) by a
 * single left-to-right scan, without regular expressions and without allocating until a value is
 * returned.
 *
 * <p>Value forms, as the kernel writes them (kernel/audit.c {@code audit_log_n_untrustedstring}):
 * a plain token up to the next space; a double-quoted string (no escapes: the kernel hex-encodes
 * any string containing a quote, a space, a control character or a byte above 0x7e); an
 * upper-case hex string for such untrusted strings; {@code (null)}. User records
 * ({@code USER_*}, relayed from user space) carry a single-quoted {@code msg='...'} whose content
 * is itself a field list: the scan reports {@code msg} with its quoted value and then the fields
 * inside, as auparse does.
 */
public final class AuditFields {

    /** Receives one field: the key is {@code body[keyStart, keyEnd)}, the raw value {@code body[valueStart, valueEnd)}. */
    @FunctionalInterface
    public interface Visitor {
        /** Returns false to stop the scan. */
        boolean field(String body, int keyStart, int keyEnd, int valueStart, int valueEnd);
    }

    private AuditFields() {
    }

    /** Visits every field in order; returns false when the visitor stopped the scan. */
    public static boolean forEach(String body, Visitor visitor) {
        int n = body.length();
        int i = 0;
        boolean inSingle = false;
        while (i < n) {
            char c = body.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            if (inSingle && c == '\'') {
                inSingle = false;
                i++;
                continue;
            }
            // a token: key up to '=' (if any) before the next separator
            int keyStart = i;
            int eq = -1;
            while (i < n) {
                c = body.charAt(i);
                if (c == ' ' || (inSingle && c == '\'')) {
                    break;
                }
                if (c == '=') {
                    eq = i;
                    break;
                }
                i++;
            }
            if (eq < 0 || eq == keyStart) {
                // not a field (e.g. "avc:  denied  {" in AVC records): skip the token
                while (i < n && body.charAt(i) != ' ' && !(inSingle && body.charAt(i) == '\'')) {
                    i++;
                }
                continue;
            }
            int valueStart = eq + 1;
            int valueEnd;
            if (valueStart < n && body.charAt(valueStart) == '"') {
                int close = body.indexOf('"', valueStart + 1);
                valueEnd = close < 0 ? n : close + 1;
                i = valueEnd;
            } else if (valueStart < n && body.charAt(valueStart) == '\'' && !inSingle) {
                int close = body.indexOf('\'', valueStart + 1);
                valueEnd = close < 0 ? n : close + 1;
                if (!visitor.field(body, keyStart, eq, valueStart, valueEnd)) {
                    return false;
                }
                // descend into the quoted field list
                inSingle = true;
                i = valueStart + 1;
                continue;
            } else {
                valueEnd = valueStart;
                while (valueEnd < n) {
                    char v = body.charAt(valueEnd);
                    if (v == ' ' || (inSingle && v == '\'')) {
                        break;
                    }
                    valueEnd++;
                }
                i = valueEnd;
            }
            if (!visitor.field(body, keyStart, eq, valueStart, valueEnd)) {
                return false;
            }
        }
        return true;
    }

    /** The raw value (quotes kept) of the first field named {@code key}, or {@code null}. */
    public static String get(String body, String key) {
        String[] found = new String[1];
        forEach(body, (b, ks, ke, vs, ve) -> {
            if (ke - ks == key.length() && b.regionMatches(ks, key, 0, key.length())) {
                found[0] = b.substring(vs, ve);
                return false;
            }
            return true;
        });
        return found[0];
    }

    /**
     * The first field named {@code key} as a signed decimal, or {@code fallback} when absent or
     * not a decimal number (e.g. {@code auid=4294967295} is returned as is; {@code pid=abc} is
     * not a number).
     */
    public static long getLong(String body, String key, long fallback) {
        long[] out = {fallback};
        forEach(body, (b, ks, ke, vs, ve) -> {
            if (ke - ks == key.length() && b.regionMatches(ks, key, 0, key.length())) {
                out[0] = parseDecimal(b, vs, ve, fallback);
                return false;
            }
            return true;
        });
        return out[0];
    }

    /** A decimal in {@code s[start, end)}, optionally negative, or {@code fallback}. */
    public static long parseDecimal(CharSequence s, int start, int end, long fallback) {
        if (start >= end) {
            return fallback;
        }
        boolean negative = s.charAt(start) == '-';
        int i = negative ? start + 1 : start;
        if (i >= end || end - i > 19) {
            return fallback;
        }
        long v = 0;
        for (; i < end; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return fallback;
            }
            long next = v * 10 + (c - '0');
            if (next < v) {
                return fallback;
            }
            v = next;
        }
        return negative ? -v : v;
    }

    /** A raw value without its surrounding double or single quotes. */
    public static String unquote(String raw) {
        if (raw != null && raw.length() >= 2) {
            char first = raw.charAt(0);
            if ((first == '"' || first == '\'') && raw.charAt(raw.length() - 1) == first) {
                return raw.substring(1, raw.length() - 1);
            }
        }
        return raw;
    }

    /**
     * Interprets an untrusted-string value (comm, exe, name, cwd, proctitle, a0.. of EXECVE, key):
     * quoted values lose their quotes; {@code (null)} stays; an unquoted even-length hex string is
     * decoded (as UTF-8, which is what the kernel hex-encoded); anything else is returned as is.
     */
    public static String decodeUntrusted(String raw) {
        if (raw == null || raw.isEmpty()) {
            return raw;
        }
        char first = raw.charAt(0);
        if (first == '"' || first == '\'') {
            return unquote(raw);
        }
        if (raw.length() % 2 != 0 || !isHex(raw)) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length() / 2);
        for (int i = 0; i < raw.length(); i += 2) {
            out.write((Character.digit(raw.charAt(i), 16) << 4) | Character.digit(raw.charAt(i + 1), 16));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
