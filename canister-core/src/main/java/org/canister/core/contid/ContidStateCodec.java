package org.canister.core.contid;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * The registry's state file, version 1: line-oriented text a person can read and diff, written by the
 * daemon with an atomic rename. A missing {@code end} line means a truncated file.
 *
 * <pre>
 * canister-contid-state 1
 * boot 6a1b9a53-3d5e-4f8e-9e0f-2d4f5c7b8a90
 * saved-at 1234567
 * object 1 owner=4100:98765 parent=- state=live
 * object 2 owner=4300:98900 parent=1 state=live
 * label 4242:99000 2
 * capcontid 4300:98900
 * end
 * </pre>
 *
 * Objects are listed parents first; every reference is checked on decode.
 */
public final class ContidStateCodec {
    /** First line of every state file. */
    public static final String MAGIC = "canister-contid-state";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;

    private ContidStateCodec() {
    }

    /** The file text for this state (ends with {@code "end\n"}). */
    public static String encode(ContidState s) {
        if (s.bootId().isEmpty() || s.bootId().chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("boot id must be printable ASCII without spaces: " + s.bootId());
        }
        StringBuilder b = new StringBuilder(64 + 64 * (s.objects().size() + s.labels().size()));
        b.append(MAGIC).append(' ').append(VERSION).append('\n');
        b.append("boot ").append(s.bootId()).append('\n');
        b.append("saved-at ").append(s.savedAtTicks()).append('\n');
        for (ContidState.ObjectEntry o : s.objects()) {
            b.append("object ").append(Long.toUnsignedString(o.id()))
                    .append(" owner=").append(o.owner().pid()).append(':').append(o.owner().startTime())
                    .append(" parent=").append(o.hasParent() ? Long.toUnsignedString(o.parentId()) : "-")
                    .append(" state=").append(o.dropped() ? "dropped" : "live").append('\n');
        }
        for (ContidState.LabelEntry l : s.labels()) {
            b.append("label ").append(l.task().pid()).append(':').append(l.task().startTime())
                    .append(' ').append(Long.toUnsignedString(l.id())).append('\n');
        }
        for (TaskRef t : s.capContidHolders()) {
            b.append("capcontid ").append(t.pid()).append(':').append(t.startTime()).append('\n');
        }
        b.append("end\n");
        return b.toString();
    }

