package org.canister.daemon.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.canister.core.CanisterException;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.annotate.SubjectChains;

/**
 * {@code canister audit tail}: follows {@code audit.sock} and prints its lines; with a container
 * ID, only the events that name it in any chain (the subject's CONTAINER_ID, a signal target's,
 * CONTAINER_OP's {@code contid=}/{@code old-contid=}), so {@code --contid 2} also shows containers
 * nested in 2.
 *
 * <p>The router writes each event's lines together, so an event is the run of consecutive lines
 * sharing a stamp; it is complete at an EOE line, at a line with another stamp, or when no line
 * followed for {@link #IDLE_FLUSH_MS} (a large event split across reads is thus never cut).
 */
public final class AuditTail {
    /** How long a quiet stream waits before the last event is taken as complete. */
    public static final long IDLE_FLUSH_MS = 50;

    private static final String EOF = new String("EOF");

    private AuditTail() {
    }

    /**
     * Copies events from {@code in} to {@code out} until the stream ends.
     *
     * @param contid the container ID to keep, or null for everything
     * @return events printed
     */
    public static long follow(InputStream in, Long contid, PrintStream out) throws InterruptedException {
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(65_536);
        Thread reader = Thread.ofVirtual().name("canister-audit-tail").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.put(line);
                }
            } catch (IOException | InterruptedException e) {
                // the stream ended
            } finally {
                try {
                    lines.put(EOF);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        long printed = 0;
        List<String> group = new ArrayList<>();
        String groupStamp = null;
        try {
            while (true) {
                String line = lines.poll(IDLE_FLUSH_MS, TimeUnit.MILLISECONDS);
                if (line == null) {
                    printed += emit(group, contid, out);
                    groupStamp = null;
                    continue;
                }
                if (line == EOF) {
                    printed += emit(group, contid, out);
                    return printed;
                }
                if (contid == null) {
                    out.println(line);
                    if (line.startsWith("type=EOE ")) {
                        printed++;
                    }
                    continue;
                }
                String stamp = stampOf(line);
                if (groupStamp != null && !groupStamp.equals(stamp)) {
                    printed += emit(group, contid, out);
                }
                groupStamp = stamp;
                group.add(line);
                if (line.startsWith("type=EOE ")) {
                    printed += emit(group, contid, out);
                    groupStamp = null;
                }
            }
        } finally {
            reader.interrupt();
            out.flush();
        }
    }

    private static int emit(List<String> group, Long contid, PrintStream out) {
        if (group.isEmpty()) {
            return 0;
        }
        boolean keep = contid == null || mentions(group, contid);
        if (keep) {
            for (String l : group) {
                out.println(l);
            }
            out.flush();
        }
        group.clear();
        return keep ? 1 : 0;
    }

    /** Whether the event formed by these lines names the container in any chain. */
    static boolean mentions(List<String> group, long contid) {
        List<AuditRecord> records = new ArrayList<>(group.size());
        AuditStamp stamp = null;
        for (String l : group) {
            try {
                AuditRecord r = AuditRecordText.parseLine(l);
                records.add(r);
                stamp = r.stamp();
            } catch (CanisterException e) {
                // a line of a type this build does not know: it names no container
            }
        }
        return stamp != null && SubjectChains.mentions(new AuditEvent(stamp, records, AuditEvent.Completion.TIMEOUT), contid);
    }

    /** The {@code audit(...)} part of a line, or the line itself. */
    static String stampOf(String line) {
        int a = line.indexOf("msg=audit(");
        int b = a < 0 ? -1 : line.indexOf(')', a);
        return a < 0 || b < 0 ? line : line.substring(a + 10, b);
    }
}
