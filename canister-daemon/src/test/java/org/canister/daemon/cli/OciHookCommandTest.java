package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OciHookCommandTest {
    private static final String CONTIDS = "CONTID\tCHAIN\tOWNER\tMEMBERS\tNESTED\tSTATE\n"
            + "7\t7\t100:5\t3\t0\tlive\n"
            + "8\t8,^7\t100:5\t0\t1\tdropped\n";

    @Test
    void shouldSeeLiveMembersOnlyForALiveListedId() {
        assertThat(OciHookCommand.liveMembers(CONTIDS, "7")).isEqualTo("3");
        assertThat(OciHookCommand.liveMembers(CONTIDS, "8")).isNull();
        assertThat(OciHookCommand.liveMembers(CONTIDS, "9")).isNull();
    }
}
