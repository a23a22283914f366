package org.canister.core.audit.ns;

import java.util.ArrayList;
import java.util.List;

import org.canister.core.audit.AuditArch;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRules;
import org.canister.core.audit.SyscallTable;

/**
 * The kernel audit rules that make namespace syscalls visible (spec/audit-contid.md req. 22): no kernel
 * facility, the proc connector included, reports namespace events, so Canister asks audit for the
 * successful namespace syscalls, keyed {@value #KEY}, and deletes the rules on exit (DESIGN.md safety
 * rules; {@code KernelAuditState} does it for rules added through it).
 *
 * <ul>
 *   <li>{@code unshare}, {@code setns} and {@code clone3} unconditionally: clone3's flags sit in a
 *       {@code struct clone_args} in user memory, which no rule field can read (so every glibc &ge; 2.34
 *       {@code pthread_create} is audited too; the tracker finds nothing and adds no record).</li>
 *   <li>{@code clone} only when its first argument has a {@code CLONE_NEW*} bit: {@code a0&0x7e020000}
 *       is AUDIT_BIT_MASK ({@code -F a0&mask}: "any of these bits set"), the OR of CLONE_NEWNS 0x20000,
 *       NEWCGROUP 0x2000000, NEWUTS 0x4000000, NEWIPC 0x8000000, NEWUSER 0x10000000, NEWPID 0x20000000
 *       and NEWNET 0x40000000. CLONE_NEWTIME (0x80) is left out: in clone(2)'s flags that bit is part of
 *       the exit signal.</li>
 * </ul>
 * Only x86_64 (b64) is covered: 32-bit tasks' namespace syscalls are not reported (known limit).
 */
public final class NamespaceAuditRules {
    /** The rule key, as {@code -k canister-ns} sets it. */
    public static final String KEY = "canister-ns";

    /** The OR of every CLONE_NEW* flag clone(2) can carry (CLONE_NEWTIME excluded, see above). */
    public static final long CLONE_NEW_MASK = 0x7e02_0000L;

    /** The rules in auditctl syntax, one per line, as spec req. 22 writes them. */
    public static final String TEXT = """
            -a always,exit -F arch=b64 -S unshare -S setns -S clone3 -F success=1 -k canister-ns
            -a always,exit -F arch=b64 -S clone -F a0&0x7e020000 -F success=1 -k canister-ns
            """;

    /** x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    public static final int NR_CLONE = SyscallTable.number(AuditArch.X86_64, "clone");
    public static final int NR_UNSHARE = SyscallTable.number(AuditArch.X86_64, "unshare");
    public static final int NR_SETNS = SyscallTable.number(AuditArch.X86_64, "setns");
    public static final int NR_CLONE3 = SyscallTable.number(AuditArch.X86_64, "clone3");

    private NamespaceAuditRules() {
    }

    /** {@link #TEXT} parsed with {@link AuditRules#parse}: two always,exit rules, in order. */
    public static List<AuditRule> rules() {
        List<AuditRule> out = new ArrayList<>(2);
        for (AuditRuleCommand c : AuditRules.parse(TEXT, AuditRules.Host.NONE)) {
            if (c instanceof AuditRuleCommand.AddRule a) {
                out.add(a.rule());
            } else if (!(c instanceof AuditRuleCommand.Warning)) {
                throw new IllegalStateException("unexpected command in the namespace rules: " + c);
            }
        }
        return List.copyOf(out);
    }
}
