package org.canister.core.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditRuleCommand.AddRule;
import org.canister.core.audit.AuditRuleCommand.DeleteAllRules;
import org.canister.core.audit.AuditRuleCommand.DeleteRule;
import org.canister.core.audit.AuditRuleCommand.IgnoreErrors;
import org.canister.core.audit.AuditRuleCommand.SetStatus;
import org.canister.core.audit.AuditRuleCommand.Warning;

/**
 * Parses audit rules in auditctl syntax (auditd's {@code audit.rules}, one auditctl command line
 * per line) into {@link AuditRuleCommand}s, with the semantics of auditctl 3.0.9
 * (src/auditctl.c {@code setopt}, {@code handle_request}) and libaudit 3.0.9
 * (lib/libaudit.c {@code audit_rule_fieldpair_data}, {@code audit_rule_syscallbyname_data},
 * {@code audit_add_watch_dir}, {@code audit_rule_interfield_comp_data}), so that the encoded
 * rules are byte for byte those auditctl would send.
 *
 * <p>Supported: {@code -a/-A/-d list,action}, {@code -S name|number|all} (comma lists),
 * {@code -F field<op>value} for every field libaudit 3.0.9 names, {@code -C f<op>f},
 * {@code -w/-W path}, {@code -p rwxa}, {@code -k key}, {@code -D [-k key]}, {@code -b}, {@code -r},
 * {@code -e}, {@code -f}, {@code --backlog_wait_time}, {@code -i}, {@code -c}. Lines are split on
 * spaces, {@code "\ "} is a space and {@code "\\"} a backslash inside a word; a line whose first
 * word starts with {@code #} is a comment.
 *
 * <p>Where auditctl silently accepts garbage (trailing characters after a number, which
 * {@code strtol} ignores; numbers wider than 32 bits, which it truncates; a key containing the
 * 0x01 key separator) this parser refuses with EINVAL instead. Every error is a
 * {@link CanisterException} with EINVAL and a sentence naming the line and the bad word.
 *
 * <p>Pure: the only facts about the host it needs (is a watched path a directory, user and group
 * names) come from a {@link Host}. The host is assumed to be x86_64 ({@code -F arch=b64} means
 * AUDIT_ARCH_X86_64, {@code b32} AUDIT_ARCH_I386).
 */
public final class AuditRules {

    /** The facts about the host that auditctl looks up while parsing. */
    public interface Host {
        /** Whether {@code path} exists and is a directory ({@code -w} then becomes a dir watch, as auditctl's stat). */
        boolean isDirectory(String path);

        /** The uid of a user name ({@code -F uid=root}), or empty. */
        OptionalLong uid(String name);

        /** The gid of a group name, or empty. */
        OptionalLong gid(String name);

        /** A host that knows no names and no directories: every watch is a file watch. */
        Host NONE = new Host() {
            @Override
            public boolean isDirectory(String path) {
                return false;
            }

            @Override
            public OptionalLong uid(String name) {
                return OptionalLong.empty();
            }

            @Override
            public OptionalLong gid(String name) {
                return OptionalLong.empty();
            }
        };
    }

    private static final int PATH_MAX = 4096;
    private static final int NAME_MAX = 255;
    private static final long UNSET = 4294967295L;

    private AuditRules() {
    }

