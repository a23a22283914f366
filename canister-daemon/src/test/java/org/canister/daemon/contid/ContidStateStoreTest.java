package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.contid.ContidState;
import org.canister.core.contid.TaskRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContidStateStoreTest {
    @TempDir
    Path dir;

    private static ContidState state(long id) {
        return new ContidState("0f0e0d0c-0b0a-0908-0706-050403020100", 1234,
                List.of(new ContidState.ObjectEntry(id, new TaskRef(100, 55), -1L, false)),
                List.of(new ContidState.LabelEntry(new TaskRef(101, 56), id)), List.of());
    }

    @Test
    void shouldReturnNullBeforeTheFirstSave() throws Exception {
        assertThat(new ContidStateStore(dir.resolve("s/contid.state")).load()).isNull();
    }

    @Test
    void shouldReplaceTheFileWholeAndLeaveNoTemporary() throws Exception {
        ContidStateStore store = new ContidStateStore(dir.resolve("s/contid.state"));
        store.save(state(7));
        store.save(state(8));
        assertThat(store.load()).isEqualTo(state(8));
        try (var s = Files.list(dir.resolve("s"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("contid.state");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("s")))).isEqualTo("rwx------");
    }

    @Test
    void shouldRejectATruncatedFileAndSetItAside() throws Exception {
        ContidStateStore store = new ContidStateStore(dir.resolve("contid.state"));
        store.save(state(7));
        String text = Files.readString(store.file());
        Files.writeString(store.file(), text.substring(0, text.indexOf("end")));
        assertThatThrownBy(store::load).isInstanceOf(CanisterException.class).hasMessageContaining("truncated");
        Path aside = store.setAside(99);
        assertThat(aside.getFileName().toString()).isEqualTo("contid.state.rejected-99");
        assertThat(store.load()).isNull();
    }
}
