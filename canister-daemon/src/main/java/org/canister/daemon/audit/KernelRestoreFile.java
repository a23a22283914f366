package org.canister.daemon.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditStatusField;
import org.canister.linux.ErrnoException;
import org.canister.linux.audit.AuditNetlink;
import org.canister.linux.audit.KernelAuditState;

/**
 * What the running daemon must undo in the kernel, on disk, so that a daemon killed with
 * {@code kill -9} (which restores nothing) is undone by the next start: the status fields it changed
 * with their values before it ran, and the rules it added (as {@code struct audit_rule_data} hex).
 *
 * <p>At start, {@link #undo} sets the fields back and deletes the rules; only then is the kernel
 * state snapshot taken, so the snapshot holds the values from before the killed run.
 *
 * <p>The file lives in the run directory ({@code /run/canister}, a tmpfs): a reboot clears it together
 * with the kernel state it describes. It is rewritten by atomic rename after every change and
 * deleted once {@link KernelAuditState#close()} restored everything. Format, one item per line:
 * <pre>
 * owner=4242 1760000000123
 * enabled=0
 * backlog_wait_time=15000
 * rule=04000000020000000200...
 * </pre>
 */
public final class KernelRestoreFile {

    /**
     * What a previous run left to undo.
     *
     * @param ownerAlive the daemon that wrote the file still runs (same pid and start time): then
     *                   nothing is left over, the file is its own and must not be undone
     */
    public record Pending(Map<AuditStatusField, Long> fields, List<AuditRule> rules, boolean ownerAlive) {
        public boolean isEmpty() {
            return ownerAlive || (fields.isEmpty() && rules.isEmpty());
        }
    }

    private final Path file;

    public KernelRestoreFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** What a killed previous run left, or an empty {@link Pending} (no file, or unreadable lines skipped). */
    public Pending read() {
        Map<AuditStatusField, Long> fields = new EnumMap<>(AuditStatusField.class);
        List<AuditRule> rules = new ArrayList<>();
        if (!Files.exists(file)) {
            return new Pending(fields, rules, false);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return new Pending(fields, rules, false);
        }
        boolean ownerAlive = false;
        for (String line : lines) {
            if (line.startsWith("owner=")) {
                ownerAlive = isAlive(line.substring(6));
            }
        }
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            try {
                if (key.equals("owner")) {
                    continue;
                }
                if (key.equals("rule")) {
                    rules.add(AuditRuleData.decode(HexFormat.of().parseHex(value)));
                } else {
                    fields.put(AuditStatusField.valueOf(key.toUpperCase(Locale.ROOT)), Long.parseLong(value));
                }
            } catch (RuntimeException e) {
                // a torn or foreign line: nothing to undo for it
            }
        }
        return new Pending(fields, rules, ownerAlive);
    }

    /** {@code <pid> <start time ms>} of this process, as the {@code owner=} line records it. */
    static String self() {
        ProcessHandle me = ProcessHandle.current();
        return me.pid() + " " + me.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    private static boolean isAlive(String owner) {
        String[] f = owner.trim().split(" ");
        if (f.length != 2) {
            return false;
        }
        try {
            long pid = Long.parseLong(f[0]);
            long start = Long.parseLong(f[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .flatMap(h -> h.info().startInstant()).map(i -> i.toEpochMilli() == start).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Undoes what a killed previous run left (its rules deleted, its fields set back), then removes
     * the file. Failures are collected, not thrown: a rule someone else deleted is already undone.
     *
     * @return one line per failure
     */
    public static List<String> undo(Pending pending, AuditNetlink control) {
        List<String> failures = new ArrayList<>();
        for (AuditRule r : pending.rules()) {
            try {
                control.deleteRule(r);
            } catch (ErrnoException e) {
                if (e.errno() != 2) { // ENOENT: never loaded, or already deleted
                    failures.add(e.getMessage());
                }
            }
        }
        for (AuditStatusField f : List.of(AuditStatusField.BACKLOG_WAIT_TIME, AuditStatusField.BACKLOG_LIMIT,
                AuditStatusField.RATE_LIMIT, AuditStatusField.FAILURE, AuditStatusField.ENABLED)) {
            Long v = pending.fields().get(f);
            if (v != null) {
                try {
                    control.set(f, v);
                } catch (ErrnoException e) {
                    failures.add(e.getMessage());
                }
            }
        }
        return failures;
    }

    /** Writes what {@code state} will restore now (atomic rename). */
    public void save(KernelAuditState state) throws IOException {
        save(state, java.util.EnumSet.noneOf(AuditStatusField.class), List.of());
    }

    /**
     * Writes what {@code state} will restore now plus what the caller is about to change: fields
     * (restored to the value before; restoring an unchanged field is harmless) and rules (deleting a
     * rule that never got loaded fails with ENOENT, which restoration ignores). Written before the
     * changes, it leaves no window in which a kill -9 could strand them.
     */
    public void save(KernelAuditState state, java.util.Set<AuditStatusField> aboutToSet, List<AuditRule> aboutToAdd)
            throws IOException {
        java.util.EnumSet<AuditStatusField> fields = state.changedFields();
        fields.addAll(aboutToSet);
        StringBuilder b = new StringBuilder(256);
        b.append("owner=").append(self()).append('\n');
        for (AuditStatusField f : fields) {
            b.append(f.name().toLowerCase(Locale.ROOT)).append('=').append(state.restoreValue(f)).append('\n');
        }
        List<AuditRule> rules = new ArrayList<>(state.addedRules());
        rules.addAll(aboutToAdd);
        for (AuditRule r : rules) {
            b.append("rule=").append(HexFormat.of().formatHex(AuditRuleData.encode(r.withoutPrepend()))).append('\n');
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Everything was restored. */
    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
