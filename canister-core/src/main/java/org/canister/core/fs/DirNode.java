package org.canister.core.fs;

import java.util.List;

/** A directory whose children may be computed on each call (e.g. {@code proc/} lists live processes). */
public non-sealed interface DirNode extends Node {
    /** Names of the children, without "." and "..". */
    List<String> list();

    /** The child with this name, or null (ENOENT). */
    Node lookup(String name);

    @Override
    default int mode() {
        return 0555;
    }
}
