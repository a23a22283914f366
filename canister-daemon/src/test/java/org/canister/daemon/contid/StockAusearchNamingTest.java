package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidRecords;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why {@code audit.type-names: unknown-numbers} is the default: Debian's ausearch 3.0.9 reads both
 * namings, but its {@code -m} accepts only names it knows and {@code UNKNOWN[n]}/numbers, which match
 * only records written as {@code UNKNOWN[n]}. Run against the real binary.
 */
class StockAusearchNamingTest {
    private static final Path AUSEARCH = Path.of("/usr/sbin/ausearch");

    @TempDir
    Path dir;

    @Test
    void shouldBeSelectableByStockAusearchOnlyWithUnknownNumbers() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(AUSEARCH), "needs ausearch (apt-get install auditd)");
        AuditStamp stamp = AuditStamp.ofMillis(1_700_000_004_365L, 2147483700L);
        AuditEvent drop = AuditEvent.originated(stamp, List.of(ContidRecords.drop(stamp, 4242, "77")));
        Path names = dir.resolve("names.log");
        Path numbers = dir.resolve("numbers.log");
        Files.write(names, AuditLogFormat.eventBytes(drop, CanisterTypes.Naming.NAMES, false));
        Files.write(numbers, AuditLogFormat.eventBytes(drop, CanisterTypes.Naming.UNKNOWN_NUMBERS, false));
        assertThat(ausearch(numbers, "-m", "UNKNOWN[1020]")).contains("op=drop opid=4242");
        assertThat(ausearch(numbers, "-m", "1020")).contains("op=drop opid=4242");
        assertThat(ausearch(names, "-m", "UNKNOWN[1020]")).doesNotContain("op=drop").contains("<no matches>");
        assertThat(ausearch(names, "-m", "CONTAINER_OP")).contains("Valid message types are");
        // Both are readable as events: by serial, for instance.
        assertThat(ausearch(names, "-a", "2147483700")).contains("type=CONTAINER_OP ");
        assertThat(ausearch(numbers, "-a", "2147483700")).contains("type=UNKNOWN[1020] ");
    }

    private static String ausearch(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AUSEARCH.toString(), "-if", log.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
