package org.canister.core.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * One kernel audit rule, the structured form of {@code struct audit_rule_data}
 * (include/uapi/linux/audit.h). {@link AuditRules} builds it from auditctl text,
 * {@link AuditRuleData} encodes and decodes its bytes, {@link AuditRuleListing} prints it as
 * {@code auditctl -l} does.
 *
 * @param filter   the list ({@code flags & AUDIT_FILTER_MASK})
 * @param action   never or always
 * @param prepend  AUDIT_FILTER_PREPEND ({@code -A}); the kernel clears it once the rule is in place
 * @param syscalls the syscall bitmap
 * @param fields   the field conditions in order (at most 64)
 */
public record AuditRule(AuditFilter filter, AuditAction action, boolean prepend, SyscallMask syscalls,
                        List<RuleField> fields) {

    public AuditRule {
        if (filter == null || action == null || syscalls == null) {
            throw new IllegalArgumentException("an audit rule needs a list, an action and a syscall mask");
        }
        fields = List.copyOf(fields);
        if (fields.size() > AuditRuleFields.MAX_FIELDS) {
            throw new IllegalArgumentException("an audit rule has at most " + AuditRuleFields.MAX_FIELDS + " fields");
        }
    }

    /** The same rule without AUDIT_FILTER_PREPEND: the form the kernel lists and matches on delete. */
    public AuditRule withoutPrepend() {
        return prepend ? new AuditRule(filter, action, false, syscalls, fields) : this;
    }

    /** The keys ({@code -k}, {@code -F key=}) in order; empty when the rule has none. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (RuleField f : fields) {
            if (f.field() == AuditRuleFields.FILTERKEY) {
                int start = 0;
                String t = f.text();
                for (int i = 0; i <= t.length(); i++) {
                    if (i == t.length() || t.charAt(i) == AuditRuleFields.KEY_SEPARATOR) {
                        if (i > start) {
                            keys.add(t.substring(start, i));
                        }
                        start = i + 1;
                    }
                }
            }
        }
        return keys;
    }

    /** The architecture of the first {@code arch} field, or {@code null} (none, or not x86). */
    public AuditArch arch() {
        for (RuleField f : fields) {
            if (f.field() == AuditRuleFields.ARCH) {
                return AuditArch.ofElf(f.value());
            }
        }
        return null;
    }

    /**
     * Whether auditctl lists this rule as a watch ({@code -w}): every field is perm, key, path or
     * dir, one is perm, and (outside the user, task and exclude lists) the syscalls are all
     * (auditctl-listing.c {@code is_watch}, 3.0.9).
     */
    public boolean isWatch() {
        boolean perm = false;
        for (RuleField f : fields) {
            int n = f.field();
            if (n == AuditRuleFields.PERM) {
                perm = true;
            }
            if (n != AuditRuleFields.PERM && n != AuditRuleFields.FILTERKEY && n != AuditRuleFields.DIR
                    && n != AuditRuleFields.WATCH) {
                return false;
            }
        }
        boolean all = true;
        if (filter != AuditFilter.USER && filter != AuditFilter.TASK && filter != AuditFilter.EXCLUDE) {
            all = syscalls.isAll();
        }
        return perm && all;
    }

    /** The rule as {@code auditctl -l} prints it. */
    @Override
    public String toString() {
        return AuditRuleListing.format(this);
    }
}
