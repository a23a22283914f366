package org.canister.linux.audit;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRuleFields;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.audit.RuleField;
import org.canister.core.audit.SyscallMask;
import org.canister.linux.ErrnoException;

/**
 * Remembers the kernel audit state Canister found and undoes every change it makes through this
 * object (DESIGN.md "Safety rules": restore {@code enabled}, {@code pid}, {@code rate_limit},
 * {@code backlog_limit}, {@code backlog_wait_time} and the rules the daemon added).
 *
 * <ul>
 *   <li>Status fields changed through {@link #set} are set back to their snapshot values on
 *       {@link #close()}, {@code enabled} last (a locked {@code enabled 2} cannot be undone: the
 *       kernel refuses every change until reboot).</li>
 *   <li>Rules added through {@link #addRule} are deleted; rules that were loaded before and that
 *       Canister deleted ({@code -D}, {@code -d}) are loaded again, in their original order: they are
 *       kept exactly as AUDIT_LIST_RULES gave them, which never carries AUDIT_FILTER_PREPEND
 *       (kernel/auditfilter.c audit_add_rule clears it once the rule is placed), so re-adding them in
 *       listed order appends each behind the one before it. A {@link Journal} hears of them before
 *       they are deleted.</li>
 *   <li>If {@link #registerAsDaemon()} made this process the audit daemon, the pid is set back to 0
 *       first, so audit is never left pointed at a dead reader.</li>
 * </ul>
 * Restoration goes on past individual failures and reports them together at the end.
 */
public final class KernelAuditState implements AutoCloseable {

    private static final int ENOENT = 2;
    private static final int EEXIST = 17;

    private final AuditNetlink netlink;
    private final AuditStatus original;
    private final EnumSet<AuditStatusField> changed = EnumSet.noneOf(AuditStatusField.class);

    /** Rules we added, in the form sent (without PREPEND), in order. */
    private final List<AuditRule> added = new ArrayList<>();
    /** Rules that were loaded before us and that we deleted, as the kernel listed them, in its order. */
    private final List<byte[]> removed = new ArrayList<>();
    private Journal journal = removing -> { };
    private boolean closed;

    /**
     * Told about a change {@link #close()} would have to undo before it reaches the kernel, so that a
     * record kept outside this process (the daemon's restore file) never lags the kernel: a process
     * killed with {@code kill -9} restores nothing, and rules it deleted without writing them down
     * first would be lost for good.
     */
    @FunctionalInterface
    public interface Journal {
        /**
         * Called before rules loaded by someone else are deleted ({@code -D}, {@code -d}).
         *
         * @param removing the rules about to be deleted, as {@code struct audit_rule_data} exactly as
         *                 AUDIT_LIST_RULES gave them, in the kernel's order; they come after
         *                 {@link #removedRules()}. A rule the kernel then fails to delete is still
         *                 loaded: re-adding it gives EEXIST, which restoration ignores.
         * @throws RuntimeException to stop the deletion (nothing was deleted)
         */
        void beforeRemoving(List<byte[]> removing);
    }

    private KernelAuditState(AuditNetlink netlink, AuditStatus original) {
        this.netlink = netlink;
        this.original = original;
    }

    /** Takes the snapshot (AUDIT_GET) that {@link #close()} restores. */
    public static KernelAuditState snapshot(AuditNetlink netlink) {
        return new KernelAuditState(netlink, netlink.status());
    }

    /** The status found at snapshot time. */
    public AuditStatus original() {
        return original;
    }

    /** The netlink client used for changes. */
    public AuditNetlink netlink() {
        return netlink;
    }

    /** The value {@link #close()} will restore {@code field} to. */
    public long restoreValue(AuditStatusField field) {
        return original.get(field);
    }

    /** The status fields {@link #close()} will restore. */
    public EnumSet<AuditStatusField> changedFields() {
        return EnumSet.copyOf(changed);
    }

    /** AUDIT_SET of one field, to be restored on close. */
    public void set(AuditStatusField field, long value) {
        netlink.set(field, value);
        changed.add(field);
    }

    /** Registers this process as the audit daemon; undone first on close. */
    public void registerAsDaemon() {
        netlink.registerAsDaemon();
    }

    /** Adds a rule, to be deleted on close. */
    public void addRule(AuditRule rule) {
        netlink.addRule(rule);
        added.add(rule.withoutPrepend());
    }

