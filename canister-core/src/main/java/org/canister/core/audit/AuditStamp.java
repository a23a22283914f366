package org.canister.core.audit;

/**
 * The identity of one audit event: {@code audit(<seconds>.<millis>:<serial>)}. Every record of
 * an event carries the same stamp (kernel/auditsc.c {@code auditsc_get_stamp}); records of
 * different events interleave on the netlink socket.
 *
 * @param seconds wall-clock seconds since the epoch
 * @param millis  milliseconds, 0..999, printed as three digits
 * @param serial  the kernel's event serial (an unsigned 32-bit counter in the kernel)
 */
public record AuditStamp(long seconds, int millis, long serial) implements Comparable<AuditStamp> {

    public AuditStamp {
        if (seconds < 0 || millis < 0 || millis > 999 || serial < 0) {
            throw new IllegalArgumentException("audit stamp out of range: " + seconds + "." + millis + ":" + serial);
        }
    }

    /** The stamp of wall-clock milliseconds since the epoch with this serial (the daemon's own events). */
    public static AuditStamp ofMillis(long wallClockMs, long serial) {
        return new AuditStamp(Math.floorDiv(wallClockMs, 1000L), (int) Math.floorMod(wallClockMs, 1000L), serial);
    }

    /** Appends {@code audit(SEC.MSEC:SERIAL)} exactly as the kernel prints it. */
    public StringBuilder appendTo(StringBuilder out) {
        return appendBare(out.append("audit(")).append(')');
    }

    /** {@code SEC.MSEC:SERIAL}, as inside {@code msg=audit(...)} (and as {@code ausearch -a} takes the serial). */
    public String format() {
        return appendBare(new StringBuilder(32)).toString();
    }

    private StringBuilder appendBare(StringBuilder out) {
        out.append(seconds).append('.');
        if (millis < 100) {
            out.append('0');
        }
        if (millis < 10) {
            out.append('0');
        }
        return out.append(millis).append(':').append(serial);
    }

    /** Orders by time, then serial. */
    @Override
    public int compareTo(AuditStamp o) {
        int c = Long.compare(seconds, o.seconds);
        if (c == 0) {
            c = Integer.compare(millis, o.millis);
        }
        return c != 0 ? c : Long.compare(serial, o.serial);
    }

    @Override
    public String toString() {
        return appendTo(new StringBuilder(40)).toString();
    }
}
