package org.canister.core.contid;

import org.canister.core.audit.AuditStamp;

/**
 * Stamps ({@code sec.msec:serial}) for the events Canister itself originates (CONTAINER_OP,
 * SET_CAPCONTID, drop, NS_INFO), chosen so that they never equal the stamp of a kernel event in the
 * same output stream (spec req. 5 [choice]). Wall-clock milliseconds come in as a parameter.
 *
 * <h2>Why not a separate serial range</h2>
 * The kernel's serial is a 32-bit counter ({@code audit_serial()}, {@code atomic_t}, printed
 * {@code %u}) that every logged event advances; at the 24,000 events/s of spec req. 18 it wraps in
 * about 50 hours, so no fixed sub-range of 32 bits stays unused by the kernel. Serials above 2^32
 * would never collide, but {@code ausearch -a <serial>} (checked with Debian auditd 3.0.9: no match
 * for 6442450944), go-libaudit and LAUREL parse the serial as 32 bits, so Canister's events would be
 * unsearchable or rejected there.
 *
 * <h2>The scheme: stay antipodal to the kernel's counter</h2>
 * The daemon reads every kernel event and reports its serial with {@link #observeKernelSerial(long)}.
 * With K the most advanced kernel serial seen, Canister's next serial is {@code K + 2^31 (mod 2^32)}
 * — the point of the 32-bit ring opposite the kernel's counter — or, if that is not ahead of the
 * previous daemon serial, the previous one plus 1. Daemon serials therefore only move forward around
 * the ring (so two daemon events never share a stamp until the ring is traversed, i.e. never in the
 * same millisecond), and they stay at least 2^31 - n ahead of K, where n is the number of daemon
 * events since the kernel's counter last moved.
 *
 * <p>A kernel event stamped in the same millisecond as a daemon event has a serial within
 * [K - a, K + b], where a is the number of kernel events in that millisecond before K and b the kernel
 * events not yet read (bounded by the kernel backlog plus the socket buffer). A collision would need
 * {@code a + b + n >= 2^31}: two billion events inside one millisecond's neighbourhood, or two billion
 * daemon events while the kernel logs nothing. Kernel events whose stamp time is old (a syscall event
 * is timed at syscall entry but numbered when first logged) cannot collide either: their time differs.
 *
 * <p>Before any kernel serial has been observed the counter starts at 2^31. The daemon should observe
 * the first kernel record it receives before serving the control filesystem: registering as the audit
 * daemon produces a CONFIG_CHANGE record and joining the multicast group an EVENT_LISTENER record, so
 * one is always available when audit is enabled (when it is disabled, the stream holds no kernel
 * events to collide with).
 *
 * <p>Not thread-safe (used under the daemon's model lock); holds no clock.
 */
public final class StampSource {
    private static final long MASK = 0xFFFF_FFFFL;
    private static final long HALF = 1L << 31;

    /** Most advanced kernel serial seen, or -1. */
    private long kernelSerial = -1;
    /** Last serial issued, or -1. */
    private long last = -1;

    /**
     * Report the serial of a kernel event read from the audit stream. Serials arriving out of order
     * (events finish on several CPUs) never move the reference backwards.
     *
     * @param serial the {@code :<serial>} of a kernel record, 0..2^32-1
     */
    public void observeKernelSerial(long serial) {
        if (serial < 0 || serial > MASK) {
            throw new IllegalArgumentException("kernel audit serials are 32-bit: " + serial);
        }
        if (kernelSerial < 0 || ahead(serial, kernelSerial)) {
            kernelSerial = serial;
        }
    }

    /** The most advanced kernel serial observed, or -1 when none yet. */
    public long kernelSerial() {
        return kernelSerial;
    }

    /**
     * The stamp for a new daemon event.
     *
     * @param wallClockMs wall-clock milliseconds since the epoch (CLOCK_REALTIME, as the kernel stamps)
     */
    public AuditStamp next(long wallClockMs) {
        if (wallClockMs < 0) {
            throw new IllegalArgumentException("wall clock before 1970: " + wallClockMs);
        }
        long antipode = kernelSerial < 0 ? HALF : (kernelSerial + HALF) & MASK;
        long s;
        if (last < 0) {
            s = antipode;
        } else {
            long inc = (last + 1) & MASK;
            // Jump forward to the antipode when it is ahead of (or at) the next serial; never move back.
            s = ((antipode - inc) & MASK) < HALF ? antipode : inc;
        }
        last = s;
        return AuditStamp.ofMillis(wallClockMs, s);
    }

    /** True when {@code a} is ahead of {@code b} by less than half the ring. */
    private static boolean ahead(long a, long b) {
        long d = (a - b) & MASK;
        return d != 0 && d < HALF;
    }
}
