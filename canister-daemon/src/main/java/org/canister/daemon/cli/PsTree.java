package org.canister.daemon.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.canister.core.fs.PsTable;
import org.canister.core.fs.PsTable.Row;

/**
 * Renders the daemon's {@code ps} control file ({@link PsTable}) as a process tree: roots (whose parent
 * is not listed) in pid order, children indented under their parent in pid order.
 */
public final class PsTree {
    private PsTree() {
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
        int nextUnreached = 0;
        List<Row> inPidOrder = new ArrayList<>(rows);
        inPidOrder.sort(byPidOrder);
        while (true) {
            if (stack.isEmpty()) {
                // rows on a parent cycle (a stale snapshot) are never reached from a root: print them too
                while (nextUnreached < inPidOrder.size() && seen.contains(inPidOrder.get(nextUnreached).pid())) {
                    nextUnreached++;
                }
                if (nextUnreached == inPidOrder.size()) {
                    break;
                }
                stack.add(new Frame(inPidOrder.get(nextUnreached), 0));
            }
            Frame f = stack.removeLast();
            Row r = f.row();
            if (!seen.add(r.pid())) {
                continue;
            }
            String indent = "  ".repeat(Math.min(f.depth(), 20));
            out.append(String.format("%7d %7d %-10s %-22s %-22s %-10s %s%n", r.pid(), r.ppid(),
                    r.uid() < 0 ? "-" : userName.apply(r.uid()), indent + r.comm(),
                    r.contid().isEmpty() ? "-" : r.contid(), r.mntns() == 0 ? "-" : Long.toString(r.mntns()),
                    r.cgroup()));
            List<Row> kids = children.getOrDefault(r.pid(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                stack.add(new Frame(kids.get(i), f.depth() + 1));
            }
        }
        return out.toString();
    }
}
