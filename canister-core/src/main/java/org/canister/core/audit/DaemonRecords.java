package org.canister.core.audit;

import java.util.List;

/**
 * The records Canister writes about its own audit pipeline, in auditd's DAEMON_* types (numbers
 * stock ausearch knows: DAEMON_ERR 1209, DAEMON_RESUME 1206), each a standalone event with a
 * daemon-generated stamp. Nothing is dropped silently: every loss is said in the stream itself.
 *
 * <pre>
 * type=DAEMON_ERR msg=audit(T:N): op=lost kernel_lost=12 socket_overruns=0 res=0
 * type=DAEMON_ERR msg=audit(T:N): op=lost cause=queue_full events=340 res=0
 * type=DAEMON_RESUME msg=audit(T:N): op=resume cause=disk_full lost=5120 file="/var/log/canister/audit.log" res=1
 * </pre>
 * The first is spec req. 16 exactly: {@code kernel_lost} is the growth of the kernel's
 * {@code lost} counter since the previous record, {@code socket_overruns} the receive overruns
 * (ENOBUFS) since the previous record. The second reports events Canister itself could not pass on
 * (its queue between the kernel reader and the writer was full); the third, written first when a
 * suspended log resumes, how many events that log missed.
 */
public final class DaemonRecords {

    private DaemonRecords() {
    }

    /** Kernel-side loss (spec req. 16): growth of {@code lost}, new receive overruns. */
    public static AuditEvent kernelLoss(AuditStamp stamp, long kernelLostDelta, long overrunsDelta) {
        return single(AuditTypes.DAEMON_ERR, stamp, "op=lost kernel_lost=" + kernelLostDelta
                + " socket_overruns=" + overrunsDelta + " res=0");
    }

    /** Events Canister dropped itself, e.g. {@code cause=queue_full}. */
    public static AuditEvent pipelineLoss(AuditStamp stamp, String cause, long events) {
        return single(AuditTypes.DAEMON_ERR, stamp, "op=lost cause=" + cause + " events=" + events + " res=0");
    }

    /** A suspended log writes again: why it stopped and how many events it missed meanwhile. */
    public static AuditEvent resumed(AuditStamp stamp, String cause, long lost, String file) {
        StringBuilder b = new StringBuilder(96).append("op=resume cause=").append(cause).append(" lost=").append(lost)
                .append(" file=");
        AuditLogFormat.appendUntrusted(b, file);
        return single(AuditTypes.DAEMON_RESUME, stamp, b.append(" res=1").toString());
    }

    private static AuditEvent single(int type, AuditStamp stamp, String body) {
        return new AuditEvent(stamp, List.of(new AuditRecord(type, stamp, body)), AuditEvent.Completion.ORIGINATED);
    }
}
