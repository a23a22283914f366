package org.canister.daemon.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditStatusField;
import org.canister.linux.ErrnoException;
import org.canister.linux.audit.AuditNetlink;
import org.canister.linux.audit.KernelAuditState;

/**
 * What the running daemon must undo in the kernel, on disk, so that a daemon killed with
 * {@code kill -9} (which restores nothing) is undone by the next start: the status fields it changed
 * with their values before it ran, the rules it added, and the rules loaded before it that it deleted
 * (a rules file's {@code -D}, as auditd's audit.rules usually begins, or {@code -d}); rules as
 * {@code struct audit_rule_data} hex, the deleted ones exactly as AUDIT_LIST_RULES gave them.
 *
 * <p>At start, {@link #undo} deletes the added rules, re-adds the deleted ones in their original
 * order and sets the fields back; only then is the kernel state snapshot taken, so the snapshot holds
 * the state from before the killed run.
 *
 * <p>The file lives in the run directory ({@code /run/canister}, a tmpfs): a reboot clears it together
 * with the kernel state it describes. It is rewritten by atomic rename before every change it lists
 * (rules to be deleted are written down before the deletion, through {@link KernelAuditState.Journal})
 * and deleted once {@link KernelAuditState#close()} restored everything. Format, one item per line,
 * {@code removed=} lines in the kernel's order:
 * <pre>
 * owner=4242 1760000000123
 * enabled=0
 * backlog_wait_time=15000
 * rule=04000000020000000200...
 * removed=04000000020000000200...
 * </pre>
 */
public final class KernelRestoreFile {

    private static final int ENOENT = 2;
    private static final int EEXIST = 17;
    /** Fields are set back in this order, {@code enabled} last (as {@link KernelAuditState#close()}). */
    private static final List<AuditStatusField> FIELD_ORDER = List.of(AuditStatusField.BACKLOG_WAIT_TIME,
            AuditStatusField.BACKLOG_LIMIT, AuditStatusField.RATE_LIMIT, AuditStatusField.FAILURE, AuditStatusField.ENABLED);

