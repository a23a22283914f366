package org.canister.linux.audit;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.audit.AuditTypes;
import org.canister.linux.DatagramBatch;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.NativeBuffer;

/**
 * A client of the kernel audit netlink socket ({@code socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC,
 * NETLINK_AUDIT)}, as audit-userspace lib/netlink.c opens it).
 *
 * <p>Requests ({@link #status}, {@link #set}, rules) are sent with NLM_F_ACK and wait for the
 * kernel's acknowledgement and, where there is one, its reply (AUDIT_GET replies come from a
 * separate kernel thread, so they may arrive before or after the ack). A kernel refusal becomes
 * an {@link ErrnoException} naming the request. Event records that arrive on the same socket while
 * a request waits are kept and handed out by the next {@link #receive}.
 *
 * <p>Two ways to receive records (audit-contid.md section 3 and 6.2 req. 15):
 * <ul>
 *   <li>{@link #registerAsDaemon()}: AUDIT_SET pid = our tgid makes this socket the audit daemon;
 *       records arrive by unicast with the payload-length {@code nlmsg_len} quirk, and the kernel
 *       blocks (up to {@code backlog_wait_time}) when we do not read. Refused with EEXIST while
 *       a healthy auditd holds the pid.</li>
 *   <li>{@link #openMulticastReader}: joins AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ) beside
 *       auditd; best effort, overruns show up as ENOBUFS, counted in {@link Counters#overruns}.</li>
 * </ul>
 * Datagrams whose sender {@code nl_pid} is not 0 (the kernel) are ignored and counted, as libaudit
 * does ("Spoofed packet received on audit netlink socket").
 *
 * <p>Not thread-safe: one agent thread owns a socket. {@link #close()} unregisters the daemon pid
 * if this socket registered it, so audit is never left pointed at a dead reader.
 */
public final class AuditNetlink implements AutoCloseable {

    /** AUDIT_NLGRP_READLOG. */
    public static final int NLGRP_READLOG = 1;
    /** Default receive buffer for an event socket (the kernel doubles the value for bookkeeping). */
    public static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    /** How long a request waits for the kernel's answer. */
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 2000;
    /** Datagrams one {@link #receive} call drains at most, so the caller's duty cycle keeps turning. */
    static final int MAX_DATAGRAMS_PER_RECEIVE = 4096;
    static final int EVENT_SLOTS = 64;
    private static final int OVERRUN = -2;
    static final int EVENT_SLOT_SIZE = 16 * 1024;
    private boolean drained = true;

    /** AUDIT_REPLACE: the kernel's liveness probe of the registered daemon (payload: the new pid). */
    static final int AUDIT_REPLACE = 1329;

    private static final int EPERM = 1;
    private static final int EEXIST = 17;
    private static final int ETIMEDOUT = 110;
    private static final int ENOBUFS = 105;
    private static final int ECONNREFUSED = 111;

    /**
     * Counters since the socket was opened: datagrams received; records handed out; datagrams
     * ignored because a process other than the kernel sent them; receive overruns (ENOBUFS);
     * malformed messages or records; datagrams larger than the receive buffer; control messages
     * that answered no pending request; datagrams read with the unicast length quirk.
     */
    public record Counters(long datagrams, long records, long spoofed, long overruns, long malformed,
                           long truncated, long ignored, long unicastQuirk) {
    }

    private final int fd;
    private final boolean multicast;
    private final NativeBuffer buffer = NativeBuffer.allocate(128 * 1024);
    /**
     * The event stream's receive batch. A kernel record is at most MAX_AUDIT_MESSAGE_LENGTH (8970) bytes
     * of text plus the header (include/uapi/linux/audit.h); a larger one is counted as truncated.
     */
    private final DatagramBatch batch = DatagramBatch.allocate(EVENT_SLOTS, EVENT_SLOT_SIZE);
    private int lastBatch;
    private final byte[] scratch = new byte[128 * 1024];
    private final ArrayDeque<AuditRecord> pending = new ArrayDeque<>();
    private int seq = 1;
    private boolean registered;
    private boolean closed;
    private int receiveBufferBytes;
    /** This socket's inode (for /proc/net/netlink), -1 until looked up, 0 when unknown. */
    private long inode = -1;

    private long datagrams;
    private long records;
    private long spoofed;
    private long overruns;
    private long malformed;
    private long truncated;
    private long ignored;
    private long unicastQuirk;

