package org.canister.core.fs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * The control filesystem: a tree of {@link Node}s under one root directory, addressed by the
 * absolute paths FUSE hands to the daemon ({@code "/"}, {@code "/proc/596/audit_containerid"}).
 *
 * <p>Path resolution follows path_resolution(7): every component but the last must be a directory
 * (ENOTDIR otherwise, also for a trailing slash after a file), a missing component is ENOENT, a
 * component longer than NAME_MAX (255) is ENAMETOOLONG. Nodes may be computed per lookup (e.g.
 * {@code proc/<pid>}), so a resolved node is valid for one operation only; the adapter resolves again
 * for every request, as the FUSE high-level API does.
 */
public final class ControlFs {
    /** NAME_MAX of include/uapi/linux/limits.h. */
    public static final int NAME_MAX = 255;

    private final DirNode root;

    public ControlFs(DirNode root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** The root directory. */
    public DirNode root() {
        return root;
    }

    /**
     * The node at an absolute path, or null when a component does not exist (ENOENT).
     *
     * @throws CanisterException ENOTDIR when a non-final component (or one followed by a slash) is a
     *                           file, ENAMETOOLONG for a component over 255 bytes, EINVAL for a relative path
     */
    public Node resolve(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw new CanisterException(Errno.EINVAL, "control filesystem paths are absolute, got: " + path);
        }
        Deque<DirNode> parents = new ArrayDeque<>();
        Node node = root;
        int n = path.length();
        int i = 1;
        while (i <= n) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            if (j > i) {
                if (!(node instanceof DirNode dir)) {
                    throw new CanisterException(Errno.ENOTDIR, path.substring(0, i - 1) + " is a file, not a directory");
                }
                String name = path.substring(i, j);
                if (name.length() > NAME_MAX) {
                    throw new CanisterException(Errno.ENAMETOOLONG, "path component longer than 255 bytes in " + path);
                }
                if (name.equals("..")) {
                    // ".." of the root is the root (path_resolution(7)).
                    node = parents.isEmpty() ? root : parents.pop();
                } else if (!name.equals(".")) {
                    Node child = dir.lookup(name);
                    if (child == null) {
                        return null;
                    }
                    parents.push(dir);
                    node = child;
                }
            }
            i = j + 1;
        }
        if (n > 1 && path.charAt(n - 1) == '/' && !(node instanceof DirNode)) {
            throw new CanisterException(Errno.ENOTDIR, path + ": a trailing slash names a directory, this is a file");
        }
        return node;
    }

    /**
     * Like {@link #resolve(String)} but a missing node is an error.
     *
     * @throws CanisterException ENOENT when nothing is at the path, or the errors of {@link #resolve(String)}
     */
    public Node resolveExisting(String path) {
        Node node = resolve(path);
        if (node == null) {
            throw new CanisterException(Errno.ENOENT, "no such control file: " + path);
        }
        return node;
    }
}
