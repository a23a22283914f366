package org.canister.core.contid;

/**
 * One audit record without its stamp: the type number (as in {@code nlmsg_type}), its name in text
 * logs, and the body after {@code msg=audit(...): }.
 *
 * @param type number (v11: CONTAINER_OP 1020, SET_CAPCONTID 1022; Canister: NS_INFO 2903)
 * @param name name printed as {@code type=<name>} when names are on (spec req. 13)
 * @param body the {@code key=value} fields, exactly as printed
 */
public record AuditRecord(int type, String name, String body) {
}
