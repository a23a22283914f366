package org.canister.core.audit;

/**
 * The audit architectures (ELF machine + ABI bits, include/uapi/linux/audit.h) whose syscall
 * tables Canister knows: an x86_64 host audits native 64-bit calls and 32-bit i386 calls.
 */
public enum AuditArch {
    /** AUDIT_ARCH_X86_64 = EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
    X86_64(0xC000003E, "x86_64"),
    /** AUDIT_ARCH_I386 = EM_386 | __AUDIT_ARCH_LE. */
    I386(0x40000003, "i386");

    /** __AUDIT_ARCH_64BIT. */
    public static final int ARCH_64BIT = 0x80000000;

    private final int elf;
    private final String machine;

    AuditArch(int elf, String machine) {
        this.elf = elf;
        this.machine = machine;
    }

    /** The AUDIT_ARCH_* value carried by {@code -F arch=} and SYSCALL {@code arch=}. */
    public int elf() {
        return elf;
    }

    /** libaudit's machine name. */
    public String machine() {
        return machine;
    }

    /** The architecture for an AUDIT_ARCH_* value, or {@code null}. */
    public static AuditArch ofElf(int elf) {
        for (AuditArch a : values()) {
            if (a.elf == elf) {
                return a;
            }
        }
        return null;
    }

    /**
     * The architecture for an auditctl arch word on an x86_64 host, as libaudit's
     * {@code audit_determine_machine}: {@code b64}, {@code b32} (case insensitive), or a machine
     * name ({@code x86_64}, {@code i386}..{@code i686}); {@code null} when unknown here.
     */
    public static AuditArch ofWord(String word) {
        return switch (word.toLowerCase(java.util.Locale.ROOT)) {
            case "b64", "x86_64" -> X86_64;
            case "b32", "i386", "i486", "i586", "i686" -> I386;
            default -> null;
        };
    }
}
