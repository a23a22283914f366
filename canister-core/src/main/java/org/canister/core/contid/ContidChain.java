package org.canister.core.contid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * One nesting chain of audit container IDs, leaf first, then each ancestor container outwards
 * (ghak90 v11 10/11). Printed in v11's grammar: the leaf, then {@code ,^<ancestor>} per ancestor,
 * e.g. a task labelled 4 by an orchestrator labelled 2 inside one labelled 1 is {@code 4,^2,^1}.
 * Several chains (a network namespace's members) are concatenated with commas:
 * {@code 2,^1,3,^1}; no chain at all is {@code -1} (v9: "special case -1 for AUDIT_CID_UNSET printing").
 *
 * <p>Parse rule (spec 1.5): split on {@code ,}; a token starting with {@code ^} is the parent of the
 * previous token; any other token starts a new chain. v8's syntax, which used {@code ^} as a separator
 * ({@code 123^456}), is rejected with a message saying so.
 */
public final class ContidChain {
    /** How "no container ID" is printed in a {@code contid=} or {@code old-contid=} field. */
    public static final String NONE = "-1";

    private final long[] ids;

    private ContidChain(long[] ids) {
        this.ids = ids;
    }

    /**
     * A chain from its IDs, leaf first.
     *
     * @throws IllegalArgumentException when empty or when an element is {@link ContidValue#UNSET},
     *                                  which no container can carry
     */
    public static ContidChain of(long... leafFirst) {
        if (leafFirst.length == 0) {
            throw new IllegalArgumentException("a chain has at least its leaf");
        }
        for (long id : leafFirst) {
            if (id == ContidValue.UNSET) {
                throw new IllegalArgumentException("18446744073709551615 (unset) cannot be in a chain");
            }
        }
        return new ContidChain(leafFirst.clone());
    }

    /** The leaf: the container the task is in. */
    public long leaf() {
        return ids[0];
    }

    /** Number of IDs, leaf included (1 for an un-nested container). */
    public int depth() {
        return ids.length;
    }

    /** The ID at nesting level {@code i}: 0 is the leaf, {@code depth()-1} the outermost container. */
    public long id(int i) {
        return ids[i];
    }

    /** The IDs, leaf first (a copy). */
    public long[] ids() {
        return ids.clone();
    }

    /** True if any element equals {@code contid} (spec req. 14: a {@code contid=} rule matches ancestors too). */
    public boolean contains(long contid) {
        for (long id : ids) {
            if (id == contid) {
                return true;
            }
        }
        return false;
    }

    /** v11 text of this chain, e.g. {@code 4,^2,^1}. */
    public String format() {
        StringBuilder b = new StringBuilder(ids.length * 21);
        appendTo(b);
        return b.toString();
    }

    void appendTo(StringBuilder b) {
        b.append(Long.toUnsignedString(ids[0]));
        for (int i = 1; i < ids.length; i++) {
            b.append(",^").append(Long.toUnsignedString(ids[i]));
        }
    }

    /** Several chains in v11 list form ({@code 2,^1,3,^1}); an empty list prints {@link #NONE}. */
    public static String formatAll(List<ContidChain> chains) {
        if (chains.isEmpty()) {
            return NONE;
        }
        StringBuilder b = new StringBuilder();
        for (ContidChain c : chains) {
            if (b.length() > 0) {
                b.append(',');
            }
            c.appendTo(b);
        }
        return b.toString();
    }

    /**
     * Parse a {@code contid=} value: one or more chains, or {@link #NONE}.
     *
     * @return the chains in order; empty for {@code -1}
     * @throws CanisterException EINVAL for a malformed list (the message names the bad token),
     *                           ERANGE for an element above 2^64-1
     */
    public static List<ContidChain> parseAll(String text) {
        if (text.equals(NONE)) {
            return List.of();
        }
        if (text.isEmpty()) {
            throw new CanisterException(Errno.EINVAL, "empty contid list; write -1 for none");
        }
        List<ContidChain> out = new ArrayList<>();
        long[] cur = null;
        int curLen = 0;
        int start = 0;
        while (start <= text.length()) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? text.length() : comma;
            String token = text.substring(start, end);
            if (token.startsWith("^")) {
                if (cur == null) {
                    throw new CanisterException(Errno.EINVAL,
                            "contid list " + ContidValue.quote(text) + " starts with an ancestor ('^'); "
                                    + "the leaf comes first, as in 4,^2,^1");
                }
                if (curLen == cur.length) {
                    cur = Arrays.copyOf(cur, curLen * 2);
                }
                cur[curLen++] = element(token.substring(1), text);
            } else {
                if (cur != null) {
                    out.add(new ContidChain(Arrays.copyOf(cur, curLen)));
                }
                cur = new long[4];
                curLen = 0;
                cur[curLen++] = element(token, text);
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        out.add(new ContidChain(Arrays.copyOf(cur, curLen)));
        return out;
    }

    /** Parse exactly one chain (e.g. a read of a task's full chain). */
    public static ContidChain parse(String text) {
        List<ContidChain> all = parseAll(text);
        if (all.size() != 1) {
            throw new CanisterException(Errno.EINVAL,
                    "expected exactly one contid chain, got " + all.size() + " in " + ContidValue.quote(text));
        }
        return all.get(0);
    }

    private static long element(String token, String whole) {
        if (token.indexOf('^') >= 0) {
            throw new CanisterException(Errno.EINVAL,
                    "contid list " + ContidValue.quote(whole) + " uses '^' inside a token (" + ContidValue.quote(token)
                            + "): that is ghak90 v8 syntax; v11 writes each ancestor as its own token, e.g. 123,^456");
        }
        if (token.isEmpty() || token.charAt(0) == '+' || token.indexOf('\n') >= 0) {
            throw new CanisterException(Errno.EINVAL,
                    "bad contid element " + ContidValue.quote(token) + " in " + ContidValue.quote(whole)
                            + ": each element is an unsigned decimal number");
        }
        long v = ContidValue.parse(token);
        if (v == ContidValue.UNSET) {
            throw new CanisterException(Errno.EINVAL,
                    "18446744073709551615 means unset and cannot be an element of a chain (use -1 for none)");
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContidChain c && Arrays.equals(ids, c.ids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return format();
    }
}
