package org.canister.daemon.contid;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.contid.ContidValue;
import org.canister.core.contid.LoginIds;
import org.canister.core.fs.Caller;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.OpenFile;
import org.canister.core.fs.OpenFlags;
import org.canister.core.fs.TaskFileProvider;
import org.canister.core.fs.TaskRef;

/**
 * The control files of audit container IDs, with ghak90 v11's {@code proc_contid_write} and
 * {@code proc_contid_read} behaviour:
 * <ul>
 * <li>a write at a non-zero offset is EINVAL ({@code *ppos != 0}): the value goes in one write(2) at
 *     offset 0, and a second write on the same descriptor is refused too;</li>
 * <li>each write is parsed on its own (kstrtou64 rules, {@link ContidValue}) and its errno (EINVAL,
 *     ERANGE, then the registry's) is the write's own result, since FUSE never returns release's;</li>
 * <li>the target is the task incarnation the path named at lookup ({@link TaskRef}): if it exited or
 *     its pid now names another process, the write is ESRCH (spec 6.1 [choice]);</li>
 * <li>opening never fails (mode 0600 is shown, but the daemon decides: the checks are at write and read,
 *     as a capcontid holder that is not root must reach them); O_TRUNC ({@code echo x > f}) is a no-op;</li>
 * <li>a read prints the value as {@code %llu} without a newline, as v11 does; it needs
 *     CAP_AUDIT_CONTROL or capcontid (EPERM) and is taken once per open, at offset 0.</li>
 * </ul>
 *
 * <h2>{@code audit_containerid_runtime}: OCI hooks act for their runtime</h2>
 * An OCI runtime (runc, crun) runs its {@code createRuntime} hooks as its own children, beside the
 * container's init, which is also its child: the hook is the init's sibling, never its ancestor, so
 * v11's EXDEV rule refuses it. And runc's init is a Go program that runs about five threads when the
 * hook fires, which v11's EBUSY rule refuses. A write to {@code audit_containerid_runtime} is judged as
 * if the writer's parent R had written it, when all of these hold: the writer holds CAP_AUDIT_CONTROL in
 * the initial user namespace itself, R is alive and is not init, and the target is a child of R. R is
 * then the orchestrator (owner, nesting, EXDEV and ENOTUNIQ are R's), the record names R
 * ({@code pid= comm="runc"}), and every live thread of the target is labelled together. Otherwise the
 * write is judged exactly as a write to {@code audit_containerid} by the writer itself.
 * {@code audit_capcontainerid_runtime} applies the same rule to capcontid, so that
 * {@code canister contid capcontid}, run from a shell, acts for that shell as {@code echo} would.
 */
final class ContidFiles {
    /** Which file. */
    enum Kind {
        CONTAINERID, CAPCONTID, RUNTIME, CAP_RUNTIME;

        boolean capcontid() {
            return this == CAPCONTID || this == CAP_RUNTIME;
        }

        boolean forRuntime() {
            return this == RUNTIME || this == CAP_RUNTIME;
        }
    }

    private ContidFiles() {
    }

    static TaskFileProvider provider(ContidService service, String name, Kind kind) {
        return new TaskFileProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public FileNode file(TaskRef task) {
                return new TaskFile(service, task, kind);
            }
        };
    }

    static FileNode containers(ContidService service) {
        return new ContainersFile(service);
    }

    /** One per-task file as one lookup found it. */
    private record TaskFile(ContidService service, TaskRef target, Kind kind) implements FileNode {
        @Override
        public int mode() {
            return kind.forRuntime() ? 0200 : 0600;
        }

        @Override
        public OpenFile open(Caller caller, int flags) {
            if (kind.forRuntime() && OpenFlags.readable(flags)) {
                throw new CanisterException(Errno.EACCES, "the *_runtime files are write-only; read "
                        + "audit_containerid or audit_capcontainerid instead");
            }
            return new Open(service, target, kind);
        }
    }

    /** One open: at most one successful write at offset 0; reads served from the first read's value. */
    private static final class Open implements OpenFile {
        private final ContidService service;
        private final TaskRef target;
        private final Kind kind;
        private byte[] text;

        Open(ContidService service, TaskRef target, Kind kind) {
            this.service = service;
            this.target = target;
            this.kind = kind;
        }

        @Override
        public int write(Caller caller, long offset, byte[] data) {
            if (offset != 0) {
                // v11 proc_contid_write: "if (*ppos != 0) return -EINVAL" (no partial writes).
                throw new CanisterException(Errno.EINVAL, "write the whole value in one write(2) at offset 0 "
                        + "(this descriptor is at offset " + offset + "; open the file again)");
            }
            if (kind.capcontid()) {
                int v = ContidValue.parseCapContid(data);
                service.setCapContid(caller, target, v, kind.forRuntime()).throwIfFailed();
                return data.length;
            }
            long v = ContidValue.parse(data);
            LoginIds login = ProcLogin.of(caller.tgid());
            service.set(caller, login, target, v, kind.forRuntime()).throwIfFailed();
            return data.length;
        }

        @Override
        public byte[] read(Caller caller, long offset, int size) {
            if (offset < 0) {
                throw new CanisterException(Errno.EINVAL, "negative read offset");
            }
            if (text == null || offset == 0) {
                String v = kind.capcontid()
                        ? Integer.toString(service.readCapContid(caller, target))
                        : ContidValue.format(service.read(caller, target));
                text = v.getBytes(StandardCharsets.US_ASCII);
            }
            if (offset >= text.length || size <= 0) {
                return new byte[0];
            }
            return Arrays.copyOfRange(text, (int) offset, (int) Math.min(text.length, offset + size));
        }
    }

    /** {@code contids}: the registered containers, one line each, for readers allowed to see IDs. */
    private record ContainersFile(ContidService service) implements FileNode {
        @Override
        public int mode() {
            return 0400;
        }

        @Override
        public OpenFile open(Caller caller, int flags) {
            if (OpenFlags.writable(flags)) {
                throw new CanisterException(Errno.EACCES, "contids is read-only; open it for reading");
            }
            byte[] bytes = service.containersText(caller).getBytes(StandardCharsets.US_ASCII);
            return new OpenFile() {
                @Override
                public byte[] read(Caller c, long offset, int size) {
                    if (offset < 0) {
                        throw new CanisterException(Errno.EINVAL, "negative read offset");
                    }
                    if (offset >= bytes.length || size <= 0) {
                        return new byte[0];
                    }
                    return Arrays.copyOfRange(bytes, (int) offset, (int) Math.min(bytes.length, offset + size));
                }
            };
        }
    }
}
