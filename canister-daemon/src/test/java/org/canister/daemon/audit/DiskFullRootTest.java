package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.canister.linux.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log on a real, tiny tmpfs that fills up: the failing write is undone (no partial record), the
 * log suspends and counts what it cannot write, and when space is back it resumes with a
 * DAEMON_RESUME record saying how many events are missing.
 */
@Tag("root")
class DiskFullRootTest {
    @TempDir
    Path dir;
    private Path mnt;
    private boolean mounted;

    @BeforeEach
    void mount() throws Exception {
        Assumptions.assumeTrue(Libc.geteuid() == 0, "needs root (mounts a tmpfs)");
        mnt = dir.resolve("small");
        Files.createDirectories(mnt);
        AuditRootSupport.Result r = AuditRootSupport.run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mnt.toString());
        Assumptions.assumeTrue(r.exit() == 0, "cannot mount a tmpfs: " + r.out());
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            AuditRootSupport.run("umount", mnt.toString());
        }
    }

    @Test
    void shouldSuspendOnEnospcWithoutPartialRecordsAndResumeWithTheCount() throws Exception {
        // fullBytes 0: no early suspension, so the kernel's ENOSPC is what stops the writes.
        LogPolicy policy = new LogPolicy(0, 5, LogPolicy.MaxAction.ROTATE, 0, LogPolicy.SpaceAction.IGNORE,
                LogPolicy.FullAction.SUSPEND, 0, 64 << 10);
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        DiskGuard disk = new DiskGuard(mnt, DiskGuard.FreeSpace.STATFS, 0, 0);
        Path filler = mnt.resolve("filler");
        Files.write(filler, new byte[200 << 10]);
        long t = 0;
        byte[] line = ("type=SYSCALL msg=audit(1.000:1): " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
        try (RotatingLog log = RotatingLog.open(mnt.resolve("audit.log"), policy, disk,
                (cause, lost, file) -> ("type=DAEMON_RESUME msg=audit(2.000:2): op=resume cause=" + cause + " lost=" + lost
                        + " res=1\n").getBytes(StandardCharsets.US_ASCII),
                new PrintStream(diag, true, StandardCharsets.UTF_8))) {
            int batches = 0;
            while (log.suspendedCause() == null && batches < 1000) {
                for (int i = 0; i < 3; i++) {
                    log.append(line);
                }
                log.flush(t += 1_000_000);
                batches++;
            }
            assertThat(log.suspendedCause()).isEqualTo("disk_full");
            long lostAtSuspend = log.lost();
            assertThat(lostAtSuspend).as("the batch that did not fit").isEqualTo(3);
            for (int i = 0; i < 5; i++) {
                log.append(line);
            }
            log.flush(t += 1_000_000);
            assertThat(log.lost()).isEqualTo(8);
            String partial = Files.readString(mnt.resolve("audit.log"), StandardCharsets.ISO_8859_1);
            assertThat(partial).endsWith("\n");
            assertThat(partial.length() % line.length).as("only whole records").isZero();

            Files.delete(filler);
            log.flush(t += 2_000_000_000L);
            assertThat(log.suspendedCause()).isNull();
            log.append(line);
            log.flush(t += 1_000_000);
        }
        List<String> lines = Files.readAllLines(mnt.resolve("audit.log"), StandardCharsets.ISO_8859_1);
        assertThat(lines).contains("type=DAEMON_RESUME msg=audit(2.000:2): op=resume cause=disk_full lost=8 res=1");
        assertThat(lines.get(lines.size() - 1)).startsWith("type=SYSCALL");
        assertThat(diag.toString(StandardCharsets.UTF_8)).contains("No space left on device");
    }
}
