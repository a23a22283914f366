package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.fs.PsTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FastPathTest {
    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintTheSameAsPicocliForPlainPs(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ps"), PsTable.HEADER + "\n1\t0\t0\tinit\t\t42\t/\n7\t1\t0\tsh\t5,^2\t42\t/x\n");
        String fast = capture(() -> assertThat(FastPath.tryRun(new String[] {"ps", "--mount", dir.toString()})).isZero());
        String slow = capture(() -> assertThat(Main.execute("ps", "--mount", dir.toString())).isZero());
        assertThat(fast).isEqualTo(slow).contains("5,^2");
        String raw = capture(() -> FastPath.tryRun(new String[] {"ps", "--raw", "--mount=" + dir}));
        assertThat(raw).startsWith(PsTable.HEADER);
    }

    @Test
    void shouldLeaveAnythingUnusualToPicocli() {
        assertThat(FastPath.tryRun(new String[] {"ps", "--help"})).isNull();
        assertThat(FastPath.tryRun(new String[] {"ps", "--mount"})).isNull();
        assertThat(FastPath.tryRun(new String[] {"doctor"})).isNull();
        assertThat(FastPath.tryRun(new String[] {"oci-hook", "--bogus"})).isNull();
        assertThat(FastPath.tryRun(new String[] {"oci-hook", "--timeout-ms", "soon"})).isNull();
        assertThat(FastPath.tryRun(new String[] {"oci-hook", "createRuntime", "extra"})).isNull();
        assertThat(FastPath.tryRun(new String[0])).isNull();
    }

    @Test
    void shouldFailWithAHintWhenNoDaemonServesTheMount(@TempDir Path dir) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(FastPath.tryRun(new String[] {"ps", "--mount", dir.toString()})).isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no daemon is serving").contains("canister run");
    }

    @Test
    void shouldRunTheHookLikePicocliDoesOnBadState(@TempDir Path dir) {
        java.io.InputStream in = System.in;
        PrintStream err = System.err;
        ByteArrayOutputStream fastErr = new ByteArrayOutputStream();
        ByteArrayOutputStream slowErr = new ByteArrayOutputStream();
        try {
            System.setIn(new java.io.ByteArrayInputStream("not json".getBytes(StandardCharsets.UTF_8)));
            System.setErr(new PrintStream(fastErr, true, StandardCharsets.UTF_8));
            Integer fast = FastPath.tryRun(new String[] {"oci-hook", "--mount", dir.toString(), "createRuntime"});
            System.setIn(new java.io.ByteArrayInputStream("not json".getBytes(StandardCharsets.UTF_8)));
            System.setErr(new PrintStream(slowErr, true, StandardCharsets.UTF_8));
            int slow = Main.execute("oci-hook", "--mount", dir.toString(), "createRuntime");
            assertThat(fast).isEqualTo(slow).isNotZero();
        } finally {
            System.setIn(in);
            System.setErr(err);
        }
        assertThat(fastErr.toString(StandardCharsets.UTF_8)).isEqualTo(slowErr.toString(StandardCharsets.UTF_8)).isNotEmpty();
    }
}
