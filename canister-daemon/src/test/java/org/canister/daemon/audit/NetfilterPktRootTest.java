package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.canister.core.contid.ContidChain;
import org.canister.daemon.Daemon;
import org.canister.daemon.config.CanisterConfig;
import org.canister.linux.proc.ProcFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NETFILTER_PKT annotation through the whole daemon on the real kernel (spec/audit-contid.md 2 TC10 and
 * 6.2 req. 10). Two host-netns children of this JVM are labelled n1 and n2 and a third, in its own
 * netns ({@code unshare -n sleep}), n3, through the control filesystem. An nftables table of this test
 * (unique name, deleted in any case) marks and audits ({@code log level audit}) loopback probes: to
 * 127.0.0.2 with a foreign mark, whose event must list exactly n1 and n2 (host netns); to 127.0.0.3
 * with n3's netns inode as mark (the mark convention is on), whose event must list exactly n3.
 *
 * <p>The daemon runs unicast when the kernel link is free, else as a multicast reader beside the
 * audit daemon that holds it (NETFILTER_PKT needs no rule, and multicast reads the same records, best
 * effort, so probes are repeated until one is logged). Skips with the reason without root, auditctl,
 * FUSE, nft, unshare, or nf_tables with {@code log level audit}.
 */
@Tag("root")
class NetfilterPktRootTest {
    private static final Path NFT = Path.of("/usr/sbin/nft");
    private static final Path PING = Path.of("/usr/bin/ping");

