package org.canister.core.audit.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidValue;

/**
 * User-space audit filter rules: which events (or which records of them) Canister drops before
 * they are queued for any sink (spec/audit-contid.md 6.2 req. 14; the kernel cannot filter on
 * contid, so Canister does it as the v11 exit/user/exclude lists would have).
 *
 * <h2>Syntax (one rule per line; config lists of strings)</h2>
 * <pre>
 *   drop|keep [field op value]...      # all conditions must hold; none = always
 *
 *   drop contid=42                     # container 42 and every container nested in it
 *   keep contid=7 key=exec             # first matching rule wins, so 7's exec events stay ...
 *   drop key=exec                      # ... while everyone else's are dropped
 *   drop type=PROCTITLE uid&gt;=1000      # a rule with type= removes only those records
 *   drop success=0 type=CWD
 * </pre>
 * Fields and operators:
 * <ul>
 *   <li>{@code contid} ({@code =}, {@code !=}; other operators EINVAL, as v11's
 *       {@code audit_field_valid}): a decimal u64, or {@code unset} / {@code -1} for unlabelled
 *       subjects. {@code contid=X} holds when <em>any</em> element of the subject's chain is X (the
 *       task's container or one it is nested in); {@code !=} is its negation, so it holds for
 *       unlabelled subjects.</li>
 *   <li>{@code type} ({@code =}, {@code !=}): a record type name ({@code SYSCALL}, {@code CONTAINER_ID},
 *       {@code CONTAINER_OP}), {@code UNKNOWN[n]} or a number. Numbers are Linux's: {@code 1336}
 *       is URINGOP, so CONTAINER_ID must be named.</li>
 *   <li>{@code key} ({@code =}, {@code !=}): the rule key of the event (SYSCALL or CONFIG_CHANGE
 *       {@code key=}, multi-key values split on auditctl's 0x01 separator); {@code =} holds when one
 *       of the keys equals the value; {@code !=} is its negation (so it holds for events without a key).</li>
 *   <li>{@code uid}, {@code auid} ({@code = != < > <= >=}): the subject's, unsigned 32-bit;
 *       {@code unset} or {@code -1} is 4294967295.</li>
 *   <li>{@code success} ({@code =}, {@code !=}): {@code 1}/{@code yes} or {@code 0}/{@code no};
 *       SYSCALL {@code success=}, else a {@code res=} field (USER records' {@code res=success|failed},
 *       CONTAINER_OP's {@code res=1|0}).</li>
 * </ul>
 * A condition on {@code uid}, {@code auid} or {@code success} does not hold for an event that lacks
 * the field, whichever the operator.
 *
 * <h2>Semantics</h2>
 * Rules are tried in order and the first whose conditions all hold decides: {@code drop} removes,
 * {@code keep} keeps; no matching rule keeps. A rule with {@code type} conditions is judged per
 * record (the other conditions are about the event): a matching {@code drop} removes only those
 * records, as auditctl's {@code -a never,exclude -F msgtype=} does. An event left with no
 * record is dropped.
 *
 * <p>Immutable and thread-safe; pure.
 */
public final class EventFilter {

    /** What a matching rule does. */
    public enum Action { DROP, KEEP }

    /** Filterable fields. */
    public enum Field { CONTID, TYPE, KEY, UID, AUID, SUCCESS }

    /** Comparison operators, as auditctl spells them. */
    public enum Op {
        EQ("="), NE("!="), LT("<"), GT(">"), LE("<="), GE(">=");

        private final String text;

