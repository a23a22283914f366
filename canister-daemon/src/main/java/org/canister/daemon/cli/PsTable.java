package org.canister.daemon.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The {@code ps} control file's format and its rendering as a tree. The daemon writes one
 * tab-separated line per live process under a header line; the client orders them as a tree and
 * resolves user names. Fields never contain tabs or newlines (comm and cgroup are escaped).
 */
public final class PsTable {
    public static final String HEADER = "PID\tPPID\tUID\tCOMM\tCONTID\tMNTNS\tCGROUP";

    /** One process row. {@code contid} is the chain text, or "" when unlabelled. */
    public record Row(int pid, int ppid, int uid, String comm, String contid, long mntNs, String cgroup) {
    }

    private PsTable() {
    }

    /** One line of the control file (no trailing newline). */
    public static String line(Row r) {
        return r.pid() + "\t" + r.ppid() + "\t" + r.uid() + "\t" + clean(r.comm()) + "\t" + clean(r.contid())
                + "\t" + r.mntNs() + "\t" + clean(r.cgroup());
    }

    static String clean(String s) {
        if (s == null) {
            return "";
        }
        return s.replace('\t', ' ').replace('\n', ' ');
    }

    /** Parses the control file; malformed lines are reported, not skipped silently. */
    public static List<Row> parse(String text) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty() || (i == 0 && l.startsWith("PID\t"))) {
                continue;
            }
            String[] f = l.split("\t", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException("ps line " + (i + 1) + " has " + f.length + " fields, want 7: " + l);
            }
            rows.add(new Row(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3], f[4],
                    Long.parseLong(f[5]), f[6]));
        }
        return rows;
    }

    /**
     * Renders rows as a tree: roots (whose parent is not listed) in pid order, children indented
     * under their parent in pid order. {@code userName} maps a uid to a name.
     */
    public static String render(List<Row> rows, IntFunction<String> userName) {
        Map<Integer, Row> byPid = new HashMap<>();
        Map<Integer, List<Row>> children = new HashMap<>();
        for (Row r : rows) {
            byPid.put(r.pid(), r);
        }
        List<Row> roots = new ArrayList<>();
        for (Row r : rows) {
            if (r.ppid() != r.pid() && byPid.containsKey(r.ppid())) {
                children.computeIfAbsent(r.ppid(), k -> new ArrayList<>()).add(r);
            } else {
                roots.add(r);
            }
        }
        Comparator<Row> byPidOrder = Comparator.comparingInt(Row::pid);
        roots.sort(byPidOrder);
        children.values().forEach(l -> l.sort(byPidOrder));
        StringBuilder out = new StringBuilder();
        out.append(String.format("%7s %7s %-10s %-22s %-22s %-10s %s%n",
                "PID", "PPID", "USER", "COMMAND", "CONTID", "MNTNS", "CGROUP"));
        // iterative depth-first walk: a deep tree must not overflow the stack
        record Frame(Row row, int depth) {
        }
        ArrayList<Frame> stack = new ArrayList<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.add(new Frame(roots.get(i), 0));
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        while (!stack.isEmpty()) {
            Frame f = stack.removeLast();
            Row r = f.row();
            if (!seen.add(r.pid())) {
                continue;
            }
            String indent = "  ".repeat(Math.min(f.depth(), 20));
            out.append(String.format("%7d %7d %-10s %-22s %-22s %-10d %s%n", r.pid(), r.ppid(),
                    userName.apply(r.uid()), indent + r.comm(), r.contid().isEmpty() ? "-" : r.contid(),
                    r.mntNs(), r.cgroup()));
            List<Row> kids = children.getOrDefault(r.pid(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                stack.add(new Frame(kids.get(i), f.depth() + 1));
            }
        }
        return out.toString();
    }
}
