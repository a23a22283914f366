package org.canister.linux.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostAuditFactsTest {

    @TempDir
    Path tmp;

    @Test
    void shouldResolveNamesFromPasswdAndGroupFiles() throws IOException {
        Path passwd = Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken\n");
        Path group = Files.writeString(tmp.resolve("group"), "root:x:0:\nstaff:x:50:alice\n");
        HostAuditFacts facts = new HostAuditFacts(passwd, group);

        assertThat(facts.uid("alice")).isEqualTo(OptionalLong.of(1000));
        assertThat(facts.uid("bob")).isEmpty();
        assertThat(facts.gid("staff")).isEqualTo(OptionalLong.of(50));
        assertThat(facts.uid("broken")).isEmpty();
    }

    @Test
    void shouldMakeDirectoryWatchForExistingDirectory() throws IOException {
        Files.createDirectory(tmp.resolve("d"));
        HostAuditFacts facts = new HostAuditFacts(tmp.resolve("none"), tmp.resolve("none"));

        AuditRuleCommand dirWatch = AuditRules.parseLine("-w " + tmp.resolve("d") + "/ -p wa", 1, facts).get(0);
        AuditRuleCommand fileWatch = AuditRules.parseLine("-w " + tmp.resolve("missing") + " -p wa", 1, facts).get(0);

        assertThat(((AuditRuleCommand.AddRule) dirWatch).rule().fields().get(0).field()).isEqualTo(107);
        assertThat(((AuditRuleCommand.AddRule) fileWatch).rule().fields().get(0).field()).isEqualTo(105);
    }
}
