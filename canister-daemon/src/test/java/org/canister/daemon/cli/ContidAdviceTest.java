package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.canister.linux.ErrnoException;
import org.junit.jupiter.api.Test;

class ContidAdviceTest {
    private static final Path MOUNT = Path.of("/run/canister/fs");

    @Test
    void shouldNameTheErrnoAndSayWhatToDo() {
        String s = ContidAdvice.explain(new ErrnoException("write", 18), ContidAdvice.Op.SET, 42, "7", MOUNT);
        assertThat(s).startsWith("write: Invalid cross-device link (EXDEV): only an ancestor of process 42");
        assertThat(ContidAdvice.explain(new ErrnoException("write", 76), ContidAdvice.Op.SET, 42, "7", MOUNT))
                .contains("(ENOTUNIQ)").contains("choose another ID");
        assertThat(ContidAdvice.explain(new ErrnoException("open /x", 2), ContidAdvice.Op.SET, 42, "7", MOUNT))
                .contains("tracks no process 42").contains("canister run");
        for (int errno : new int[] {1, 3, 16, 17, 22, 34, 12}) {
            assertThat(ContidAdvice.advice(errno, false, ContidAdvice.Op.SET, 42, "7", MOUNT))
                    .as("errno %d", errno).doesNotContain("unexpected");
        }
        assertThat(ContidAdvice.advice(22, false, ContidAdvice.Op.CAPCONTID, 42, "2", MOUNT)).contains("0 (revoke) or 1");
    }
}
