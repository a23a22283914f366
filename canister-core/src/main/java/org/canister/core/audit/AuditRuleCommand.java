package org.canister.core.audit;

/**
 * One action of an audit rules file (auditctl syntax, auditd's audit.rules), each with the
 * 1-based line it came from.
 */
public sealed interface AuditRuleCommand {

    /** The line of the rules text this command came from (1-based). */
    int line();

    /** {@code -a}/{@code -A}/{@code -w}: add a rule (AUDIT_ADD_RULE). */
    record AddRule(int line, AuditRule rule) implements AuditRuleCommand {
    }

    /** {@code -d}/{@code -W}: delete a rule (AUDIT_DEL_RULE). */
    record DeleteRule(int line, AuditRule rule) implements AuditRuleCommand {
    }

    /** {@code -D [-k key]}: delete every rule, or every rule carrying {@code key} (null = all). */
    record DeleteAllRules(int line, String key) implements AuditRuleCommand {
    }

    /** {@code -e -f -r -b --backlog_wait_time}: set one field of struct audit_status (AUDIT_SET). */
    record SetStatus(int line, AuditStatusField field, long value) implements AuditRuleCommand {
    }

    /** {@code -i} (ignore errors) or {@code -c} (continue, but report failure at the end). */
    record IgnoreErrors(int line, boolean reportFailureAtEnd) implements AuditRuleCommand {
    }

    /** A warning auditctl would print (e.g. a 32/64-bit syscall mismatch without an arch). */
    record Warning(int line, String message) implements AuditRuleCommand {
    }
}
