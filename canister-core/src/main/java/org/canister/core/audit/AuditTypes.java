package org.canister.core.audit;

import java.util.HashMap;
import java.util.Map;

/**
 * Kernel audit record type numbers and their names, exactly as auditd 3.0.9 writes them in
 * {@code type=NAME} (audit-userspace {@code lib/msg_typetab.h} at v3.0.9; the table below was
 * produced by calling {@code audit_msg_type_to_name} of the Debian libaudit1 3.0.9 for every number
 * from 0 to 2999). A number without a name is written {@code UNKNOWN[n]}, as auditd's
 * {@code format_raw} does.
 *
 * <p>Canister's own record numbers (CONTAINER_OP 1020, SIGNAL_INFO2 1021, SET_CAPCONTID 1022,
 * CONTAINER_ID 1336 of ghak90 v11) are deliberately absent: stock 3.0.9 tools print them as
 * {@code UNKNOWN[n]} (1336 is URINGOP since 3.0.7), and the spec (audit-contid.md 6.2 req. 13)
 * keeps their naming a decision of the writer, not of this table.
 */
public final class AuditTypes {
    /** AUDIT_GET: status request and reply (struct audit_status). */
    public static final int GET = 1000;
    /** AUDIT_SET: set status fields selected by the mask. */
    public static final int SET = 1001;
    /** AUDIT_USER: user-space message relayed by the kernel. */
    public static final int USER = 1005;
    /** AUDIT_LOGIN: login uid change. */
    public static final int LOGIN = 1006;
    /** AUDIT_ADD_RULE: struct audit_rule_data. */
    public static final int ADD_RULE = 1011;
    /** AUDIT_DEL_RULE: struct audit_rule_data. */
    public static final int DEL_RULE = 1012;
    /** AUDIT_LIST_RULES: request, then one reply per rule, then NLMSG_DONE. */
    public static final int LIST_RULES = 1013;
    /** AUDIT_FIRST_USER_MSG. */
    public static final int FIRST_USER_MSG = 1100;
    /** AUDIT_LAST_USER_MSG. */
    public static final int LAST_USER_MSG = 1199;
    /** AUDIT_DAEMON_START. */
    public static final int DAEMON_START = 1200;
    /** AUDIT_DAEMON_RESUME (auditd 3.0.9 name): a suspended log writes again. */
    public static final int DAEMON_RESUME = 1206;
    /** AUDIT_DAEMON_ERR (auditd 3.0.9 name); Canister's loss records use it (spec 6.2 req. 16). */
    public static final int DAEMON_ERR = 1209;
    /** AUDIT_FIRST_EVENT: first kernel event type that may belong to a multi-record event. */
    public static final int FIRST_EVENT = 1300;
    /** AUDIT_SYSCALL. */
    public static final int SYSCALL = 1300;
    /** AUDIT_PATH. */
    public static final int PATH = 1302;
    /** AUDIT_CONFIG_CHANGE. */
    public static final int CONFIG_CHANGE = 1305;
    /** AUDIT_SOCKADDR. */
    public static final int SOCKADDR = 1306;
    /** AUDIT_CWD. */
    public static final int CWD = 1307;
    /** AUDIT_EXECVE. */
    public static final int EXECVE = 1309;
    /** AUDIT_OBJ_PID: ptrace/kill target. */
    public static final int OBJ_PID = 1318;
    /** AUDIT_EOE: end of a multi-record event; auditd never writes it to disk. */
    public static final int EOE = 1320;
    /** AUDIT_NETFILTER_PKT. */
    public static final int NETFILTER_PKT = 1324;
    /** AUDIT_SECCOMP. */
    public static final int SECCOMP = 1326;
    /** AUDIT_PROCTITLE: always the last record before EOE. */
    public static final int PROCTITLE = 1327;
    /** AUDIT_EVENT_LISTENER: multicast join/part. */
    public static final int EVENT_LISTENER = 1335;
    /** AUDIT_AVC. */
    public static final int AVC = 1400;
    /** AUDIT_MAC_UNLBL_ALLOW: first of the single-record MAC configuration types. */
    public static final int MAC_UNLBL_ALLOW = 1406;
    /** AUDIT_MAC_CALIPSO_DEL: last of the single-record MAC configuration types. */
    public static final int MAC_CALIPSO_DEL = 1419;
    /** AUDIT_FIRST_ANOM_MSG: anomaly and later types are single-record events. */
    public static final int FIRST_ANOM_MSG = 1700;
    /** AUDIT_KERNEL: the kernel's audit initialisation record. */
    public static final int KERNEL = 2000;

    private static final int BASE = 1000;
    private static final String[] NAMES = new String[2000];
    private static final Map<String, Integer> NUMBERS = new HashMap<>();

