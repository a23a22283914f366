package org.canister.core.audit;

import java.nio.charset.StandardCharsets;

/**
 * One field condition of a kernel audit rule: {@code fields[i]}, {@code fieldflags[i]} and
 * {@code values[i]} of struct audit_rule_data, plus the string that goes into {@code buf} for
 * string fields (whose {@code value} is then the string's byte length, as libaudit encodes it).
 *
 * @param field a field number ({@link AuditRuleFields})
 * @param op    the comparison
 * @param value the u32 value bits (for string fields: the UTF-8 length of {@code text})
 * @param text  the string for string fields, else {@code null}
 */
public record RuleField(int field, RuleOp op, int value, String text) {

    public RuleField {
        if (op == null) {
            throw new IllegalArgumentException("rule field " + field + " needs an operator");
        }
        if (AuditRuleFields.isString(field)) {
            if (text == null) {
                throw new IllegalArgumentException("rule field " + field + " is a string field and needs its text");
            }
            value = text.getBytes(StandardCharsets.UTF_8).length;
        } else if (text != null) {
            throw new IllegalArgumentException("rule field " + field + " is numeric and carries no text");
        }
    }

    /** A numeric field. */
    public static RuleField numeric(int field, RuleOp op, int value) {
        return new RuleField(field, op, value, null);
    }

    /** A string field (the value is the string's byte length). */
    public static RuleField string(int field, RuleOp op, String text) {
        return new RuleField(field, op, 0, text);
    }

    /** The value as an unsigned 32-bit number. */
    public long unsignedValue() {
        return Integer.toUnsignedLong(value);
    }
}
