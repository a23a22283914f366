package org.canister.core.collections;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A map from primitive {@code int} keys to non-null values: open addressing, linear probing,
 * Fibonacci hashing, deletion by backward shift (no deletion markers, so lookups stay short after
 * heavy churn). A {@code null} slot value marks an empty slot, so every int key, 0 included, can be
 * stored.
 *
 * <p>Why not {@code HashMap<Integer, V>}: at a million tracked tasks a boxed map costs about 48
 * bytes per entry (node + Integer) and a pointer chase per probe; this map costs 8 bytes per slot
 * (4 for the key, 4 for a compressed reference) at a load factor of at most 1/2, and a lookup touches
 * two arrays.
 *
 * <p>The table grows at load 1/2 and shrinks at load 1/8 (never below its initial capacity), so a
 * burst of a million tasks does not pin 16 MB for ever. Not thread-safe; the map must not be
 * modified while {@link #forEachValue} runs.
 *
 * @param <V> value type
 */
public final class IntObjectMap<V> {
    private static final int MIN_CAPACITY = 16;

    private final int initialCapacity;
    private int[] keys;
    private Object[] values;
    private int size;
    /** 32 - log2(capacity): Fibonacci hashing keeps the high bits of the product, the best mixed ones. */
    private int shift;
    private int mask;

    /** An empty map sized for a handful of entries. */
    public IntObjectMap() {
        this(MIN_CAPACITY);
    }

    /**
     * An empty map that holds {@code expectedSize} entries without growing.
     *
     * @param expectedSize how many entries the caller expects; values below 8 are raised
     */
    public IntObjectMap(int expectedSize) {
        if (expectedSize < 0) {
            throw new IllegalArgumentException("expectedSize must be >= 0, got " + expectedSize);
        }
        int capacity = capacityFor(expectedSize);
        this.initialCapacity = capacity;
        allocate(capacity);
    }

    private static int capacityFor(int entries) {
        long wanted = Math.max((long) MIN_CAPACITY, 2L * entries);
        if (wanted > (1 << 30)) {
            throw new IllegalStateException("IntObjectMap cannot hold " + entries + " entries");
        }
        return Integer.highestOneBit((int) (wanted - 1)) << 1;
    }

    private void allocate(int capacity) {
        keys = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
    }

    private int slot(int key) {
        return (key * 0x9E3779B9) >>> shift;
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    /** True when the map holds no entry. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Number of slots (for memory accounting). */
    public int capacity() {
        return keys.length;
    }

    /** The value for {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public V get(int key) {
        final int[] ks = keys;
        final Object[] vs = values;
        int i = slot(key);
        Object v;
        while ((v = vs[i]) != null) {
            if (ks[i] == key) {
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** True when {@code key} has a value. */
    public boolean containsKey(int key) {
        return get(key) != null;
    }

    /**
     * Associates {@code value} with {@code key}.
     *
     * @return the previous value, or null
     */
    @SuppressWarnings("unchecked")
    public V put(int key, V value) {
        Objects.requireNonNull(value, "IntObjectMap does not store null values");
        int i = slot(key);
        Object v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                values[i] = value;
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size > (keys.length >>> 1)) {
            rehash(keys.length << 1);
        }
        return null;
    }

    /**
     * Removes the entry for {@code key}.
     *
     * @return the removed value, or null when there was none
     */
    @SuppressWarnings("unchecked")
    public V remove(int key) {
        int i = slot(key);
        Object v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                deleteSlot(i);
                if (size < (keys.length >>> 3) && keys.length > initialCapacity) {
                    rehash(keys.length >>> 1);
                }
                return (V) v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /**
     * Backward-shift deletion (Knuth 6.4, algorithm R): move later entries of the probe run into
     * the hole unless their home slot lies cyclically in (hole, current].
     */
    private void deleteSlot(int hole) {
        values[hole] = null;
        size--;
        int i = hole;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == null) {
                return;
            }
            int home = slot(keys[j]);
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                keys[i] = keys[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
    }

    private void rehash(int newCapacity) {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(newCapacity);
        for (int k = 0; k < oldKeys.length; k++) {
            Object v = oldValues[k];
            if (v != null) {
                int i = slot(oldKeys[k]);
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[k];
                values[i] = v;
            }
        }
    }

    /** Removes every entry and returns to the initial capacity. */
    public void clear() {
        allocate(initialCapacity);
        size = 0;
    }

    /** Calls {@code action} for every value, in slot order. The map must not change meanwhile. */
    @SuppressWarnings("unchecked")
    public void forEachValue(Consumer<? super V> action) {
        final Object[] vs = values;
        for (Object v : vs) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    /** Receives a key and its value. */
    @FunctionalInterface
    public interface EntryConsumer<V> {
        /** One entry. */
        void accept(int key, V value);
    }

    /** Calls {@code action} for every entry, in slot order. The map must not change meanwhile. */
    @SuppressWarnings("unchecked")
    public void forEach(EntryConsumer<? super V> action) {
        final int[] ks = keys;
        final Object[] vs = values;
        for (int i = 0; i < vs.length; i++) {
            if (vs[i] != null) {
                action.accept(ks[i], (V) vs[i]);
            }
        }
    }
}