    // "number NAME" pairs from libaudit 3.0.9 audit_msg_type_to_name().
    private static final String TABLE =
            "1005 USER 1006 LOGIN 1100 USER_AUTH 1101 USER_ACCT 1102 USER_MGMT 1103 CRED_ACQ " +
            "1104 CRED_DISP 1105 USER_START 1106 USER_END 1107 USER_AVC 1108 USER_CHAUTHTOK " +
            "1109 USER_ERR 1110 CRED_REFR 1111 USYS_CONFIG 1112 USER_LOGIN 1113 USER_LOGOUT " +
            "1114 ADD_USER 1115 DEL_USER 1116 ADD_GROUP 1117 DEL_GROUP 1118 DAC_CHECK 1119 CHGRP_ID " +
            "1120 TEST 1121 TRUSTED_APP 1122 USER_SELINUX_ERR 1123 USER_CMD 1124 USER_TTY " +
            "1125 CHUSER_ID 1126 GRP_AUTH 1127 SYSTEM_BOOT 1128 SYSTEM_SHUTDOWN 1129 SYSTEM_RUNLEVEL " +
            "1130 SERVICE_START 1131 SERVICE_STOP 1132 GRP_MGMT 1133 GRP_CHAUTHTOK 1134 MAC_CHECK " +
            "1135 ACCT_LOCK 1136 ACCT_UNLOCK 1137 USER_DEVICE 1138 SOFTWARE_UPDATE 1200 DAEMON_START " +
            "1201 DAEMON_END 1202 DAEMON_ABORT 1203 DAEMON_CONFIG 1205 DAEMON_ROTATE " +
            "1206 DAEMON_RESUME 1207 DAEMON_ACCEPT 1208 DAEMON_CLOSE 1209 DAEMON_ERR 1300 SYSCALL " +
            "1302 PATH 1303 IPC 1304 SOCKETCALL 1305 CONFIG_CHANGE 1306 SOCKADDR 1307 CWD 1309 EXECVE " +
            "1311 IPC_SET_PERM 1312 MQ_OPEN 1313 MQ_SENDRECV 1314 MQ_NOTIFY 1315 MQ_GETSETATTR " +
            "1316 KERNEL_OTHER 1317 FD_PAIR 1318 OBJ_PID 1319 TTY 1320 EOE 1321 BPRM_FCAPS 1322 CAPSET " +
            "1323 MMAP 1324 NETFILTER_PKT 1325 NETFILTER_CFG 1326 SECCOMP 1327 PROCTITLE " +
            "1328 FEATURE_CHANGE 1330 KERN_MODULE 1331 FANOTIFY 1332 TIME_INJOFFSET " +
            "1333 TIME_ADJNTPVAL 1334 BPF 1335 EVENT_LISTENER 1336 URINGOP 1337 OPENAT2 1400 AVC " +
            "1401 SELINUX_ERR 1402 AVC_PATH 1403 MAC_POLICY_LOAD 1404 MAC_STATUS " +
            "1405 MAC_CONFIG_CHANGE 1406 MAC_UNLBL_ALLOW 1407 MAC_CIPSOV4_ADD 1408 MAC_CIPSOV4_DEL " +
            "1409 MAC_MAP_ADD 1410 MAC_MAP_DEL 1411 MAC_IPSEC_ADDSA 1412 MAC_IPSEC_DELSA " +
            "1413 MAC_IPSEC_ADDSPD 1414 MAC_IPSEC_DELSPD 1415 MAC_IPSEC_EVENT 1416 MAC_UNLBL_STCADD " +
            "1417 MAC_UNLBL_STCDEL 1418 MAC_CALIPSO_ADD 1419 MAC_CALIPSO_DEL 1500 APPARMOR " +
            "1501 APPARMOR_AUDIT 1502 APPARMOR_ALLOWED 1503 APPARMOR_DENIED 1504 APPARMOR_HINT " +
            "1505 APPARMOR_STATUS 1506 APPARMOR_ERROR 1507 APPARMOR_KILL 1700 ANOM_PROMISCUOUS " +
            "1701 ANOM_ABEND 1702 ANOM_LINK 1703 ANOM_CREAT 1800 INTEGRITY_DATA " +
            "1801 INTEGRITY_METADATA 1802 INTEGRITY_STATUS 1803 INTEGRITY_HASH 1804 INTEGRITY_PCR " +
            "1805 INTEGRITY_RULE 1806 INTEGRITY_EVM_XATTR 1807 INTEGRITY_POLICY_RULE 2000 KERNEL " +
            "2100 ANOM_LOGIN_FAILURES 2101 ANOM_LOGIN_TIME 2102 ANOM_LOGIN_SESSIONS " +
            "2103 ANOM_LOGIN_ACCT 2104 ANOM_LOGIN_LOCATION 2105 ANOM_MAX_DAC 2106 ANOM_MAX_MAC " +
            "2107 ANOM_AMTU_FAIL 2108 ANOM_RBAC_FAIL 2109 ANOM_RBAC_INTEGRITY_FAIL " +
            "2110 ANOM_CRYPTO_FAIL 2111 ANOM_ACCESS_FS 2112 ANOM_EXEC 2113 ANOM_MK_EXEC " +
            "2114 ANOM_ADD_ACCT 2115 ANOM_DEL_ACCT 2116 ANOM_MOD_ACCT 2117 ANOM_ROOT_TRANS " +
            "2118 ANOM_LOGIN_SERVICE 2119 ANOM_LOGIN_ROOT 2120 ANOM_ORIGIN_FAILURES 2121 ANOM_SESSION " +
            "2200 RESP_ANOMALY 2201 RESP_ALERT 2202 RESP_KILL_PROC 2203 RESP_TERM_ACCESS " +
            "2204 RESP_ACCT_REMOTE 2205 RESP_ACCT_LOCK_TIMED 2206 RESP_ACCT_UNLOCK_TIMED " +
            "2207 RESP_ACCT_LOCK 2208 RESP_TERM_LOCK 2209 RESP_SEBOOL 2210 RESP_EXEC 2211 RESP_SINGLE " +
            "2212 RESP_HALT 2213 RESP_ORIGIN_BLOCK 2214 RESP_ORIGIN_BLOCK_TIMED " +
            "2215 RESP_ORIGIN_UNBLOCK_TIMED 2300 USER_ROLE_CHANGE 2301 ROLE_ASSIGN 2302 ROLE_REMOVE " +
            "2303 LABEL_OVERRIDE 2304 LABEL_LEVEL_CHANGE 2305 USER_LABELED_EXPORT " +
            "2306 USER_UNLABELED_EXPORT 2307 DEV_ALLOC 2308 DEV_DEALLOC 2309 FS_RELABEL " +
            "2310 USER_MAC_POLICY_LOAD 2311 ROLE_MODIFY 2312 USER_MAC_CONFIG_CHANGE " +
            "2313 USER_MAC_STATUS 2400 CRYPTO_TEST_USER 2401 CRYPTO_PARAM_CHANGE_USER " +
            "2402 CRYPTO_LOGIN 2403 CRYPTO_LOGOUT 2404 CRYPTO_KEY_USER 2405 CRYPTO_FAILURE_USER " +
            "2406 CRYPTO_REPLAY_USER 2407 CRYPTO_SESSION 2408 CRYPTO_IKE_SA 2409 CRYPTO_IPSEC_SA " +
            "2500 VIRT_CONTROL 2501 VIRT_RESOURCE 2502 VIRT_MACHINE_ID 2503 VIRT_INTEGRITY_CHECK " +
            "2504 VIRT_CREATE 2505 VIRT_DESTROY 2506 VIRT_MIGRATE_IN 2507 VIRT_MIGRATE_OUT ";

