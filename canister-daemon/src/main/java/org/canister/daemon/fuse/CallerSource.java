package org.canister.daemon.fuse;

import org.canister.core.CanisterException;
import org.canister.core.fs.Caller;

/**
 * Who sent the FUSE request being served on the current thread. The production source reads
 * {@code fuse_get_context()} and resolves it with {@link CallerResolver}; tests substitute a fixed caller.
 */
@FunctionalInterface
public interface CallerSource {
    /**
     * The caller of the request this FUSE loop thread is serving.
     *
     * @throws CanisterException ESRCH when the caller exited before it could be identified
     */
    Caller current();
}
