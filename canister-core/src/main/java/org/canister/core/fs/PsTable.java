package org.canister.core.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * The text behind the root file {@code ps}: every live process of the {@link TaskTable} in one read,
 * so {@code canister ps} costs one open and a few reads instead of a walk of {@code proc/}.
 *
 * <p>Format: a header line {@value #HEADER} and one line per process, sorted by pid, columns separated
 * by a tab. {@code UID} is the effective uid (the one {@code ps -f} shows), {@code MNTNS} the mount
 * namespace inode, {@code CGROUP} the cgroup v2 path. An unknown number is {@code -}. {@code CONTID}
 * is empty until a contid column is plugged in with {@link #setContidColumn(Function)}. Text fields
 * escape backslash, tab and newline as {@code \\}, {@code \t}, {@code \n} (comm and cgroup names may
 * hold any byte but NUL and '/'); {@link #parse(String)} reverses it.
 */
public final class PsTable implements Supplier<String> {
    /** First line of the table. */
    public static final String HEADER = "PID\tPPID\tUID\tCOMM\tCONTID\tMNTNS\tCGROUP";

    private static final Function<Task, String> BLANK = t -> "";

    private final TaskTable tasks;
    private final Lock lock;
    private volatile Function<Task, String> contid = BLANK;

    public PsTable(TaskTable tasks, Lock lock) {
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    /**
     * Fill the CONTID column (the audit container ID chain, e.g. {@code 4,^2,^1}). The function is
     * called under the model lock for each live process and must not return null.
     */
    public void setContidColumn(Function<Task, String> column) {
        this.contid = Objects.requireNonNull(column, "column");
    }

    /** One row of the table. {@code uid} is -1 and {@code mntns} 0 when unknown. */
    public record Row(int pid, int ppid, int uid, String comm, String contid, long mntns, String cgroup) {
    }

    /** Render the table now (takes the model lock for the duration of the walk). */
    @Override
    public String get() {
        Function<Task, String> contidColumn = contid;
        lock.lock();
        try {
            List<Task> all = new ArrayList<>(Math.max(tasks.liveProcessCount(), 16));
            tasks.forEachProcess(all::add);
            all.sort((a, b) -> Integer.compare(a.tid(), b.tid()));
            StringBuilder sb = new StringBuilder(64 + all.size() * 64);
            sb.append(HEADER).append('\n');
            for (Task t : all) {
                int uid = t.creds() == null ? -1 : t.creds().euid();
                long mntns = t.ns() == null ? 0 : t.ns().mnt();
                sb.append(t.tid()).append('\t')
                        .append(t.ppid()).append('\t');
                if (uid < 0) {
                    sb.append('-');
                } else {
                    sb.append(uid);
                }
                sb.append('\t');
                escape(sb, t.comm());
                sb.append('\t');
                escape(sb, contidColumn.apply(t));
                sb.append('\t');
                if (mntns == 0) {
                    sb.append('-');
                } else {
                    sb.append(mntns);
                }
                sb.append('\t');
                escape(sb, t.cgroup());
                sb.append('\n');
            }
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Parse a table produced by {@link #get()} (what {@code canister ps} reads from the file).
     *
     * @throws CanisterException EINVAL when the text is not such a table
     */
    public static List<Row> parse(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].equals(HEADER)) {
            throw new CanisterException(Errno.EINVAL, "not a canister ps table: the first line is not the header");
        }
        List<Row> rows = new ArrayList<>(lines.length);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] f = lines[i].split("\t", -1);
            if (f.length != 7) {
                throw new CanisterException(Errno.EINVAL, "ps table line " + (i + 1) + " has " + f.length
                        + " columns, expected 7");
            }
            try {
                rows.add(new Row(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                        f[2].equals("-") ? -1 : Integer.parseInt(f[2]), unescape(f[3]), unescape(f[4]),
                        f[5].equals("-") ? 0 : Long.parseLong(f[5]), unescape(f[6])));
            } catch (NumberFormatException e) {
                throw new CanisterException(Errno.EINVAL, "ps table line " + (i + 1) + " has a malformed number: "
                        + e.getMessage());
            }
        }
        return rows;
    }

    private static void escape(StringBuilder sb, String s) {
        if (s == null) {
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                sb.append(switch (e) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
