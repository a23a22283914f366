package org.canister.daemon.contid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.contid.LoginIds;

/**
 * A writer's login uid and session id ({@code /proc/<pid>/loginuid}, {@code /proc/<pid>/sessionid}),
 * for the {@code auid=} and {@code ses=} of its CONTAINER_OP record. Both are inherited at fork, so an
 * OCI hook reports its runtime's. Read outside the model lock; a value that cannot be read is unset
 * ({@code 4294967295} in the record, as the kernel prints an unset auid).
 */
final class ProcLogin {
    private ProcLogin() {
    }

    static LoginIds of(int tgid) {
        Path dir = Path.of("/proc", Integer.toString(tgid));
        return new LoginIds(readU32(dir.resolve("loginuid")), readU32(dir.resolve("sessionid")));
    }

    /** A {@code %u} file as a Java int (4294967295 becomes -1, "unset"); -1 when unreadable. */
    static int readU32(Path file) {
        try {
            return parseU32(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static int parseU32(String text) {
        long v = Long.parseLong(text.strip());
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new NumberFormatException("not a u32: " + text);
        }
        return (int) v;
    }
}
