package org.canister.daemon.agent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs one {@link Agent} on a dedicated platform thread until {@link #close()}. Agents whose source
 * blocks with a timeout (poll(2)) idle in the kernel; others are parked briefly when they report no
 * work. An exception from doWork is reported and counted, and the loop goes on: a kernel source
 * must not die from one bad datagram.
 */
public final class AgentRunner implements AutoCloseable {
    private final Agent agent;
    private final Thread thread;
    private final Consumer<Throwable> errorHandler;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong errors = new AtomicLong();
    private final long idleParkNs;
    private volatile boolean running = true;

    public AgentRunner(Agent agent, long idleParkNs, Consumer<Throwable> errorHandler) {
        this.agent = agent;
        this.idleParkNs = idleParkNs;
        this.errorHandler = errorHandler;
        this.thread = Thread.ofPlatform().name("canister-" + agent.name()).daemon(true).unstarted(this::loop);
    }

    public AgentRunner start() {
        thread.start();
        return this;
    }

    private void loop() {
        try {
            while (running) {
                int work;
                try {
                    work = agent.doWork(System.nanoTime());
                } catch (InterruptedException e) {
                    break;
                } catch (Exception | Error e) {
                    errors.incrementAndGet();
                    errorHandler.accept(e);
                    work = 0;
                }
                if (work == 0 && idleParkNs > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(idleParkNs);
                }
            }
        } finally {
            try {
                agent.close();
            } catch (RuntimeException e) {
                errorHandler.accept(e);
            }
            done.countDown();
        }
    }

    public long errors() {
        return errors.get();
    }

    /** Stops the loop and waits up to 5 s for the agent to close itself. */
    @Override
    public void close() {
        running = false;
        boolean interrupted = false;
        try {
            if (!done.await(5, TimeUnit.SECONDS)) {
                thread.interrupt();
                done.await(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
