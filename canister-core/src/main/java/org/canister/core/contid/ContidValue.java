package org.canister.core.contid;

import java.nio.charset.StandardCharsets;

import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * An audit container ID as written to and read from {@code proc/<pid>/audit_containerid}: an unsigned
 * 64-bit integer carried in a Java {@code long} (two's complement; print with {@link #format(long)}).
 *
 * <p>Parsing follows the kernel's {@code kstrtou64(buf, 10, &v)} as v11's {@code proc_contid_write}
 * calls it (lib/kstrtox.c {@code _kstrtoull}): an optional leading {@code '+'}, one or more decimal
 * digits, at most one trailing {@code '\n'}, nothing else. Overflow is checked before trailing junk,
 * as in the kernel, so {@code "99999999999999999999x"} is ERANGE, not EINVAL. Two deliberate
 * differences, both stricter: the kernel copies at most 66 bytes of the write before parsing
 * ({@code kstrtoull_from_user}) and stops at a NUL byte; Canister parses the whole write, so bytes past
 * that point or after a NUL are junk (EINVAL) instead of being ignored.
 */
public final class ContidValue {
    /** {@code AUDIT_CID_UNSET}, {@code ((u64)-1)}: no container ID. Never a valid ID to set. */
    public static final long UNSET = -1L;
    /** How {@link #UNSET} is printed by a read of {@code audit_containerid}. */
    public static final String UNSET_TEXT = "18446744073709551615";

    private ContidValue() {
    }

    /** Parse the bytes of one write(2) (ASCII). See the class comment for the grammar. */
    public static long parse(byte[] data) {
        return parse(new String(data, StandardCharsets.ISO_8859_1));
    }

    /**
     * Parse a container ID written as text.
     *
     * @throws CanisterException EINVAL for empty, non-decimal or junk-trailed input; ERANGE above 2^64-1
     */
    public static long parse(CharSequence text) {
        return parseUnsigned(text, -1L, "a container ID");
    }

    /**
     * Parse a write to {@code audit_capcontainerid}: kstrtou32 semantics, then only 0 and 1 are
     * meaningful (spec req. 11: "value 0/1"; v11 stores any u32, Canister refuses other values).
     *
     * @return 0 or 1
     * @throws CanisterException EINVAL for junk or a value other than 0/1; ERANGE above 2^32-1
     */
    public static int parseCapContid(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        long v = parseUnsigned(text, 0xFFFF_FFFFL, "a capcontid value");
        if (v > 1) {
            throw new CanisterException(Errno.EINVAL,
                    "audit_capcontainerid takes 0 (revoke) or 1 (grant), not " + v);
        }
        return (int) v;
    }

    /** Unsigned decimal, as the kernel prints {@code %llu}: UNSET gives 18446744073709551615. */
    public static String format(long contid) {
        return Long.toUnsignedString(contid);
    }

    /**
     * kstrtoull core: {@code max} is the largest accepted value as an unsigned long (-1 = 2^64-1).
     */
    private static long parseUnsigned(CharSequence s, long max, String what) {
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '+') {
            i++;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        while (i < n) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            int d = c - '0';
            // value * 10 + d > max (unsigned)?  Same test as _parse_integer_limit's KSTRTOX_OVERFLOW.
            if (!overflow) {
                long limit = Long.divideUnsigned(max - d, 10);
                if (Long.compareUnsigned(value, limit) > 0
                        || Long.compareUnsigned(max, d) < 0) {
                    overflow = true;
                } else {
                    value = value * 10 + d;
                }
            }
            i++;
        }
        if (overflow) {
            throw new CanisterException(Errno.ERANGE,
                    what + " must be at most " + Long.toUnsignedString(max) + "; got "
                            + (i - digitsStart) + " digits");
        }
        if (i == digitsStart) {
            throw new CanisterException(Errno.EINVAL,
                    "expected " + what + " as decimal digits (optionally '+' first and one newline last), got "
                            + quote(s));
        }
        if (i < n && s.charAt(i) == '\n') {
            i++;
        }
        if (i != n) {
            throw new CanisterException(Errno.EINVAL,
                    "unexpected characters after " + what + " in " + quote(s)
                            + ": write only the decimal number and at most one newline");
        }
        return value;
    }

    /** A short, printable rendering of bad input for error messages. */
    static String quote(CharSequence s) {
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 40);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > n) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
