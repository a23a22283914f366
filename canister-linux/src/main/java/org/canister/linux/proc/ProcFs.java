package org.canister.linux.proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskSnapshot;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.NativeBuffer;

/**
 * Reads tasks from {@code /proc}: the seed scan at daemon start, the rescan after a proc connector
 * overrun, and refreshes after exec. Files are read with open/read/close through {@link Libc} into one
 * reusable native buffer and parsed as bytes (no regex, no per-line strings), because a scan touches
 * about eleven files per task on hosts with 100k tasks.
 *
 * <p>A task that exits while it is being read is reported as gone ({@code null} / -1), never as a
 * half-read snapshot: {@link #read} re-reads the start time at the end and discards the result if the
 * tid now names another incarnation.
 *
 * <p>Not thread-safe (one buffer); one instance per thread. {@link #close()} frees the buffer.
 */
public final class ProcFs implements AutoCloseable {
    private static final int ENOENT = 2;
    private static final int ESRCH = 3;
    private static final int BUFFER = 16 * 1024;
    /** Namespace types in the order of the {@link Namespaces} record. */
    private static final byte[][] NS_TYPES = ascii("/ns/mnt", "/ns/net", "/ns/pid", "/ns/user", "/ns/uts", "/ns/ipc",
            "/ns/cgroup");
    private static final byte[] TASK = ascii("/task/")[0];
    private static final byte[] STAT = ascii("/stat")[0];
    private static final byte[] STATUS = ascii("/status")[0];
    private static final byte[] CGROUP = ascii("/cgroup")[0];
    private static final byte[] EXE = ascii("/exe")[0];
    /** Longest suffix after {@code /task/<tid>}, two ten-digit ids and "/task/": room enough past the root. */
    private static final int PATH_ROOM = 64;

    private final String root;
    private final NativeBuffer nativeBuffer;
    private final byte[] bytes = new byte[BUFFER];
    private final byte[] rootBytes;
    /** {@code <root>/<tgid>/task/<tid>/<file>}, rebuilt in place for every read. */
    private final byte[] path;
    private final byte[] link = new byte[4096];

    /** Reads the host's {@code /proc}. */
    public ProcFs() {
        this("/proc");
    }

    /** Reads a proc tree mounted (or imitated, in tests) at {@code root}. */
    public ProcFs(String root) {
        this.root = root;
        this.rootBytes = (root + "/").getBytes(StandardCharsets.UTF_8);
        this.path = Arrays.copyOf(rootBytes, rootBytes.length + PATH_ROOM);
        this.nativeBuffer = NativeBuffer.allocate(BUFFER);
    }

    /** Ids of every thread-group leader (the numeric entries of /proc), in directory order. */
    public int[] pids() {
        return numericEntries(Path.of(root));
    }

    /** Ids of the threads of {@code tgid} (its {@code task/} directory); empty when the process is gone. */
    public int[] tids(int tgid) {
        return numericEntries(Path.of(root, Integer.toString(tgid), "task"));
    }

