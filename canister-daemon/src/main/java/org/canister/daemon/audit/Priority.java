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
