package org.canister.core.audit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.canister.core.audit.AuditEvent.Completion;

/**
 * Groups kernel audit records into events by their stamp, as auparse and auditd do
 * (audit-contid.md section 3, "Event grouping").
 *
 * <ul>
 *   <li>All records of one event share {@code (sec, msec, serial)}; records of different events
 *       interleave, but the kernel queues the records of one event in order.</li>
 *   <li>An event ends at EOE (which is not kept: auditd never writes it), or at a record whose
 *       type ends its event by auparse's {@code audit_is_last_record} rule
 *       ({@link AuditTypes#isLastRecord}); a record of such a type with no pending event is an event
 *       by itself. An EOE that follows a PROCTITLE which already closed its event is ignored and
 *       counted as unmatched.</li>
 *   <li>An event still open {@code timeoutNs} after its first record arrived is emitted as
 *       {@link Completion#TIMEOUT} (auditd's {@code end_of_event_timeout}, default 2 s).</li>
 *   <li>At most {@code maxInFlight} events are open; a record that would open one more first
 *       emits the oldest open event as {@link Completion#EVICTED}. Records are never dropped.</li>
 * </ul>
 *
 * <p>Time is a parameter ({@code nowNs}, any monotonic clock); nothing here reads a clock or
 * starts a thread. Not thread-safe: one agent thread drives it. Events go to the sink on the
 * caller's thread, from {@link #accept}, {@link #poll} and {@link #flush}.
 */
public final class EventAssembler {

    /** auditd's default {@code end_of_event_timeout} (2 s; auparse {@code EOE_TIMEOUT 2L}). */
    public static final long DEFAULT_TIMEOUT_NS = 2_000_000_000L;
    /** Default bound on open events (auditbeat's reassembler queue size). */
    public static final int DEFAULT_MAX_IN_FLIGHT = 8192;

    /** Counters since construction. */
    public record Stats(long records, long events, long byEoe, long byLastRecord, long timedOut,
                        long evicted, long flushed, long unmatchedEoe) {
    }

    private static final class Pending {
        final long firstSeenNs;
        final ArrayList<AuditRecord> records = new ArrayList<>(6);

        Pending(long firstSeenNs) {
            this.firstSeenNs = firstSeenNs;
        }
    }

    private final AuditEventSink sink;
    private final long timeoutNs;
    private final int maxInFlight;
    // insertion order = order of first record; with a monotonic nowNs the head is the oldest
    private final LinkedHashMap<AuditStamp, Pending> open;

    private long records;
    private long events;
    private long byEoe;
    private long byLastRecord;
    private long timedOut;
    private long evicted;
    private long flushed;
    private long unmatchedEoe;

    /** An assembler with the default 2 s timeout and 8192 events in flight. */
    public EventAssembler(AuditEventSink sink) {
        this(sink, DEFAULT_TIMEOUT_NS, DEFAULT_MAX_IN_FLIGHT);
    }

    public EventAssembler(AuditEventSink sink, long timeoutNs, int maxInFlight) {
        if (sink == null) {
            throw new IllegalArgumentException("sink is required");
        }
        if (timeoutNs <= 0 || maxInFlight < 1) {
            throw new IllegalArgumentException("timeoutNs and maxInFlight must be positive");
        }
        this.sink = sink;
        this.timeoutNs = timeoutNs;
        this.maxInFlight = maxInFlight;
        this.open = new LinkedHashMap<>(Math.min(maxInFlight, 1024) * 2);
    }

    /**
     * Adds one record received at {@code nowNs}; emits the events it completes and those that
     * timed out by {@code nowNs}.
     */
    public void accept(AuditRecord record, long nowNs) {
        expire(nowNs);
        AuditStamp stamp = record.stamp();
        int type = record.type();
        if (type == AuditTypes.EOE) {
            Pending p = open.remove(stamp);
            if (p == null) {
                unmatchedEoe++;
            } else {
                emit(stamp, p.records, Completion.EOE);
            }
            return;
        }
        records++;
        if (AuditTypes.isLastRecord(type)) {
            Pending p = open.remove(stamp);
            if (p == null) {
                emit(stamp, List.of(record), Completion.LAST_RECORD);
            } else {
                p.records.add(record);
                emit(stamp, p.records, Completion.LAST_RECORD);
            }
            return;
        }
        Pending p = open.get(stamp);
        if (p == null) {
            if (open.size() >= maxInFlight) {
                evictOldest();
            }
            p = new Pending(nowNs);
            open.put(stamp, p);
        }
        p.records.add(record);
    }

    /** Emits every open event whose first record is at least the timeout older than {@code nowNs}; returns how many. */
    public int poll(long nowNs) {
        return expire(nowNs);
    }

    /** Emits every open event as {@link Completion#FLUSHED} (shutdown); returns how many. */
    public int flush() {
        int n = 0;
        while (!open.isEmpty()) {
            Iterator<Map.Entry<AuditStamp, Pending>> it = open.entrySet().iterator();
            Map.Entry<AuditStamp, Pending> e = it.next();
            it.remove();
            emit(e.getKey(), e.getValue().records, Completion.FLUSHED);
            n++;
        }
        return n;
    }

    /** Number of events currently open. */
    public int inFlight() {
        return open.size();
    }

    /** The {@code nowNs} at which the oldest open event times out, or {@link Long#MAX_VALUE} when none is open. */
    public long nextDeadlineNs() {
        if (open.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return open.firstEntry().getValue().firstSeenNs + timeoutNs;
    }

    /** Counters since construction. */
    public Stats stats() {
        return new Stats(records, events, byEoe, byLastRecord, timedOut, evicted, flushed, unmatchedEoe);
    }

    private int expire(long nowNs) {
        int n = 0;
        while (!open.isEmpty()) {
            Map.Entry<AuditStamp, Pending> head = open.firstEntry();
            if (nowNs - head.getValue().firstSeenNs < timeoutNs) {
                break;
            }
            open.remove(head.getKey());
            emit(head.getKey(), head.getValue().records, Completion.TIMEOUT);
            n++;
        }
        return n;
    }

    private void evictOldest() {
        Map.Entry<AuditStamp, Pending> head = open.pollFirstEntry();
        emit(head.getKey(), head.getValue().records, Completion.EVICTED);
    }

    private void emit(AuditStamp stamp, List<AuditRecord> recs, Completion completion) {
        events++;
        switch (completion) {
            case EOE -> byEoe++;
            case LAST_RECORD -> byLastRecord++;
            case TIMEOUT -> timedOut++;
            case EVICTED -> evicted++;
            case FLUSHED -> flushed++;
            case ORIGINATED -> throw new IllegalStateException("the assembler never originates events");
        }
        sink.onEvent(new AuditEvent(stamp, recs, completion));
    }
}
