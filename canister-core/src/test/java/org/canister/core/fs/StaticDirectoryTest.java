package org.canister.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StaticDirectoryTest {
    private final FileNode a = SnapshotFile.readOnly(() -> "a");
    private final FileNode b = SnapshotFile.readOnly(() -> "b");

    @Test
    void shouldListChildrenInInsertionOrder() {
        StaticDirectory dir = StaticDirectory.builder().put("zeta", a).put("alpha", b).build();
        assertThat(dir.list()).containsExactly("zeta", "alpha");
        assertThat(dir.lookup("alpha")).isSameAs(b);
        assertThat(dir.lookup("missing")).isNull();
        assertThat(dir.mode()).isEqualTo(0555);
    }

    @Test
    void shouldMergeIntermediateDirectoriesFromSeveralMechanisms() {
        StaticDirectory root = StaticDirectory.builder()
                .put("security/ima/policy", a)
                .dir("security", s -> s.put("ima/namespaces", b))
                .build();
        DirNode ima = (DirNode) ((DirNode) root.lookup("security")).lookup("ima");
        assertThat(ima.list()).containsExactly("policy", "namespaces");
    }

    @Test
    void shouldApplyTheConfiguredMode() {
        assertThat(StaticDirectory.builder().mode(0500).build().mode()).isEqualTo(0500);
    }

    @Test
    void shouldRejectDuplicateAndInvalidNames() {
        assertThatThrownBy(() -> StaticDirectory.builder().put("x", a).put("x", b))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> StaticDirectory.builder().put("x", a).put("x/y", b))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a node");
        assertThatThrownBy(() -> StaticDirectory.builder().put("..", a))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StaticDirectory.builder().put("", a))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StaticDirectory.builder().put("a//b", a))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
