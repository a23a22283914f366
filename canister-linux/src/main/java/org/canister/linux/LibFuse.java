package org.canister.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The gateway to libfuse3, for the one symbol jfuse does not bind: {@code fuse_get_context}.
 *
 * <p>The library is loaded on first use, from an absolute path: Temurin's loader does not search
 * {@code /lib/x86_64-linux-gnu}, where Debian installs {@code libfuse3.so.3}. The path can be changed
 * with the system property {@value #PATH_PROPERTY}. When the library cannot be loaded every call
 * throws {@link IllegalStateException} naming the path and the package to install, and
 * {@link #unavailableReason()} says why without throwing (for {@code canister doctor}).
 */
public final class LibFuse {
    /** Where Debian and Ubuntu on x86_64 install libfuse3 (package libfuse3-3). */
    public static final String DEFAULT_PATH = "/lib/x86_64-linux-gnu/libfuse3.so.3";
    /** System property overriding {@link #DEFAULT_PATH}. */
    public static final String PATH_PROPERTY = "canister.libfuse3";

    private static final int UID = Structs.offset(Structs.FUSE_CONTEXT, "uid");
    private static final int GID = Structs.offset(Structs.FUSE_CONTEXT, "gid");
    private static final int PID = Structs.offset(Structs.FUSE_CONTEXT, "pid");
    private static final int UMASK = Structs.offset(Structs.FUSE_CONTEXT, "umask");

    private static final Object LOCK = new Object();
    private static volatile MethodHandle fuseGetContext;
    private static volatile String failure;

    private LibFuse() {
    }

    /** The path libfuse3 is (or will be) loaded from. */
    public static String libraryPath() {
        return System.getProperty(PATH_PROPERTY, DEFAULT_PATH);
    }

    /** {@code null} when libfuse3 loads and has {@code fuse_get_context}; otherwise the reason it does not. */
    public static String unavailableReason() {
        try {
            handle();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /**
     * {@code fuse_get_context()}: who sent the FUSE request this thread is handling.
     *
     * <p>Valid only on a libfuse worker thread, inside an operation handler: elsewhere libfuse reads a
     * thread-specific key that is unset (or not even created), and the answer is meaningless.
     *
     * @return the context, or {@code null} when libfuse has none for this thread
     * @throws IllegalStateException when libfuse3 cannot be loaded
     */
    public static FuseContext context() {
        MemorySegment ctx;
        try {
            ctx = (MemorySegment) handle().invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fuse_get_context failed", t);
        }
        if (ctx.address() == 0) {
            return null;
        }
        return read(ctx);
    }

    /** Decodes a {@code struct fuse_context}; package-private so the layout can be tested on plain memory. */
    static FuseContext read(MemorySegment ctx) {
        return new FuseContext(ctx.get(JAVA_INT, UID), ctx.get(JAVA_INT, GID), ctx.get(JAVA_INT, PID),
                ctx.get(JAVA_INT, UMASK));
    }

    private static MethodHandle handle() {
        MethodHandle h = fuseGetContext;
        if (h != null) {
            return h;
        }
        synchronized (LOCK) {
            if (fuseGetContext != null) {
                return fuseGetContext;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            try {
                fuseGetContext = load(Path.of(libraryPath()));
                return fuseGetContext;
            } catch (IllegalStateException e) {
                failure = e.getMessage();
                throw e;
            }
        }
    }

    /** Loads {@code fuse_get_context} from {@code library}; package-private for tests of the failure message. */
    static MethodHandle load(Path library) {
        if (!Files.exists(library)) {
            throw new IllegalStateException("libfuse3 not found at " + library
                    + ": install it (apt-get install libfuse3-3 fuse3) or set -D" + PATH_PROPERTY + "=<path to libfuse3.so.3>");
        }
        SymbolLookup lookup;
        try {
            // Arena.global(): the library stays mapped for the life of the daemon, as libfuse expects.
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("libfuse3 at " + library + " cannot be loaded: " + e.getMessage(), e);
        }
        MemorySegment symbol = lookup.find("fuse_get_context").orElseThrow(() -> new IllegalStateException(
                library + " has no symbol fuse_get_context: is it really libfuse3?"));
        // struct fuse_context *fuse_get_context(void): the result is sized so fields can be read.
        return Linker.nativeLinker().downcallHandle(symbol,
                FunctionDescriptor.of(ADDRESS.withTargetLayout(Structs.FUSE_CONTEXT)));
    }
}
