package org.canister.core.audit.ns;

import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;

/**
 * The facts of one successful namespace syscall, read from its kernel SYSCALL record: which call, the
 * caller's tgid ({@code pid=}; the record names no tid), the return value ({@code exit=}: the child's id
 * for clone and clone3, as seen in the caller's pid namespace) and the first two arguments
 * ({@code a0=}, {@code a1=}, hex: clone/unshare flags, setns's nstype).
 *
 * @param kind  the syscall
 * @param stamp the kernel event's stamp (records Canister adds join it)
 * @param pid   the caller's tgid
 * @param exit  the return value
 * @param a0    first argument (flags for clone and unshare; a pointer for clone3; the fd for setns)
 * @param a1    second argument (setns: nstype, 0 = any)
 */
public record NsSyscall(Kind kind, AuditStamp stamp, int pid, long exit, long a0, long a1) {

    /** x86_64 {@code AUDIT_ARCH_X86_64} as SYSCALL records print it. */
    private static final String ARCH_X86_64 = "c000003e";
    /** CLONE_THREAD (include/uapi/linux/sched.h). */
    static final long CLONE_THREAD = 0x0001_0000L;

    /** The four namespace syscalls. */
    public enum Kind {
        CLONE("clone"), CLONE3("clone3"), UNSHARE("unshare"), SETNS("setns");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** The syscall name, as {@code syscall=} in Canister's records prints it. */
        public String text() {
            return text;
        }

        /** True for clone and clone3 (the namespaces belong to a new task). */
        public boolean spawns() {
            return this == CLONE || this == CLONE3;
        }
    }

    /**
     * The namespace syscall a SYSCALL record reports, or null when the record is another type, another
     * syscall or arch, failed ({@code success=no}), or lacks {@code pid=}. The rule key is not checked:
     * the kernel logs an event under the first exit rule that matched it, which may be the user's own.
     */
    public static NsSyscall parse(AuditRecord r) {
        if (r == null || r.type() != AuditTypes.SYSCALL) {
            return null;
        }
        String[] v = new String[6]; // arch, syscall, success, exit, a0, a1
        long[] pid = {-1};
        AuditFields.forEach(r.body(), (b, ks, ke, vs, ve) -> {
            int len = ke - ks;
            int slot = switch (len) {
                case 2 -> b.regionMatches(ks, "a0", 0, 2) ? 4 : b.regionMatches(ks, "a1", 0, 2) ? 5 : -1;
                case 3 -> b.regionMatches(ks, "pid", 0, 3) ? 6 : -1;
                case 4 -> b.regionMatches(ks, "arch", 0, 4) ? 0 : b.regionMatches(ks, "exit", 0, 4) ? 3 : -1;
                case 7 -> b.regionMatches(ks, "syscall", 0, 7) ? 1 : b.regionMatches(ks, "success", 0, 7) ? 2 : -1;
                default -> -1;
            };
            if (slot == 6) {
                pid[0] = AuditFields.parseDecimal(b, vs, ve, -1);
            } else if (slot >= 0 && v[slot] == null) {
                v[slot] = b.substring(vs, ve);
            }
            return v[0] == null || v[1] == null || v[2] == null || v[3] == null || v[4] == null || v[5] == null
                    || pid[0] < 0;
        });
        if (!ARCH_X86_64.equals(v[0]) || !"yes".equals(v[2]) || v[1] == null || pid[0] <= 0 || pid[0] > Integer.MAX_VALUE) {
            return null;
        }
        long nr = AuditFields.parseDecimal(v[1], 0, v[1].length(), -1);
        Kind kind;
        if (nr == NamespaceAuditRules.NR_CLONE) {
            kind = Kind.CLONE;
        } else if (nr == NamespaceAuditRules.NR_CLONE3) {
            kind = Kind.CLONE3;
        } else if (nr == NamespaceAuditRules.NR_UNSHARE) {
            kind = Kind.UNSHARE;
        } else if (nr == NamespaceAuditRules.NR_SETNS) {
            kind = Kind.SETNS;
        } else {
            return null;
        }
        long exit = v[3] == null ? -1 : AuditFields.parseDecimal(v[3], 0, v[3].length(), -1);
        return new NsSyscall(kind, r.stamp(), (int) pid[0], exit, hex(v[4]), hex(v[5]));
    }

    /** The child's id for clone/clone3 (from {@code exit=}), or -1. */
    public int child() {
        return kind.spawns() && exit > 0 && exit <= Integer.MAX_VALUE ? (int) exit : -1;
    }

    /** clone(2) with CLONE_THREAD: the child is a thread of the caller's group. */
    boolean spawnsThread() {
        return kind == Kind.CLONE && (a0 & CLONE_THREAD) != 0;
    }

    /**
     * The namespace types the call names by flag: clone's and unshare's {@code a0} (clone(2) cannot carry
     * CLONE_NEWTIME), setns's {@code a1}. Empty for clone3 (flags in user memory) and for setns(fd, 0):
     * the caller then compares every slot.
     */
    long flags() {
        return switch (kind) {
            case CLONE -> a0 & NamespaceAuditRules.CLONE_NEW_MASK;
            case UNSHARE -> a0 & (NamespaceAuditRules.CLONE_NEW_MASK | NsType.TIME.cloneFlag());
            case SETNS -> a1 & (NamespaceAuditRules.CLONE_NEW_MASK | NsType.TIME.cloneFlag());
            case CLONE3 -> 0;
        };
    }

    /** Whether the call's flags are known (not clone3, not setns with nstype 0). */
    boolean flagsKnown() {
        return kind == Kind.CLONE || kind == Kind.UNSHARE || (kind == Kind.SETNS && flags() != 0);
    }

    private static long hex(String s) {
        if (s == null || s.isEmpty() || s.length() > 16) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(s, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
