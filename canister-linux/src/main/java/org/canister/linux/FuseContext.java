package org.canister.linux;

/**
 * The caller of the FUSE request being handled on this thread, from libfuse3's
 * {@code struct fuse_context}. {@code pid} is the calling <em>thread's</em> id (the kernel's
 * {@code fuse_in_header.pid}); map it to its thread-group leader before trusting it.
 *
 * @param uid   fsuid of the caller
 * @param gid   fsgid of the caller
 * @param pid   thread id of the caller (0 when the request did not come from a process)
 * @param umask umask of the caller (valid for create/mknod/mkdir)
 */
public record FuseContext(int uid, int gid, int pid, int umask) {
}
