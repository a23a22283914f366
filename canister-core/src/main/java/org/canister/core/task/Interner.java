package org.canister.core.task;

import java.io.Serial;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shares equal values (credentials, namespace sets, comm/exe/cgroup strings) between tasks: a host
 * has a million threads but a few hundred distinct identities. Bounded, evicting the oldest entry
 * first: interning is only a memory saving, an evicted value stays correct (tasks keep their
 * reference, equality is by value) and only stops being shared with later tasks. So a workload with
 * unbounded distinct names cannot grow the interner past {@code maxEntries}.
 */
final class Interner<T> {
    private final Map<T, T> map;

    Interner(int maxEntries) {
        this.map = new Bounded<>(maxEntries);
    }

    /** The shared instance equal to {@code value} (null stays null). */
    T intern(T value) {
        if (value == null) {
            return null;
        }
        T known = map.putIfAbsent(value, value);
        return known != null ? known : value;
    }

    int size() {
        return map.size();
    }

    private static final class Bounded<T> extends LinkedHashMap<T, T> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final int maxEntries;

        Bounded(int maxEntries) {
            super(Math.min(maxEntries, 1024), 0.75f, false);
            this.maxEntries = maxEntries;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<T, T> eldest) {
            return size() > maxEntries;
        }
    }
}
