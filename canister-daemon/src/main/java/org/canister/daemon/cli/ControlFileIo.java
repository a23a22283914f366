package org.canister.daemon.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;

/**
 * What the client commands do to a control file, with {@link Libc} so the daemon's errno arrives
 * intact ({@code java.io} turns it into an exception text without the number): one open, one
 * write(2) of the value (no O_TRUNC: the file parses each write on its own), close.
 */
final class ControlFileIo {
    private ControlFileIo() {
    }

    /**
     * Open {@code file} write-only and write {@code value} in a single write(2).
     *
     * @throws ErrnoException from open (e.g. ENOENT: no such task) or write (the daemon's verdict)
     */
    static void writeOnce(Path file, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        int fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC);
        try {
            int n = Libc.write(fd, bytes, 0, bytes.length);
            if (n != bytes.length) {
                throw new ErrnoException("write " + file + " (short write: " + n + " of " + bytes.length + ")", 5);
            }
        } finally {
            Libc.close(fd);
        }
    }

    /** The whole content of a small control file, read with read(2) until end of file. */
    static String read(Path file) {
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[8192];
            while (true) {
                int n = Libc.read(fd, buf, 0, buf.length);
                if (n <= 0) {
                    break;
                }
                sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            return sb.toString();
        } finally {
            Libc.close(fd);
        }
    }
}
