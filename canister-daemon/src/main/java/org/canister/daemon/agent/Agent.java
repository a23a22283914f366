package org.canister.daemon.agent;

/**
 * One unit of work bound to a kernel source, run by an {@link AgentRunner} on its own thread
 * (Agrona's Agent shape). {@link #doWork(long)} returns how much it did, so the runner can idle
 * when a source is quiet; time comes in as a parameter so the logic tests with a fake clock.
 */
public interface Agent extends AutoCloseable {
    /** Does a bounded amount of work; returns the number of items handled (0 = idle). */
    int doWork(long nowNs) throws Exception;

    /** A short name for the thread and for logs. */
    String name();

    /** Called once on the agent's own thread after the last doWork. */
    @Override
    default void close() {
    }
}
