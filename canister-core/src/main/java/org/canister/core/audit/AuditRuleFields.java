package org.canister.core.audit;

import java.util.HashMap;
import java.util.Map;

/**
 * Rule field numbers (include/uapi/linux/audit.h) and their auditctl names as libaudit 3.0.9
 * knows them ({@code lib/fieldtab.h}; {@code loginuid} is accepted as a second name for
 * {@code auid}; AUDIT_LOGINUID_SET has no name in 3.0.9), plus the {@code -C} comparison table.
 */
public final class AuditRuleFields {
    public static final int PID = 0;
    public static final int UID = 1;
    public static final int EUID = 2;
    public static final int SUID = 3;
    public static final int FSUID = 4;
    public static final int GID = 5;
    public static final int EGID = 6;
    public static final int SGID = 7;
    public static final int FSGID = 8;
    public static final int LOGINUID = 9;
    public static final int PERS = 10;
    public static final int ARCH = 11;
    public static final int MSGTYPE = 12;
    public static final int SUBJ_USER = 13;
    public static final int SUBJ_ROLE = 14;
    public static final int SUBJ_TYPE = 15;
    public static final int SUBJ_SEN = 16;
    public static final int SUBJ_CLR = 17;
    public static final int PPID = 18;
    public static final int OBJ_USER = 19;
    public static final int OBJ_ROLE = 20;
    public static final int OBJ_TYPE = 21;
    public static final int OBJ_LEV_LOW = 22;
    public static final int OBJ_LEV_HIGH = 23;
    public static final int LOGINUID_SET = 24;
    public static final int SESSIONID = 25;
    public static final int FSTYPE = 26;
    public static final int DEVMAJOR = 100;
    public static final int DEVMINOR = 101;
    public static final int INODE = 102;
    public static final int EXIT = 103;
    public static final int SUCCESS = 104;
    public static final int WATCH = 105;
    public static final int PERM = 106;
    public static final int DIR = 107;
    public static final int FILETYPE = 108;
    public static final int OBJ_UID = 109;
    public static final int OBJ_GID = 110;
    public static final int FIELD_COMPARE = 111;
    public static final int EXE = 112;
    public static final int SADDR_FAM = 113;
    public static final int ARG0 = 200;
    public static final int ARG1 = 201;
    public static final int ARG2 = 202;
    public static final int ARG3 = 203;
    public static final int FILTERKEY = 210;

    /** AUDIT_PERM_* bits of the {@code perm} field. */
    public static final int PERM_EXEC = 1;
    public static final int PERM_WRITE = 2;
    public static final int PERM_READ = 4;
    public static final int PERM_ATTR = 8;

    /** AUDIT_MAX_FIELDS; libaudit refuses to add a field when 63 are present. */
    public static final int MAX_FIELDS = 64;
    /** AUDIT_MAX_KEY_LEN. */
    public static final int MAX_KEY_LEN = 256;
    /** AUDIT_KEY_SEPARATOR: joins several {@code -k} keys in one FILTERKEY value. */
    public static final char KEY_SEPARATOR = '\u0001';

    private static final Map<String, Integer> NUMBERS = new HashMap<>();
    private static final Map<Integer, String> NAMES = new HashMap<>();

    // AUDIT_COMPARE_<left>_TO_<right> = index (1..25), include/uapi/linux/audit.h
    private static final String[][] COMPARE = {
        null,
        {"uid", "obj_uid"}, {"gid", "obj_gid"}, {"euid", "obj_uid"}, {"egid", "obj_gid"},
        {"auid", "obj_uid"}, {"suid", "obj_uid"}, {"sgid", "obj_gid"}, {"fsuid", "obj_uid"},
        {"fsgid", "obj_gid"}, {"uid", "auid"}, {"uid", "euid"}, {"uid", "fsuid"}, {"uid", "suid"},
        {"auid", "fsuid"}, {"auid", "suid"}, {"auid", "euid"}, {"euid", "suid"}, {"euid", "fsuid"},
        {"suid", "fsuid"}, {"gid", "egid"}, {"gid", "fsgid"}, {"gid", "sgid"}, {"egid", "fsgid"},
        {"egid", "sgid"}, {"sgid", "fsgid"},
    };

    static {
        String[] table = {
            "0 pid", "1 uid", "2 euid", "3 suid", "4 fsuid", "5 gid", "6 egid", "7 sgid", "8 fsgid",
            "9 auid", "10 pers", "11 arch", "12 msgtype", "13 subj_user", "14 subj_role", "15 subj_type",
            "16 subj_sen", "17 subj_clr", "18 ppid", "19 obj_user", "20 obj_role", "21 obj_type",
            "22 obj_lev_low", "23 obj_lev_high", "25 sessionid", "26 fstype", "100 devmajor",
            "101 devminor", "102 inode", "103 exit", "104 success", "105 path", "106 perm", "107 dir",
            "108 filetype", "109 obj_uid", "110 obj_gid", "111 field_compare", "112 exe", "113 saddr_fam",
            "200 a0", "201 a1", "202 a2", "203 a3", "210 key",
        };
        for (String entry : table) {
            int sp = entry.indexOf(' ');
            int n = Integer.parseInt(entry.substring(0, sp));
            NAMES.put(n, entry.substring(sp + 1));
            NUMBERS.put(entry.substring(sp + 1), n);
        }
        NUMBERS.put("loginuid", LOGINUID);
    }

    private AuditRuleFields() {
    }

    /** libaudit's name for a field number, or {@code null}. */
    public static String name(int field) {
        return NAMES.get(field);
    }

    /** The field number for an auditctl name, or -1. */
    public static int number(String name) {
        Integer n = NUMBERS.get(name);
        return n == null ? -1 : n;
    }

    /**
     * Whether the kernel carries this field's value as a string in {@code buf}
     * (kernel/auditfilter.c {@code audit_data_to_entry}: LSM labels, WATCH, DIR, FILTERKEY, EXE).
     */
    public static boolean isString(int field) {
        return (field >= SUBJ_USER && field <= OBJ_LEV_HIGH && field != PPID)
                || field == WATCH || field == DIR || field == FILTERKEY || field == EXE;
    }

    /** The two field names of an AUDIT_COMPARE_* value, or {@code null}. */
    public static String[] comparison(int value) {
        return value > 0 && value < COMPARE.length ? COMPARE[value].clone() : null;
    }

    /**
     * The AUDIT_COMPARE_* value for two field names in either order (libaudit
     * {@code audit_rule_interfield_comp_data}), or -1 when the pair cannot be compared.
     */
    public static int comparisonOf(String left, String right) {
        String l = "loginuid".equals(left) ? "auid" : left;
        String r = "loginuid".equals(right) ? "auid" : right;
        for (int i = 1; i < COMPARE.length; i++) {
            if ((COMPARE[i][0].equals(l) && COMPARE[i][1].equals(r))
                    || (COMPARE[i][0].equals(r) && COMPARE[i][1].equals(l))) {
                return i;
            }
        }
        return -1;
    }
}
