package org.canister.core.fs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A directory with a fixed set of named children, built once at daemon start (the root, {@code dev/},
 * {@code security/ima/}). Immutable, so it is safe to read from every FUSE thread without a lock.
 * Children are listed in the order they were added.
 */
public final class StaticDirectory implements DirNode {
    private final int mode;
    private final Map<String, Node> children;
    private final List<String> names;

    private StaticDirectory(int mode, Map<String, Node> children) {
        this.mode = mode;
        this.children = Collections.unmodifiableMap(new LinkedHashMap<>(children));
        this.names = List.copyOf(children.keySet());
    }

    /** A builder for a directory with mode 0555. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<String> list() {
        return names;
    }

    @Override
    public Node lookup(String name) {
        return children.get(name);
    }

    @Override
    public int mode() {
        return mode;
    }

    /**
     * Collects children. {@link #put(String, Node)} accepts a relative path and creates the
     * intermediate directories, so each mechanism can add its own files ({@code dev/caphash},
     * {@code security/ima/policy}) without knowing what the others add.
     */
    public static final class Builder {
        private int mode = 0555;
        private final Map<String, Object> entries = new LinkedHashMap<>();

        private Builder() {
        }

        /** Permission bits of this directory (default 0555). */
        public Builder mode(int mode) {
            this.mode = mode;
            return this;
        }

        /**
         * Add a node at a relative path ({@code "status"}, {@code "dev/caphash"}); intermediate
         * directories are created with mode 0555.
         *
         * @throws IllegalArgumentException when the name is invalid or already taken (a wiring bug)
         */
        public Builder put(String relativePath, Node node) {
            Objects.requireNonNull(node, "node");
            int slash = relativePath.indexOf('/');
            if (slash < 0) {
                checkName(relativePath);
                if (entries.containsKey(relativePath)) {
                    throw new IllegalArgumentException("control filesystem entry added twice: " + relativePath);
                }
                entries.put(relativePath, node);
                return this;
            }
            String first = relativePath.substring(0, slash);
            checkName(first);
            Object existing = entries.get(first);
            Builder sub;
            if (existing == null) {
                sub = new Builder();
                entries.put(first, sub);
            } else if (existing instanceof Builder b) {
                sub = b;
            } else {
                throw new IllegalArgumentException("control filesystem entry " + first
                        + " is already a node; cannot add " + relativePath + " below it");
            }
            sub.put(relativePath.substring(slash + 1), node);
            return this;
        }

        /** Add a subdirectory built by {@code sub}; may be called again with the same name to add more. */
        public Builder dir(String name, Consumer<Builder> sub) {
            checkName(name);
            Object existing = entries.get(name);
            Builder b;
            if (existing == null) {
                b = new Builder();
                entries.put(name, b);
            } else if (existing instanceof Builder eb) {
                b = eb;
            } else {
                throw new IllegalArgumentException("control filesystem entry " + name + " is already a node");
            }
            sub.accept(b);
            return this;
        }

        public StaticDirectory build() {
            Map<String, Node> built = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                built.put(e.getKey(), e.getValue() instanceof Builder b ? b.build() : (Node) e.getValue());
            }
            return new StaticDirectory(mode, built);
        }

        private static void checkName(String name) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                    || name.indexOf('\0') >= 0 || name.length() > ControlFs.NAME_MAX) {
                throw new IllegalArgumentException("invalid control filesystem name: '" + name + "'");
            }
        }
    }
}
