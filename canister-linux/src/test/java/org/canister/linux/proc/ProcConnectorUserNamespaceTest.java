package org.canister.linux.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The kernel silently ignores PROC_CN_MCAST_LISTEN from outside the initial user namespace
 * ({@code cn_proc_mcast_ctl}); {@link ProcConnector#open} must turn that silence into an error naming
 * the cause instead of a listener that never hears anything. Runs a child JVM under
 * {@code unshare --user --map-root-user}; skips where unprivileged user namespaces are unavailable.
 */
class ProcConnectorUserNamespaceTest {

    @Test
    void shouldFailToOpenInsideAUserNamespaceWithEtimedoutNamingTheCause() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare(1) is not installed (util-linux)");
        Process probe = new ProcessBuilder("/usr/bin/unshare", "--user", "--map-root-user", "/bin/true")
                .redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "user namespaces are not available here: " + new String(probe.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of("/usr/bin/unshare", "--user", "--map-root-user", java,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ProcConnectorProbe.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("errno ETIMEDOUT").contains("PROC_CN_MCAST_LISTEN")
                .contains("initial user and pid namespaces");
    }
}
