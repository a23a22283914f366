package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.filter.EventFilter;
import org.canister.core.contid.ContidChain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditRouterTest {
    /** Blocking reads get threads of their own, never the common pool (one thread on two cores). */
    private static final java.util.concurrent.Executor BLOCKING = r -> Thread.ofVirtual().start(r);

    @TempDir
    Path dir;
    private final ByteArrayOutputStream diag = new ByteArrayOutputStream();
    private final PrintStream diagOut = new PrintStream(diag, true, StandardCharsets.UTF_8);
    private final AtomicLong serial = new AtomicLong(1L << 31);
    private final DaemonStamps stamps = new DaemonStamps() {
        @Override
        public AuditStamp next(long wallClockMs) {
            return new AuditStamp(wallClockMs / 1000, (int) (wallClockMs % 1000), serial.getAndIncrement());
        }

        @Override
        public void observeKernelLocked(AuditStamp kernel) {
        }
    };
    private AuditRouter router;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        if (router != null) {
            router.close();
        }
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    private static final LogPolicy NO_LIMITS = new LogPolicy(0, 5, LogPolicy.MaxAction.ROTATE, 0,
            LogPolicy.SpaceAction.IGNORE, LogPolicy.FullAction.SUSPEND, 0, 0);

    private AuditRouter start(EventFilter global, EventFilter host, EventFilter containers, EventFilter socket,
                              boolean ancestors, int queue, int clientQueue) throws Exception {
        DiskGuard disk = new DiskGuard(dir, d -> 1L << 40, 0, 0);
        RotatingLog.ResumeRecord resume = AuditRouter.resumeRecords(stamps, CanisterTypes.Naming.NAMES);
        RotatingLog hostLog = RotatingLog.open(dir.resolve("audit.log"), NO_LIMITS, disk, resume, diagOut);
        ContainerLogs cl = new ContainerLogs(dir.resolve("containers"), NO_LIMITS, disk, resume, diagOut, 2);
        AuditSocketServer sock = AuditSocketServer.open(dir.resolve("audit.sock"),
                PosixFilePermissions.fromString("rw-r-----"), clientQueue, diagOut);
        router = AuditRouter.start(new AuditRouter.Settings(CanisterTypes.Naming.UNKNOWN_NUMBERS, queue, 0, global, host,
                containers, socket, ancestors, true, 0, 0), hostLog, cl, sock, stamps, diagOut);
        return router;
    }

    private static AuditEvent kernel(long serial, String contid, Completion completion) {
        AuditStamp s = new AuditStamp(1_700_000_000L, 1, serial);
        List<AuditRecord> r = new ArrayList<>();
        r.add(new AuditRecord(1300, s, "arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=" + serial
                + " uid=0 auid=0 key=\"k\"" + (contid == null ? "" : " record=1")));
        if (contid != null) {
            r.add(AuditRecord.canister(CanisterTypes.CONTAINER_ID, s, "record=1 contid=" + contid));
        }
        r.add(new AuditRecord(1327, s, "proctitle=74727565"));
        return new AuditEvent(s, r, completion);
    }

    private static AuditEvent drop(long serial, String chain) {
        AuditStamp s = new AuditStamp(1_700_000_001L, 0, serial);
        return new AuditEvent(s, List.of(AuditRecord.canister(CanisterTypes.CONTAINER_OP, s,
                "op=drop opid=77 contid=-1 old-contid=" + chain + " res=1")), Completion.ORIGINATED);
    }

    private String read(String rel) throws Exception {
        Path p = dir.resolve(rel);
        return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
    }

    private SocketChannel connect() throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(dir.resolve("audit.sock")));
        closeAfter.add(ch);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (router.stats().socketClients() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return ch;
    }

    @Test
    void shouldWriteEverythingToTheHostLogAndEachEventToItsLeafContainersLog() throws Exception {
        start(EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, false, 1024, 64);
        router.submit(kernel(10, "4,^2,^1", Completion.EOE), ContidChain.of(4, 2, 1));
        router.submit(kernel(11, null, Completion.EOE), null);
        router.submit(drop(12, "4,^2,^1"));
        assertThat(router.awaitRouted(5000)).isTrue();

        String host = read("audit.log");
        assertThat(host).contains(":10): ").contains(":11): ").contains(":12): ")
                .contains("type=CONTAINER_ID msg=audit(1700000000.001:10): record=1 contid=4,^2,^1")
                .contains("type=UNKNOWN[1020] msg=audit(1700000001.000:12): op=drop").doesNotContain("type=EOE");
        String c4 = read("containers/4/audit.log");
        assertThat(c4).contains(":10): ").contains(":12): ").doesNotContain(":11): ");
        assertThat(read("containers/2/audit.log")).isEmpty();
        assertThat(router.stats().hostWritten()).isEqualTo(3);
        assertThat(router.stats().containerWritten()).isEqualTo(2);
    }

    @Test
    void shouldAlsoWriteToEnclosingContainersWhenAsked() throws Exception {
        start(EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, true, 1024, 64);
        router.submit(kernel(10, "4,^2,^1", Completion.EOE), ContidChain.of(4, 2, 1));
        router.submit(kernel(11, "5,^2,^1", Completion.EOE), ContidChain.of(5, 2, 1));
        assertThat(router.awaitRouted(5000)).isTrue();

        assertThat(read("containers/4/audit.log")).contains(":10): ").doesNotContain(":11): ");
        assertThat(read("containers/2/audit.log")).contains(":10): ").contains(":11): ");
        assertThat(read("containers/1/audit.log")).contains(":10): ").contains(":11): ");
        // max-open 2: three containers' logs were written through a cache of two open files
        assertThat(router.stats().containerLogsOpen()).isLessThanOrEqualTo(2);
    }

    @Test
    void shouldApplyGlobalRulesBeforeTheQueueAndEachSinksOwnRules() throws Exception {
        start(EventFilter.parse(List.of("drop contid=9"), "audit.filters"),
                EventFilter.parse(List.of("drop contid=4"), "audit.host-log.filters"),
                EventFilter.parse(List.of("drop type=PROCTITLE"), "audit.container-logs.filters"),
                EventFilter.NONE, false, 1024, 64);
        assertThat(router.submit(kernel(10, "9", Completion.EOE), ContidChain.of(9))).isFalse();
        router.submit(kernel(11, "4", Completion.EOE), ContidChain.of(4));
        assertThat(router.awaitRouted(5000)).isTrue();

        assertThat(router.stats().filtered()).isEqualTo(1);
        assertThat(read("audit.log")).doesNotContain(":10): ").doesNotContain(":11): ");
        assertThat(read("containers/9/audit.log")).isEmpty();
        assertThat(read("containers/4/audit.log")).contains("type=SYSCALL msg=audit(1700000000.001:11)")
                .doesNotContain("PROCTITLE");
    }

    @Test
    void shouldStreamAuditdStringFormatWithEoeToSocketClients() throws Exception {
        start(EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, false, 1024, 64);
        SocketChannel ch = connect();
        router.submit(kernel(10, "4", Completion.EOE), ContidChain.of(4));
        router.submit(kernel(11, null, Completion.LAST_RECORD), null);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.ISO_8859_1));

        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add(in.readLine());
        }
        assertThat(lines).containsExactly(
                "type=SYSCALL msg=audit(1700000000.001:10): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=10 uid=0 auid=0 key=\"k\" record=1",
                "type=CONTAINER_ID msg=audit(1700000000.001:10): record=1 contid=4",
                "type=PROCTITLE msg=audit(1700000000.001:10): proctitle=74727565",
                "type=EOE msg=audit(1700000000.001:10): ",
                "type=SYSCALL msg=audit(1700000000.001:11): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=11 uid=0 auid=0 key=\"k\"",
                "type=PROCTITLE msg=audit(1700000000.001:11): proctitle=74727565");
    }

    @Test
    void shouldDisconnectAClientThatStopsReadingWithoutSlowingTheOthers() throws Exception {
        int clientQueue = 1024;
        start(EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, false, 1 << 16, clientQueue);
        connect(); // never reads
        SocketChannel reader = connect();
        int events = 20_000; // ~10 MB: far more than a socket buffer plus 1024 queued events
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Integer> got = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(reader),
                    StandardCharsets.ISO_8859_1))) {
                String l;
                while ((l = in.readLine()) != null) {
                    if (l.startsWith("type=EOE") && seen.incrementAndGet() == events) {
                        break;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return seen.get();
        }, BLOCKING);
        String pad = "x".repeat(400);
        for (int i = 0; i < events; i++) {
            AuditEvent e = kernel(i + 100, "4", Completion.EOE);
            List<AuditRecord> r = new ArrayList<>(e.records());
            r.add(new AuditRecord(1309, e.stamp(), "argc=1 a0=\"" + pad + "\""));
            assertThat(router.submit(e.withRecords(r), ContidChain.of(4))).isTrue();
            // The reading client keeps up (stays well within its queue); the other one never reads.
            while (i - seen.get() > clientQueue / 2 && !got.isDone()) {
                Thread.sleep(1);
            }
        }
        assertThat(got.get(60, TimeUnit.SECONDS)).isEqualTo(events);
        assertThat(router.stats().socketSlowDisconnects()).isEqualTo(1);
        assertThat(router.stats().socketDropped()).isGreaterThan(0);
        assertThat(diag.toString(StandardCharsets.UTF_8)).contains("fell " + clientQueue + " events behind");
    }

    @Test
    void shouldCountQueueOverflowAndReportItInTheStreamWhenTheWriterCatchesUp() throws Exception {
        // The host log is a FIFO nobody reads yet: the router blocks in write(2), its queue fills up.
        Path fifo = dir.resolve("audit.log");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        CompletableFuture<InputStream> readerOpen = CompletableFuture.supplyAsync(() -> {
            try {
                return new FileInputStream(fifo.toFile());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, BLOCKING);
        DiskGuard disk = new DiskGuard(dir, d -> 1L << 40, 0, 0);
        RotatingLog hostLog = RotatingLog.open(fifo, NO_LIMITS, disk,
                AuditRouter.resumeRecords(stamps, CanisterTypes.Naming.NAMES), diagOut);
        InputStream in = readerOpen.get(5, TimeUnit.SECONDS);
        closeAfter.add(in);
        router = AuditRouter.start(new AuditRouter.Settings(CanisterTypes.Naming.NAMES, 16, 0, EventFilter.NONE,
                EventFilter.NONE, EventFilter.NONE, EventFilter.NONE, false, true, 0, 0), hostLog, null, null, stamps, diagOut);

        int accepted = 0;
        for (int i = 0; i < 2000; i++) {
            if (router.submit(kernel(i + 1, null, Completion.EOE), null)) {
                accepted++;
            }
        }
        long dropped = router.stats().queueDropped();
        assertThat(dropped).as("events the full queue refused").isGreaterThan(0);
        assertThat(accepted + dropped).isEqualTo(2000);

        CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, BLOCKING);
        assertThat(router.awaitRouted(10_000)).isTrue();
        router.close();
        String text = all.get(10, TimeUnit.SECONDS);
        // Every drop is reported, in one or more records written as soon as the router had room again.
        long reported = text.lines().filter(l -> l.startsWith("type=DAEMON_ERR msg=audit("))
                .mapToLong(l -> {
                    assertThat(l).contains(" op=lost cause=queue_full events=").endsWith(" res=0");
                    return Long.parseLong(l.replaceAll(".* events=([0-9]+) .*", "$1"));
                }).sum();
        assertThat(reported).isEqualTo(dropped);
        assertThat(text.lines().filter(l -> l.startsWith("type=SYSCALL")).count()).isEqualTo(accepted);
    }
}
