package org.canister.core.audit.ns;

import java.util.Collection;

import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidRecords;

/**
 * Canister's namespace lifecycle records (spec/audit-contid.md 6.3, req. 20 and 21), built as
 * {@link AuditRecord}s of the kernel model so that those joining a kernel SYSCALL event carry its stamp:
 *
 * <pre>
 * type=NS_CREATE msg=audit(T:N): pid=&lt;tgid&gt; tid=&lt;tid&gt; syscall=unshare contid=&lt;chain&gt; nstype=net old-dev=00:04 old-inode=4026531840 dev=00:04 inode=4026532281
 * type=NS_CHANGE msg=audit(T:N): pid=&lt;tgid&gt; tid=&lt;tid&gt; syscall=setns contid=&lt;chain&gt; nstype=mnt old-dev=00:04 old-inode=&lt;ino&gt; dev=00:04 inode=&lt;ino&gt;
 * type=NS_DESTROY msg=audit(T:N): nstype=net dev=00:04 inode=4026532281 contid=&lt;chains&gt; cause=exit pid=&lt;tgid&gt;
 * </pre>
 *
 * <p>Numbers (req. 20): 2900-2903, the top of the block audit-userspace {@code lib/audit-records.h}
 * leaves as "future user space". NS_INFO (2903) is built by {@link ContidRecords#nsInfo}, which joins a
 * successful set; its number is re-exported here so one class lists the family. Stock auditd 3.0.9 has no
 * names for 2900-2903 (it writes {@code UNKNOWN[2900]}): {@link #name(int)} gives Canister's names for a
 * writer that prints names, and {@code CanisterTypes.Naming.UNKNOWN_NUMBERS} already covers 2900-2999.
 * The records are Canister-numbered ({@link AuditRecord#canister}), so the audit writer names them by
 * {@link org.canister.core.audit.CanisterTypes} and never takes them for user messages of the same numbers.
 */
public final class NsRecords {
    /** A namespace was created by clone(2), clone3(2) or unshare(2). */
    public static final int NS_CREATE = 2900;
    /** A task entered another existing namespace by setns(2). */
    public static final int NS_CHANGE = 2901;
    /** No tracked task refers to the namespace any more (req. 23). */
    public static final int NS_DESTROY = 2902;
    /** A task's namespaces at contid registration (built by {@link ContidRecords#nsInfo}). */
    public static final int NS_INFO = CanisterTypes.NS_INFO;

    private NsRecords() {
    }

    /** The name Canister prints for 2900-2903, or null for any other number. */
    public static String name(int type) {
        return switch (type) {
            case NS_CREATE -> "NS_CREATE";
            case NS_CHANGE -> "NS_CHANGE";
            case NS_DESTROY -> "NS_DESTROY";
            case NS_INFO -> "NS_INFO";
            default -> null;
        };
    }

    /**
     * NS_CREATE or NS_CHANGE.
     *
     * @param type    {@link #NS_CREATE} or {@link #NS_CHANGE}
     * @param pid     tgid of the task now in the namespace ({@code -1} prints {@code ?})
     * @param tid     its tid ({@code -1} prints {@code ?})
     * @param syscall clone, clone3, unshare or setns
     * @param chain   the task's contid chain, or null for {@code -1}
     * @param nstype  the type, or null for {@code ?} (a setns(fd, 0) whose caller was gone)
     * @param old     the namespace it came from (the spawning one for clone)
     * @param now     the namespace it is in now
     */
    public static AuditRecord transition(int type, AuditStamp stamp, int pid, int tid, String syscall, String chain,
                                         NsType nstype, NsId old, NsId now) {
        if (type != NS_CREATE && type != NS_CHANGE) {
            throw new IllegalArgumentException("not NS_CREATE or NS_CHANGE: " + type);
        }
        StringBuilder b = new StringBuilder(200);
        b.append("pid=");
        number(b, pid);
        b.append(" tid=");
        number(b, tid);
        b.append(" syscall=").append(syscall)
                .append(" contid=").append(chain == null ? ContidChain.NONE : chain)
                .append(" nstype=").append(nstype == null ? "?" : nstype.text());
        old.appendTo(b.append(' '), "old-");
        now.appendTo(b.append(' '), "");
        return AuditRecord.canister(type, stamp, b.toString());
    }

    /**
     * NS_DESTROY.
     *
     * @param chains every contid chain that ever had a member in the namespace, in first-seen order
     * @param cause  exit, unshare or setns
     * @param pid    tgid of the last task that left it
     */
    public static AuditRecord destroy(AuditStamp stamp, NsId id, Collection<String> chains, String cause, int pid) {
        StringBuilder b = new StringBuilder(160);
        b.append("nstype=").append(id.type().text()).append(' ');
        id.appendTo(b, "");
        b.append(" contid=");
        if (chains.isEmpty()) {
            b.append(ContidChain.NONE);
        } else {
            boolean first = true;
            for (String c : chains) {
                if (!first) {
                    b.append(',');
                }
                b.append(c);
                first = false;
            }
        }
        b.append(" cause=").append(cause).append(" pid=");
        number(b, pid);
        return AuditRecord.canister(NS_DESTROY, stamp, b.toString());
    }

    private static void number(StringBuilder b, int v) {
        if (v < 0) {
            b.append('?');
        } else {
            b.append(v);
        }
    }
}