        Op(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * One {@code field op value}. For CONTID, {@code number} is the ID or {@link ContidValue#UNSET};
     * for TYPE the type and its numbering ({@code numbering} null when a bare Canister number
     * should match both tables); for UID/AUID the id; for SUCCESS 0 or 1; for KEY {@code text}.
     */
    public record Condition(Field field, Op op, long number, AuditRecord.Numbering numbering, String text) {
    }

    /** One rule as written, with its 1-based line. */
    public record Rule(int line, Action action, List<Condition> conditions, String text) {
        public Rule {
            conditions = List.copyOf(conditions);
        }

        boolean hasType() {
            for (Condition c : conditions) {
                if (c.field() == Field.TYPE) {
                    return true;
                }
            }
            return false;
        }
    }

    /** No rules: keeps everything. */
    public static final EventFilter NONE = new EventFilter(List.of());

    private static final long UNSET32 = 0xFFFF_FFFFL;

    private final List<Rule> rules;
    private final boolean perRecord;

    private EventFilter(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        boolean any = false;
        for (Rule r : rules) {
            any |= r.hasType();
        }
        this.perRecord = any;
    }

    /** The rules, in order. */
    public List<Rule> rules() {
        return rules;
    }

    /** Whether there are no rules (everything is kept). */
    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Parses rules, one per line; blank lines and {@code #} comments are skipped.
     *
     * @param source names the lines in errors, e.g. {@code audit.filters}
     * @throws CanisterException EINVAL naming the source, the line and what is wrong
     */
    public static EventFilter parse(List<String> lines, String source) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Rule r = parseRule(lines.get(i), i + 1, source);
            if (r != null) {
                rules.add(r);
            }
        }
        return new EventFilter(rules);
    }

    /**
     * Applies the rules.
     *
     * @param subject the subject's container chain, or null when unlabelled
     * @return the event (the same instance when untouched), the event without the dropped records,
     *         or null when it is dropped entirely
     */
    public AuditEvent apply(AuditEvent event, ContidChain subject) {
        if (rules.isEmpty()) {
            return event;
        }
        Facts facts = new Facts(event, subject);
        if (!perRecord) {
            return decide(facts, null) == Action.DROP ? null : event;
        }
        List<AuditRecord> in = event.records();
        List<AuditRecord> kept = null;
        for (int i = 0; i < in.size(); i++) {
            AuditRecord r = in.get(i);
            boolean drop = decide(facts, r) == Action.DROP;
            if (drop && kept == null) {
                kept = new ArrayList<>(in.size());
                kept.addAll(in.subList(0, i));
            } else if (!drop && kept != null) {
                kept.add(r);
            }
        }
        if (kept == null) {
            return event;
        }
        return kept.isEmpty() ? null : event.withRecords(kept);
    }

    private Action decide(Facts facts, AuditRecord record) {
        for (Rule rule : rules) {
            if (matches(rule, facts, record)) {
                return rule.action();
            }
        }
        return Action.KEEP;
    }

    private static boolean matches(Rule rule, Facts f, AuditRecord record) {
        for (Condition c : rule.conditions()) {
            if (!holds(c, f, record)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Condition c, Facts f, AuditRecord record) {
        switch (c.field()) {
            case CONTID -> {
                boolean eq = c.number() == ContidValue.UNSET ? f.subject == null
                        : f.subject != null && f.subject.contains(c.number());
                return c.op() == Op.EQ ? eq : !eq;
            }
            case TYPE -> {
                if (record == null) {
                    return false;
                }
                boolean eq = record.type() == c.number()
                        && (c.numbering() == null || c.numbering() == record.numbering());
                return c.op() == Op.EQ ? eq : !eq;
            }
            case KEY -> {
                boolean eq = false;
                for (String k : f.keys()) {
                    if (k.equals(c.text())) {
                        eq = true;
                        break;
                    }
                }
                return c.op() == Op.EQ ? eq : !eq;
            }
            case UID -> {
                return compare(f.id("uid"), c);
            }
            case AUID -> {
                return compare(f.id("auid"), c);
            }
            case SUCCESS -> {
                return compare(f.success(), c);
            }
            default -> throw new IllegalStateException("unknown field " + c.field());
        }
    }

    private static boolean compare(long actual, Condition c) {
        if (actual < 0) {
            return false;
        }
        long v = c.number();
        return switch (c.op()) {
            case EQ -> actual == v;
            case NE -> actual != v;
            case LT -> actual < v;
            case GT -> actual > v;
            case LE -> actual <= v;
            case GE -> actual >= v;
        };
    }

    /** Event-level values, each read once and only when a rule asks. */
    private static final class Facts {
        final AuditEvent event;
        final ContidChain subject;
        private List<String> keys;
        private long uid = -2;
        private long auid = -2;
        private long success = -2;

        Facts(AuditEvent event, ContidChain subject) {
            this.event = event;
            this.subject = subject;
        }

        List<String> keys() {
            if (keys == null) {
                keys = readKeys(event);
            }
            return keys;
        }

        long id(String name) {
            if (name.equals("uid")) {
                if (uid == -2) {
                    uid = readId(event, "uid");
                }
                return uid;
            }
            if (auid == -2) {
                auid = readId(event, "auid");
            }
            return auid;
        }

        long success() {
            if (success == -2) {
                success = readSuccess(event);
            }
            return success;
        }
    }

    static List<String> readKeys(AuditEvent e) {
        String raw = null;
        for (AuditRecord r : e.records()) {
            if (r.numbering() == AuditRecord.Numbering.LINUX) {
                raw = AuditFields.get(r.body(), "key");
                if (raw != null) {
                    break;
                }
            }
        }
        if (raw == null || raw.equals("(null)")) {
            return List.of();
        }
        String decoded = AuditFields.decodeUntrusted(raw);
        // auditctl joins several -k keys with AUDIT_KEY_SEPARATOR 0x01 (the kernel then hex-encodes the value).
        return decoded.indexOf('\u0001') < 0 ? List.of(decoded) : List.of(decoded.split("\u0001", -1));
    }

    private static long readId(AuditEvent e, String name) {
        for (AuditRecord r : e.records()) {
            if (r.numbering() == AuditRecord.Numbering.LINUX) {
                long v = AuditFields.getLong(r.body(), name, Long.MIN_VALUE);
                if (v != Long.MIN_VALUE) {
                    return v == -1 ? UNSET32 : v & UNSET32;
                }
            }
        }
        return -1;
    }

    private static long readSuccess(AuditEvent e) {
        for (AuditRecord r : e.records()) {
            String s = AuditFields.get(r.body(), "success");
            if (s != null) {
                return bool(s);
            }
        }
        for (AuditRecord r : e.records()) {
            String s = AuditFields.get(r.body(), "res");
            if (s != null) {
                return bool(AuditFields.unquote(s));
            }
        }
        return -1;
    }

    private static long bool(String s) {
        return switch (s) {
            case "yes", "1", "success" -> 1;
            case "no", "0", "failed" -> 0;
            default -> -1;
        };
    }

    // ------------------------------------------------------------------ parsing

    private static Rule parseRule(String line, int lineNo, String source) {
        List<String> words = words(line, lineNo, source);
        if (words.isEmpty()) {
            return null;
        }
        Action action = switch (words.get(0).toLowerCase(Locale.ROOT)) {
            case "drop" -> Action.DROP;
            case "keep" -> Action.KEEP;
            default -> throw error(source, lineNo, "a rule starts with 'drop' or 'keep', not '" + words.get(0) + "'");
        };
        List<Condition> conditions = new ArrayList<>();
        for (int i = 1; i < words.size(); i++) {
            conditions.add(condition(words.get(i), lineNo, source));
        }
        return new Rule(lineNo, action, conditions, line.strip());
    }

    /** Splits on blanks outside double quotes; a word starting with '#' starts a comment. */
    private static List<String> words(String line, int lineNo, String source) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!quoted && (c == ' ' || c == '\t')) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
                continue;
            }
            if (!quoted && !inWord && c == '#') {
                break;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            cur.append(c);
            inWord = true;
        }
        if (quoted) {
            throw error(source, lineNo, "unbalanced double quote");
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }

    private static Condition condition(String word, int lineNo, String source) {
        int p = 0;
        while (p < word.length() && "!<>=".indexOf(word.charAt(p)) < 0) {
            p++;
        }
        if (p == 0 || p == word.length()) {
            throw error(source, lineNo, "'" + word + "' is not field<op>value (e.g. contid=42, uid>=1000)");
        }
        String name = word.substring(0, p).toLowerCase(Locale.ROOT);
        int q = p;
        while (q < word.length() && "!<>=".indexOf(word.charAt(q)) >= 0) {
            q++;
        }
        String opText = word.substring(p, q);
        Op op = null;
        for (Op o : Op.values()) {
            if (o.text().equals(opText)) {
                op = o;
            }
        }
        if (op == null) {
            throw error(source, lineNo, "unknown operator '" + opText + "' in '" + word + "' (use = != < > <= >=)");
        }
        String value = word.substring(q);
        if (value.isEmpty()) {
            throw error(source, lineNo, "'" + word + "' has no value");
        }
        Field field = switch (name) {
            case "contid" -> Field.CONTID;
            case "type", "msgtype" -> Field.TYPE;
            case "key", "k" -> Field.KEY;
            case "uid" -> Field.UID;
            case "auid" -> Field.AUID;
            case "success" -> Field.SUCCESS;
            default -> throw error(source, lineNo, "unknown field '" + name + "' (fields: contid, type, key, uid, auid, success)");
        };
        if (field != Field.UID && field != Field.AUID && op != Op.EQ && op != Op.NE) {
            throw error(source, lineNo, name + " takes only = and != (as v11's contid field), not " + op.text());
        }
        return switch (field) {
            case CONTID -> new Condition(field, op, contid(value, lineNo, source), null, null);
            case TYPE -> type(op, value, lineNo, source);
            case KEY -> new Condition(field, op, 0, null, unquoted(value, lineNo, source));
            case UID, AUID -> new Condition(field, op, id(value, name, lineNo, source), null, null);
            case SUCCESS -> {
                long b = bool(value);
                if (b < 0 || value.equals("success") || value.equals("failed")) {
                    throw error(source, lineNo, "success takes 1, 0, yes or no, not '" + value + "'");
                }
                yield new Condition(field, op, b, null, null);
            }
        };
    }

    private static long contid(String value, int lineNo, String source) {
        if (value.equals("unset") || value.equals("-1")) {
            return ContidValue.UNSET;
        }
        try {
            return ContidValue.parse(value);
        } catch (CanisterException e) {
            throw error(source, lineNo, "contid value '" + value + "': " + e.getMessage());
        }
    }

    private static Condition type(Op op, String value, int lineNo, String source) {
        int canister = CanisterTypes.number(value);
        if (canister >= 0) {
            return new Condition(Field.TYPE, op, canister, AuditRecord.Numbering.CANISTER, null);
        }
        int linux = AuditTypes.number(value);
        if (linux < 0) {
            throw error(source, lineNo, "unknown record type '" + value + "' (a name such as SYSCALL or CONTAINER_ID,"
                    + " UNKNOWN[n], or a number)");
        }
        if (linux == CanisterTypes.CONTAINER_ID) {
            // 1336 is URINGOP for Linux: only that.
            return new Condition(Field.TYPE, op, linux, AuditRecord.Numbering.LINUX, null);
        }
        // UNKNOWN[1020] and 1020 also select Canister's own types, which are printed that way.
        AuditRecord.Numbering numbering = CanisterTypes.name(linux) != null ? null : AuditRecord.Numbering.LINUX;
        return new Condition(Field.TYPE, op, linux, numbering, null);
    }

    private static long id(String value, String name, int lineNo, String source) {
        if (value.equals("unset") || value.equals("-1")) {
            return UNSET32;
        }
        long v = AuditFields.parseDecimal(value, 0, value.length(), -1);
        if (v < 0 || v > UNSET32) {
            throw error(source, lineNo, name + " takes a number 0..4294967295 or 'unset', not '" + value + "'");
        }
        return v;
    }

    private static String unquoted(String value, int lineNo, String source) {
        String v = value;
        if (v.startsWith("\"")) {
            if (v.length() < 2 || !v.endsWith("\"")) {
                throw error(source, lineNo, "unbalanced quotes in key value " + value);
            }
            v = v.substring(1, v.length() - 1);
        }
        if (v.isEmpty() || v.length() > 256) {
            throw error(source, lineNo, "a key is 1 to 256 characters (AUDIT_MAX_KEY_LEN)");
        }
        return v;
    }

    private static CanisterException error(String source, int line, String what) {
        return new CanisterException(Errno.EINVAL, source + " line " + line + ": " + what);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Rule r : rules) {
            b.append(r.text()).append('\n');
        }
        return b.toString();
    }
}
