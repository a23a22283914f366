package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditCommandTest {
    @TempDir
    Path dir;

    private static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void shouldSayWhatIsMissingWhenNoDaemonServesTheSocket() {
        StringWriter err = new StringWriter();
        int status = run(err, "audit", "tail", "--socket", dir.resolve("audit.sock").toString());
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("cannot connect to " + dir.resolve("audit.sock"))
                .contains("is canisterd running with audit.socket enabled?");
    }

    @Test
    void shouldRejectABadContainerIdWithItsErrno() {
        StringWriter err = new StringWriter();
        int status = run(err, "audit", "tail", "--contid", "12x", "--socket", dir.resolve("audit.sock").toString());
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("--contid").contains("EINVAL");
    }

    @Test
    void shouldRefuseAMissingRulesFileBeforeStartingAnything() {
        StringWriter err = new StringWriter();
        int status = run(err, "run", "--mount", dir.resolve("fs").toString(), "--audit-rules",
                dir.resolve("missing.rules").toString());
        assertThat(status).isEqualTo(2);
        assertThat(java.nio.file.Files.exists(dir.resolve("fs"))).as("nothing was set up").isFalse();
    }
}