    /**
     * Read a state file.
     *
     * @throws CanisterException EINVAL naming the line and what is wrong with it, for a corrupt,
     *                           truncated or newer-version file
     */
    public static ContidState decode(String text) {
        String[] lines = text.split("\n", -1);
        int n = lines.length;
        // A file ends with "end\n": the split leaves one empty string after it.
        if (n > 0 && lines[n - 1].isEmpty()) {
            n--;
        }
        if (n == 0) {
            throw bad(1, "file is empty; expected the line '" + MAGIC + " " + VERSION + "'");
        }
        String[] head = lines[0].split(" ");
        if (head.length != 2 || !head[0].equals(MAGIC)) {
            throw bad(1, "not a Canister contid state file (expected '" + MAGIC + " " + VERSION + "')");
        }
        if (!head[1].equals(Integer.toString(VERSION))) {
            throw bad(1, "state format version " + head[1] + " is not readable by this daemon (it reads "
                    + VERSION + "); keep the file and run the daemon version that wrote it");
        }
        String bootId = null;
        long savedAt = -1;
        List<ContidState.ObjectEntry> objects = new ArrayList<>();
        Map<Long, ContidState.ObjectEntry> byId = new HashMap<>();
        List<ContidState.LabelEntry> labels = new ArrayList<>();
        Set<TaskRef> labelled = new HashSet<>();
        List<TaskRef> holders = new ArrayList<>();
        Set<TaskRef> holderSet = new HashSet<>();
        boolean ended = false;
        for (int i = 1; i < n; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            if (ended) {
                throw bad(lineNo, "text after the 'end' line");
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            switch (f[0]) {
                case "boot" -> {
                    expect(f, 2, lineNo, "boot <boot_id>");
                    if (bootId != null) {
                        throw bad(lineNo, "second 'boot' line");
                    }
                    bootId = f[1];
                }
                case "saved-at" -> {
                    expect(f, 2, lineNo, "saved-at <clock ticks since boot>");
                    if (savedAt >= 0) {
                        throw bad(lineNo, "second 'saved-at' line");
                    }
                    savedAt = nonNegative(f[1], lineNo, "saved-at");
                }
                case "object" -> {
                    expect(f, 5, lineNo, "object <id> owner=<pid>:<start> parent=<id|-> state=<live|dropped>");
                    requireHeader(bootId, savedAt, lineNo);
                    long id = contid(f[1], lineNo);
                    TaskRef owner = taskRef(value(f[2], "owner=", lineNo), lineNo);
                    String p = value(f[3], "parent=", lineNo);
                    long parent = ContidValue.UNSET;
                    if (!p.equals("-")) {
                        parent = contid(p, lineNo);
                        if (!byId.containsKey(parent)) {
                            throw bad(lineNo, "parent " + p + " is not listed before this object");
                        }
                    }
                    String st = value(f[4], "state=", lineNo);
                    if (!st.equals("live") && !st.equals("dropped")) {
                        throw bad(lineNo, "state must be live or dropped, not " + st);
                    }
                    if (byId.containsKey(id)) {
                        throw bad(lineNo, "container ID " + f[1] + " listed twice");
                    }
                    ContidState.ObjectEntry o = new ContidState.ObjectEntry(id, owner, parent, st.equals("dropped"));
                    byId.put(id, o);
                    objects.add(o);
                }
                case "label" -> {
                    expect(f, 3, lineNo, "label <tid>:<start> <id>");
                    requireHeader(bootId, savedAt, lineNo);
                    TaskRef t = taskRef(f[1], lineNo);
                    long id = contid(f[2], lineNo);
                    ContidState.ObjectEntry o = byId.get(id);
                    if (o == null) {
                        throw bad(lineNo, "label names container ID " + f[2] + ", which no object line lists");
                    }
                    if (o.dropped()) {
                        throw bad(lineNo, "label names container ID " + f[2] + ", which is dropped (has no members)");
                    }
                    if (!labelled.add(t)) {
                        throw bad(lineNo, "task " + f[1] + " labelled twice");
                    }
                    labels.add(new ContidState.LabelEntry(t, id));
                }
                case "capcontid" -> {
                    expect(f, 2, lineNo, "capcontid <tid>:<start>");
                    requireHeader(bootId, savedAt, lineNo);
                    TaskRef t = taskRef(f[1], lineNo);
                    if (!holderSet.add(t)) {
                        throw bad(lineNo, "capcontid holder " + f[1] + " listed twice");
                    }
                    holders.add(t);
                }
                case "end" -> {
                    expect(f, 1, lineNo, "end");
                    ended = true;
                }
                default -> throw bad(lineNo, "unknown line kind '" + f[0] + "'");
            }
        }
        if (!ended) {
            throw bad(n, "no 'end' line: the file is truncated; the daemon writes it by atomic rename, so "
                    + "something else shortened it");
        }
        requireHeader(bootId, savedAt, n);
        return new ContidState(bootId, savedAt, objects, labels, holders);
    }

    private static void requireHeader(String bootId, long savedAt, int lineNo) {
        if (bootId == null || savedAt < 0) {
            throw bad(lineNo, "'boot' and 'saved-at' lines must come before objects, labels and holders");
        }
    }

    private static void expect(String[] f, int count, int lineNo, String form) {
        if (f.length != count) {
            throw bad(lineNo, "expected '" + form + "'");
        }
    }

    private static String value(String field, String key, int lineNo) {
        if (!field.startsWith(key)) {
            throw bad(lineNo, "expected " + key + "..., got '" + field + "'");
        }
        return field.substring(key.length());
    }

    private static long contid(String s, int lineNo) {
        long v;
        try {
            v = ContidValue.parse(s);
        } catch (CanisterException e) {
            throw bad(lineNo, "bad container ID '" + s + "': " + e.getMessage());
        }
        if (s.startsWith("+") || s.endsWith("\n") || v == ContidValue.UNSET) {
            throw bad(lineNo, "bad container ID '" + s + "'");
        }
        return v;
    }

    private static TaskRef taskRef(String s, int lineNo) {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw bad(lineNo, "expected <pid>:<start time>, got '" + s + "'");
        }
        long pid = nonNegative(s.substring(0, colon), lineNo, "pid");
        if (pid == 0 || pid > Integer.MAX_VALUE) {
            throw bad(lineNo, "pid out of range in '" + s + "'");
        }
        return new TaskRef((int) pid, nonNegative(s.substring(colon + 1), lineNo, "start time"));
    }

    private static long nonNegative(String s, int lineNo, String what) {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(lineNo, what + " must be a non-negative decimal number, got '" + s + "'");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(lineNo, what + " out of range: '" + s + "'");
        }
    }

    private static CanisterException bad(int lineNo, String why) {
        return new CanisterException(Errno.EINVAL, "contid state file line " + lineNo + ": " + why);
    }
}
