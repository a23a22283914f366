package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AuditTailTest {
    /** Blocking reads get threads of their own, never the common pool (one thread on two cores). */
    private static final java.util.concurrent.Executor BLOCKING = r -> Thread.ofVirtual().start(r);

    private static final String STREAM = String.join("\n",
            "type=SYSCALL msg=audit(1.000:1): syscall=59 pid=7 record=1",
            "type=CONTAINER_ID msg=audit(1.000:1): record=1 contid=4,^2",
            "type=PROCTITLE msg=audit(1.000:1): proctitle=41",
            "type=EOE msg=audit(1.000:1): ",
            "type=SYSCALL msg=audit(1.000:2): syscall=59 pid=8",
            "type=EOE msg=audit(1.000:2): ",
            "type=UNKNOWN[1020] msg=audit(1.001:2147483648): op=drop opid=9 contid=-1 old-contid=5,^2 res=1",
            "type=SYSCALL msg=audit(1.002:3): syscall=62 pid=8 record=2",
            "type=OBJ_PID msg=audit(1.002:3): opid=9 record=1",
            "type=CONTAINER_ID msg=audit(1.002:3): record=1 contid=6",
            "type=NOT_A_TYPE msg=audit(1.002:3): whatever",
            "") ;

    private static String tail(String stream, Long contid) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditTail.follow(new ByteArrayInputStream(stream.getBytes(StandardCharsets.ISO_8859_1)), contid,
                new PrintStream(out, true, StandardCharsets.ISO_8859_1));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void shouldPassEverythingWithoutAContainer() throws Exception {
        assertThat(tail(STREAM, null)).isEqualTo(STREAM);
    }

    @Test
    void shouldKeepWholeEventsNamingTheContainerAnywhereInTheirChains() throws Exception {
        String two = tail(STREAM, 2L);
        assertThat(two).contains("audit(1.000:1)").contains("op=drop").doesNotContain("audit(1.000:2)")
                .doesNotContain("audit(1.002:3)");
        assertThat(two.lines().filter(l -> l.contains("audit(1.000:1)")).count()).isEqualTo(4);
        String six = tail(STREAM, 6L);
        assertThat(six.lines().toList()).containsExactly(
                "type=SYSCALL msg=audit(1.002:3): syscall=62 pid=8 record=2",
                "type=OBJ_PID msg=audit(1.002:3): opid=9 record=1",
                "type=CONTAINER_ID msg=audit(1.002:3): record=1 contid=6",
                "type=NOT_A_TYPE msg=audit(1.002:3): whatever");
        assertThat(tail(STREAM, 99L)).isEmpty();
    }

    @Test
    void shouldPrintALastEventWithoutEoeOnceTheStreamIsQuiet() throws Exception {
        PipedOutputStream w = new PipedOutputStream();
        PipedInputStream r = new PipedInputStream(w, 1 << 16);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Long> done = CompletableFuture.supplyAsync(() -> {
            try {
                return AuditTail.follow(r, 4L, new PrintStream(out, true, StandardCharsets.ISO_8859_1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, BLOCKING);
        w.write(("type=USER_CMD msg=audit(1.000:9): pid=1 uid=0 msg='cmd=x'\n"
                + "type=CONTAINER_ID msg=audit(1.000:9): record=1 contid=4\n").getBytes(StandardCharsets.ISO_8859_1));
        w.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!out.toString(StandardCharsets.ISO_8859_1).contains("contid=4") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).contains("USER_CMD").contains("contid=4");
        w.close();
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    }
}