    /**
     * Parses a whole rules text.
     *
     * @throws CanisterException EINVAL on the first bad line, naming the line and the word
     */
    public static List<AuditRuleCommand> parse(String text, Host host) {
        List<AuditRuleCommand> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            out.addAll(parseLine(lines[i], i + 1, host));
        }
        return out;
    }

    /**
     * Parses one line (a comment or blank line gives no command).
     *
     * @throws CanisterException EINVAL naming the line and the word
     */
    public static List<AuditRuleCommand> parseLine(String line, int lineNo, Host host) {
        String s = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        List<String> words = split(s);
        if (words.isEmpty() || words.get(0).startsWith("#")) {
            return List.of();
        }
        return new LineParser(lineNo, host).run(words);
    }

    /** Parses auditctl arguments given as separate words (command line style). */
    public static List<AuditRuleCommand> parseArgs(List<String> args, Host host) {
        if (args.isEmpty()) {
            return List.of();
        }
        return new LineParser(0, host).run(args);
    }

    /** The name of a filesystem magic number libaudit 3.0.9 knows (lib/fstypetab.h), or {@code null}. */
    static String fstypeName(int magic) {
        return switch (magic) {
            case 0x64626720 -> "debugfs";
            case 0x74726163 -> "tracefs";
            default -> null;
        };
    }

    private static int fstypeNumber(String name) {
        return switch (name) {
            case "debugfs" -> 0x64626720;
            case "tracefs" -> 0x74726163;
            default -> -1;
        };
    }

    /** libaudit lib/ftypetab.h: file type names to S_IF* values. */
    private static int filetype(String name) {
        return switch (name) {
            case "block" -> 0060000;
            case "character" -> 0020000;
            case "dir" -> 0040000;
            case "fifo" -> 0010000;
            case "file" -> 0100000;
            case "link" -> 0120000;
            case "socket" -> 0140000;
            default -> -1;
        };
    }

    /** Splits on spaces and tabs; "\ " is a space and "\\" a backslash inside a word (auditctl preprocess). */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == ' ' || line.charAt(i + 1) == '\\')) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }

    /**
     * A C {@code strtol}/{@code strtoul} with base 0 (0x hex, leading 0 octal, else decimal) that
     * must consume the whole word; returns {@code null} when it does not.
     */
    static Long cNumber(String s) {
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            radix = 16;
            i += 2;
        } else if (s.startsWith("0", i) && s.length() > i + 1) {
            radix = 8;
            i += 1;
        }
        if (i >= s.length() || s.length() - i > 20) {
            return null;
        }
        long v = 0;
        for (; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), radix);
            if (d < 0) {
                return null;
            }
            v = v * radix + d;
            if (v > 0xFFFF_FFFF_FFFFL) {
                return null;
            }
        }
        return negative ? -v : v;
    }

    /** The state of auditctl while it reads one line (auditctl.c globals reset by reset_vars). */
    private static final class LineParser {
        private final int line;
        private final Host host;
        private final List<AuditRuleCommand> out = new ArrayList<>();

        private AuditFilter add;
        private AuditFilter del;
        private AuditAction action;
        private boolean prepend;
        private int multiple;
        private boolean exclude;
        private SyscallMask mask = SyscallMask.none();
        private final List<RuleField> fields = new ArrayList<>();
        private final StringBuilder key = new StringBuilder();
        private boolean syscallAdded;
        private boolean permAdded;
        private boolean exeAdded;
        private boolean fsAdded;
        private int elf;

        LineParser(int line, Host host) {
            this.line = line;
            this.host = host;
        }

        private CanisterException fail(String sentence, String word) {
            String where = line > 0 ? "audit rules line " + line + ": " : "audit rule: ";
            return new CanisterException(Errno.EINVAL, where + sentence + " (at '" + word + "')");
        }

        List<AuditRuleCommand> run(List<String> words) {
            int i = 0;
            while (i < words.size()) {
                String w = words.get(i++);
                if (w.startsWith("--") && w.length() > 2) {
                    String name = w.substring(2);
                    String value = null;
                    int eq = name.indexOf('=');
                    if (eq >= 0) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    }
                    if (name.equals("backlog_wait_time")) {
                        if (value == null) {
                            if (i >= words.size()) {
                                throw fail("--backlog_wait_time needs a number of jiffies", w);
                            }
                            value = words.get(i++);
                        }
                        status(AuditStatusField.BACKLOG_WAIT_TIME, value, "--backlog_wait_time");
                    } else if (name.equals("loginuid-immutable") || name.equals("reset-lost")
                            || name.equals("reset_backlog_wait_time_actual") || name.equals("signal")) {
                        throw fail("--" + name + " is an auditctl command, not a rule; Canister does not run it from a rules file", w);
                    } else {
                        throw fail("unknown option", w);
                    }
                    continue;
                }
                if (w.length() < 2 || w.charAt(0) != '-') {
                    throw fail("a word without an option in front of it; every value must follow its option (e.g. -k KEY)", w);
                }
                char opt = w.charAt(1);
                if ("CefrbaAdSFmRwWkpq".indexOf(opt) >= 0) {
                    String arg;
                    if (w.length() > 2) {
                        arg = w.substring(2);
                    } else if (i < words.size()) {
                        arg = words.get(i++);
                    } else {
                        throw fail("option -" + opt + " needs a value", w);
                    }
                    option(opt, arg, words, i);
                } else if (w.length() == 2 && "icDlsvth".indexOf(opt) >= 0) {
                    switch (opt) {
                        case 'i' -> out.add(new IgnoreErrors(line, false));
                        case 'c' -> out.add(new IgnoreErrors(line, true));
                        case 'D' -> {
                            // auditctl: "-D" alone or "-D -k key"
                            int rest = words.size() - i;
                            if (rest == 0) {
                                out.add(new DeleteAllRules(line, null));
                            } else if (rest == 2 && words.get(i).equals("-k")) {
                                out.add(new DeleteAllRules(line, words.get(i + 1)));
                                i += 2;
                            } else {
                                throw fail("-D takes no other option than -k KEY", w);
                            }
                        }
                        default -> throw fail("-" + opt + " is an auditctl query, not a rule; it has no place in a rules file", w);
                    }
                } else {
                    throw fail("unknown option", w);
                }
            }
            finish();
            return out;
        }

        private void option(char opt, String arg, List<String> words, int next) {
            switch (opt) {
                case 'e' -> enabledOrFailure(AuditStatusField.ENABLED, arg, "-e");
                case 'f' -> enabledOrFailure(AuditStatusField.FAILURE, arg, "-f");
                case 'r' -> status(AuditStatusField.RATE_LIMIT, arg, "-r");
                case 'b' -> status(AuditStatusField.BACKLOG_LIMIT, arg, "-b");
                case 'a', 'A' -> {
                    if (arg.contains("task") && syscallAdded) {
                        throw fail("syscall auditing requested for the task list; -S must not come before -a task,...", arg);
                    }
                    if (add != null) {
                        throw fail("only one rule operation (-a, -A, -d, -w, -W) per line", arg);
                    }
                    setup(arg, true);
                    prepend = opt == 'A';
                }
                case 'd' -> {
                    if (add != null) {
                        throw fail("only one rule operation (-a, -A, -d, -w, -W) per line", arg);
                    }
                    setup(arg, false);
                }
                case 'S' -> syscalls(arg);
                case 'F' -> {
                    AuditFilter list = add != null ? add : del;
                    if (list == null) {
                        throw fail("the list (-a LIST,ACTION) must be given before a field", arg);
                    }
                    if (arg.startsWith("key=")) {
                        addKey(arg.substring(4), arg);
                    } else {
                        fieldPair(arg, list);
                    }
                }
                case 'C' -> compare(arg);
                case 'w', 'W' -> {
                    if (opt == 'w' && (add != null || del != null)) {
                        throw fail("a watch (-w) cannot be given with -a/-d; use -F path= or -F dir= in a syscall rule", arg);
                    }
                    if (opt == 'w') {
                        add = AuditFilter.EXIT;
                    } else {
                        del = AuditFilter.EXIT;
                    }
                    action = AuditAction.ALWAYS;
                    syscallAdded = true;
                    watch(arg);
                }
                case 'k' -> {
                    if (!(syscallAdded || permAdded || exeAdded || fsAdded) || (add == null && del == null)) {
                        throw fail("a key (-k) needs a watch or a syscall rule given before it", arg);
                    }
                    addKey(arg, arg);
                }
                case 'p' -> {
                    if (add == null && del == null) {
                        throw fail("a permission filter (-p) needs a watch given before it", arg);
                    }
                    perms(arg);
                }
                case 'm', 'R', 'q' -> throw fail("-" + opt + " is an auditctl command, not a rule; it has no place in a rules file", arg);
                default -> throw fail("unknown option -" + opt, arg);
            }
        }

        private void enabledOrFailure(AuditStatusField field, String arg, String option) {
            if (!arg.equals("0") && !arg.equals("1") && !arg.equals("2")) {
                throw fail(option + " must be 0, 1 or 2", arg);
            }
            out.add(new SetStatus(line, field, Integer.parseInt(arg)));
        }

        private void status(AuditStatusField field, String arg, String option) {
            Long v = arg.isEmpty() || !Character.isDigit(arg.charAt(0)) ? null : cNumber(arg);
            if (v == null || v > 0xFFFF_FFFFL) {
                throw fail(option + " needs a number from 0 to 4294967295", arg);
            }
            out.add(new SetStatus(line, field, v));
        }

        /** auditctl audit_rule_setup: "list,action" or "action,list". */
        private void setup(String arg, boolean isAdd) {
            if (++multiple != 1) {
                throw fail("only one rule operation (-a, -A, -d, -w, -W) per line", arg);
            }
            int comma = arg.indexOf(',');
            if (comma < 0 || arg.indexOf(',', comma + 1) >= 0) {
                throw fail("the rule operation needs exactly LIST,ACTION (e.g. always,exit)", arg);
            }
            String first = arg.substring(0, comma);
            String second = arg.substring(comma + 1);
            AuditFilter filter = null;
            AuditAction act = action(first, arg);
            if (act == null) {
                filter = AuditFilter.ofName(first);
                if (filter == null) {
                    throw fail("'" + first + "' is neither a list (user, task, exit, exclude, filesystem) nor an action (always, never)", arg);
                }
                act = action(second, arg);
                if (act == null) {
                    throw fail("'" + second + "' is not an action (always, never)", arg);
                }
            } else {
                filter = AuditFilter.ofName(second);
                if (filter == null) {
                    throw fail("'" + second + "' is not a list (user, task, exit, exclude, filesystem)", arg);
                }
            }
            if (filter == AuditFilter.EXCLUDE) {
                exclude = true;
            }
            action = act;
            if (isAdd) {
                add = filter;
            } else {
                del = filter;
            }
        }

        private AuditAction action(String word, String arg) {
            return switch (word) {
                case "always" -> AuditAction.ALWAYS;
                case "never" -> AuditAction.NEVER;
                case "possible" -> throw fail("the action 'possible' is deprecated; use always or never", arg);
                default -> null;
            };
        }

        private AuditFilter list() {
            return add != null ? add : del;
        }

        private void syscalls(String arg) {
            AuditFilter list = list();
            if (list == AuditFilter.TASK) {
                throw fail("syscall auditing (-S) cannot be added to the task list", arg);
            } else if (list == AuditFilter.USER) {
                throw fail("syscall auditing (-S) cannot be added to the user list", arg);
            } else if (list == AuditFilter.FILESYSTEM) {
                throw fail("syscall auditing (-S) cannot be added to the filesystem list", arg);
            } else if (exclude) {
                throw fail("syscall auditing (-S) cannot be put on the exclude list", arg);
            }
            boolean unknownArch = elf == 0;
            if (unknownArch) {
                elf = AuditArch.X86_64.elf();
            }
            AuditArch arch = AuditArch.ofElf(elf);
            if (arch == null) {
                throw fail("no syscall table for arch 0x" + Integer.toHexString(elf) + "; give syscalls by number", arg);
            }
            for (String name : arg.split(",")) {
                if (name.isEmpty()) {
                    continue;
                }
                mask = withSyscall(mask, arch, name, arg);
            }
            syscallAdded = true;
            if (unknownArch && add != null) {
                // auditctl check_rule_mismatch: the same names on i386 give other numbers
                SyscallMask other = SyscallMask.none();
                for (String name : arg.split(",")) {
                    if (!name.isEmpty()) {
                        try {
                            other = withSyscall(other, AuditArch.I386, name, arg);
                        } catch (CanisterException ignored) {
                            // libaudit ignores names unknown on the other arch here
                        }
                    }
                }
                if (!other.equals(mask)) {
                    out.add(new Warning(line, "32/64 bit syscall mismatch in line " + line + ", you should specify an arch"));
                }
            }
        }

        private SyscallMask withSyscall(SyscallMask m, AuditArch arch, String name, String arg) {
            if (name.equals("all")) {
                return SyscallMask.all();
            }
            int nr = SyscallTable.number(arch, name);
            if (nr < 0 && Character.isDigit(name.charAt(0))) {
                Long v = cNumber(name);
                nr = v == null || v > SyscallTable.MAX_SYSCALL ? -1 : v.intValue();
            }
            if (nr < 0) {
                throw fail("unknown syscall '" + name + "' for arch " + (arch == AuditArch.I386 ? "b32" : "b64")
                        + " (a name from ausyscall --dump, or a number up to " + SyscallTable.MAX_SYSCALL + ")", arg);
            }
            return m.with(nr);
        }

        private void checkRoom(String arg) {
            if (fields.size() >= AuditRuleFields.MAX_FIELDS - 1) {
                throw fail("too many fields in one rule (the kernel takes " + AuditRuleFields.MAX_FIELDS + ")", arg);
            }
        }

        /** libaudit audit_rule_fieldpair_data. */
        private void fieldPair(String pair, AuditFilter list) {
            checkRoom(pair);
            String[] ops = {"!=", ">=", "<=", "&=", "=", ">", "<", "&"};
            RuleOp[] opValues = {RuleOp.NOT_EQUAL, RuleOp.GREATER_THAN_OR_EQUAL, RuleOp.LESS_THAN_OR_EQUAL,
                RuleOp.BIT_TEST, RuleOp.EQUAL, RuleOp.GREATER_THAN, RuleOp.LESS_THAN, RuleOp.BIT_MASK};
            int at = -1;
            RuleOp op = null;
            String opText = null;
            for (int k = 0; k < ops.length; k++) {
                at = pair.indexOf(ops[k]);
                if (at >= 0) {
                    op = opValues[k];
                    opText = ops[k];
                    break;
                }
            }
            if (op == null) {
                throw fail("a field needs an operator (=, !=, <, >, <=, >=, &, &=)", pair);
            }
            String name = pair.substring(0, at);
            String v = pair.substring(at + opText.length());
            if (name.isEmpty()) {
                throw fail("a field needs a name before its operator", pair);
            }
            if (v.isEmpty()) {
                throw fail("field " + name + " needs a value after its operator", pair);
            }
            int field = AuditRuleFields.number(name);
            if (field < 0) {
                throw fail("unknown field '" + name + "'", pair);
            }
            if (list == AuditFilter.EXCLUDE) {
                switch (field) {
                    case AuditRuleFields.PID, AuditRuleFields.UID, AuditRuleFields.GID, AuditRuleFields.LOGINUID,
                         AuditRuleFields.MSGTYPE, AuditRuleFields.SUBJ_USER, AuditRuleFields.SUBJ_ROLE,
                         AuditRuleFields.SUBJ_TYPE, AuditRuleFields.SUBJ_SEN, AuditRuleFields.SUBJ_CLR -> {
                    }
                    default -> throw fail("the exclude list only takes msgtype and the subject fields pid, uid, gid, auid, subj_*", pair);
                }
            }
            RuleField result;
            switch (field) {
                case AuditRuleFields.UID, AuditRuleFields.EUID, AuditRuleFields.SUID, AuditRuleFields.FSUID,
                     AuditRuleFields.LOGINUID, AuditRuleFields.OBJ_UID -> {
                    long value;
                    if (Character.isDigit(v.charAt(0))) {
                        value = unsigned(v, pair);
                    } else if (v.length() >= 2 && v.charAt(0) == '-' && Character.isDigit(v.charAt(1))) {
                        value = signed(v, pair);
                    } else if (v.equals("unset")) {
                        value = UNSET;
                    } else {
                        OptionalLong uid = host.uid(v);
                        if (uid.isEmpty()) {
                            throw fail("unknown user '" + v + "'", pair);
                        }
                        value = uid.getAsLong();
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.GID, AuditRuleFields.EGID, AuditRuleFields.SGID, AuditRuleFields.FSGID,
                     AuditRuleFields.OBJ_GID -> {
                    long value;
                    if (Character.isDigit(v.charAt(0))) {
                        value = signed(v, pair);
                    } else {
                        OptionalLong gid = host.gid(v);
                        if (gid.isEmpty()) {
                            throw fail("unknown group '" + v + "'", pair);
                        }
                        value = gid.getAsLong();
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.EXIT -> {
                    exitOnly(list, name, pair);
                    long value;
                    if (Character.isDigit(v.charAt(0))
                            || (v.length() >= 2 && v.charAt(0) == '-' && Character.isDigit(v.charAt(1)))) {
                        value = signed(v, pair);
                    } else {
                        boolean minus = v.charAt(0) == '-';
                        int e = ErrnoNames.number(minus ? v.substring(1) : v);
                        if (e == 0) {
                            throw fail("unknown errno name in exit value (e.g. -EACCES)", pair);
                        }
                        value = minus ? -e : e;
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.MSGTYPE -> {
                    if (list != AuditFilter.EXCLUDE && list != AuditFilter.USER) {
                        throw fail("msgtype only works on the exclude and user lists", pair);
                    }
                    long value;
                    if (Character.isDigit(v.charAt(0))) {
                        value = signed(v, pair);
                    } else {
                        value = AuditTypes.number(v);
                        if (value <= 0) {
                            throw fail("unknown record type name '" + v + "'", pair);
                        }
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.OBJ_USER, AuditRuleFields.OBJ_ROLE, AuditRuleFields.OBJ_TYPE,
                     AuditRuleFields.OBJ_LEV_LOW, AuditRuleFields.OBJ_LEV_HIGH, AuditRuleFields.WATCH,
                     AuditRuleFields.DIR, AuditRuleFields.SUBJ_USER, AuditRuleFields.SUBJ_ROLE,
                     AuditRuleFields.SUBJ_TYPE, AuditRuleFields.SUBJ_SEN, AuditRuleFields.SUBJ_CLR,
                     AuditRuleFields.EXE -> {
                    if (field >= AuditRuleFields.OBJ_USER && field <= AuditRuleFields.OBJ_LEV_HIGH
                            || field == AuditRuleFields.WATCH || field == AuditRuleFields.DIR) {
                        exitOnly(list, name, pair);
                        if (field == AuditRuleFields.WATCH || field == AuditRuleFields.DIR) {
                            permAdded = true;
                        }
                    }
                    if (field == AuditRuleFields.EXE) {
                        if (op != RuleOp.EQUAL && op != RuleOp.NOT_EQUAL) {
                            throw fail("exe only takes = or !=", pair);
                        }
                        exeAdded = true;
                    }
                    if (utf8Length(v) > PATH_MAX) {
                        throw fail("the value of " + name + " is longer than PATH_MAX (4096)", pair);
                    }
                    result = RuleField.string(field, op, v);
                }
                case AuditRuleFields.ARCH -> {
                    if (syscallAdded) {
                        throw fail("the arch field must come before the syscalls (-S)", pair);
                    }
                    if (op != RuleOp.EQUAL && op != RuleOp.NOT_EQUAL) {
                        throw fail("arch only takes = or !=", pair);
                    }
                    AuditArch arch;
                    if (Character.isDigit(v.charAt(0))) {
                        Long e = cNumber(v);
                        arch = e == null ? null : AuditArch.ofElf(e.intValue());
                        if (arch == null) {
                            throw fail("unknown arch number; on x86_64 use b64 (0xc000003e) or b32 (0x40000003)", pair);
                        }
                    } else {
                        arch = AuditArch.ofWord(v);
                        if (arch == null) {
                            throw fail("unknown arch; on x86_64 use b64, b32, x86_64 or i386..i686", pair);
                        }
                    }
                    elf = arch.elf();
                    result = RuleField.numeric(field, op, elf);
                }
                case AuditRuleFields.PERM -> {
                    exitOnly(list, name, pair);
                    if (op != RuleOp.EQUAL) {
                        throw fail("perm only takes =", pair);
                    }
                    result = RuleField.numeric(field, op, permBits(v, pair));
                }
                case AuditRuleFields.FILETYPE -> {
                    exitOnly(list, name, pair);
                    int t = filetype(v);
                    if (t < 0) {
                        throw fail("unknown file type (file, dir, socket, link, character, block, fifo)", pair);
                    }
                    result = RuleField.numeric(field, op, t);
                }
                case AuditRuleFields.FSTYPE -> {
                    if (list != AuditFilter.FILESYSTEM) {
                        throw fail("fstype only works on the filesystem list", pair);
                    }
                    if (op != RuleOp.EQUAL && op != RuleOp.NOT_EQUAL) {
                        throw fail("fstype only takes = or !=", pair);
                    }
                    long value = Character.isDigit(v.charAt(0)) ? unsigned(v, pair) : fstypeNumber(v);
                    if (value == -1) {
                        throw fail("unknown filesystem type (debugfs, tracefs, or a magic number)", pair);
                    }
                    fsAdded = true;
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.ARG0, AuditRuleFields.ARG1, AuditRuleFields.ARG2, AuditRuleFields.ARG3 -> {
                    long value;
                    if (Character.isDigit(v.charAt(0))) {
                        value = unsigned(v, pair);
                    } else if (v.length() >= 2 && v.charAt(0) == '-' && Character.isDigit(v.charAt(1))) {
                        value = signed(v, pair);
                    } else {
                        throw fail(name + " needs a number", pair);
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                case AuditRuleFields.SESSIONID -> {
                    if (list != AuditFilter.EXCLUDE && list != AuditFilter.USER && list != AuditFilter.EXIT) {
                        throw fail("sessionid only works on the exit, user and exclude lists", pair);
                    }
                    long value;
                    if (Character.isDigit(v.charAt(0))) {
                        value = unsigned(v, pair);
                    } else if (v.length() >= 2 && v.charAt(0) == '-' && Character.isDigit(v.charAt(1))) {
                        value = signed(v, pair);
                    } else if (v.equals("unset")) {
                        value = UNSET;
                    } else {
                        throw fail("sessionid needs a number or unset", pair);
                    }
                    result = RuleField.numeric(field, op, (int) value);
                }
                default -> {
                    if ((field >= AuditRuleFields.DEVMAJOR && field <= AuditRuleFields.INODE)
                            || field == AuditRuleFields.SUCCESS || field == AuditRuleFields.PPID) {
                        exitOnly(list, name, pair);
                    }
                    if (field == AuditRuleFields.INODE && op != RuleOp.EQUAL && op != RuleOp.NOT_EQUAL) {
                        throw fail("inode only takes = or !=", pair);
                    }
                    if (!Character.isDigit(v.charAt(0))) {
                        throw fail(name + " needs a number", pair);
                    }
                    long value = field == AuditRuleFields.INODE ? unsigned(v, pair) : signed(v, pair);
                    result = RuleField.numeric(field, op, (int) value);
                }
            }
            fields.add(result);
            if (field == AuditRuleFields.PERM) {
                permAdded = true;
            }
        }

        private void exitOnly(AuditFilter list, String name, String pair) {
            if (list != AuditFilter.EXIT) {
                throw fail("field " + name + " only works on the exit list", pair);
            }
        }

        private long unsigned(String v, String pair) {
            Long n = cNumber(v);
            if (n == null || n < 0 || n > 0xFFFF_FFFFL) {
                throw fail("not a number from 0 to 4294967295", pair);
            }
            return n;
        }

        private long signed(String v, String pair) {
            Long n = cNumber(v);
            if (n == null || n < Integer.MIN_VALUE || n > 0xFFFF_FFFFL) {
                throw fail("not a 32-bit number", pair);
            }
            return n;
        }

        private int permBits(String v, String word) {
            if (v.length() > 4) {
                throw fail("permissions are at most four of r, w, x, a", word);
            }
            int val = 0;
            for (int k = 0; k < v.length(); k++) {
                switch (Character.toLowerCase(v.charAt(k))) {
                    case 'r' -> val |= AuditRuleFields.PERM_READ;
                    case 'w' -> val |= AuditRuleFields.PERM_WRITE;
                    case 'x' -> val |= AuditRuleFields.PERM_EXEC;
                    case 'a' -> val |= AuditRuleFields.PERM_ATTR;
                    default -> throw fail("permission '" + v.charAt(k) + "' is not one of r, w, x, a", word);
                }
            }
            return val;
        }

        /** libaudit audit_rule_interfield_comp_data. */
        private void compare(String pair) {
            checkRoom(pair);
            int at = pair.indexOf("!=");
            RuleOp op;
            int len;
            if (at >= 0) {
                op = RuleOp.NOT_EQUAL;
                len = 2;
            } else {
                at = pair.indexOf('=');
                op = RuleOp.EQUAL;
                len = 1;
            }
            if (at < 0) {
                throw fail("a comparison (-C) takes = or !=", pair);
            }
            String left = pair.substring(0, at);
            String right = pair.substring(at + len);
            if (left.isEmpty() || right.isEmpty()) {
                throw fail("a comparison (-C) needs a field on each side", pair);
            }
            if (AuditRuleFields.number(left) < 0 || AuditRuleFields.number(right) < 0) {
                throw fail("unknown field in comparison", pair);
            }
            if (list() != AuditFilter.EXIT) {
                throw fail("comparisons (-C) only work on the exit list", pair);
            }
            int value = AuditRuleFields.comparisonOf(left, right);
            if (value < 0) {
                throw fail("these two fields cannot be compared (uid-type with uid-type, gid-type with gid-type)", pair);
            }
            fields.add(RuleField.numeric(AuditRuleFields.FIELD_COMPARE, op, value));
        }

        /** auditctl audit_setup_watch_name + libaudit audit_add_watch_dir. */
        private void watch(String arg) {
            String path = arg;
            if (utf8Length(path) >= PATH_MAX) {
                throw fail("the watched path is longer than PATH_MAX", arg);
            }
            if (!path.startsWith("/")) {
                throw fail("a watched path must be absolute (start with /)", arg);
            }
            String trimmed = path;
            while (trimmed.length() > 1 && trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            String base = trimmed.substring(trimmed.lastIndexOf('/') + 1);
            if (utf8Length(base) > NAME_MAX) {
                throw fail("the last component of the watched path is longer than NAME_MAX (255)", arg);
            }
            int len = path.length();
            if (len > 2 && path.charAt(len - 1) == '/') {
                while (len > 1 && path.charAt(len - 1) == '/') {
                    len--;
                }
                path = path.substring(0, len);
            }
            if (!fields.isEmpty()) {
                throw fail("a watch must be the first thing in its rule", arg);
            }
            int type = host.isDirectory(path) ? AuditRuleFields.DIR : AuditRuleFields.WATCH;
            mask = SyscallMask.all();
            fields.add(RuleField.string(type, RuleOp.EQUAL, path));
            fields.add(RuleField.numeric(AuditRuleFields.PERM, RuleOp.EQUAL,
                    AuditRuleFields.PERM_READ | AuditRuleFields.PERM_WRITE | AuditRuleFields.PERM_EXEC
                            | AuditRuleFields.PERM_ATTR));
            permAdded = true;
        }

        /** auditctl audit_setup_perms + libaudit audit_update_watch_perms. */
        private void perms(String arg) {
            int val = permBits(arg, arg);
            if (fields.isEmpty()) {
                throw fail("a permission filter (-p) needs a watch given before it", arg);
            }
            boolean done = false;
            for (int k = 0; k < fields.size(); k++) {
                if (fields.get(k).field() == AuditRuleFields.PERM) {
                    fields.set(k, RuleField.numeric(AuditRuleFields.PERM, fields.get(k).op(), val));
                    done = true;
                }
            }
            if (!done) {
                checkRoom(arg);
                fields.add(RuleField.numeric(AuditRuleFields.PERM, RuleOp.EQUAL, val));
            }
            permAdded = true;
        }

        private void addKey(String k, String word) {
            if (k.indexOf(AuditRuleFields.KEY_SEPARATOR) >= 0) {
                throw fail("a key cannot contain the byte 0x01 (the key separator)", word);
            }
            if (utf8Length(k) + utf8Length(key.toString()) + (key.isEmpty() ? 0 : 1) > AuditRuleFields.MAX_KEY_LEN) {
                throw fail("the keys of one rule are longer than " + AuditRuleFields.MAX_KEY_LEN + " bytes", word);
            }
            if (!key.isEmpty()) {
                key.append(AuditRuleFields.KEY_SEPARATOR);
            }
            key.append(k);
        }

        private void finish() {
            if (!key.isEmpty() && (add != null || del != null)) {
                if (!(syscallAdded || permAdded || exeAdded || fsAdded)) {
                    throw fail("a key needs a syscall (-S), a watch or path/dir/perm/exe field in its rule", key.toString());
                }
                checkRoom(key.toString());
                fields.add(RuleField.string(AuditRuleFields.FILTERKEY, RuleOp.EQUAL, key.toString()));
            }
            AuditFilter list = list();
            if (list == null) {
                if (syscallAdded) {
                    throw fail("syscalls (-S) were given without a list (-a LIST,ACTION)", "-S");
                }
                return;
            }
            // auditctl handle_request: a rule outside the task list without -S covers all syscalls
            if (list != AuditFilter.TASK && !syscallAdded) {
                mask = SyscallMask.all();
            }
            AuditRule rule = new AuditRule(list, action, prepend, mask, fields);
            out.add(add != null ? new AddRule(line, rule) : new DeleteRule(line, rule));
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
