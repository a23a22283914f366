package org.canister.daemon.fuse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.OpenFile;
import org.canister.core.fs.OpenFlags;

/**
 * A writable control file for tests: records every call it receives (open flags, truncate, write
 * offset and bytes, flush, release, and the caller of each), and can be told to fail a step with an
 * errno, as a real control file rejects a write (EXDEV) or a transaction at flush.
 */
final class RecordingFile implements FileNode {
    /** One call received by the file. */
    record Event(String op, Caller caller, long offset, String data, int flags) {
        @Override
        public String toString() {
            if (op.equals("truncate")) {
                return op + "@" + offset;
            }
            return op + (data == null ? "" : "@" + offset + ":" + data.replace("\n", "\\n"));
        }
    }

    private final List<Event> events = new ArrayList<>();
    private final Errno failWrite;
    private final Errno failFlush;

    RecordingFile() {
        this(null, null);
    }

    RecordingFile(Errno failWrite, Errno failFlush) {
        this.failWrite = failWrite;
        this.failFlush = failFlush;
    }

    @Override
    public int mode() {
        return 0600;
    }

    synchronized List<Event> events() {
        return new ArrayList<>(events);
    }

    /** The operations seen, e.g. {@code [open, truncate, write@0:x\n, flush, release]}. */
    synchronized List<String> ops() {
        return events.stream().map(Event::toString).toList();
    }

    synchronized void clear() {
        events.clear();
    }

    private synchronized void add(Event e) {
        events.add(e);
        notifyAll();
    }

    /** Wait until a release has been recorded (the kernel sends RELEASE asynchronously after close). */
    synchronized void awaitRelease(long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (events.stream().noneMatch(e -> e.op.equals("release"))) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    @Override
    public OpenFile open(Caller caller, int flags) {
        add(new Event("open", caller, 0, null, flags));
        return new OpenFile() {
            @Override
            public byte[] read(Caller c, long offset, int size) {
                add(new Event("read", c, offset, null, 0));
                return new byte[0];
            }

            @Override
            public int write(Caller c, long offset, byte[] data) {
                add(new Event("write", c, offset, new String(data, StandardCharsets.UTF_8), 0));
                if (failWrite != null) {
                    throw new CanisterException(failWrite, "test file refuses writes");
                }
                return data.length;
            }

            @Override
            public void truncate(Caller c, long size) {
                add(new Event("truncate", c, size, null, 0));
            }

            @Override
            public void flush(Caller c) {
                add(new Event("flush", c, 0, null, 0));
                if (failFlush != null) {
                    throw new CanisterException(failFlush, "test file rejects the transaction");
                }
            }

            @Override
            public void release() {
                add(new Event("release", null, 0, null, 0));
            }
        };
    }

    static boolean truncatingOpen(Event e) {
        return e.op.equals("open") && OpenFlags.truncates(e.flags);
    }
}
