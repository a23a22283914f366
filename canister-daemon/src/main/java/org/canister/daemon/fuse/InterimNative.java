package org.canister.daemon.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import org.canister.core.CanisterException;
import org.canister.core.Errno;

/**
 * TEMPORARY native calls for the FUSE adapter, until branch {@code linux-native} (the canister-linux
 * gateways {@code org.canister.linux.LibFuse.context()} and {@code org.canister.linux.Libc.pidfdOpen})
 * is merged. FFM belongs in canister-linux (DESIGN.md); after the merge this class is deleted and
 * {@link FuseServer#fuseCallers} / {@link CallerResolver#CallerResolver()} call those gateways instead.
 * Nothing else in the daemon may use it.
 */
final class InterimNative {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** int pidfd_open(pid_t pid, unsigned int flags), glibc 2.36. */
    private static final MethodHandle PIDFD_OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("pidfd_open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** struct fuse_context (fuse3/fuse.h): fuse@0 uid@8 gid@12 pid@16 private_data@24 umask@32, size 40. */
    private static final long CONTEXT_SIZE = 40;
    private static final long CONTEXT_PID = 16;

    private static volatile MethodHandle fuseGetContext;

    private InterimNative() {
    }

    /** {@code fuse_get_context()->pid}: the thread id of the request's caller (0 for kernel-internal requests). */
    static int fuseContextPid() {
        try {
            MemorySegment ctx = (MemorySegment) fuseGetContext().invokeExact();
            if (ctx.equals(MemorySegment.NULL)) {
                throw new CanisterException(Errno.EIO, "fuse_get_context() returned NULL outside a FUSE request");
            }
            return ctx.reinterpret(CONTEXT_SIZE).get(JAVA_INT, CONTEXT_PID);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fuse_get_context failed", t);
        }
    }

    private static MethodHandle fuseGetContext() {
        MethodHandle h = fuseGetContext;
        if (h == null) {
            // dlopen of the path jfuse already System.load()ed returns the same handle, hence the
            // same thread-local context that libfuse fills in for each request.
            SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(FuseServer.LIBFUSE), Arena.global());
            h = LINKER.downcallHandle(lib.find("fuse_get_context").orElseThrow(), FunctionDescriptor.of(ADDRESS));
            fuseGetContext = h;
        }
        return h;
    }

    /** A pidfd for the process {@code pid} (close-on-exec, as pidfd_open(2) always is). */
    static int pidfdOpen(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) PIDFD_OPEN.invokeExact(state, pid, 0);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                Errno e = Errno.of(errno);
                throw new CanisterException(e == null ? Errno.EIO : e, "pidfd_open(" + pid + ") failed: errno " + errno);
            }
            return fd;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pidfd_open failed", t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }
}
