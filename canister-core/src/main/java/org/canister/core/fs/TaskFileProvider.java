package org.canister.core.fs;

/**
 * A file that exists in every {@code proc/<pid>/} and {@code proc/<pid>/task/<tid>/} directory, such as
 * {@code audit_containerid} (ghak90: {@code /proc/<pid>/audit_containerid} and
 * {@code /proc/<pid>/task/<tid>/audit_containerid}). Registered with
 * {@link ProcDirectory#addTaskFile(TaskFileProvider)}; the mechanism that owns the file adds it without
 * touching the directory code.
 */
public interface TaskFileProvider {
    /** The file name, e.g. {@code "audit_containerid"}; constant for the provider's lifetime. */
    String name();

    /**
     * The file for one task. Called on every lookup of the name (each FUSE request resolves its path
     * again), outside the model lock: take it inside when the file needs the model. The task was alive
     * at lookup; the file should check {@link TaskRef#matches} again when it acts (ESRCH once it exited).
     */
    FileNode file(TaskRef task);
}
