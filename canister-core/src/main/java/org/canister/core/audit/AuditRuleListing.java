package org.canister.core.audit;

import java.util.List;

/**
 * Prints a rule exactly as {@code auditctl -l} of audit-userspace 3.0.9 does
 * (src/auditctl-listing.c {@code print_rule}, non-interpreted mode), so that a rule loaded by
 * Canister and the same rule loaded by auditctl list identically. Some of auditctl's output is
 * odd and kept on purpose: a watch whose first field is not the path prints its {@code -p} first;
 * {@code path}, {@code dir} and {@code exe} print {@code =} whatever the operator; a rule without
 * an arch field is printed with the host's (x86_64) syscall names.
 */
public final class AuditRuleListing {

    // ELF values libaudit 3.0.9 maps to a machine (lib/machinetab.h): printed as b64/b32
    private static final int[] KNOWN_ELF = {
        0x40000003, 0xC000003E, 0x14, 0x80000015, 0xC0000015, 0x16, 0x80000016, 0x40000028, 0xC00000B7,
    };

    private AuditRuleListing() {
    }

    /** All rules, one per line, as {@code auditctl -l} (with "No rules" when empty). */
    public static String format(List<AuditRule> rules) {
        if (rules.isEmpty()) {
            return "No rules\n";
        }
        StringBuilder out = new StringBuilder();
        for (AuditRule r : rules) {
            out.append(format(r)).append('\n');
        }
        return out.toString();
    }

    /** One rule, without newline. */
    public static String format(AuditRule rule) {
        StringBuilder out = new StringBuilder(96);
        boolean watch = rule.isWatch();
        int elf = 0;
        if (!watch) {
            out.append("-a ").append(rule.action().auditctlName()).append(',').append(rule.filter().auditctlName());
            for (RuleField f : rule.fields()) {
                if (f.field() == AuditRuleFields.ARCH) {
                    elf = f.value();
                    out.append(" -F arch").append(f.op().symbol());
                    if (isKnownElf(elf)) {
                        out.append((elf & AuditArch.ARCH_64BIT) != 0 ? "b64" : "b32");
                    } else {
                        out.append("0x").append(Integer.toHexString(elf).toUpperCase(java.util.Locale.ROOT));
                    }
                }
            }
            appendSyscalls(out, rule, elf);
        }
        for (RuleField f : rule.fields()) {
            int field = f.field();
            if (field == AuditRuleFields.ARCH) {
                continue;
            }
            String name = AuditRuleFields.name(field);
            String op = f.op().symbol();
            if (name == null) {
                out.append(" f").append(field).append(op).append(f.value());
            } else if (field == AuditRuleFields.MSGTYPE) {
                String type = AuditTypes.name(f.value());
                out.append(" -F ").append(name).append(op).append(type != null ? type : Integer.toString(f.value()));
            } else if (field >= AuditRuleFields.SUBJ_USER && field <= AuditRuleFields.OBJ_LEV_HIGH
                    && field != AuditRuleFields.PPID) {
                out.append(" -F ").append(name).append(op).append(f.text());
            } else if (field == AuditRuleFields.WATCH) {
                out.append(watch ? "-w " : " -F path=").append(f.text());
            } else if (field == AuditRuleFields.DIR) {
                out.append(watch ? "-w " : " -F dir=").append(f.text());
            } else if (field == AuditRuleFields.EXE) {
                out.append(" -F exe=").append(f.text());
            } else if (field == AuditRuleFields.FILTERKEY) {
                for (String key : f.text().split(String.valueOf(AuditRuleFields.KEY_SEPARATOR))) {
                    if (!key.isEmpty()) {
                        out.append(watch ? " -k " : " -F key=").append(key);
                    }
                }
            } else if (field == AuditRuleFields.PERM) {
                out.append(watch ? " -p " : " -F perm=").append(perms(f.value()));
            } else if (field == AuditRuleFields.INODE) {
                out.append(" -F ").append(name).append(op).append(Integer.toUnsignedString(f.value()));
            } else if (field == AuditRuleFields.FIELD_COMPARE) {
                String[] pair = AuditRuleFields.comparison(f.value());
                if (pair != null) {
                    out.append(" -C ").append(pair[0]).append(op).append(pair[1]);
                }
            } else if (field >= AuditRuleFields.ARG0 && field <= AuditRuleFields.ARG3) {
                out.append(" -F ").append(name).append(op).append("0x")
                        .append(Integer.toHexString(f.value()).toUpperCase(java.util.Locale.ROOT));
            } else if (field == AuditRuleFields.EXIT) {
                String err = ErrnoNames.name(Math.abs(f.value()));
                if (f.value() < 0 && err != null) {
                    out.append(" -F ").append(name).append(op).append('-').append(err);
                } else {
                    out.append(" -F ").append(name).append(op).append(f.value());
                }
            } else if (field == AuditRuleFields.FSTYPE) {
                String fs = AuditRules.fstypeName(f.value());
                out.append(" -F ").append(name).append(op).append(fs != null ? fs : Integer.toString(f.value()));
            } else {
                out.append(" -F ").append(name).append(op).append(f.value());
            }
        }
        return out.toString();
    }

    private static void appendSyscalls(StringBuilder out, AuditRule rule, int elf) {
        AuditFilter filter = rule.filter();
        if (filter == AuditFilter.USER || filter == AuditFilter.TASK || filter == AuditFilter.EXCLUDE
                || filter == AuditFilter.FILESYSTEM) {
            return;
        }
        if (rule.syscalls().isAll()) {
            out.append(" -S all");
            return;
        }
        // no arch field: auditctl uses the running machine (x86_64); an arch it knows: its table
        AuditArch arch = elf == 0 ? AuditArch.X86_64 : AuditArch.ofElf(elf);
        boolean first = true;
        for (int nr = 0; nr <= SyscallTable.MAX_SYSCALL; nr++) {
            if (rule.syscalls().contains(nr)) {
                String name = arch == null ? null : SyscallTable.name(arch, nr);
                out.append(first ? " -S " : ",").append(name != null ? name : Integer.toString(nr));
                first = false;
            }
        }
    }

    /** The perm letters in auditctl's order (r, w, x, a). */
    static String perms(int value) {
        StringBuilder p = new StringBuilder(4);
        if ((value & AuditRuleFields.PERM_READ) != 0) {
            p.append('r');
        }
        if ((value & AuditRuleFields.PERM_WRITE) != 0) {
            p.append('w');
        }
        if ((value & AuditRuleFields.PERM_EXEC) != 0) {
            p.append('x');
        }
        if ((value & AuditRuleFields.PERM_ATTR) != 0) {
            p.append('a');
        }
        return p.toString();
    }

    private static boolean isKnownElf(int elf) {
        for (int e : KNOWN_ELF) {
            if (e == elf) {
                return true;
            }
        }
        return false;
    }
}