    static {
        String[] tokens = TABLE.trim().split(" ");
        for (int i = 0; i < tokens.length; i += 2) {
            int number = Integer.parseInt(tokens[i]);
            NAMES[number - BASE] = tokens[i + 1];
            NUMBERS.put(tokens[i + 1], number);
        }
    }

    private AuditTypes() {
    }

    /** The auditd 3.0.9 name of a type, or {@code null} when auditd has none. */
    public static String name(int type) {
        int index = type - BASE;
        return index >= 0 && index < NAMES.length ? NAMES[index] : null;
    }

    /** The name auditd writes after {@code type=}: the table name or {@code UNKNOWN[n]}. */
    public static String displayName(int type) {
        String name = name(type);
        return name != null ? name : "UNKNOWN[" + type + "]";
    }

    /**
     * The type number for a name as {@code ausearch -m} accepts it: a table name (case
     * insensitive, as libaudit's lookup), {@code UNKNOWN[n]}, or a decimal number; -1 otherwise.
     */
    public static int number(String name) {
        Integer n = NUMBERS.get(name.toUpperCase(java.util.Locale.ROOT));
        if (n != null) {
            return n;
        }
        String digits = name;
        if (name.startsWith("UNKNOWN[") && name.endsWith("]")) {
            digits = name.substring(8, name.length() - 1);
        }
        if (digits.isEmpty() || digits.length() > 9) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(digits);
    }

    /**
     * Whether a record of this type ends its event, by auparse's rule
     * ({@code common/common.c audit_is_last_record}, audit-userspace 3.0.x): PROCTITLE, EOE,
     * LOGIN &lt; type &lt; FIRST_EVENT, USER, type &gt;= FIRST_ANOM_MSG, KERNEL, and
     * MAC_UNLBL_ALLOW..MAC_CALIPSO_DEL.
     */
    public static boolean isLastRecord(int type) {
        return type == PROCTITLE
                || type == EOE
                || (type > LOGIN && type < FIRST_EVENT)
                || type == USER
                || type >= FIRST_ANOM_MSG
                || type == KERNEL
                || (type >= MAC_UNLBL_ALLOW && type <= MAC_CALIPSO_DEL);
    }
}
