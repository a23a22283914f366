package org.canister.daemon.audit;

import java.io.PrintStream;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;

/**
 * auditd's {@code priority_boost} for Canister's audit threads: the calling thread's nice value is
 * set to {@code -boost} (Linux keeps nice per thread; the daemon runs at nice 0, so this lowers it by
 * the boost, as auditd's {@code nice(-priority_boost)} does). On a machine saturated by the very processes
 * being audited, an unboosted reader gets a fair share among hundreds of runnable tasks, falls
 * behind, and the kernel drops records ({@code lost}, backlog overflow); auditd avoids this the same
 * way (priority_boost = 4 by default, auditd.conf(5)).
 */
public final class Priority {
    private Priority() {
    }

    /**
     * Gives the JVM's own stop-the-world threads (the garbage collector's workers and the VM thread,
     * {@code /proc/self/task/<tid>/comm} "GC Thread#n" and "VM Thread") the same boost. A collection
     * stops every Java thread, the audit reader included; at nice 0 on a machine saturated by the audited
     * storm its workers got so little CPU that a young collection of 200 MB took 2.3 s instead of ~20 ms
     * (bench/audit, flat out), the socket buffer filled meanwhile, and kauditd, finding it full, moved its
     * queue aside and counted thousands of records {@code lost}. The JIT compilers stay at nice 0: they
     * stop nothing.
     *
     * @return how many threads were boosted
     */
    public static int boostJvmThreads(int boost, PrintStream diag) {
        if (boost <= 0) {
            return 0;
        }
        int n = 0;
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) tasks::iterator) {
                String comm;
                try {
                    comm = java.nio.file.Files.readString(t.resolve("comm")).strip();
                } catch (java.io.IOException e) {
                    continue; // gone meanwhile
                }
                if (comm.startsWith("GC Thread") || comm.equals("VM Thread")) {
                    try {
                        Libc.setpriority(Libc.PRIO_PROCESS, Integer.parseInt(t.getFileName().toString()), -boost);
                        n++;
                    } catch (ErrnoException e) {
                        if (e.errno() != 3) { // ESRCH: that thread ended meanwhile
                            throw e;
                        }
                    }
                }
            }
        } catch (java.io.IOException | ErrnoException | UnsupportedOperationException | NumberFormatException e) {
            diag.println("canister: cannot boost the JVM's garbage collector threads by " + boost + " (" + e.getMessage()
                    + "); a collection on a saturated machine may stall the audit reader");
        }
        return n;
    }

    /** Sets the calling thread's nice value to {@code -boost}; says why when it cannot. */
    public static void boost(int boost, String what, PrintStream diag) {
        if (boost <= 0) {
            return;
        }
        try {
            Libc.setpriority(Libc.PRIO_PROCESS, Libc.gettid(), -boost);
        } catch (ErrnoException | UnsupportedOperationException e) {
            diag.println("canister: cannot boost the " + what + " thread's priority by " + boost + " ("
                    + e.getMessage() + "); it runs at normal priority (set audit.priority-boost: 0 to silence this)");
        }
    }
}