    /**
     * What a previous run left to undo.
     *
     * @param fields     status fields with the values to set them back to
     * @param rules      rules it added, to delete
     * @param removed    rules loaded before it that it deleted, to re-add in this order, as
     *                   {@code struct audit_rule_data}
     * @param ownerAlive the daemon that wrote the file still runs (same pid and start time): then
     *                   nothing is left over, the file is its own and must not be undone
     */
    public record Pending(Map<AuditStatusField, Long> fields, List<AuditRule> rules, List<byte[]> removed,
                          boolean ownerAlive) {
        public boolean isEmpty() {
            return ownerAlive || (fields.isEmpty() && rules.isEmpty() && removed.isEmpty());
        }

        /** One clause for the log: what {@link #undo} was asked to do. */
        public String summary() {
            return "restored " + fields + ", deleted " + rules.size() + " rules it added and re-added " + removed.size()
                    + " rules it had deleted";
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
        if (!Files.exists(file)) {
            return parse(List.of());
        }
        try {
            return parse(Files.readAllLines(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return parse(List.of());
        }
    }

    /** The lines of a restore file; torn or foreign lines are skipped (nothing to undo for them). */
    static Pending parse(List<String> lines) {
        Map<AuditStatusField, Long> fields = new EnumMap<>(AuditStatusField.class);
        List<AuditRule> rules = new ArrayList<>();
        List<byte[]> removed = new ArrayList<>();
        boolean ownerAlive = false;
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            try {
                switch (key) {
                    case "owner" -> ownerAlive = isAlive(value);
                    case "rule" -> rules.add(AuditRuleData.decode(HexFormat.of().parseHex(value)));
                    case "removed" -> {
                        byte[] data = HexFormat.of().parseHex(value);
                        AuditRuleData.decode(data); // a torn line does not decode
                        removed.add(data);
                    }
                    default -> fields.put(AuditStatusField.valueOf(key.toUpperCase(Locale.ROOT)), Long.parseLong(value));
                }
            } catch (RuntimeException e) {
                // a torn or foreign line: nothing to undo for it
            }
        }
        return new Pending(fields, rules, removed, ownerAlive);
    }

    /**
     * The text of a restore file.
     *
     * @param owner   {@code <pid> <start time ms>} of the writer
     * @param removed rules to re-add, {@code struct audit_rule_data}, in order
     */
    static String format(String owner, Map<AuditStatusField, Long> fields, List<AuditRule> rules, List<byte[]> removed) {
        StringBuilder b = new StringBuilder(256);
        b.append("owner=").append(owner).append('\n');
        for (Map.Entry<AuditStatusField, Long> f : fields.entrySet()) {
            b.append(f.getKey().name().toLowerCase(Locale.ROOT)).append('=').append(f.getValue()).append('\n');
        }
        for (AuditRule r : rules) {
            b.append("rule=").append(HexFormat.of().formatHex(AuditRuleData.encode(r.withoutPrepend()))).append('\n');
        }
        for (byte[] data : removed) {
            b.append("removed=").append(HexFormat.of().formatHex(data)).append('\n');
        }
        return b.toString();
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
     * Undoes what a killed previous run left: deletes the rules it added, re-adds the rules it had
     * deleted in their original order, sets the fields back. Failures are collected, not thrown: a
     * rule someone else deleted (ENOENT) or loaded again (EEXIST) is already as it should be. Its
     * own rules go first, so a rule it deleted and then loaded again itself (a rules file that begins
     * with {@code -D} and adds back what was there) ends up loaded once, as before.
     *
     * @return one line per failure
     */
    public static List<String> undo(Pending pending, AuditNetlink control) {
        List<String> failures = new ArrayList<>();
        for (AuditRule r : pending.rules()) {
            try {
                control.deleteRule(r);
            } catch (ErrnoException e) {
                if (e.errno() != ENOENT) { // never loaded, or already deleted
                    failures.add(e.getMessage());
                }
            }
        }
        for (byte[] data : pending.removed()) {
            try {
                control.addRuleData(data, AuditRuleData.decode(data).toString());
            } catch (ErrnoException e) {
                if (e.errno() != EEXIST) { // loaded again by someone else, or never deleted
                    failures.add(e.getMessage());
                }
            }
        }
        for (AuditStatusField f : FIELD_ORDER) {
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
        save(state, EnumSet.noneOf(AuditStatusField.class), List.of(), List.of());
    }

    /**
     * Writes what {@code state} will restore now plus what the caller is about to change: fields
     * (restored to the value before; restoring an unchanged field is harmless), rules to add (deleting
     * a rule that never got loaded fails with ENOENT, which restoration ignores) and rules loaded by
     * someone else about to be deleted (re-adding one that was not deleted after all fails with
     * EEXIST, also ignored). Written before the changes, it leaves no window in which a kill -9
     * could strand them.
     *
     * @param aboutToRemove {@code struct audit_rule_data} as listed, after {@link KernelAuditState#removedRules()}
     */
    public void save(KernelAuditState state, Set<AuditStatusField> aboutToSet, List<AuditRule> aboutToAdd,
                     List<byte[]> aboutToRemove) throws IOException {
        EnumSet<AuditStatusField> changed = state.changedFields();
        changed.addAll(aboutToSet);
        Map<AuditStatusField, Long> fields = new EnumMap<>(AuditStatusField.class);
        for (AuditStatusField f : changed) {
            fields.put(f, state.restoreValue(f));
        }
        List<AuditRule> rules = new ArrayList<>(state.addedRules());
        rules.addAll(aboutToAdd);
        List<byte[]> removed = state.removedRules();
        removed.addAll(aboutToRemove);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, format(self(), fields, rules, removed), StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Everything was restored. */
    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
