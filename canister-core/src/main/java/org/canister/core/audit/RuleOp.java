package org.canister.core.audit;

/**
 * Field comparison operators ({@code audit_rule_data.fieldflags}, include/uapi/linux/audit.h
 * AUDIT_EQUAL.. AUDIT_BIT_TEST) with auditctl's symbols.
 */
public enum RuleOp {
    BIT_MASK(0x08000000, "&"),
    LESS_THAN(0x10000000, "<"),
    GREATER_THAN(0x20000000, ">"),
    NOT_EQUAL(0x30000000, "!="),
    EQUAL(0x40000000, "="),
    BIT_TEST(0x48000000, "&="),
    LESS_THAN_OR_EQUAL(0x50000000, "<="),
    GREATER_THAN_OR_EQUAL(0x60000000, ">=");

    /** AUDIT_OPERATORS: the fieldflags bits that hold the operator. */
    public static final int MASK = 0x78000000;

    private final int bits;
    private final String symbol;

    RuleOp(int bits, String symbol) {
        this.bits = bits;
        this.symbol = symbol;
    }

    public int bits() {
        return bits;
    }

    public String symbol() {
        return symbol;
    }

    /** The operator in {@code fieldflags & MASK}, or {@code null}. */
    public static RuleOp ofBits(int fieldflags) {
        int b = fieldflags & MASK;
        for (RuleOp op : values()) {
            if (op.bits == b) {
                return op;
            }
        }
        return null;
    }
}
