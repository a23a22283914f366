package org.canister.linux.audit;

import static org.canister.linux.Structs.offset;
import static org.canister.linux.Structs.size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.canister.core.audit.AuditStatusField;
import org.canister.linux.Structs;

/**
 * {@code struct audit_status} (include/uapi/linux/audit.h; 11 x u32, layout checked against the
 * C header by {@code StructLayoutTest}): the payload of AUDIT_GET replies and AUDIT_SET requests.
 * u32 values are held as non-negative longs.
 *
 * @param mask                  AUDIT_STATUS_* bits: which fields an AUDIT_SET applies
 * @param enabled               0 off, 1 on, 2 on and locked (immutable until reboot)
 * @param failure               0 silent, 1 printk, 2 panic
 * @param pid                   the registered audit daemon's tgid, 0 for none
 * @param rateLimit             messages per second, 0 = no limit
 * @param backlogLimit          queued records before the kernel waits, then loses
 * @param lost                  records the kernel lost since boot (or the last reset)
 * @param backlog               records queued now
 * @param featureBitmap         AUDIT_FEATURE_BITMAP_* (union with {@code version})
 * @param backlogWaitTime       jiffies an audited task may wait for backlog room
 * @param backlogWaitTimeActual jiffies tasks actually waited
 */
public record AuditStatus(int mask, long enabled, long failure, long pid, long rateLimit, long backlogLimit,
                          long lost, long backlog, long featureBitmap, long backlogWaitTime,
                          long backlogWaitTimeActual) {

    /** sizeof(struct audit_status) on kernels since 5.9 (older ones stop before backlog_wait_time_actual). */
    public static final int SIZE = size(Structs.AUDIT_STATUS);

    /** AUDIT_STATUS_PID. */
    public static final int MASK_PID = AuditStatusField.PID.mask();

    private static final String[] NAMES = {"mask", "enabled", "failure", "pid", "rate_limit", "backlog_limit",
        "lost", "backlog", "feature_bitmap", "backlog_wait_time", "backlog_wait_time_actual"};
    private static final int[] OFFSETS = new int[NAMES.length];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            OFFSETS[i] = offset(Structs.AUDIT_STATUS, NAMES[i]);
        }
    }

    /** A status carrying only the masked fields of an AUDIT_SET. */
    public static AuditStatus set(AuditStatusField field, long value) {
        long[] v = new long[NAMES.length];
        v[index(field)] = value;
        return of(field.mask(), v);
    }

    /**
     * Decodes {@code len} bytes at {@code off}; fields beyond {@code len} (older kernels send a
     * shorter struct) read as 0.
     */
    public static AuditStatus decode(ByteBuffer buf, int off, int len) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        long[] v = new long[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            if (OFFSETS[i] + 4 <= len) {
                v[i] = Integer.toUnsignedLong(b.getInt(off + OFFSETS[i]));
            }
        }
        return of((int) v[0], v);
    }

    private static AuditStatus of(int mask, long[] v) {
        return new AuditStatus(mask, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }

    /** The bytes of this struct, in host order. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        long[] v = {mask, enabled, failure, pid, rateLimit, backlogLimit, lost, backlog, featureBitmap,
            backlogWaitTime, backlogWaitTimeActual};
        for (int i = 0; i < NAMES.length; i++) {
            b.putInt(OFFSETS[i], (int) v[i]);
        }
        return b.array();
    }

    /** The value of a settable field. */
    public long get(AuditStatusField field) {
        return switch (field) {
            case ENABLED -> enabled;
            case FAILURE -> failure;
            case PID -> pid;
            case RATE_LIMIT -> rateLimit;
            case BACKLOG_LIMIT -> backlogLimit;
            case BACKLOG_WAIT_TIME -> backlogWaitTime;
            case LOST -> lost;
        };
    }

    private static int index(AuditStatusField field) {
        return switch (field) {
            case ENABLED -> 1;
            case FAILURE -> 2;
            case PID -> 3;
            case RATE_LIMIT -> 4;
            case BACKLOG_LIMIT -> 5;
            case LOST -> 6;
            case BACKLOG_WAIT_TIME -> 9;
        };
    }
}