    /** Where changes are written down before they are made (by default nowhere). */
    public void journal(Journal journal) {
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    /**
     * Deletes a rule: ours is forgotten, one loaded before us is re-added on close. A rule loaded
     * before us is first looked up in the kernel's list, so that what is written down (and re-added)
     * is the kernel's own form of it, and a rule that is not loaded at all is never written down.
     */
    public void deleteRule(AuditRule rule) {
        AuditRule kernelForm = rule.withoutPrepend();
        if (!isAdded(kernelForm)) {
            for (byte[] data : netlink.listRuleData()) {
                if (sameKernelRule(AuditRuleData.decode(data), kernelForm)) {
                    deleteListed(List.of(data));
                    return;
                }
            }
        }
        // Ours, or not loaded: the kernel answers ENOENT for the latter, as it would to auditctl -d.
        netlink.deleteRule(kernelForm);
        forgetAdded(kernelForm);
    }

    /**
     * {@code -D [-k key]}: deletes every loaded rule, or those whose key text contains {@code key}
     * (auditctl's {@code key_match} is a substring test); rules loaded before us are re-added on close.
     */
    public void deleteAllRules(String key) {
        List<byte[]> matching = new ArrayList<>();
        for (byte[] data : netlink.listRuleData()) {
            if (key == null || keyMatches(AuditRuleData.decode(data), key)) {
                matching.add(data);
            }
        }
        deleteListed(matching);
    }

    /** Deletes listed rules in order, the ones not ours written to the journal first. */
    private void deleteListed(List<byte[]> listed) {
        List<byte[]> notOurs = new ArrayList<>();
        for (byte[] data : listed) {
            if (!isAdded(AuditRuleData.decode(data))) {
                notOurs.add(data);
            }
        }
        if (!notOurs.isEmpty()) {
            journal.beforeRemoving(List.copyOf(notOurs));
        }
        for (byte[] data : listed) {
            AuditRule rule = AuditRuleData.decode(data);
            netlink.deleteRuleData(data, rule.toString());
            if (!forgetAdded(rule)) {
                removed.add(data);
            }
        }
    }

    private boolean isAdded(AuditRule listed) {
        for (AuditRule a : added) {
            if (sameKernelRule(a, listed)) {
                return true;
            }
        }
        return false;
    }

    /** Removes one of our added rules that the kernel would list as {@code listed}; false when none is ours. */
    private boolean forgetAdded(AuditRule listed) {
        for (int i = 0; i < added.size(); i++) {
            if (sameKernelRule(added.get(i), listed)) {
                added.remove(i);
                return true;
            }
        }
        return false;
    }

    /**
     * Whether two rules are the same rule to the kernel. The kernel clears the syscall-class bits
     * (the top 16 bits of mask word 63, kernel/auditfilter.c audit_to_entry_common) after
     * expanding them, so a rule listed back after {@code -S all} differs there from what was sent.
     */
    static boolean sameKernelRule(AuditRule a, AuditRule b) {
        if (a.filter() != b.filter() || a.action() != b.action() || !a.fields().equals(b.fields())) {
            return false;
        }
        for (int w = 0; w < SyscallMask.WORDS; w++) {
            int x = a.syscalls().word(w);
            int y = b.syscalls().word(w);
            if (w == SyscallMask.WORDS - 1) {
                x &= 0xFFFF;
                y &= 0xFFFF;
            }
            if (x != y) {
                return false;
            }
        }
        return true;
    }

    private static boolean keyMatches(AuditRule rule, String key) {
        for (RuleField f : rule.fields()) {
            if (f.field() == AuditRuleFields.FILTERKEY && f.text().contains(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies parsed rules-file commands in order.
     *
     * @return warnings, and failures skipped because of {@code -i}/{@code -c}, one message each
     * @throws ErrnoException the first kernel refusal (unless {@code -i}/{@code -c} came earlier),
     *                        naming the line
     */
    public List<String> apply(List<AuditRuleCommand> commands) {
        List<String> notes = new ArrayList<>();
        boolean ignoreErrors = false;
        for (AuditRuleCommand c : commands) {
            try {
                switch (c) {
                    case AuditRuleCommand.AddRule a -> addRule(a.rule());
                    case AuditRuleCommand.DeleteRule d -> deleteRule(d.rule());
                    case AuditRuleCommand.DeleteAllRules d -> deleteAllRules(d.key());
                    case AuditRuleCommand.SetStatus s -> set(s.field(), s.value());
                    case AuditRuleCommand.IgnoreErrors i -> ignoreErrors = true;
                    case AuditRuleCommand.Warning w -> notes.add("audit rules line " + w.line() + ": " + w.message());
                }
            } catch (ErrnoException e) {
                ErrnoException named = new ErrnoException("audit rules line " + c.line() + ": " + e.call(), e.errno());
                if (!ignoreErrors) {
                    throw named;
                }
                notes.add(named.getMessage());
            }
        }
        return notes;
    }

    /** The rules added through this object and still loaded. */
    public List<AuditRule> addedRules() {
        return List.copyOf(added);
    }

    /**
     * The rules loaded before us that we deleted and {@link #close()} re-adds, in the kernel's order,
     * as {@code struct audit_rule_data} (copies).
     */
    public List<byte[]> removedRules() {
        List<byte[]> copies = new ArrayList<>(removed.size());
        for (byte[] data : removed) {
            copies.add(data.clone());
        }
        return copies;
    }

    /**
     * Restores the snapshot: unregisters the daemon pid (if we registered it), deletes our rules,
     * re-adds the rules we deleted, and sets the changed status fields back ({@code enabled} last).
     *
     * @throws ErrnoException the first failure, with later ones attached as suppressed
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        try {
            netlink.unregisterAsDaemon();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        for (int i = added.size() - 1; i >= 0; i--) {
            try {
                netlink.deleteRule(added.get(i));
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) { // someone else already deleted it
                    failures.add(e);
                }
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        added.clear();
        for (byte[] data : removed) {
            try {
                netlink.addRuleData(data, AuditRuleData.decode(data).toString());
            } catch (ErrnoException e) {
                if (e.errno() != EEXIST) { // someone else already re-added it
                    failures.add(e);
                }
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        removed.clear();
        for (AuditStatusField f : List.of(AuditStatusField.BACKLOG_WAIT_TIME, AuditStatusField.BACKLOG_LIMIT,
                AuditStatusField.RATE_LIMIT, AuditStatusField.FAILURE, AuditStatusField.ENABLED)) {
            if (changed.contains(f)) {
                try {
                    netlink.set(f, restoreValue(f));
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        }
        changed.clear();
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            for (int i = 1; i < failures.size(); i++) {
                first.addSuppressed(failures.get(i));
            }
            throw first;
        }
    }
}
