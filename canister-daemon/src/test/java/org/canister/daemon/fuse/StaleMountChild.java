package org.canister.daemon.fuse;

import java.nio.file.Path;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;

/**
 * A stand-in daemon for the recovery tests: mounts a control filesystem at {@code args[0]}, prints
 * "mounted" and waits to be killed (kill -9 leaves a dead mount; SIGSTOP a hung one).
 */
public final class StaleMountChild {
    private StaleMountChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        ControlFs fs = new ControlFs(StaticDirectory.builder()
                .put("status", SnapshotFile.readOnly(() -> "old daemon\n"))
                .build());
        FuseServer.mount(fs, Path.of(args[0]));
        System.out.println("mounted");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
