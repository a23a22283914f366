package org.canister.core.fs;

import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/** A directory whose children may be computed on each call (e.g. {@code proc/} lists live processes). */
public non-sealed interface DirNode extends Node {
    /** Names of the children, without "." and "..". */
    List<String> list();

    /** The child with this name, or null (ENOENT). */
    Node lookup(String name);

    /**
     * Create a new file in this directory ({@code open(O_CREAT)} of a missing name). Most control
     * directories are fixed and refuse with EACCES; a directory that accepts new entries (e.g. a keyring
     * where a certificate is written as a new file) overrides this and returns the node, which the
     * adapter then opens with the caller's flags.
     *
     * @throws CanisterException with the errno creat(2) should return
     */
    default FileNode create(Caller caller, String name, int mode) {
        throw new CanisterException(Errno.EACCES, "files cannot be created in this control directory");
    }

    @Override
    default int mode() {
        return 0555;
    }
}
