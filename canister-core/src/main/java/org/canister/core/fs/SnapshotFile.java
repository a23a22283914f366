package org.canister.core.fs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * A read-only control file whose text is produced by a supplier: {@code status} (JSON), {@code ps}
 * (the process table). The supplier runs once per open and reads at increasing offsets are served
 * from that snapshot, as seq_file does for {@code /proc/<pid>/status}: a reader that needs several
 * read(2) calls still sees one consistent document.
 *
 * <p>Opening for writing fails with EACCES at open(2) rather than at write(2), so a caller learns at
 * once that the file is read-only.
 */
public final class SnapshotFile implements FileNode {
    private final int mode;
    private final Supplier<String> content;

    /**
     * @param mode    permission bits, usually 0444
     * @param content called at every open; must be safe to call from any FUSE thread (take the model
     *                lock inside when it reads the model)
     */
    public SnapshotFile(int mode, Supplier<String> content) {
        this.mode = mode;
        this.content = Objects.requireNonNull(content, "content");
    }

    /** A world-readable (0444) snapshot file. */
    public static SnapshotFile readOnly(Supplier<String> content) {
        return new SnapshotFile(0444, content);
    }

    @Override
    public int mode() {
        return mode;
    }

    @Override
    public OpenFile open(Caller caller, int flags) {
        if (OpenFlags.writable(flags)) {
            throw new CanisterException(Errno.EACCES, "this control file is read-only; open it for reading");
        }
        String text = content.get();
        return new Snapshot(text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8));
    }

    /** One open: the bytes taken at open time. Immutable, so concurrent reads need no lock. */
    private record Snapshot(byte[] bytes) implements OpenFile {
        @Override
        public byte[] read(Caller caller, long offset, int size) {
            if (offset < 0) {
                throw new CanisterException(Errno.EINVAL, "negative read offset");
            }
            if (offset >= bytes.length || size <= 0) {
                return new byte[0];
            }
            int from = (int) offset;
            return Arrays.copyOfRange(bytes, from, (int) Math.min(bytes.length, (long) from + size));
        }
    }
}
