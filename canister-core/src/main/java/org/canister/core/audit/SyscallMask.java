package org.canister.core.audit;

import java.util.Arrays;

/**
 * The syscall bitmap of a rule ({@code audit_rule_data.mask[AUDIT_BITMASK_SIZE]}, 64 words):
 * syscall n is bit {@code AUDIT_BIT(n) = 1 << (n % 32)} of word {@code AUDIT_WORD(n) = n / 32}.
 * Immutable; the top bits of the last word are the kernel's syscall-class bits, which the kernel
 * expands and clears, so "all" is judged on the first 63 words as auditctl does.
 */
public final class SyscallMask {
    /** AUDIT_BITMASK_SIZE. */
    public static final int WORDS = 64;

    private static final SyscallMask NONE = new SyscallMask(new int[WORDS]);
    private static final SyscallMask ALL;

    static {
        int[] all = new int[WORDS];
        Arrays.fill(all, ~0);
        ALL = new SyscallMask(all);
    }

    private final int[] words;

    private SyscallMask(int[] words) {
        this.words = words;
    }

    /** No syscalls (a task-list rule). */
    public static SyscallMask none() {
        return NONE;
    }

    /** {@code -S all}: every word ~0. */
    public static SyscallMask all() {
        return ALL;
    }

    /** A mask from 64 raw words. */
    public static SyscallMask ofWords(int[] words) {
        if (words.length != WORDS) {
            throw new IllegalArgumentException("a syscall mask has " + WORDS + " words, not " + words.length);
        }
        return new SyscallMask(words.clone());
    }

    /** This mask with syscall {@code nr} added. */
    public SyscallMask with(int nr) {
        if (nr < 0 || nr > SyscallTable.MAX_SYSCALL) {
            throw new IllegalArgumentException("syscall number " + nr + " is outside 0.." + SyscallTable.MAX_SYSCALL);
        }
        int[] w = words.clone();
        w[nr / 32] |= 1 << (nr % 32);
        return new SyscallMask(w);
    }

    /** Whether syscall {@code nr} is set. */
    public boolean contains(int nr) {
        return nr >= 0 && nr <= SyscallTable.MAX_SYSCALL && (words[nr / 32] & (1 << (nr % 32))) != 0;
    }

    /** Whether words 0..62 are all ones (auditctl's test for {@code -S all}). */
    public boolean isAll() {
        for (int i = 0; i < WORDS - 1; i++) {
            if (words[i] != ~0) {
                return false;
            }
        }
        return true;
    }

    /** Whether no bit is set. */
    public boolean isEmpty() {
        for (int w : words) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    /** Word {@code i}. */
    public int word(int i) {
        return words[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyscallMask m && Arrays.equals(words, m.words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        if (isAll()) {
            return "all";
        }
        StringBuilder out = new StringBuilder("[");
        for (int n = 0; n <= SyscallTable.MAX_SYSCALL; n++) {
            if (contains(n)) {
                out.append(out.length() > 1 ? "," : "").append(n);
            }
        }
        return out.append(']').toString();
    }
}
