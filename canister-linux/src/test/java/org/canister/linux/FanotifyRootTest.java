package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fanotify_init/fanotify_mark against the kernel, and the event and response structs through real
 * events. Needs root (CAP_SYS_ADMIN). Only a file in a fresh temporary directory is marked, and closing
 * the group releases any permission event still pending (the kernel allows it), so a failing test cannot
 * leave an opener blocked.
 */
@Tag("root")
class FanotifyRootTest {
    private static final int META_LEN = Structs.offset(Structs.FANOTIFY_EVENT_METADATA, "event_len");
    private static final int META_VERS = Structs.offset(Structs.FANOTIFY_EVENT_METADATA, "vers");
    private static final int META_MASK = Structs.offset(Structs.FANOTIFY_EVENT_METADATA, "mask");
    private static final int META_FD = Structs.offset(Structs.FANOTIFY_EVENT_METADATA, "fd");
    private static final int META_PID = Structs.offset(Structs.FANOTIFY_EVENT_METADATA, "pid");

    @TempDir
    Path dir;
    private int group = -1;
    private ExecutorService opener;

    @BeforeEach
    void requireRoot() {
        assumeTrue(Libc.geteuid() == 0, "fanotify needs root (CAP_SYS_ADMIN); run the tests as root");
        opener = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void closeGroup() {
        if (group >= 0) {
            Libc.close(group);
        }
        if (opener != null) {
            opener.shutdownNow();
        }
    }

    @Test
    void shouldInitAContentClassGroupAndClose() {
        group = Libc.fanotifyInit(Libc.FAN_CLASS_CONTENT | Libc.FAN_CLOEXEC | Libc.FAN_NONBLOCK,
                Libc.O_RDONLY | Libc.O_CLOEXEC);
        assertThat(group).isGreaterThanOrEqualTo(0);
        assertThat(Libc.readlink("/proc/self/fd/" + group)).isEqualTo("anon_inode:[fanotify]");
    }

    @Test
    void shouldRejectAMarkOnAMissingPathWithEnoent() {
        group = Libc.fanotifyInit(Libc.FAN_CLASS_NOTIF | Libc.FAN_CLOEXEC, Libc.O_RDONLY | Libc.O_CLOEXEC);
        String missing = dir.resolve("missing").toString();
        try {
            Libc.fanotifyMark(group, Libc.FAN_MARK_ADD, Libc.FAN_OPEN, Libc.AT_FDCWD, missing);
            throw new AssertionError("marking a missing path succeeded");
        } catch (ErrnoException e) {
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.call()).contains(missing);
        }
    }

    @Test
    void shouldReportAnOpenOfAMarkedFileWithMetadataVersion3() throws Exception {
        Path file = Files.writeString(dir.resolve("watched"), "x");
        group = Libc.fanotifyInit(Libc.FAN_CLASS_CONTENT | Libc.FAN_CLOEXEC, Libc.O_RDONLY | Libc.O_CLOEXEC);
        Libc.fanotifyMark(group, Libc.FAN_MARK_ADD, Libc.FAN_OPEN, Libc.AT_FDCWD, file.toString());
        Files.readAllBytes(file);
        try (NativeBuffer buf = NativeBuffer.allocate(4096)) {
            assertThat(Libc.poll(group, Libc.POLLIN, 5000) & Libc.POLLIN).isNotZero();
            int n = Libc.read(group, buf);
            ByteBuffer b = buf.buffer();
            assertThat(n).isGreaterThanOrEqualTo(Structs.size(Structs.FANOTIFY_EVENT_METADATA));
            assertThat(b.getInt(META_LEN)).isEqualTo(Structs.size(Structs.FANOTIFY_EVENT_METADATA));
            assertThat(b.get(META_VERS)).isEqualTo((byte) Libc.FANOTIFY_METADATA_VERSION);
            assertThat(b.getLong(META_MASK) & Libc.FAN_OPEN).isEqualTo(Libc.FAN_OPEN);
            assertThat(b.getInt(META_PID)).isEqualTo(Libc.getpid());
            int eventFd = b.getInt(META_FD);
            try {
                assertThat(Libc.readlink("/proc/self/fd/" + eventFd)).isEqualTo(file.toRealPath().toString());
            } finally {
                Libc.close(eventFd);
            }
        }
    }

    @Test
    void shouldAllowAndDenyPermissionEventsWithFanotifyResponse() throws Exception {
        Path file = Files.writeString(dir.resolve("guarded"), "secret");
        group = Libc.fanotifyInit(Libc.FAN_CLASS_CONTENT | Libc.FAN_CLOEXEC, Libc.O_RDONLY | Libc.O_CLOEXEC);
        Libc.fanotifyMark(group, Libc.FAN_MARK_ADD, Libc.FAN_OPEN_PERM, Libc.AT_FDCWD, file.toString());

        Future<String> allowed = opener.submit(() -> Files.readString(file));
        answerOne(Libc.FAN_ALLOW);
        assertThat(allowed.get(10, TimeUnit.SECONDS)).isEqualTo("secret");

        CompletableFuture<Throwable> denied = new CompletableFuture<>();
        opener.submit(() -> {
            try {
                Files.readString(file);
                denied.complete(null);
            } catch (Throwable t) {
                denied.complete(t);
            }
        });
        answerOne(Libc.FAN_DENY);
        // fanotify(7): a denied open fails with EPERM.
        assertThat(denied.get(10, TimeUnit.SECONDS)).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Operation not permitted");
    }

    /** Reads one permission event and writes a struct fanotify_response for it. */
    private void answerOne(int response) {
        try (NativeBuffer buf = NativeBuffer.allocate(4096)) {
            assertThat(Libc.poll(group, Libc.POLLIN, 10_000) & Libc.POLLIN).isNotZero();
            Libc.read(group, buf);
            ByteBuffer b = buf.buffer();
            assertThat(b.getLong(META_MASK) & Libc.FAN_OPEN_PERM).isEqualTo(Libc.FAN_OPEN_PERM);
            int eventFd = b.getInt(META_FD);
            ByteBuffer answer = ByteBuffer.allocate(Structs.size(Structs.FANOTIFY_RESPONSE)).order(ByteOrder.nativeOrder());
            answer.putInt(Structs.offset(Structs.FANOTIFY_RESPONSE, "fd"), eventFd);
            answer.putInt(Structs.offset(Structs.FANOTIFY_RESPONSE, "response"), response);
            try {
                assertThat(Libc.write(group, answer.array(), 0, answer.capacity())).isEqualTo(answer.capacity());
            } finally {
                Libc.close(eventFd);
            }
        }
    }
}