    private static int[] numericEntries(Path dir) {
        int[] ids = new int[256];
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                int id = parsePositiveInt(entry.getFileName().toString());
                if (id > 0) {
                    if (n == ids.length) {
                        ids = Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = id;
                }
            }
        } catch (NoSuchFileException e) {
            return new int[0];
        } catch (IOException e) {
            if (Files.exists(dir)) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
            return new int[0]; // the process exited while being listed
        }
        return Arrays.copyOf(ids, n);
    }

    private static int parsePositiveInt(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /**
     * Everything /proc says about thread {@code tid} of process {@code tgid}, or {@code null} when it is
     * gone, a zombie (exited, not yet reaped), or was replaced by a new incarnation while being read.
     */
    public TaskSnapshot read(int tgid, int tid) {
        int base = taskDir(tgid, tid);
        int n = readFile(append(base, STAT));
        if (n < 0) {
            return null;
        }
        ProcStat stat = parseStat(bytes, n);
        if (stat.state() == 'Z' || stat.state() == 'X') {
            // A zombie has exited already (its proc connector exit event is gone by); its /proc entry
            // lasts only until the parent reaps it, and reaping sends no event. Counting it as alive
            // would leave a task in the model that no later event removes.
            return null;
        }
        n = readFile(append(base, STATUS));
        if (n < 0) {
            return null;
        }
        ProcStatus status = parseStatus(bytes, n);
        long[] ns = new long[NS_TYPES.length];
        for (int i = 0; i < NS_TYPES.length; i++) {
            ns[i] = namespace(append(base, NS_TYPES[i]));
        }
        n = readFile(append(base, CGROUP));
        String cgroup = n < 0 ? "" : parseCgroup(bytes, n);
        String exe = readlinkOrEmpty(append(base, EXE));
        if (startTime(tgid, tid) != stat.startTime()) {
            return null;
        }
        return new TaskSnapshot(tid, status.tgid(), status.ppid(), stat.startTime(), status.credentials(),
                new Namespaces(ns[0], ns[1], ns[2], ns[3], ns[4], ns[5], ns[6]), cgroup, stat.comm(), exe);
    }

    /**
     * What an exec (or, with {@code withExe} false, a uid/gid change) can have changed: stat (comm,
     * start time, zombie check), status (credentials, tgid, ppid), exe, then stat's start time again;
     * {@code null} in the cases {@link #read} returns {@code null}. Four file operations instead of
     * {@link #read}'s twelve: execve(2) keeps namespaces and cgroup, so they are not read.
     */
    public ProcExec readExec(int tgid, int tid, boolean withExe) {
        int base = taskDir(tgid, tid);
        int n = readFile(append(base, STAT));
        if (n < 0) {
            return null;
        }
        ProcStat stat = parseStat(bytes, n);
        if (stat.state() == 'Z' || stat.state() == 'X') {
            return null; // see read(): a zombie is never counted as alive
        }
        n = readFile(append(base, STATUS));
        if (n < 0) {
            return null;
        }
        ProcStatus status = parseStatus(bytes, n);
        String exe = withExe ? readlinkOrEmpty(append(base, EXE)) : null;
        // The stat-status-stat sandwich: a pid reused between the reads (pid_max may be 32768) would
        // otherwise mix two incarnations' facts.
        n = readFile(append(base, STAT));
        if (n < 0 || parseStartTime(bytes, n) != stat.startTime()) {
            return null;
        }
        return new ProcExec(tid, status.tgid(), status.ppid(), stat.startTime(), status.credentials(),
                withExe ? stat.comm() : null, exe);
    }

    /** Field 22 (start time in clock ticks) of the task's stat file, or -1 when the task is gone. */
    public long startTime(int tgid, int tid) {
        int n = readFile(append(taskDir(tgid, tid), STAT));
        return n < 0 ? -1 : parseStartTime(bytes, n);
    }

    /** Reads every thread of every process. Tasks that exit during the scan are left out. */
    public List<TaskSnapshot> scanAll() {
        List<TaskSnapshot> out = new ArrayList<>();
        for (int pid : pids()) {
            for (int tid : tids(pid)) {
                TaskSnapshot s = read(pid, tid);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Frees the read buffer. */
    @Override
    public void close() {
        nativeBuffer.close();
    }

    // ---- I/O helpers ----

    /**
     * Writes {@code <root>/<tgid>/task/<tid>} into {@link #path} (no allocation: this runs for every
     * fork and exec) and returns its length.
     */
    private int taskDir(int tgid, int tid) {
        int at = rootBytes.length;
        at = appendInt(at, tgid);
        System.arraycopy(TASK, 0, path, at, TASK.length);
        at += TASK.length;
        return appendInt(at, tid);
    }

    private int appendInt(int at, int v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative task id " + v);
        }
        int digits = 1;
        for (int x = v; x >= 10; x /= 10) {
            digits++;
        }
        for (int i = at + digits - 1; i >= at; i--) {
            path[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return at + digits;
    }

    /** Appends {@code suffix} after the first {@code len} bytes of {@link #path}; returns the new length. */
    private int append(int len, byte[] suffix) {
        System.arraycopy(suffix, 0, path, len, suffix.length);
        return len + suffix.length;
    }

    /**
     * Reads the whole (small) file named by {@code path[0, pathLen)} into {@link #bytes}; returns its
     * length, or -1 when the task is gone. Stops at the first short read: every file read here is a
     * {@code single_open} seq_file (stat, status, cgroup; fs/proc/base.c ONE()), whose whole text one
     * read(2) returns when the buffer holds it, so the usual second read that returns 0 is saved.
     */
    private int readFile(int pathLen) {
        int fd = Libc.openNoThrow(path, pathLen, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0) {
            if (-fd == ENOENT || -fd == ESRCH) {
                return -1;
            }
            throw new ErrnoException("open " + new String(path, 0, pathLen, StandardCharsets.UTF_8), -fd);
        }
        try {
            int total = 0;
            while (total < BUFFER) {
                int n;
                try {
                    n = Libc.read(fd, nativeBuffer);
                } catch (ErrnoException e) {
                    if (e.errno() == ESRCH || e.errno() == ENOENT) {
                        return -1;
                    }
                    throw e;
                }
                if (n <= 0) {
                    break;
                }
                int take = Math.min(n, BUFFER - total);
                nativeBuffer.buffer().get(0, bytes, total, take);
                total += take;
                if (n < BUFFER) {
                    break;
                }
            }
            return total;
        } finally {
            Libc.close(fd);
        }
    }

    /** The target of the link {@code path[0, pathLen)}, or "" when unreadable. */
    private String readlinkOrEmpty(int pathLen) {
        int n = Libc.readlinkNoThrow(path, pathLen, link);
        // Kernel threads have no exe; zombies have neither exe nor namespaces.
        return n <= 0 ? "" : new String(link, 0, n, StandardCharsets.UTF_8);
    }

    private long namespace(int pathLen) {
        int n = Libc.readlinkNoThrow(path, pathLen, link);
        return n <= 0 ? 0 : parseNamespaceLink(new String(link, 0, n, StandardCharsets.US_ASCII));
    }

    // ---- pure parsers ----

    /** {@link #parseStat(byte[], int)} of a string (tests, tools). */
    public static ProcStat parseStat(String stat) {
        byte[] b = stat.getBytes(StandardCharsets.UTF_8);
        return parseStat(b, b.length);
    }

    /**
     * Parses a stat line. The comm (field 2) is everything between the first '(' and the <em>last</em>
     * ')': a task may name itself {@code "a) S 1 ("}, so no field may be found by splitting from the
     * start. Field 3 follows the last ')' after one space.
     *
     * @throws IllegalArgumentException when the line does not have 22 fields
     */
    public static ProcStat parseStat(byte[] b, int len) {
        int open = indexOf(b, len, (byte) '(');
        int close = lastIndexOf(b, len, (byte) ')');
        if (open < 0 || close < open || close + 2 >= len) {
            throw new IllegalArgumentException("not a /proc stat line: " + preview(b, len));
        }
        String comm = new String(b, open + 1, close - open - 1, StandardCharsets.UTF_8);
        int at = close + 2; // field 3
        char state = (char) (b[at] & 0xff);
        at = skipFields(b, len, at, 1); // field 4
        int ppid = (int) parseLong(b, len, at);
        at = skipFields(b, len, at, 18); // field 22
        return new ProcStat(comm, state, ppid, parseLong(b, len, at));
    }

    /** Field 22 only, without building the comm string (the hot path of pid-reuse checks). */
    public static long parseStartTime(byte[] b, int len) {
        int close = lastIndexOf(b, len, (byte) ')');
        if (close < 0 || close + 2 >= len) {
            throw new IllegalArgumentException("not a /proc stat line: " + preview(b, len));
        }
        return parseLong(b, len, skipFields(b, len, close + 2, 19));
    }

    /** {@link #parseStatus(byte[], int)} of a string (tests, tools). */
    public static ProcStatus parseStatus(String status) {
        byte[] b = status.getBytes(StandardCharsets.UTF_8);
        return parseStatus(b, b.length);
    }

    /**
     * Parses the lines of a status file Canister needs ({@code Tgid PPid Uid Gid CapEff CapBnd}); fields
     * that are absent stay -1 (ids) or 0 (capabilities).
     */
    public static ProcStatus parseStatus(byte[] b, int len) {
        int tgid = -1;
        int ppid = -1;
        int uid = -1;
        int euid = -1;
        int gid = -1;
        int egid = -1;
        long capEff = 0;
        long capBnd = 0;
        int line = 0;
        while (line < len) {
            int eol = line;
            while (eol < len && b[eol] != '\n') {
                eol++;
            }
            int colon = line;
            while (colon < eol && b[colon] != ':') {
                colon++;
            }
            if (colon < eol) {
                int value = colon + 1;
                switch (key(b, line, colon)) {
                    case K_TGID -> tgid = (int) parseLong(b, eol, value);
                    case K_PPID -> ppid = (int) parseLong(b, eol, value);
                    case K_UID -> {
                        uid = (int) parseLong(b, eol, value);
                        euid = (int) parseLong(b, eol, skipFields(b, eol, skipBlank(b, eol, value), 1));
                    }
                    case K_GID -> {
                        gid = (int) parseLong(b, eol, value);
                        egid = (int) parseLong(b, eol, skipFields(b, eol, skipBlank(b, eol, value), 1));
                    }
                    case K_CAPEFF -> capEff = parseHex(b, eol, value);
                    case K_CAPBND -> capBnd = parseHex(b, eol, value);
                    default -> {
                        // a line Canister does not need
                    }
                }
            }
            line = eol + 1;
        }
        return new ProcStatus(tgid, ppid, uid, euid, gid, egid, capEff, capBnd);
    }

    private static final int K_OTHER = 0;
    private static final int K_TGID = 1;
    private static final int K_PPID = 2;
    private static final int K_UID = 3;
    private static final int K_GID = 4;
    private static final int K_CAPEFF = 5;
    private static final int K_CAPBND = 6;
    private static final byte[][] KEYS = {
        null,
        "Tgid".getBytes(StandardCharsets.US_ASCII),
        "PPid".getBytes(StandardCharsets.US_ASCII),
        "Uid".getBytes(StandardCharsets.US_ASCII),
        "Gid".getBytes(StandardCharsets.US_ASCII),
        "CapEff".getBytes(StandardCharsets.US_ASCII),
        "CapBnd".getBytes(StandardCharsets.US_ASCII),
    };

    private static int key(byte[] b, int from, int to) {
        for (int k = 1; k < KEYS.length; k++) {
            byte[] key = KEYS[k];
            if (key.length == to - from && Arrays.equals(b, from, to, key, 0, key.length)) {
                return k;
            }
        }
        return K_OTHER;
    }

    /** {@link #parseCgroup(byte[], int)} of a string. */
    public static String parseCgroup(String cgroup) {
        byte[] b = cgroup.getBytes(StandardCharsets.UTF_8);
        return parseCgroup(b, b.length);
    }

    /**
     * The cgroup v2 path: the line {@code 0::<path>} of {@code /proc/<pid>/cgroup} (cgroups(7): hierarchy
     * 0 is the unified one), or "" when the task has none (pure cgroup v1 hosts).
     */
    public static String parseCgroup(byte[] b, int len) {
        int line = 0;
        while (line < len) {
            int eol = line;
            while (eol < len && b[eol] != '\n') {
                eol++;
            }
            if (eol - line >= 3 && b[line] == '0' && b[line + 1] == ':' && b[line + 2] == ':') {
                return new String(b, line + 3, eol - line - 3, StandardCharsets.UTF_8);
            }
            line = eol + 1;
        }
        return "";
    }

    /**
     * The inode number in a namespace link target, {@code "net:[4026531840]"} gives 4026531840
     * (the form {@code ns_dname()} prints: {@code <type>:[<inode>]}).
     *
     * @throws IllegalArgumentException for any other text
     */
    public static long parseNamespaceLink(String link) {
        int open = link.indexOf(":[");
        if (open < 0 || !link.endsWith("]") || link.length() - 1 <= open + 2) {
            throw new IllegalArgumentException("not a namespace link: " + link);
        }
        long v = 0;
        for (int i = open + 2; i < link.length() - 1; i++) {
            char c = link.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a namespace link: " + link);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static byte[][] ascii(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    // ---- byte scanning ----

    private static int indexOf(byte[] b, int len, byte c) {
        for (int i = 0; i < len; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, int len, byte c) {
        for (int i = len - 1; i >= 0; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int skipBlank(byte[] b, int len, int at) {
        while (at < len && (b[at] == ' ' || b[at] == '\t')) {
            at++;
        }
        return at;
    }

    /** From the start of a field, moves to the start of the field {@code count} fields later. */
    private static int skipFields(byte[] b, int len, int at, int count) {
        for (int i = 0; i < count; i++) {
            while (at < len && b[at] != ' ' && b[at] != '\t') {
                at++;
            }
            at = skipBlank(b, len, at);
        }
        if (at >= len) {
            throw new IllegalArgumentException("line ends before the expected field: " + preview(b, len));
        }
        return at;
    }

    /** A decimal number (optionally negative) after optional blanks. */
    private static long parseLong(byte[] b, int len, int at) {
        at = skipBlank(b, len, at);
        boolean negative = at < len && b[at] == '-';
        if (negative) {
            at++;
        }
        int start = at;
        long v = 0;
        while (at < len && b[at] >= '0' && b[at] <= '9') {
            v = v * 10 + (b[at] - '0');
            at++;
        }
        if (at == start) {
            throw new IllegalArgumentException("expected a number: " + preview(b, len));
        }
        return negative ? -v : v;
    }

    /** A hexadecimal mask such as CapEff's {@code 000001ffffffffff}, after optional blanks. */
    private static long parseHex(byte[] b, int len, int at) {
        at = skipBlank(b, len, at);
        int start = at;
        long v = 0;
        while (at < len) {
            int d = Character.digit(b[at], 16);
            if (d < 0) {
                break;
            }
            v = (v << 4) | d;
            at++;
        }
        if (at == start) {
            throw new IllegalArgumentException("expected a hexadecimal mask: " + preview(b, len));
        }
        return v;
    }

    private static String preview(byte[] b, int len) {
        return new String(b, 0, Math.min(len, 120), StandardCharsets.UTF_8);
    }
}
