package org.canister.core.audit.annotate;

import java.util.ArrayList;
import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidObject;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * Adds ghak90 v11's CONTAINER_ID records to assembled kernel events (spec/audit-contid.md 6.2
 * req. 8 and 9), as the v11 kernel would have emitted them:
 *
 * <ul>
 *   <li>the subject of a syscall event (SYSCALL {@code pid=}) carrying a label gets
 *       {@code CONTAINER_ID record=N contid=<chain>}, and {@code record=N} is appended to the SYSCALL
 *       record (v11 03/11, with the {@code record=} link of v10);</li>
 *   <li>each labelled ptrace/signal target (OBJ_PID {@code opid=}) gets its own CONTAINER_ID
 *       {@code record=N}, and {@code record=N} on that OBJ_PID;</li>
 *   <li>a user-space record (USER 1005, 1100-1199, 2100-2999; {@code pid=} inside) of a labelled
 *       sender gets a CONTAINER_ID; the USER record itself gets no {@code record=} (v11 06/11);</li>
 *   <li>a NETFILTER_PKT record (iptables {@code -j AUDIT}, nftables {@code log level audit}) gets
 *       {@code CONTAINER_ID record=N contid=<every chain with a live member in the packet's netns>} and
 *       {@code record=N} (v11 08/11, req. 10), when {@link Netfilter} attribution is configured.</li>
 * </ul>
 * {@code N} counts from 1 per event in record order ({@code ++context->contid_records}). The added
 * records keep the kernel event's stamp.
 *
 * <h2>Attribution (req. 9)</h2>
 * Only Canister's own process tree is consulted ({@link TaskTable#taskOrTombstone}): never
 * {@code /proc}, which at enrichment time may already show another process or nothing (the failure
 * of beats#22238). Tasks that exited stay findable as tombstones for the table's grace period, so a
 * child that forked, exec'd and exited within a millisecond is still attributed. The proc connector
 * is a separate socket and may lag the audit stream, so a SYSCALL whose {@code pid=} the table does
 * not know yet is attributed through its {@code ppid=}: a fresh child carries its parent's label
 * (labels are inherited at fork and a set needs a childless target, so the parent's label cannot
 * have changed since the fork). A known task without a label is never attributed through its parent.
 *
 * <h2>Reused pids</h2>
 * The kernel reuses a pid once its process is reaped; with pid_max 32768 and an exec storm of 1700
 * forks/s that is ~20 s, inside the table's 30 s tombstone grace, so a pid can name two incarnations:
 * the live holder and the most recent exited one ({@link TaskTable#tombstone}). A late record must get
 * its own incarnation's label, never the holder's. All records of an incarnation are stamped between
 * its start and its exit, and a pid is free only after the previous holder exited, so with the clock
 * offsets ({@link #clockOffsets}) and a margin of {@link #INCARNATION_SLACK_MS} for the clocks' error:
 * <ol>
 *   <li>two incarnations: a stamp before the holder's start time and not before the exited one's goes to
 *       the exited one; a stamp after the holder's start goes to the holder (not when that start was
 *       only guessed at fork, a lower bound);</li>
 *   <li>otherwise (the stamp within the margin of the holder's start, or before both starts, which only
 *       a wall-clock step after the offsets were taken explains; or no offsets): the SYSCALL's
 *       {@code ppid=} decides when it matches the exited incarnation's parent and not the holder's,
 *       else the holder;</li>
 *   <li>only a tombstone, and the stamp after its process ended: the pid names a newer incarnation the
 *       proc connector has not reported yet, so the record is treated as of an unknown task (a SYSCALL
 *       then goes through its {@code ppid=}, resolved by the same rules).</li>
 * </ol>
 * What stays open: a pid reused within the margin of the previous holder's exit by a child of the same
 * parent; a parent that died and had the holder re-parented (its {@code ppid} changed) when time
 * cannot decide; an incarnation older than the most recent tombstone (only one is kept per pid); and a
 * wall-clock step after the offsets were taken, by more than the margin but less than the time between
 * the two starts, which moves records of the holder to the exited incarnation until the offsets are
 * taken again.
 *
 * <h2>NETFILTER_PKT: which network namespace [choice] (req. 10)</h2>
 * The kernel writes {@code mark=%#x saddr= daddr= proto=} (net/netfilter/xt_AUDIT.c, nft_log.c
 * {@code nft_log_eval_audit}) and nothing that names the netns the rule ran in, so the netns is
 * chosen as follows, the lists coming from {@link NetnsContainers}:
 * <ul>
 *   <li>by default, the host (initial) network namespace ({@link Netfilter#hostNetns()}): its
 *       containers are the labelled tasks that share the host's network stack (host-network
 *       containers, labelled host processes). Rules inside a container's own netns produce records
 *       that are attributed to the host too: without a mark Canister cannot tell them apart;</li>
 *   <li>with the mark convention on ({@link Netfilter#markNetns()}, config
 *       {@code audit.netfilter-mark-netns}), a mark shaped like an nsfs inode (at least
 *       {@link #NSFS_INODE_FLOOR}: the fixed inodes of initial namespaces count down from 0xEFFFFFFF,
 *       include/uapi/linux/nsfs.h, and allocated ones count up from PROC_DYNAMIC_FIRST 0xF0000000,
 *       fs/proc/generic.c; an nsfs inode is 32 bits, so the mark is the whole inode) names the netns:
 *       the orchestrator marks packets inside the container's netns, e.g.
 *       {@code nft add rule inet t output meta mark set <inode of /proc/<pid>/ns/net>} before the audit
 *       rule. Such a mark that no tracked labelled task's netns carries gets no annotation: the
 *       packet came from a namespace Canister cannot attribute, and the host's list would be wrong.
 *       Any other mark (0, or another convention's such as kube-proxy's 0x4000) falls back to the
 *       host netns, so host-side marking keeps host attribution.</li>
 * </ul>
 * A packet has no subject task: the event is not routed to per-container logs (its {@link Result#subject()}
 * is null) and its CONTAINER_ID is no subject for {@link SubjectChains}.
 *
 * <h2>Placement [choice]</h2>
 * v11 emits CONTAINER_ID before the record it describes. Stock ausearch 3.0.9 closes an event as
 * single-record when its first line's type is below AUDIT_FIRST_EVENT (ausearch-lol.c
 * {@code check_events}), and an unknown name such as CONTAINER_ID counts as -1, so the v11 order
 * splits the CONTAINER_ID off the event and {@code ausearch -k} no longer shows it. The link is
 * {@code record=N}, not the position, so by default ({@link Placement#AFTER}) each CONTAINER_ID
 * directly follows the record it annotates; {@link Placement#BEFORE} gives the v11 order.
 *
 * <p>Pure, not thread-safe: call under the daemon's model lock, which guards the table.
 */
public final class ContidAnnotator {

    /** Where each CONTAINER_ID goes relative to the record it annotates. */
    public enum Placement {
        /** Right after it: stock ausearch keeps the event whole (default). */
        AFTER,
        /** Right before it, as the v11 kernel emits. */
        BEFORE
    }

    /**
     * One annotated event.
     *
     * @param event   the event, with CONTAINER_ID records added (the input itself when none was)
     * @param subject the chain of the event's subject (SYSCALL or USER sender), or null
     * @param added   CONTAINER_ID records added
     */
    public record Result(AuditEvent event, ContidChain subject, int added) {
    }

    /**
     * Counters since construction. {@code netfilterPackets} counts NETFILTER_PKT records seen while
     * attribution is configured, {@code netfilterAnnotated} those that got a CONTAINER_ID,
     * {@code netfilterByMark} those attributed to a netns named by their mark.
     */
    public record Stats(long events, long annotated, long records, long viaPpid, long unknownSubjects,
                        long netfilterPackets, long netfilterAnnotated, long netfilterByMark) {
    }

    /**
     * NETFILTER_PKT attribution (see the class comment).
     *
     * @param containers per-netns container lists over the same task table
     * @param hostNetns  inode of the initial network namespace ({@code /proc/self/ns/net} of the daemon)
     * @param markNetns  whether an nsfs-inode-shaped {@code mark=} names the netns
     */
    public record Netfilter(NetnsContainers containers, long hostNetns, boolean markNetns) {
        public Netfilter {
            if (containers == null || hostNetns <= 0) {
                throw new IllegalArgumentException("netfilter attribution needs the per-netns lists and the host "
                        + "netns inode, got " + containers + " and " + hostNetns);
            }
        }
    }

    /**
     * The lowest {@code mark=} taken for an nsfs inode under the mark convention: below the fixed inodes
     * of the initial namespaces (0xEFFFFFF8..0xEFFFFFFF on 6.18, counting down as types are added) and
     * the allocated ones (from 0xF0000000).
     */
    public static final long NSFS_INODE_FLOOR = 0xEFFF_FF00L;

    /**
     * How far apart (ms) a stamp and a start or exit time must be before time alone decides between two
     * incarnations: the stamp is the coarse clock at syscall entry (a jiffy, at most 10 ms), a start
     * time is truncated to a 10 ms tick, and the offsets are read from two clocks (about 10 ms); so a
     * few times that error, far below a pid's reuse period (pid_max 32768 at 1700 forks/s: 19 s).
     */
    public static final long INCARNATION_SLACK_MS = 100;
    /** USER_HZ: the unit of stat field 22 (100 on every Linux ABI Canister runs on). */
    private static final long MS_PER_TICK = 10;

    private final TaskTable table;
    private final Placement placement;
    private final Netfilter netfilter;
    private long wallMinusBootMs;
    private long wallMinusMonotonicMs;
    private boolean clocksKnown;
    private long events;
    private long annotated;
    private long records;
    private long viaPpid;
    private long unknownSubjects;
    private long netfilterPackets;
    private long netfilterAnnotated;
    private long netfilterByMark;

    /** An annotator that leaves NETFILTER_PKT records alone. */
    public ContidAnnotator(TaskTable table, Placement placement) {
        this(table, placement, null);
    }

    /**
     * An annotator.
     *
     * @param netfilter NETFILTER_PKT attribution, or null to leave those records alone
     */
    public ContidAnnotator(TaskTable table, Placement placement, Netfilter netfilter) {
        if (table == null || placement == null) {
            throw new IllegalArgumentException("table and placement are required");
        }
        this.table = table;
        this.placement = placement;
        this.netfilter = netfilter;
    }

    /**
     * Tells the annotator where an event's stamp (CLOCK_REALTIME, coarse, ms) lies on the table's clocks:
     * {@link Task#startTime()} is CLOCK_BOOTTIME in clock ticks (stat field 22) and
     * {@link Task#exitTimeNs()} CLOCK_MONOTONIC (the proc connector's {@code timestamp_ns}). Until it is
     * called, the incarnations of a reused pid are told apart by {@code ppid=} only. Call under the model
     * lock; calling it again (after a wall-clock step) replaces the offsets.
     *
     * @param realtimeMinusBoottimeMs  CLOCK_REALTIME minus CLOCK_BOOTTIME, ms
     * @param realtimeMinusMonotonicMs CLOCK_REALTIME minus CLOCK_MONOTONIC, ms
     */
    public void clockOffsets(long realtimeMinusBoottimeMs, long realtimeMinusMonotonicMs) {
        this.wallMinusBootMs = realtimeMinusBoottimeMs;
        this.wallMinusMonotonicMs = realtimeMinusMonotonicMs;
        this.clocksKnown = true;
    }

    /** Annotates one assembled kernel event; call under the model lock. */
    public Result annotate(AuditEvent event) {
        events++;
        List<AuditRecord> in = event.records();
        List<AuditRecord> out = null;
        ContidChain subject = null;
        long eventMs = event.stamp().seconds() * 1000 + event.stamp().millis();
        int n = 0;
        for (int i = 0; i < in.size(); i++) {
            AuditRecord r = in.get(i);
            if (r.isCanister(CanisterTypes.CONTAINER_ID)) {
                // Already annotated (e.g. replayed): never annotate twice.
                return new Result(event, SubjectChains.subjectOf(event), 0);
            }
            ContidObject label = null;
            String chains = null;
            boolean link = false;
            boolean isSubject = false;
            if (r.is(AuditTypes.SYSCALL)) {
                label = syscallSubject(r.body(), eventMs);
                link = true;
                isSubject = true;
            } else if (r.is(AuditTypes.OBJ_PID)) {
                label = labelOfPid(AuditFields.getLong(r.body(), "opid", -1), eventMs);
                link = true;
            } else if (isUserType(r)) {
                label = labelOfPid(AuditFields.getLong(r.body(), "pid", -1), eventMs);
                isSubject = true;
            } else if (netfilter != null && r.is(AuditTypes.NETFILTER_PKT)) {
                chains = netfilterChains(r.body());
                link = true;
            }
            if (label != null) {
                chains = label.chain();
            }
            if (chains == null) {
                if (out != null) {
                    out.add(r);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(in.size() + 2);
                out.addAll(in.subList(0, i));
            }
            n++;
            AuditRecord cid = AuditRecord.canister(CanisterTypes.CONTAINER_ID, r.stamp(),
                    "record=" + n + " contid=" + chains);
            AuditRecord linked = link ? r.withBody(r.body() + " record=" + n) : r;
            if (placement == Placement.BEFORE) {
                out.add(cid);
                out.add(linked);
            } else {
                out.add(linked);
                out.add(cid);
            }
            if (isSubject && subject == null) {
                subject = label.toChain();
            }
            if (label == null) {
                netfilterAnnotated++;
            }
        }
        if (out == null) {
            return new Result(event, null, 0);
        }
        annotated++;
        records += n;
        return new Result(event.withRecords(out), subject, n);
    }

    /** Counters since construction. */
    public Stats stats() {
        return new Stats(events, annotated, records, viaPpid, unknownSubjects, netfilterPackets, netfilterAnnotated,
                netfilterByMark);
    }

    /** The container list for a NETFILTER_PKT body, or null for none (see the class comment). */
    private String netfilterChains(String body) {
        netfilterPackets++;
        long netns = netfilter.hostNetns();
        if (netfilter.markNetns()) {
            long mark = parseMark(AuditFields.get(body, "mark"));
            if (mark >= NSFS_INODE_FLOOR) {
                String named = netfilter.containers().chains(mark);
                if (named != null) {
                    netfilterByMark++;
                }
                return named;
            }
        }
        return netfilter.containers().chains(netns);
    }

    /**
     * {@code mark=%#x} as the kernel prints it ({@code 0x15766399}, {@code 0x0}); absent (older xt_AUDIT
     * printed it only when non-zero) or malformed reads as 0, i.e. unmarked.
     */
    static long parseMark(String value) {
        if (value == null) {
            return 0;
        }
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) {
                return Long.parseLong(value, 2, value.length(), 16);
            }
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private ContidObject syscallSubject(String body, long eventMs) {
        long pid = AuditFields.getLong(body, "pid", -1);
        long ppid = AuditFields.getLong(body, "ppid", -1);
        Task t = incarnation(pid, ppid, eventMs);
        if (t != null) {
            return ContidRegistry.labelOf(t);
        }
        // The proc connector has not told us about this task yet: a fresh child has its parent's label.
        Task parent = incarnation(ppid, -1, eventMs);
        if (parent == null) {
            unknownSubjects++;
            return null;
        }
        ContidObject label = ContidRegistry.labelOf(parent);
        if (label != null) {
            viaPpid++;
        }
        return label;
    }

    private ContidObject labelOfPid(long pid, long eventMs) {
        Task t = incarnation(pid, -1, eventMs);
        return t == null ? null : ContidRegistry.labelOf(t);
    }

    /**
     * The incarnation of {@code pid} an event stamped {@code eventMs} is about, or null when the table
     * knows none that fits (see "Reused pids" in the class comment).
     *
     * @param ppid the event's {@code ppid=}, or -1 when the record has none
     */
    private Task incarnation(long pid, long ppid, long eventMs) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return null;
        }
        Task holder = table.taskOrTombstone((int) pid);
        Task tomb = table.tombstone((int) pid);
        if (holder == null) {
            return null;
        }
        if (tomb == null || tomb == holder) {
            if (holder == tomb && clocksKnown
                    && eventMs > tomb.exitTimeNs() / 1_000_000 + wallMinusMonotonicMs + INCARNATION_SLACK_MS) {
                // Only a tombstone, gone before the event: the pid names a newer incarnation whose fork the
                // proc connector has not delivered yet. (A live group whose leader exited is no tombstone.)
                return null;
            }
            return holder;
        }
        // Two incarnations: the live holder and the most recent exited one (pid reused within the grace).
        if (clocksKnown) {
            long holderStart = holder.startTime() * MS_PER_TICK + wallMinusBootMs;
            long tombStart = tomb.startTime() * MS_PER_TICK + wallMinusBootMs;
            if (eventMs < holderStart - INCARNATION_SLACK_MS && eventMs >= tombStart - INCARNATION_SLACK_MS) {
                return tomb; // before the holder started (a guessed start is a lower bound: still before)
            }
            if (eventMs >= holderStart + INCARNATION_SLACK_MS && !holder.startTimeGuessed()) {
                return holder; // the tomb had exited before the holder's fork could take the pid
            }
            // Inside the clocks' error, or before both (a wall-clock step): the parent decides.
        }
        if (ppid > 0 && holder.ppid() != ppid && tomb.ppid() == ppid) {
            return tomb;
        }
        return holder;
    }

    /**
     * User-space message types the kernel relays with the sender's {@code pid=}
     * (include/uapi/linux/audit.h: AUDIT_USER 1005, AUDIT_FIRST_USER_MSG..AUDIT_LAST_USER_MSG
     * 1100-1199, AUDIT_FIRST_USER_MSG2..AUDIT_LAST_USER_MSG2 2100-2999).
     */
    static boolean isUserType(AuditRecord r) {
        if (r.numbering() != AuditRecord.Numbering.LINUX) {
            return false;
        }
        int t = r.type();
        return t == AuditTypes.USER || (t >= 1100 && t <= 1199) || (t >= 2100 && t <= 2999);
    }
}
