package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountTableTest {
    private static final String MOUNTINFO = """
            22 1 0:21 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1000k
            30 22 0:45 / /run/canister/fs rw,nosuid,nodev,relatime shared:40 - fuse.canister canister rw,user_id=0,group_id=0,allow_other
            31 22 0:46 / /run/my\\040dir rw - tmpfs none rw
            32 30 0:47 / /run/canister/fs rw - tmpfs stacked rw
            garbage line
            """;

    @Test
    void shouldParseFieldsAroundTheOptionalFieldSeparator() {
        List<MountTable.Mount> mounts = MountTable.parse(MOUNTINFO);
        assertThat(mounts).hasSize(4);
        MountTable.Mount fuse = mounts.get(1);
        assertThat(fuse.id()).isEqualTo(30);
        assertThat(fuse.mountPoint()).isEqualTo("/run/canister/fs");
        assertThat(fuse.fsType()).isEqualTo(FuseServer.FS_TYPE);
        assertThat(fuse.source()).isEqualTo("canister");
        assertThat(fuse.device()).isEqualTo("0:45");
        assertThat(fuse.isFuse()).isTrue();
        assertThat(mounts.get(0).isFuse()).isFalse();
    }

    @Test
    void shouldDecodeOctalEscapesInMountPoints() {
        assertThat(MountTable.parse(MOUNTINFO).get(2).mountPoint()).isEqualTo("/run/my dir");
        assertThat(MountTable.unescape("a\\134b\\011c\\012")).isEqualTo("a\\b\tc\n");
        assertThat(MountTable.unescape("trailing\\04")).isEqualTo("trailing\\04");
    }

    @Test
    void shouldFindTheTopmostMountAtAPath() {
        List<MountTable.Mount> mounts = MountTable.parse(MOUNTINFO);
        assertThat(MountTable.topAt(mounts, "/run/canister/fs").source()).isEqualTo("stacked");
        assertThat(MountTable.topAt(mounts, "/run/canister")).isNull();
    }
}
