package org.canister.core.audit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * Encodes and decodes {@code struct audit_rule_data} (include/uapi/linux/audit.h), the payload of
 * AUDIT_ADD_RULE, AUDIT_DEL_RULE and of each AUDIT_LIST_RULES reply:
 * <pre>
 * struct audit_rule_data {
 *     __u32 flags;                        // AUDIT_FILTER_* | AUDIT_FILTER_PREPEND
 *     __u32 action;                       // AUDIT_NEVER, AUDIT_ALWAYS
 *     __u32 field_count;
 *     __u32 mask[AUDIT_BITMASK_SIZE];     // 64 words: syscalls
 *     __u32 fields[AUDIT_MAX_FIELDS];     // 64
 *     __u32 values[AUDIT_MAX_FIELDS];
 *     __u32 fieldflags[AUDIT_MAX_FIELDS]; // operators
 *     __u32 buflen;                       // total length of the strings
 *     char  buf[];                        // string values, concatenated in field order, no NULs
 * };                                      // 1040 bytes + buflen
 * </pre>
 * in host byte order, exactly as libaudit builds it (lib/libaudit.c
 * {@code audit_rule_fieldpair_data}, {@code audit_add_watch_dir}).
 */
public final class AuditRuleData {

    /** sizeof(struct audit_rule_data) without buf. */
    public static final int HEADER_SIZE = 4 * 3 + 4 * SyscallMask.WORDS + 3 * 4 * AuditRuleFields.MAX_FIELDS + 4;

    private static final int OFF_MASK = 12;
    private static final int OFF_FIELDS = OFF_MASK + 4 * SyscallMask.WORDS;
    private static final int OFF_VALUES = OFF_FIELDS + 4 * AuditRuleFields.MAX_FIELDS;
    private static final int OFF_FIELDFLAGS = OFF_VALUES + 4 * AuditRuleFields.MAX_FIELDS;
    private static final int OFF_BUFLEN = OFF_FIELDFLAGS + 4 * AuditRuleFields.MAX_FIELDS;

    private AuditRuleData() {
    }

    /** The bytes of a rule, ready to follow an nlmsghdr. */
    public static byte[] encode(AuditRule rule) {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        for (RuleField f : rule.fields()) {
            if (f.text() != null) {
                strings.writeBytes(f.text().getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] buf = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + buf.length).order(ByteOrder.nativeOrder());
        b.putInt(0, rule.filter().number() | (rule.prepend() ? AuditFilter.PREPEND : 0));
        b.putInt(4, rule.action().number());
        b.putInt(8, rule.fields().size());
        for (int i = 0; i < SyscallMask.WORDS; i++) {
            b.putInt(OFF_MASK + 4 * i, rule.syscalls().word(i));
        }
        for (int i = 0; i < rule.fields().size(); i++) {
            RuleField f = rule.fields().get(i);
            b.putInt(OFF_FIELDS + 4 * i, f.field());
            b.putInt(OFF_VALUES + 4 * i, f.value());
            b.putInt(OFF_FIELDFLAGS + 4 * i, f.op().bits());
        }
        b.putInt(OFF_BUFLEN, buf.length);
        b.put(HEADER_SIZE, buf);
        return b.array();
    }

    /**
     * Decodes a rule from {@code len} bytes at {@code off}.
     *
     * @throws CanisterException EINVAL when the bytes are not a well-formed audit_rule_data
     */
    public static AuditRule decode(byte[] data, int off, int len) {
        if (len < HEADER_SIZE || off < 0 || off + len > data.length) {
            throw bad("it has " + len + " bytes, fewer than the " + HEADER_SIZE + " of its fixed part");
        }
        ByteBuffer b = ByteBuffer.wrap(data, off, len).slice().order(ByteOrder.nativeOrder());
        int flags = b.getInt(0);
        int actionNumber = b.getInt(4);
        int count = b.getInt(8);
        int buflen = b.getInt(OFF_BUFLEN);
        if (count < 0 || count > AuditRuleFields.MAX_FIELDS) {
            throw bad("field_count is " + Integer.toUnsignedString(count) + ", more than " + AuditRuleFields.MAX_FIELDS);
        }
        if (buflen < 0 || HEADER_SIZE + (long) buflen > len) {
            throw bad("buflen " + Integer.toUnsignedString(buflen) + " runs past the " + len + " bytes received");
        }
        AuditAction action = AuditAction.of(actionNumber);
        if (action == null) {
            throw bad("action is " + actionNumber);
        }
        int[] mask = new int[SyscallMask.WORDS];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = b.getInt(OFF_MASK + 4 * i);
        }
        List<RuleField> fields = new ArrayList<>(count);
        int strOff = 0;
        for (int i = 0; i < count; i++) {
            int field = b.getInt(OFF_FIELDS + 4 * i) & ~RuleOp.MASK;
            int value = b.getInt(OFF_VALUES + 4 * i);
            RuleOp op = RuleOp.ofBits(b.getInt(OFF_FIELDFLAGS + 4 * i));
            if (op == null) {
                throw bad("field " + i + " has operator bits 0x" + Integer.toHexString(b.getInt(OFF_FIELDFLAGS + 4 * i)));
            }
            if (AuditRuleFields.isString(field)) {
                if (value < 0 || strOff + (long) value > buflen) {
                    throw bad("string field " + i + " of " + Integer.toUnsignedString(value)
                            + " bytes runs past buflen " + buflen);
                }
                String text = new String(data, off + HEADER_SIZE + strOff, value, StandardCharsets.UTF_8);
                strOff += value;
                fields.add(RuleField.string(field, op, text));
            } else {
                fields.add(RuleField.numeric(field, op, value));
            }
        }
        return new AuditRule(AuditFilter.of(flags), action, (flags & AuditFilter.PREPEND) != 0,
                SyscallMask.ofWords(mask), fields);
    }

    /** Decodes a whole array. */
    public static AuditRule decode(byte[] data) {
        return decode(data, 0, data.length);
    }

    private static CanisterException bad(String why) {
        return new CanisterException(Errno.EINVAL, "not a valid struct audit_rule_data: " + why);
    }
}
