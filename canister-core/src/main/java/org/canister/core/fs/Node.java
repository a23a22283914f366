package org.canister.core.fs;

/** A node of the control filesystem tree: a directory or a file. */
public sealed interface Node permits DirNode, FileNode {
    /** Permission bits (e.g. 0600); the type bits are added by the adapter. */
    int mode();
}
