package org.canister.core.contid;

/**
 * The identity of one audit event, {@code audit(<seconds>.<millis>:<serial>)}: every record of the
 * event carries it (kernel {@code audit_log_start}, "%llu.%03lu:%u").
 *
 * @param seconds Unix seconds
 * @param millis  0..999, printed with three digits
 * @param serial  0..2^32-1 (the kernel prints an unsigned int; consumers such as {@code ausearch -a},
 *                go-libaudit and LAUREL parse 32 bits)
 */
public record AuditStamp(long seconds, int millis, long serial) {

    public AuditStamp {
        if (millis < 0 || millis > 999) {
            throw new IllegalArgumentException("millis must be 0..999: " + millis);
        }
        if (serial < 0 || serial > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("serial must fit 32 bits: " + serial);
        }
    }

    /** The stamp of wall-clock milliseconds since the epoch with this serial. */
    public static AuditStamp ofMillis(long wallClockMs, long serial) {
        return new AuditStamp(Math.floorDiv(wallClockMs, 1000L), (int) Math.floorMod(wallClockMs, 1000L), serial);
    }

    /** {@code 1700000000.123:41}, as inside {@code msg=audit(...)}. */
    public String format() {
        StringBuilder b = new StringBuilder(32);
        appendTo(b);
        return b.toString();
    }

    void appendTo(StringBuilder b) {
        b.append(seconds).append('.');
        if (millis < 100) {
            b.append('0');
        }
        if (millis < 10) {
            b.append('0');
        }
        b.append(millis).append(':').append(serial);
    }

    @Override
    public String toString() {
        return format();
    }
}
