package org.canister.daemon.fuse;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import org.cryptomator.jfuse.api.FuseConfig;

/**
 * Turns on {@code fuse_config.direct_io} from the init callback. libfuse 3 dropped the
 * {@code -o direct_io} option of libfuse 2 (fuse_new rejects it as unknown): a filesystem sets
 * {@code cfg->direct_io} in {@code init()}, and libfuse then sets {@code fi->direct_io} on every open.
 * jfuse 0.7.3 exposes {@link FuseConfig} read-only, so this reaches the struct it wraps
 * ({@code FuseConfigImpl.segment()}) and sets the field with jfuse's own jextract accessor (so the
 * offset, 72 in libfuse 3.14's struct fuse_config, is not repeated here).
 *
 * <p>Control files report size 0 and change between reads; without direct I/O the page cache would
 * answer reads from i_size (empty) or from a stale copy.
 */
final class JfuseDirectIo {
    private JfuseDirectIo() {
    }

    /** Set direct_io in the config; true when the struct now says so. */
    static boolean enable(FuseConfig cfg) {
        if (cfg.directIo() != 0) {
            return true;
        }
        try {
            Method segment = cfg.getClass().getDeclaredMethod("segment");
            segment.setAccessible(true);
            MemorySegment struct = (MemorySegment) segment.invoke(cfg);
            org.cryptomator.jfuse.linux.amd64.extr.fuse3.fuse_config.direct_io(struct, 1);
            return cfg.directIo() != 0;
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger(JfuseDirectIo.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot set fuse_config.direct_io through jfuse " + cfg.getClass().getName(), e);
            return false;
        }
    }
}
