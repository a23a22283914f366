package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.canister.core.fs.PsTable.Row;
import org.junit.jupiter.api.Test;

class PsTreeTest {
    @Test
    void shouldIndentChildrenUnderTheirParentInPidOrder() {
        List<Row> rows = List.of(
                new Row(1, 0, 0, "init", "", 4026531841L, "/"),
                new Row(30, 1, 1000, "sh", "", 4026531841L, "/user"),
                new Row(31, 30, 1000, "sleep", "7,^2", 4026531841L, "/user"),
                new Row(20, 1, 0, "cron", "", 4026531841L, "/"));
        String out = PsTree.render(rows, uid -> uid == 0 ? "root" : "u" + uid);
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(1)).contains("init").contains("root");
        assertThat(lines.get(2)).contains("  cron");
        assertThat(lines.get(3)).contains("  sh").contains("u1000");
        assertThat(lines.get(4)).contains("    sleep").contains("7,^2");
    }

    @Test
    void shouldTreatRowsWithUnlistedParentAsRootsAndSurviveCycles() {
        List<Row> rows = List.of(new Row(5, 6, 0, "a", "", 1, "/"), new Row(6, 5, 0, "b", "", 1, "/"),
                new Row(9, 77, 0, "orphan", "", 1, "/"));
        String out = PsTree.render(rows, String::valueOf);
        // the 5<->6 cycle has no root; every row is still printed once, and rendering terminates
        assertThat(out.lines().count()).isEqualTo(4);
        assertThat(out).contains("orphan").contains(" a").contains(" b");
    }
}
