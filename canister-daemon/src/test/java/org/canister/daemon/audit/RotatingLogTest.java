package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.canister.daemon.audit.LogPolicy.FullAction;
import org.canister.daemon.audit.LogPolicy.MaxAction;
import org.canister.daemon.audit.LogPolicy.SpaceAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogTest {
    private static final long S = 1_000_000_000L;

    @TempDir
    Path dir;
    private final AtomicLong free = new AtomicLong(1L << 40);
    private final ByteArrayOutputStream diag = new ByteArrayOutputStream();
    private long now = 10 * S;

    private RotatingLog open(LogPolicy policy) throws Exception {
        DiskGuard disk = new DiskGuard(dir, d -> free.get(), policy.spaceLeftBytes(), policy.fullBytes());
        return RotatingLog.open(dir.resolve("audit.log"), policy, disk,
                (cause, lost, file) -> ("type=DAEMON_RESUME msg=audit(1.000:1): op=resume cause=" + cause + " lost=" + lost
                        + " res=1\n").getBytes(StandardCharsets.US_ASCII),
                new PrintStream(diag, true, StandardCharsets.UTF_8));
    }

    private static LogPolicy policy(long max, int num, MaxAction action, long spaceLeft, SpaceAction spaceAction,
                                    FullAction full) {
        return new LogPolicy(max, num, action, spaceLeft, spaceAction, full, 100, 1000);
    }

    private static byte[] event(int i) {
        // 50 bytes per event
        return String.format("type=SYSCALL msg=audit(1.000:%05d): syscall=59 x=1%n", i).getBytes(StandardCharsets.US_ASCII);
    }

    private String read(String name) throws Exception {
        return Files.readString(dir.resolve(name), StandardCharsets.ISO_8859_1);
    }

    @Test
    void shouldWriteBufferedEventsOnlyAtFlushAndCreateThe0600File() throws Exception {
        try (RotatingLog log = open(policy(0, 5, MaxAction.ROTATE, 0, SpaceAction.IGNORE, FullAction.SUSPEND))) {
            log.append(event(1));
            log.append(event(2));
            assertThat(read("audit.log")).isEmpty();
            log.flush(now);
            assertThat(read("audit.log")).isEqualTo(new String(event(1), StandardCharsets.US_ASCII)
                    + new String(event(2), StandardCharsets.US_ASCII));
            assertThat(log.written()).isEqualTo(2);
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("audit.log")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void shouldRotateLikeAuditdKeepingNumLogsFiles() throws Exception {
        event(0);
        try (RotatingLog log = open(policy(120, 3, MaxAction.ROTATE, 0, SpaceAction.IGNORE, FullAction.SUSPEND))) {
            for (int i = 1; i <= 10; i++) {
                log.append(event(i));
                log.flush(now);
            }
            // 2 events (100 bytes) per file: 10 events = 5 files' worth, 3 kept.
            assertThat(log.rotations()).isEqualTo(4);
        }
        assertThat(read("audit.log")).contains(":00009)").contains(":00010)");
        assertThat(read("audit.log.1")).contains(":00007)").contains(":00008)");
        assertThat(read("audit.log.2")).contains(":00005)").contains(":00006)");
        assertThat(Files.exists(dir.resolve("audit.log.3"))).isFalse();
    }

    @Test
    void shouldKeepEveryFileWithKeepLogs() throws Exception {
        try (RotatingLog log = open(policy(120, 2, MaxAction.KEEP_LOGS, 0, SpaceAction.IGNORE, FullAction.SUSPEND))) {
            for (int i = 1; i <= 8; i++) {
                log.append(event(i));
                log.flush(now);
            }
        }
        assertThat(read("audit.log.3")).contains(":00001)").contains(":00002)");
        assertThat(read("audit.log.1")).contains(":00005)");
        assertThat(read("audit.log")).contains(":00007)");
    }

    @Test
    void shouldSuspendAtMaxSizeAndResumeWhenSomeoneRotatedTheFile() throws Exception {
        try (RotatingLog log = open(policy(200, 2, MaxAction.SUSPEND, 0, SpaceAction.IGNORE, FullAction.SUSPEND))) {
            for (int i = 1; i <= 5; i++) { // 52 bytes each: the fourth does not fit
                log.append(event(i));
                log.flush(now);
            }
            assertThat(log.suspendedCause()).isEqualTo("max_log_file");
            assertThat(log.lost()).isEqualTo(2);
            now += 2 * S;
            log.flush(now);
            assertThat(log.suspendedCause()).as("nobody rotated it yet").isEqualTo("max_log_file");
            Files.move(dir.resolve("audit.log"), dir.resolve("audit.log.old"));
            now += 2 * S;
            log.append(event(6)); // still suspended: lost
            log.flush(now);       // resumes: the resume record first
            log.append(event(7));
            log.flush(now);
            assertThat(log.suspendedCause()).isNull();
        }
        assertThat(read("audit.log")).startsWith("type=DAEMON_RESUME msg=audit(1.000:1): op=resume cause=max_log_file lost=3 res=1\n")
                .contains(":00007)").doesNotContain(":00006)");
    }

    @Test
    void shouldSuspendWhenTheDiskIsFullCountTheLossAndSayItWhenSpaceIsBack() throws Exception {
        try (RotatingLog log = open(policy(0, 5, MaxAction.ROTATE, 500, SpaceAction.SYSLOG, FullAction.SUSPEND))) {
            log.append(event(1));
            log.flush(now);
            free.set(50); // below fullBytes (100)
            now += 2 * S;
            log.append(event(2));
            log.flush(now);
            assertThat(log.suspendedCause()).isEqualTo("disk_full");
            for (int i = 3; i <= 6; i++) {
                log.append(event(i));
                now += S / 10;
                log.flush(now);
            }
            assertThat(log.lost()).isEqualTo(5);
            free.set(800); // above resumeBytes (1000)? not yet
            now += 2 * S;
            log.flush(now);
            assertThat(log.suspendedCause()).isEqualTo("disk_full");
            free.set(5000);
            now += 2 * S;
            log.flush(now);
            log.append(event(7));
            log.flush(now);
            assertThat(log.suspendedCause()).isNull();
        }
        String text = read("audit.log");
        assertThat(text).contains(":00001)").contains("op=resume cause=disk_full lost=5 res=1").contains(":00007)");
        for (int i = 2; i <= 6; i++) {
            assertThat(text).doesNotContain(String.format(":%05d)", i));
        }
        assertThat(diag.toString(StandardCharsets.UTF_8)).contains("suspending audit log").contains("resumed after disk_full");
    }

    @Test
    void shouldOnlyWarnBelowSpaceLeftWithSyslogAndSuspendWithSuspend() throws Exception {
        try (RotatingLog log = open(policy(0, 5, MaxAction.ROTATE, 10_000, SpaceAction.SYSLOG, FullAction.SUSPEND))) {
            free.set(5_000);
            log.append(event(1));
            log.flush(now);
            assertThat(log.written()).isEqualTo(1);
            assertThat(diag.toString(StandardCharsets.UTF_8)).contains("below space_left");
        }
        try (RotatingLog log = open(policy(0, 5, MaxAction.ROTATE, 10_000, SpaceAction.SUSPEND, FullAction.SUSPEND))) {
            log.append(event(2));
            log.flush(now);
            assertThat(log.suspendedCause()).isEqualTo("space_left");
            free.set(20_000);
            now += 2 * S;
            log.flush(now);
            assertThat(log.suspendedCause()).isNull();
        }
        assertThat(read("audit.log")).contains(":00001)").doesNotContain(":00002)").contains("cause=space_left lost=1");
    }

    @Test
    void shouldKeepWritingWhenDiskFullActionIsIgnore() throws Exception {
        try (RotatingLog log = open(policy(0, 5, MaxAction.ROTATE, 0, SpaceAction.IGNORE, FullAction.IGNORE))) {
            free.set(0);
            log.append(event(1));
            log.flush(now);
            assertThat(log.suspendedCause()).isNull();
            assertThat(log.written()).isEqualTo(1);
        }
    }
}