    private AuditNetlink(int fd, boolean multicast) {
        this.fd = fd;
        this.multicast = multicast;
    }

    /** Opens a socket for requests (status, settings, rules) that may later {@link #registerAsDaemon()}. */
    public static AuditNetlink open() {
        return new AuditNetlink(socket(), false);
    }

    /**
     * Opens a multicast reader: joins AUDIT_NLGRP_READLOG with the given receive buffer.
     *
     * @throws ErrnoException {@code bind} EPERM without CAP_AUDIT_READ; ECONNREFUSED outside the
     *                        initial user namespace
     */
    public static AuditNetlink openMulticastReader(int receiveBuffer) {
        int fd = socket();
        AuditNetlink nl = new AuditNetlink(fd, true);
        try {
            nl.setReceiveBuffer(receiveBuffer);
            try {
                Libc.bindNetlink(fd, 0, 1 << (NLGRP_READLOG - 1));
            } catch (ErrnoException e) {
                throw new ErrnoException("bind to AUDIT_NLGRP_READLOG (a multicast reader needs CAP_AUDIT_READ"
                        + " in the initial user namespace)", e.errno());
            }
            return nl;
        } catch (RuntimeException e) {
            nl.closeQuietly();
            throw e;
        }
    }

    private static int socket() {
        try {
            return Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_AUDIT);
        } catch (ErrnoException e) {
            throw new ErrnoException("socket(AF_NETLINK, NETLINK_AUDIT) (is the kernel built with CONFIG_AUDIT?)", e.errno());
        }
    }

    /**
     * Sets the socket receive buffer (SO_RCVBUFFORCE when privileged, so net.core.rmem_max does not
     * cap it; SO_RCVBUF otherwise); returns the size the kernel granted.
     */
    public int setReceiveBuffer(int bytes) {
        checkOpen();
        try {
            Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, bytes);
        } catch (ErrnoException e) {
            if (e.errno() != EPERM) {
                throw e;
            }
            Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, bytes);
        }
        receiveBufferBytes = Libc.getsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
        return receiveBufferBytes;
    }

    /**
     * NETLINK_NO_ENOBUFS: the kernel no longer marks this socket congested after a dropped datagram
     * (netlink_overrun sets NETLINK_S_CONGESTED, which then refuses or stalls every delivery until the
     * receive queue has been drained completely) and {@code recv} no longer reports ENOBUFS; drops are
     * still counted in the socket's {@code sk_drops} ({@code Drops} in /proc/net/netlink). auditd does
     * this since 4.0.2 (audit-userspace abea35d2 "prevent netlink congestion").
     */
    public void setNoEnobufs() {
        checkOpen();
        Libc.setsockoptInt(fd, Libc.SOL_NETLINK, Libc.NETLINK_NO_ENOBUFS, 1);
    }

    /**
     * Datagrams the kernel dropped for this socket because its receive buffer was full: the
     * socket's {@code sk_drops}, the {@code Drops} column of {@code /proc/net/netlink} (found by the
     * socket's inode). Unlike ENOBUFS reports ({@link Counters#overruns()}, one per congestion episode,
     * none with {@link #setNoEnobufs()}), this counts every datagram.
     *
     * @return the count, or -1 when {@code /proc} does not say (e.g. the socket is not bound yet: it
     *         is listed from its first send or bind on)
     */
    public long kernelDrops() {
        checkOpen();
        try {
            if (inode < 0) {
                String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
                inode = link.startsWith("socket:[") ? Long.parseLong(link.substring(8, link.length() - 1)) : 0;
            }
            if (inode == 0) {
                return -1;
            }
            return dropsOf(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/netlink")), inode);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The Drops column of the /proc/net/netlink row whose Inode column is {@code inode}, or -1. */
    static long dropsOf(List<String> procNetNetlink, long inode) {
        for (String line : procNetNetlink) {
            String[] f = line.trim().split("\\s+");
            // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode (net/netlink/af_netlink.c netlink_seq_show)
            if (f.length >= 10 && !f[0].equals("sk")) {
                try {
                    if (Long.parseLong(f[9]) == inode) {
                        return Long.parseLong(f[8]);
                    }
                } catch (NumberFormatException e) {
                    // not a data row
                }
            }
        }
        return -1;
    }

    /** The receive buffer granted by the last {@link #setReceiveBuffer}, 0 if never set. */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /** AUDIT_GET: the kernel's audit status. */
    public AuditStatus status() {
        Reply r = transact("AUDIT_GET", AuditTypes.GET, new byte[0], AuditTypes.GET, false);
        byte[] p = r.payloads.get(0);
        return AuditStatus.decode(ByteBuffer.wrap(p), 0, p.length);
    }

    /**
     * AUDIT_SET of one status field.
     *
     * @throws ErrnoException EPERM when audit is locked ({@code enabled 2}) or the caller lacks
     *                        CAP_AUDIT_CONTROL; EINVAL for a value the kernel refuses
     */
    public void set(AuditStatusField field, long value) {
        if (field == AuditStatusField.PID) {
            throw new IllegalArgumentException("use registerAsDaemon/unregisterAsDaemon to set the audit pid");
        }
        transact("AUDIT_SET " + name(field) + "=" + value, AuditTypes.SET, AuditStatus.set(field, value).encode(), -1, false);
    }

    /** AUDIT_SET mask=LOST: resets the kernel's lost counter and returns its old value. */
    public long resetLost() {
        Reply r = transact("AUDIT_SET lost=0", AuditTypes.SET, AuditStatus.set(AuditStatusField.LOST, 0).encode(), -1, false);
        return Integer.toUnsignedLong(r.ackValue);
    }

    /**
     * Registers this process as the audit daemon (AUDIT_SET pid = our tgid). Records then arrive
     * on this socket by unicast.
     *
     * @throws ErrnoException EEXIST (with the holder's pid and what to do) when another healthy
     *                        audit daemon is registered
     */
    public void registerAsDaemon() {
        checkOpen();
        int pid = Libc.getpid();
        try {
            transact("AUDIT_SET pid=" + pid, AuditTypes.SET, AuditStatus.set(AuditStatusField.PID, pid).encode(), -1, false);
        } catch (ErrnoException e) {
            if (e.errno() == EEXIST) {
                long holder = -1;
                try {
                    holder = status().pid();
                } catch (RuntimeException ignored) {
                    // the hint is best effort
                }
                throw new ErrnoException("AUDIT_SET pid=" + pid + " (audit daemon pid " + holder
                        + " is registered, probably auditd: stop it (systemctl stop auditd) or run Canister as a"
                        + " multicast reader beside it)", EEXIST);
            }
            throw e;
        }
        registered = true;
    }

    /** Unregisters this process as the audit daemon (AUDIT_SET pid = 0); no-op when not registered. */
    public void unregisterAsDaemon() {
        if (!registered) {
            return;
        }
        transact("AUDIT_SET pid=0", AuditTypes.SET, AuditStatus.set(AuditStatusField.PID, 0).encode(), -1, false);
        registered = false;
    }

    /** Whether this socket registered the process as the audit daemon. */
    public boolean isRegisteredDaemon() {
        return registered;
    }

    /**
     * AUDIT_ADD_RULE.
     *
     * @throws ErrnoException EEXIST when the same rule is already loaded; EINVAL when the kernel
     *                        refuses a field (e.g. {@code uid=-1} with {@code =})
     */
    public void addRule(AuditRule rule) {
        addRuleData(AuditRuleData.encode(rule), rule.toString());
    }

    /** AUDIT_ADD_RULE of encoded rule bytes (the description names it in errors). */
    public void addRuleData(byte[] ruleData, String description) {
        transact("AUDIT_ADD_RULE " + description, AuditTypes.ADD_RULE, ruleData, -1, false);
    }

    /**
     * AUDIT_DEL_RULE (the kernel compares the rule without AUDIT_FILTER_PREPEND).
     *
     * @throws ErrnoException ENOENT when no such rule is loaded
     */
    public void deleteRule(AuditRule rule) {
        deleteRuleData(AuditRuleData.encode(rule.withoutPrepend()), rule.toString());
    }

    /** AUDIT_DEL_RULE of encoded rule bytes. */
    public void deleteRuleData(byte[] ruleData, String description) {
        transact("AUDIT_DEL_RULE " + description, AuditTypes.DEL_RULE, ruleData, -1, false);
    }

    /** AUDIT_LIST_RULES: the loaded rules, in the kernel's order, as raw audit_rule_data bytes. */
    public List<byte[]> listRuleData() {
        return transact("AUDIT_LIST_RULES", AuditTypes.LIST_RULES, new byte[0], AuditTypes.LIST_RULES, true).payloads;
    }

    /** AUDIT_LIST_RULES, decoded. */
    public List<AuditRule> listRules() {
        List<AuditRule> rules = new ArrayList<>();
        for (byte[] d : listRuleData()) {
            rules.add(AuditRuleData.decode(d));
        }
        return rules;
    }

    /**
     * Hands every record that has arrived to {@code sink}, waiting up to {@code timeoutMs} for the
     * first datagram (0: do not wait; negative: wait forever).
     *
     * @return the number of records handed out
     */
    public int receive(Consumer<AuditRecord> sink, int timeoutMs) {
        checkOpen();
        int n = 0;
        while (!pending.isEmpty()) {
            sink.accept(pending.poll());
            n++;
        }
        drained = false;
        if (n == 0 && Libc.poll(fd, Libc.POLLIN, timeoutMs) == 0) {
            drained = true;
            return 0;
        }
        for (int i = 0; i < MAX_DATAGRAMS_PER_RECEIVE; i += lastBatch) {
            lastBatch = 1;
            int got = receiveBatch(sink);
            if (got == OVERRUN) {
                continue; // counted; the queue is still full: keep reading
            }
            if (got < 0) {
                drained = true;
                break;
            }
            n += got;
            if (lastBatch < batch.slots()) {
                // recvmmsg with MSG_DONTWAIT stops short only when the queue ran dry: no EAGAIN call needed
                drained = true;
                break;
            }
        }
        return n;
    }

    /**
     * Whether the last {@link #receive} emptied the socket (false: it stopped at its datagram limit and
     * more is queued, so the caller should not wait before the next).
     */
    public boolean drained() {
        return drained;
    }

    /** Counters since open. */
    public Counters counters() {
        return new Counters(datagrams, records, spoofed, overruns, malformed, truncated, ignored, unicastQuirk);
    }

    /** The socket descriptor (for an agent's poll set). */
    public int fd() {
        return fd;
    }

    /** Whether this is a multicast reader. */
    public boolean isMulticastReader() {
        return multicast;
    }

    /** Unregisters the daemon pid if this socket registered it, then closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (registered) {
                unregisterAsDaemon();
            }
        } finally {
            closed = true;
            try {
                Libc.close(fd);
            } finally {
                buffer.close();
                batch.close();
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // keep the original failure
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("audit netlink socket is closed");
        }
    }

    private static String name(AuditStatusField field) {
        return field.name().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- requests ----

    /** What a request got back. */
    private static final class Reply {
        final int seq;
        final int replyType;
        final List<byte[]> payloads = new ArrayList<>();
        boolean acked;
        int ackValue;
        int error;
        boolean done;

        Reply(int seq, int replyType) {
            this.seq = seq;
            this.replyType = replyType;
        }
    }

    private Reply transact(String call, int type, byte[] payload, int replyType, boolean multipart) {
        checkOpen();
        int mySeq = seq++;
        if (seq == Integer.MAX_VALUE) {
            seq = 1;
        }
        byte[] msg = AuditNetlinkCodec.request(type, mySeq, payload);
        try {
            Libc.sendtoNetlink(fd, msg, 0, msg.length, 0, 0, 0);
        } catch (ErrnoException e) {
            if (e.errno() == ECONNREFUSED) {
                throw new ErrnoException(call + " (the kernel refuses audit netlink to processes outside the initial"
                        + " user namespace)", e.errno());
            }
            throw new ErrnoException(call, e.errno());
        }
        Reply reply = new Reply(mySeq, replyType);
        long deadline = System.nanoTime() + DEFAULT_REQUEST_TIMEOUT_MS * 1_000_000L;
        while (!complete(reply, multipart)) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0) {
                throw new ErrnoException(call + " (no answer from the kernel within " + DEFAULT_REQUEST_TIMEOUT_MS + " ms)", ETIMEDOUT);
            }
            if (Libc.poll(fd, Libc.POLLIN, (int) Math.min(leftMs, 100)) == 0) {
                continue;
            }
            while (receiveOne(reply, pending::add) >= 0 && !complete(reply, multipart)) {
                // drain what is queued
            }
            if (reply.error != 0) {
                throw new ErrnoException(call, reply.error);
            }
        }
        return reply;
    }

    private static boolean complete(Reply r, boolean multipart) {
        if (r.error != 0) {
            return true;
        }
        if (!r.acked) {
            return false;
        }
        if (r.replyType < 0) {
            return true;
        }
        return multipart ? r.done : !r.payloads.isEmpty();
    }

    /**
     * Receives one datagram without blocking; records go to {@code sink}, answers to {@code reply}.
     *
     * @return records handed to the sink, or -1 when nothing was queued
     */
    private int receiveOne(Reply reply, Consumer<AuditRecord> sink) {
        int n;
        try {
            n = Libc.recvfrom(fd, buffer, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC);
        } catch (ErrnoException e) {
            return overrun(e);
        }
        if (n < 0) {
            return -1;
        }
        return handle(buffer.buffer(), n, buffer.capacity(), buffer.sourcePid(), reply, sink);
    }

    /** ENOBUFS: the kernel dropped datagrams for us (a reader falling behind); counted, reported by the caller. */
    private int overrun(ErrnoException e) {
        if (e.errno() != ENOBUFS) {
            throw e;
        }
        overruns++;
        return 0;
    }

    /**
     * Takes what is queued for the event stream, a batch of datagrams per recvmmsg(2) call. The event
     * socket sets NETLINK_NO_ENOBUFS, so a short count means the queue ran dry.
     *
     * @return records handed to the sink, -1 when nothing was queued, {@link #OVERRUN} on ENOBUFS
     */
    private int receiveBatch(Consumer<AuditRecord> sink) {
        int got;
        try {
            got = Libc.recvmmsg(fd, batch, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC);
        } catch (ErrnoException e) {
            overrun(e);
            return OVERRUN;
        }
        if (got == 0) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < got; i++) {
            n += handle(batch.datagram(i), batch.length(i), batch.slotSize(), batch.sourcePid(i), null, sink);
        }
        lastBatch = got;
        return n;
    }

    /** One received datagram ({@code b} from position 0, {@code n} its real length, {@code capacity} what fit). */
    private int handle(ByteBuffer b, int n, int capacity, int sourcePid, Reply reply, Consumer<AuditRecord> sink) {
        datagrams++;
        if (n > capacity) {
            truncated++;
            return 0;
        }
        if (sourcePid != 0) {
            // libaudit: "Spoofed packet received on audit netlink socket"
            spoofed++;
            return 0;
        }
        int[] delivered = {0};
        AuditNetlinkCodec.Result result = AuditNetlinkCodec.decode(b, n, registered, (type, flags, msgSeq, buf, off, len) -> {
            if (type == Libc.NLMSG_ERROR) {
                if (reply != null && len >= 4 && msgSeq == reply.seq) {
                    int err = AuditNetlinkCodec.ackError(buf, off);
                    if (err < 0) {
                        reply.error = -err;
                    } else {
                        reply.acked = true;
                        reply.ackValue = err;
                    }
                } else {
                    ignored++;
                }
            } else if (type == Libc.NLMSG_DONE) {
                if (reply != null && msgSeq == reply.seq) {
                    reply.done = true;
                } else {
                    ignored++;
                }
            } else if (type == AUDIT_REPLACE) {
                // the kernel probing whether we are alive before refusing another daemon: nothing to answer
                ignored++;
            } else if (isRecordType(type)) {
                buf.get(off, scratch, 0, len);
                AuditRecord r = AuditRecordText.tryParse(type, scratch, 0, len);
                if (r == null) {
                    malformed++;
                } else {
                    records++;
                    sink.accept(r);
                    delivered[0]++;
                }
            } else if (reply != null && type == reply.replyType && msgSeq == reply.seq) {
                byte[] copy = new byte[len];
                buf.get(off, copy, 0, len);
                reply.payloads.add(copy);
            } else {
                ignored++;
            }
        });
        if (result.malformed()) {
            malformed++;
        }
        if (result.quirk()) {
            unicastQuirk++;
        }
        return delivered[0];
    }

    /**
     * Whether a message type is an audit record (text with a stamp) rather than a control reply:
     * user and kernel event types from AUDIT_FIRST_USER_MSG (1100) up, plus AUDIT_USER (1005) and
     * AUDIT_LOGIN (1006); 1000..1099 are the control messages of include/uapi/linux/audit.h.
     */
    static boolean isRecordType(int type) {
        return type >= AuditTypes.FIRST_USER_MSG || type == AuditTypes.USER || type == AuditTypes.LOGIN;
    }
}
