package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.canister.core.contid.AuditEvent;
import org.canister.core.contid.AuditStamp;
import org.canister.core.contid.ContidRecords;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogWriterTest {
    private static final Path AUSEARCH = Path.of("/usr/sbin/ausearch");

    @TempDir
    Path dir;
    private final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    private long serial = 1L << 31;

    private AuditLogWriter open(Path file, ContidRecords.Naming naming, int capacity) throws Exception {
        return AuditLogWriter.open(file, naming, capacity, 1000, ms -> AuditStamp.ofMillis(ms, serial++),
                new PrintStream(diagnostics, true, StandardCharsets.UTF_8));
    }

    private AuditEvent drop(int opid, long contid) {
        return new AuditEvent(AuditStamp.ofMillis(1_700_000_000_123L + opid, serial++),
                List.of(ContidRecords.drop(opid, Long.toString(contid))));
    }

    @Test
    void shouldAppendEventsInOrderWithTheChosenNamingAndPrivateModes() throws Exception {
        Path file = dir.resolve("log/sub/audit.log");
        try (AuditLogWriter w = open(file, ContidRecords.Naming.UNKNOWN_NUMBERS, 64)) {
            for (int i = 1; i <= 10; i++) {
                assertThat(w.offer(drop(i, 100 + i))).isTrue();
            }
            assertThat(w.flush(5000)).isTrue();
            assertThat(w.written()).isEqualTo(10);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(10);
        assertThat(lines.get(0)).isEqualTo("type=UNKNOWN[1020] msg=audit(1700000000.124:2147483648): "
                + "op=drop opid=1 contid=-1 old-contid=101 res=1");
        assertThat(lines.get(9)).contains("opid=10 ");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwxr-x---");

        // Reopening appends, never truncates; names when asked.
        try (AuditLogWriter w = open(file, ContidRecords.Naming.NAMES, 64)) {
            w.offer(drop(11, 111));
            w.flush(5000);
        }
        assertThat(Files.readAllLines(file)).hasSize(11).last().asString().startsWith("type=CONTAINER_OP msg=audit(");
    }

    @Test
    void shouldCountEventsOfferedAfterClose() throws Exception {
        AuditLogWriter w = open(dir.resolve("a.log"), ContidRecords.Naming.NAMES, 16);
        w.close();
        assertThat(w.offer(drop(1, 1))).isFalse();
        assertThat(w.lost()).isEqualTo(1);
    }

    @Test
    void shouldCountWhatAFullQueueRefusesAndThenSayItInTheLog() throws Exception {
        // A FIFO whose reader waits: the writer blocks once the pipe buffer is full, the queue fills up.
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                go.await(30, TimeUnit.SECONDS);
                return in.readAllBytes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        AuditLogWriter w = open(fifo, ContidRecords.Naming.UNKNOWN_NUMBERS, 16);
        int n = 5000;
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            if (w.offer(drop(i, i))) {
                accepted++;
            }
        }
        assertThat(w.lost()).as("a 64 KiB pipe and 16 slots cannot take 5000 events").isPositive();
        assertThat(accepted + w.lost()).isEqualTo(n);
        go.countDown();
        assertThat(w.flush(10_000)).isTrue();
        w.offer(drop(n, n)); // after the loss: the writer reports it before this one
        w.close();
        String out = new String(read.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        assertThat(out.lines().filter(l -> l.contains(" op=drop ")).count()).isEqualTo(accepted + 1);
        // Every loss is said, once: the op=lost records add up to the count, the last one has the total.
        List<String> lost = out.lines().filter(l -> l.startsWith("type=DAEMON_ERR msg=audit(")).toList();
        assertThat(lost).isNotEmpty();
        assertThat(lost.stream().mapToLong(l -> Long.parseLong(l.replaceAll(".* op=lost events=(\\d+) .*", "$1"))).sum())
                .isEqualTo(w.lost());
        assertThat(lost.get(lost.size() - 1)).contains(" total=" + w.lost() + " ").endsWith(" res=0");
    }

    /**
     * Why {@code unknown-numbers} is the default: Debian's ausearch 3.0.9 reads both namings, but its
     * {@code -m} accepts only names it knows and {@code UNKNOWN[n]}/numbers, which match only records
     * written as {@code UNKNOWN[n]}.
     */
    @Test
    void shouldBeSelectableByStockAusearchOnlyWithUnknownNumbers() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(AUSEARCH), "needs ausearch (apt-get install auditd)");
        Path names = dir.resolve("names.log");
        Path numbers = dir.resolve("numbers.log");
        for (Path p : List.of(names, numbers)) {
            try (AuditLogWriter w = open(p, p == names ? ContidRecords.Naming.NAMES : ContidRecords.Naming.UNKNOWN_NUMBERS, 16)) {
                serial = 2147483700L;
                w.offer(drop(4242, 77));
                w.flush(5000);
            }
        }
        assertThat(ausearch(numbers, "-m", "UNKNOWN[1020]")).contains("op=drop opid=4242");
        assertThat(ausearch(numbers, "-m", "1020")).contains("op=drop opid=4242");
        assertThat(ausearch(names, "-m", "UNKNOWN[1020]")).doesNotContain("op=drop").contains("<no matches>");
        assertThat(ausearch(names, "-m", "CONTAINER_OP")).contains("Valid message types are");
        // Both are readable as events: by serial, for instance.
        assertThat(ausearch(names, "-a", "2147483700")).contains("type=CONTAINER_OP ");
        assertThat(ausearch(numbers, "-a", "2147483700")).contains("type=UNKNOWN[1020] ");
    }

    private static String ausearch(Path log, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(AUSEARCH.toString(), "-if", log.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
