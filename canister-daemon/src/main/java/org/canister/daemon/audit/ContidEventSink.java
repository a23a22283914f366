package org.canister.daemon.audit;

import java.nio.file.Path;
import java.util.List;
import org.canister.core.audit.AuditEvent;

/**
 * Where the contid registry's events (CONTAINER_OP set and drop, SET_CAPCONTID, NS_INFO, with their
 * daemon stamps) go: into the {@link AuditRouter}, one more source beside the kernel reader, so the
 * router stays the single writer of {@code audit.log}, the container logs and {@code audit.sock}.
 * Offers never block (they are made under the model lock).
 */
public interface ContidEventSink {

    /** Queues the events, in order; never blocks (a full queue is counted and reported by the router). */
    void offerAll(List<AuditEvent> events);

    /** Waits until everything offered before has been written. */
    boolean flush(long timeoutMs) throws InterruptedException;

    /** The host log the events end up in (for messages). */
    Path file();

    /** The router's sink; the router is closed by its owner, not through this. */
    static ContidEventSink of(AuditRouter router, Path hostLog) {
        return new ContidEventSink() {
            @Override
            public void offerAll(List<AuditEvent> events) {
                for (AuditEvent e : events) {
                    router.submit(e);
                }
            }

            @Override
            public boolean flush(long timeoutMs) throws InterruptedException {
                return router.awaitRouted(timeoutMs);
            }

            @Override
            public Path file() {
                return hostLog;
            }
        };
    }
}
