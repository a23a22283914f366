package org.canister.daemon.audit;

import java.util.concurrent.locks.Lock;
import org.canister.core.audit.AuditStamp;
import org.canister.core.contid.StampSource;

/**
 * Stamps for events the daemon originates (its loss and resume records), from the same
 * {@link StampSource} as the contid registry's CONTAINER_OP records, so no two daemon events and no
 * daemon and kernel event ever share a stamp in the stream (spec req. 5; the source stays antipodal
 * to the kernel's serial, which {@link #observeKernel} reports).
 */
public interface DaemonStamps {

    /** A stamp for a new daemon event; may be called from any thread. */
    AuditStamp next(long wallClockMs);

    /** Reports the stamp of a kernel event just read; the caller holds the model lock. */
    void observeKernelLocked(AuditStamp kernel);

    /** Stamps from {@code source}, which {@code lock} (the daemon's model lock) guards. */
    static DaemonStamps of(StampSource source, Lock lock) {
        return new DaemonStamps() {
            @Override
            public AuditStamp next(long wallClockMs) {
                lock.lock();
                try {
                    return source.next(wallClockMs);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void observeKernelLocked(AuditStamp kernel) {
                source.observeKernelSerial(kernel.serial() & 0xFFFF_FFFFL);
            }
        };
    }
}
