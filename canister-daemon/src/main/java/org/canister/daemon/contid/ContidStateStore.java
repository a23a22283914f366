package org.canister.daemon.contid;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.canister.core.contid.ContidState;
import org.canister.core.contid.ContidStateCodec;

/**
 * The registry's state file ({@link ContidStateCodec} text), replaced atomically: the new content is
 * written to {@code <file>.tmp} in the same directory, fsync'd, renamed over the file, and the
 * directory is fsync'd so the rename itself is durable. A reader therefore sees the old state or the
 * new one, never a mix, whatever moment the daemon dies at (kill -9 or power loss).
 *
 * <p>Files are 0600 and the directory 0700: the state names processes and their containers.
 */
public final class ContidStateStore {
    private final Path file;
    private final Path temp;

    public ContidStateStore(Path file) {
        this.file = file.toAbsolutePath();
        this.temp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
    }

    /** The state file. */
    public Path file() {
        return file;
    }

    /**
     * The saved state, or null when there is none (first start).
     *
     * @throws IOException when the file exists but cannot be read
     * @throws org.canister.core.CanisterException EINVAL naming the line, for a corrupt file
     */
    public ContidState load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
        return ContidStateCodec.decode(text);
    }

    /** Replace the saved state with {@code state}: temp file, fsync, rename, fsync of the directory. */
    public void save(ContidState state) throws IOException {
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        byte[] bytes = ContidStateCodec.encode(state).getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the state directory " + dir + " does not support atomic rename; put "
                    + "daemon.state-dir on a local filesystem", e);
        }
        // rename(2) is durable only once the directory entry is: fsync the directory.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * Move an unreadable state file aside (to {@code <file>.rejected-<millis>}) so the daemon can start
     * fresh while the operator keeps the evidence.
     *
     * @return where it went
     */
    public Path setAside(long wallClockMs) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".rejected-" + wallClockMs);
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }
}
