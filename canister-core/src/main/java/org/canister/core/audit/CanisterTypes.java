package org.canister.core.audit;

import java.util.Locale;

/**
 * Record types that Canister itself numbers: ghak90 v11's (CONTAINER_OP 1020, SIGNAL_INFO2 1021,
 * SET_CAPCONTID 1022, CONTAINER_ID 1336) and Canister's own block 2900-2999 (spec/audit-contid.md
 * 6.2 req. 13 and 20). They live apart from {@link AuditTypes}, the auditd 3.0.9 names of Linux
 * numbers, because the numbers collide: upstream 1336 is URINGOP, which the kernel really sends for
 * io_uring operations. An {@link AuditRecord} says which table names its type
 * ({@link AuditRecord.Numbering}), so a kernel URINGOP record and Canister's CONTAINER_ID can sit in
 * the same event and still print as themselves.
 *
 * <h2>Names in text (req. 13)</h2>
 * Text logs always print a name, never the bare number 1336. Under {@link Naming#UNKNOWN_NUMBERS},
 * the types stock audit-userspace 3.0.x does not know print as auditd itself prints unknown types,
 * {@code UNKNOWN[1020]}, {@code UNKNOWN[1022]}, {@code UNKNOWN[2903]}, so stock {@code ausearch -m
 * UNKNOWN[1020]} selects them; CONTAINER_ID keeps its name in both namings, because
 * {@code UNKNOWN[1336]} would be read as URINGOP by any 3.0.7+ tool.
 */
public final class CanisterTypes {
    /** v11 02/11 {@code AUDIT_CONTAINER_OP}: set attempts and drops. */
    public static final int CONTAINER_OP = 1020;
    /** v11 04/11 {@code AUDIT_SIGNAL_INFO2} (a netlink request; named for completeness). */
    public static final int SIGNAL_INFO2 = 1021;
    /** v11 11/11 {@code AUDIT_SET_CAPCONTID}. */
    public static final int SET_CAPCONTID = 1022;
    /** v11 03/11 {@code AUDIT_CONTAINER_ID}: the auxiliary record naming a task's container chain. */
    public static final int CONTAINER_ID = 1336;
    /** Canister: a namespace created by clone/unshare (req. 21). */
    public static final int NS_CREATE = 2900;
    /** Canister: a task entered another namespace by setns (req. 21). */
    public static final int NS_CHANGE = 2901;
    /** Canister: no tracked task uses the namespace any more (req. 21, 23). */
    public static final int NS_DESTROY = 2902;
    /** Canister: a labelled task's namespaces at registration (req. 21). */
    public static final int NS_INFO = 2903;
    /** Canister: a p9auth grant or use (spec/p9auth.md). */
    public static final int P9AUTH = 2910;

    /** How Canister-numbered types are printed after {@code type=} (spec req. 13). */
    public enum Naming {
        /** {@code type=CONTAINER_OP}: readable, what a Canister-aware reader expects. */
        NAMES,
        /**
         * {@code type=UNKNOWN[1020]} for every type stock 3.0.x tools do not know (what stock
         * {@code ausearch -m} can select); CONTAINER_ID is still printed by name.
         */
        UNKNOWN_NUMBERS
    }

    private CanisterTypes() {
    }

    /** The name of a Canister-numbered type, or {@code null}. */
    public static String name(int type) {
        return switch (type) {
            case CONTAINER_OP -> "CONTAINER_OP";
            case SIGNAL_INFO2 -> "SIGNAL_INFO2";
            case SET_CAPCONTID -> "SET_CAPCONTID";
            case CONTAINER_ID -> "CONTAINER_ID";
            case NS_CREATE -> "NS_CREATE";
            case NS_CHANGE -> "NS_CHANGE";
            case NS_DESTROY -> "NS_DESTROY";
            case NS_INFO -> "NS_INFO";
            case P9AUTH -> "P9AUTH";
            default -> null;
        };
    }

    /** The number of a Canister type name (case insensitive), or -1. */
    public static int number(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "CONTAINER_OP" -> CONTAINER_OP;
            case "SIGNAL_INFO2" -> SIGNAL_INFO2;
            case "SET_CAPCONTID" -> SET_CAPCONTID;
            case "CONTAINER_ID" -> CONTAINER_ID;
            case "NS_CREATE" -> NS_CREATE;
            case "NS_CHANGE" -> NS_CHANGE;
            case "NS_DESTROY" -> NS_DESTROY;
            case "NS_INFO" -> NS_INFO;
            case "P9AUTH" -> P9AUTH;
            default -> -1;
        };
    }

    /**
     * What follows {@code type=} for a Canister-numbered type under {@code naming}: its name, or
     * {@code UNKNOWN[n]}; CONTAINER_ID is always {@code CONTAINER_ID}. An unnamed number prints
     * {@code UNKNOWN[n]} unless it is 1336, which never prints as a number.
     */
    public static String displayName(int type, Naming naming) {
        String name = name(type);
        if (type == CONTAINER_ID) {
            return name;
        }
        if (name == null || naming == Naming.UNKNOWN_NUMBERS) {
            return "UNKNOWN[" + type + "]";
        }
        return name;
    }
}
