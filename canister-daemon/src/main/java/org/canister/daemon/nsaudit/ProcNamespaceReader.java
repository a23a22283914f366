package org.canister.daemon.nsaudit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.canister.core.audit.ns.NsSlot;
import org.canister.core.audit.ns.NsView;

/**
 * The daemon's side of namespace tracking: {@code stat(2)} of {@code /proc/<tid>/ns/*}, which the pure
 * {@code NamespaceTracker} compares with what it holds. {@code stat} follows the magic link to the nsfs
 * inode, so {@code st_dev}/{@code st_ino} are the namespace's id (namespaces(7): "two processes are in the
 * same namespace if the device IDs and inode numbers of their ns links are the same").
 *
 * <p>{@code /proc/<tid>} resolves thread ids too (hidden from listings), so a clone3 child that is a thread
 * is read the same way. A file that cannot be read gives an unknown slot: {@code pid_for_children} after
 * {@code unshare(CLONE_NEWPID)} has no target until the first child exists ({@code pidns_for_children_get}
 * returns NULL without a child reaper). A task with no readable file at all is gone (or a zombie, whose
 * namespaces were released in {@code exit_task_namespaces}).
 *
 * <p>Uses {@code java.nio} (no FFM): a dozen {@code stat} calls per namespace syscall event.
 */
public final class ProcNamespaceReader {
    private final Path proc;

    /** Reads the host's {@code /proc}. */
    public ProcNamespaceReader() {
        this(Path.of("/proc"));
    }

    /** Reads a proc tree mounted at {@code proc}. */
    public ProcNamespaceReader(Path proc) {
        this.proc = proc;
    }

    /** {@code st_dev} of the nsfs files (from {@code /proc/self/ns/net}), or -1 when unreadable. */
    public long nsfsDev() {
        try {
            Object dev = Files.getAttribute(proc.resolve("self/ns/net"), "unix:dev");
            return ((Number) dev).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** The ten namespace ids of task {@code tid}, or null when it is gone. */
    public NsView read(int tid) {
        Path dir = proc.resolve(Integer.toString(tid)).resolve("ns");
        NsView.Builder b = NsView.builder();
        int known = 0;
        for (NsSlot s : NsSlot.values()) {
            try {
                Map<String, Object> a = Files.readAttributes(dir.resolve(s.file()), "unix:dev,ino");
                long ino = ((Number) a.get("ino")).longValue();
                b.set(s, ((Number) a.get("dev")).longValue(), ino);
                known++;
            } catch (IOException e) {
                // unreadable slot (gone task, or pid_for_children without a child reaper): unknown
            }
        }
        return known == 0 ? null : b.build();
    }

    /** {@link #read(int)} of each tid; gone tasks are left out (the tracker reads absence as gone). */
    public Map<Integer, NsView> readAll(int[] tids) {
        Map<Integer, NsView> out = new HashMap<>(tids.length * 2);
        for (int tid : tids) {
            NsView v = read(tid);
            if (v != null) {
                out.put(tid, v);
            }
        }
        return out;
    }
}