    @TempDir
    Path dir;
    private Daemon daemon;
    private final List<Process> children = new ArrayList<>();
    private String table;
    private String mode;
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private final ByteArrayOutputStream daemonLog = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(org.canister.linux.Libc.geteuid() == 0, "needs root (audit netlink, nftables)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/auditctl")),
                "needs auditctl (apt-get install auditd; do not leave auditd running)");
        AuditRootSupport.assumeFuse();
        Assumptions.assumeTrue(Files.isExecutable(NFT), "needs nft (apt-get install nftables)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "needs util-linux unshare");
        statusBefore = AuditRootSupport.auditStatus();
        rulesBefore = AuditRootSupport.auditRules();
        Assumptions.assumeTrue(!"2".equals(statusBefore.get("enabled")), "kernel audit is locked (enabled 2) until reboot");
        mode = "0".equals(statusBefore.get("pid")) ? "unicast" : "multicast";

        table = "canister_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffff_ffffL);
        AuditRootSupport.Result r = AuditRootSupport.run(NFT.toString(), "add", "table", "inet", table);
        Assumptions.assumeTrue(r.exit() == 0, "the kernel refused an nftables table (nf_tables missing?): " + r.out());
        nft("add", "chain", "inet", table, "out", "{ type filter hook output priority 0 ; policy accept ; }");

        CanisterConfig base = AuditRootSupport.config(dir, mode, dir.resolve("no-such.rules"));
        CanisterConfig config = base.withAudit(base.audit().withNetfilterMarkNetns(true));
        assertThat(config.audit().backlogWaitTime()).isZero();
        try {
            daemon = Daemon.start(config, new PrintStream(daemonLog, true, StandardCharsets.UTF_8));
        } catch (Daemon.StartupException e) {
            // registration raced with another audit daemon (EEXIST): not this test's subject
            Assumptions.assumeFalse(e.getMessage().contains("another audit daemon holds"), e.getMessage());
            throw e;
        }
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (table != null) {
                // Kernel safety: the table of this test goes whatever happened.
                AuditRootSupport.Result r = AuditRootSupport.run(NFT.toString(), "delete", "table", "inet", table);
                assertThat(AuditRootSupport.run(NFT.toString(), "list", "tables").out())
                        .as("nft delete table: %s", r.out()).doesNotContain(table);
            }
        } finally {
            for (Process p : children) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            if (daemon != null) {
                daemon.close();
                if (mode.equals("unicast")) {
                    AuditRootSupport.assertRestored(statusBefore, rulesBefore);
                }
            }
        }
    }

    @Test
    void shouldListTheContainersOfTheHostNetnsAndTheNetnsTheMarkNames() throws Exception {
        long n1 = 7_100_000_000_001L;
        long n2 = 7_100_000_000_002L;
        long n3 = 7_100_000_000_003L;
        Process c1 = child("/bin/sleep", "60");
        Process c2 = child("/bin/sleep", "60");
        Process c3 = child("/usr/bin/unshare", "-n", "/bin/sleep", "60");
        long hostNetns = netns("self");
        long otherNetns = awaitOtherNetns(c3.pid(), hostNetns);
        label(c1.pid(), n1);
        label(c2.pid(), n2);
        label(c3.pid(), n3); // the set reads its netns from /proc: the table then knows it left the host's

        // A foreign mark (not shaped like an nsfs inode) identifies the probe and falls back to the host netns.
        long foreign = 0x0100_0000L + ThreadLocalRandom.current().nextLong(0x0f00_0000L);
        nft("add", "rule", "inet", table, "out", "ip", "daddr", "127.0.0.2", "meta", "l4proto", "{", "icmp", ",", "udp",
                "}", "meta", "mark", "set", hex(foreign), "log", "level", "audit");
        nft("add", "rule", "inet", table, "out", "ip", "daddr", "127.0.0.3", "meta", "l4proto", "{", "icmp", ",", "udp",
                "}", "meta", "mark", "set", hex(otherNetns), "log", "level", "audit");

        List<String> host = awaitPacketEvent("127.0.0.2", foreign);
        assertThat(contidList(host)).as("host netns: n1 and n2, not n3 (in net:[%d])", otherNetns)
                .containsExactlyInAnyOrder(ContidChain.of(n1), ContidChain.of(n2));

        List<String> marked = awaitPacketEvent("127.0.0.3", otherNetns);
        assertThat(contidList(marked)).as("the netns the mark names").containsExactly(ContidChain.of(n3));
        // and the metrics count them (the reader publishes its counters after each batch)
        String metrics = daemon.audit().metricsText();
        assertThat(metrics).containsPattern("canister_audit_netfilter_annotated_total [1-9]")
                .containsPattern("canister_audit_netfilter_by_mark_total [1-9]");
    }

    private Process child(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        children.add(p);
        return p;
    }

    private void label(long pid, long contid) throws Exception {
        Path proc = dir.resolve("fs").resolve("proc").resolve(Long.toString(pid));
        AuditRootSupport.awaitLines(dir.resolve("fs").resolve("status"), 10, l -> Files.isDirectory(proc),
                "proc/" + pid);
        Files.writeString(proc.resolve("audit_containerid"), contid + "\n");
    }

    /** Waits until {@code unshare -n} moved {@code pid} into a netns of its own and exec'd sleep. */
    private static long awaitOtherNetns(long pid, long host) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            long net = netns(Long.toString(pid));
            String comm = Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
            if (net != host && comm.equals("sleep")) {
                return net;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("unshare -n did not move " + pid + " into a netns of its own");
    }

    private static long netns(String pid) throws Exception {
        return ProcFs.parseNamespaceLink(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString());
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private void nft(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = NFT.toString();
        System.arraycopy(args, 0, argv, 1, args.length);
        AuditRootSupport.Result r = AuditRootSupport.run(argv);
        assertThat(r.exit()).as("nft %s: %s", String.join(" ", args), r.out()).isZero();
    }

    /**
     * Sends probes to {@code daddr} until the host log holds the NETFILTER_PKT event of one (its mark and
     * address), complete (NETFILTER_PKT has no EOE: the 2 s end-of-event timeout closes it); returns its
     * lines.
     */
    private List<String> awaitPacketEvent(String daddr, long mark) throws Exception {
        Path hostLog = dir.resolve("log").resolve("audit.log");
        String needle = "mark=" + hex(mark) + " ";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            probe(daddr);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < until) {
                for (List<String> event : AuditRootSupport.events(hostLog).values()) {
                    String pkt = event.get(0).startsWith("type=NETFILTER_PKT ") ? event.get(0)
                            : event.size() > 1 && event.get(1).startsWith("type=NETFILTER_PKT ") ? event.get(1) : null;
                    if (pkt != null && pkt.contains(needle) && pkt.contains(" daddr=" + daddr + " ")) {
                        String stamp = AuditTail.stampOf(pkt);
                        assertThat(event).as("the packet event").hasSize(2);
                        assertThat(pkt).endsWith(" record=1");
                        assertThat(event.get(1)).as("CONTAINER_ID after the packet (container-id-position: after)")
                                .startsWith("type=CONTAINER_ID msg=audit(" + stamp + "): record=1 contid=");
                        return event;
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("no NETFILTER_PKT with " + needle + "daddr=" + daddr + " in " + hostLog
                + " (mode " + mode + "; kernel audit now " + AuditRootSupport.auditStatus()
                + ": another process may have disabled audit meanwhile); daemon said:\n"
                + daemonLog.toString(StandardCharsets.UTF_8));
    }

    private static void probe(String daddr) throws Exception {
        if (Files.isExecutable(PING)) {
            AuditRootSupport.run(PING.toString(), "-c1", "-W1", daddr);
        } else {
            try (DatagramSocket s = new DatagramSocket()) {
                byte[] b = "canister".getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(b, b.length, InetAddress.getByName(daddr), 9));
            }
        }
    }

    private static Set<ContidChain> contidList(List<String> event) {
        String line = event.get(1);
        String list = line.substring(line.indexOf(" contid=") + " contid=".length());
        List<ContidChain> chains = ContidChain.parseAll(list);
        Set<ContidChain> set = new HashSet<>(chains);
        assertThat(set).as("no container twice in %s", list).hasSize(chains.size());
        return set;
    }
}
