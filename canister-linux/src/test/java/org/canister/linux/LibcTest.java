package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libc gateway against the real kernel; nothing here needs root. */
class LibcTest {

    @TempDir
    Path dir;

    @Test
    void shouldReportTheProcessIdentity() {
        assertThat(Libc.getpid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(Libc.gettid()).isPositive();
        assertThat(Files.exists(Path.of("/proc/self/task/" + Libc.gettid()))).isTrue();
        assertThat(Libc.geteuid()).isEqualTo(Integer.parseInt(uidOfSelf()));
    }

    private static String uidOfSelf() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2];
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new AssertionError("no Uid line");
    }

    @Test
    void shouldCaptureErrnoOfAFailedOpen() {
        String missing = dir.resolve("missing").toString();
        assertThatThrownBy(() -> Libc.open(missing, Libc.O_RDONLY))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(2);
                    assertThat(e.call()).isEqualTo("open " + missing);
                    assertThat(e.getMessage()).endsWith("No such file or directory (ENOENT)");
                });
    }

    @Test
    void shouldReadAndWriteFilesThroughByteArraysAndNativeBuffers() throws Exception {
        Path file = dir.resolve("f");
        Files.writeString(file, "hello canister");
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try (NativeBuffer buf = NativeBuffer.allocate(5)) {
            assertThat(Libc.read(fd, buf)).isEqualTo(5);
            assertThat(buf.buffer().remaining()).isEqualTo(5);
            byte[] first = new byte[5];
            buf.buffer().get(first);
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("hello");
            byte[] rest = new byte[64];
            int n = Libc.read(fd, rest, 1, 63);
            assertThat(new String(rest, 1, n, StandardCharsets.US_ASCII)).isEqualTo(" canister");
            assertThat(Libc.read(fd, rest, 0, 64)).isZero();
        } finally {
            Libc.close(fd);
        }

        Path out = dir.resolve("out");
        int wfd = Libc.open(out.toString(), Libc.O_WRONLY | 0x40 /* O_CREAT */ | Libc.O_CLOEXEC, 0600);
        try (NativeBuffer buf = NativeBuffer.allocate(16)) {
            buf.buffer().clear().put("abc".getBytes(StandardCharsets.US_ASCII)).flip();
            assertThat(Libc.write(wfd, buf)).isEqualTo(3);
            byte[] big = new byte[10_000]; // larger than the per-thread scratch
            big[9_999] = 'z';
            assertThat(Libc.write(wfd, big, 0, big.length)).isEqualTo(10_000);
        } finally {
            Libc.close(wfd);
        }
        byte[] written = Files.readAllBytes(out);
        assertThat(written).hasSize(10_003);
        assertThat(written[0]).isEqualTo((byte) 'a');
        assertThat(written[10_002]).isEqualTo((byte) 'z');
    }

    @Test
    void shouldFailToCloseAClosedDescriptorWithEbadf() {
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        Libc.close(pair[0]);
        Libc.close(pair[1]);
        assertThatThrownBy(() -> Libc.close(pair[0]))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("EBADF"));
    }

    @Test
    void shouldPollWithTimeoutAndReturnMinusOneForEagain() {
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, 0);
        try {
            assertThat(Libc.poll(pair[1], Libc.POLLIN, 20)).isZero();
            byte[] b = new byte[8];
            assertThat(Libc.read(pair[1], b, 0, b.length)).isEqualTo(-1);
            assertThat(Libc.write(pair[0], new byte[] {1, 2, 3}, 0, 3)).isEqualTo(3);
            assertThat(Libc.poll(pair[1], Libc.POLLIN, 1000) & Libc.POLLIN).isEqualTo(Libc.POLLIN);
            assertThat(Libc.read(pair[1], b, 0, b.length)).isEqualTo(3);
            assertThat(b[2]).isEqualTo((byte) 3);
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void shouldPassFileDescriptorsAsCloseOnExecWithSendmsgAndRecvmsg() throws Exception {
        Path file = dir.resolve("passed");
        Files.writeString(file, "through SCM_RIGHTS");
        int fileFd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        try (NativeBuffer buf = NativeBuffer.allocate(64)) {
            assertThat(Libc.sendmsg(pair[0], new byte[] {42}, 0, 1, new int[] {fileFd}, 0)).isEqualTo(1);
            Libc.Received r = Libc.recvmsg(pair[1], buf, 4, 0);
            assertThat(r.length()).isEqualTo(1);
            assertThat(buf.buffer().get(0)).isEqualTo((byte) 42);
            assertThat(r.fds()).hasSize(1);
            assertThat(r.msgFlags() & Libc.MSG_CTRUNC).isZero();
            int got = r.fds()[0];
            try {
                assertThat(got).isNotEqualTo(fileFd);
                byte[] content = new byte[64];
                int n = Libc.read(got, content, 0, content.length);
                assertThat(new String(content, 0, n, StandardCharsets.US_ASCII)).isEqualTo("through SCM_RIGHTS");
                // fdinfo "flags:" is octal; O_CLOEXEC is 02000000.
                String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + got)).stream()
                        .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                assertThat(Long.parseLong(flags.substring(6).trim(), 8) & Libc.O_CLOEXEC).isEqualTo(Libc.O_CLOEXEC);
            } finally {
                Libc.close(got);
            }
        } finally {
            Libc.close(fileFd);
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void shouldReadPeerCredentialsAndIntSocketOptions() {
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        try {
            byte[] ucred = new byte[12];
            assertThat(Libc.getsockopt(pair[0], Libc.SOL_SOCKET, Libc.SO_PEERCRED, ucred)).isEqualTo(12);
            ByteBuffer b = ByteBuffer.wrap(ucred).order(ByteOrder.nativeOrder());
            assertThat(b.getInt(0)).isEqualTo(Libc.getpid());
            assertThat(b.getInt(4)).isEqualTo(Libc.geteuid());
            Libc.setsockoptInt(pair[0], Libc.SOL_SOCKET, Libc.SO_RCVBUF, 65536);
            // socket(7): the kernel doubles the value to leave room for bookkeeping.
            assertThat(Libc.getsockoptInt(pair[0], Libc.SOL_SOCKET, Libc.SO_RCVBUF)).isEqualTo(131072);
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void shouldExchangeNetlinkMessagesWithTheKernel() {
        // NETLINK_ROUTE (0) answers any request flagged NLM_F_ACK with an NLMSG_ERROR carrying error 0
        // (netlink_rcv_skb acks control messages), which needs no privilege.
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        try (NativeBuffer buf = NativeBuffer.allocate(4096)) {
            Libc.bindNetlink(fd, 0, 0);
            int port = Libc.getsocknameNetlink(fd);
            assertThat(port).isNotZero();
            ByteBuffer msg = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            msg.putInt(0, 16).putShort(4, (short) Libc.NLMSG_NOOP)
                    .putShort(6, (short) (Libc.NLM_F_REQUEST | Libc.NLM_F_ACK)).putInt(8, 77).putInt(12, port);
            assertThat(Libc.sendtoNetlink(fd, msg.array(), 0, 16, 0, 0, 0)).isEqualTo(16);
            assertThat(Libc.poll(fd, Libc.POLLIN, 5000) & Libc.POLLIN).isNotZero();
            int n = Libc.recvfrom(fd, buf, Libc.MSG_DONTWAIT);
            assertThat(n).isGreaterThanOrEqualTo(36);
            assertThat(buf.sourcePid()).isZero();
            ByteBuffer r = buf.buffer();
            assertThat(r.getShort(4)).isEqualTo((short) Libc.NLMSG_ERROR);
            assertThat(r.getInt(8)).isEqualTo(77);
            assertThat(r.getInt(16)).as("struct nlmsgerr.error").isZero();
            assertThat(Libc.recvfrom(fd, buf, Libc.MSG_DONTWAIT)).isEqualTo(-1);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldOpenPidfdsAndRejectMissingProcessesWithEsrch() {
        int pidfd = Libc.pidfdOpen(Libc.getpid(), 0);
        try {
            assertThat(Libc.readlink("/proc/self/fd/" + pidfd)).isEqualTo("anon_inode:[pidfd]");
        } finally {
            Libc.close(pidfd);
        }
        // Above PID_MAX_LIMIT (4M on 64-bit), so no process can have it.
        assertThatThrownBy(() -> Libc.pidfdOpen(0x3fffffff, 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.call()).isEqualTo("pidfd_open");
                    assertThat(e.errnoName()).isEqualTo("ESRCH");
                });
    }

    @Test
    void shouldReadNamespaceLinks() throws Exception {
        String link = Libc.readlink("/proc/self/ns/net");
        assertThat(link).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        assertThat(link).startsWith("net:[");
        assertThatThrownBy(() -> Libc.readlink(dir.resolve("nope").toString()))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(2));
    }
}
