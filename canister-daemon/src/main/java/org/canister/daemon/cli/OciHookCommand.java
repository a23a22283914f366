package org.canister.daemon.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.canister.core.CanisterException;
import org.canister.core.contid.ContidValue;
import org.canister.daemon.contid.ContidService;
import org.canister.daemon.contid.OciState;
import org.canister.linux.ErrnoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code canister oci-hook [STAGE]}: an OCI runtime hook (runc, crun) that gives every container an
 * audit container ID. It reads the runtime state JSON on stdin ({@link OciState}).
 *
 * <ul>
 * <li><b>createRuntime</b> (or the deprecated {@code prestart}, which runs at the same point): writes the
 *     container's ID ({@link OciState#contid()}: annotation {@code org.canister.contid}, else the hash of
 *     the container id) to {@code proc/<state.pid>/audit_containerid_runtime}. The hook is a child of
 *     the runtime, beside the container's init, so it acts for the runtime (see the daemon's
 *     {@code ContidFiles}); the init's runtime threads are labelled with it. On any refusal it prints
 *     the errno and a sentence and exits non-zero, so the runtime aborts the start: a container never
 *     runs unlabelled because the hook failed.</li>
 * <li><b>poststop</b>: confirms the drop. It reads {@code contids} until the ID is no longer listed as
 *     live (the daemon wrote its {@code op=drop} record when the last task carrying it exited), waiting
 *     up to {@code --timeout-ms} for the proc connector's exit events to be applied; if tasks still carry
 *     it then (e.g. a process that left the container's pid namespace), it names the count and exits 1
 *     (runtimes log a failed poststop hook and go on). An ID that is not listed at all was dropped and
 *     released, or never set.</li>
 * </ul>
 * STAGE defaults from the state's {@code status}: {@code creating} is createRuntime, {@code stopped}
 * is poststop. Exit status: 0 done, 1 refused by the daemon or drop not confirmed, 2 bad input or no
 * daemon.
 */
@Command(name = "oci-hook", description = "OCI runtime hook: label the container at createRuntime, confirm its drop at poststop "
        + "(reads the OCI state JSON on stdin).")
public final class OciHookCommand implements Callable<Integer> {
    @Option(names = "--mount", description = "Control filesystem mount point (default ${DEFAULT-VALUE}).",
            defaultValue = "/run/canister/fs")
    Path mount;

    @Option(names = "--timeout-ms", description = "poststop: how long to wait for the drop (default ${DEFAULT-VALUE}).",
            defaultValue = "5000")
    long timeoutMs;

    @Parameters(index = "0", arity = "0..1", paramLabel = "STAGE",
            description = "createRuntime, prestart or poststop (default: from the state's status).")
    String stage;

    @Override
    public Integer call() throws IOException {
        OciState state;
        long contid;
        try {
            state = OciState.parse(System.in.readAllBytes());
            contid = state.contid();
        } catch (CanisterException e) {
            System.err.println("canister oci-hook: " + e.getMessage());
            return 2;
        }
        String s = stage != null ? stage : switch (state.status() == null ? "" : state.status()) {
            case "creating" -> "createRuntime";
            case "stopped" -> "poststop";
            default -> "";
        };
        return switch (s) {
            case "createRuntime", "prestart" -> label(state, contid);
            case "poststop" -> confirmDrop(state, contid);
            default -> {
                System.err.println("canister oci-hook: stage '" + (stage != null ? stage : state.status())
                        + "' is not handled; install the hook as createRuntime (labels the container) and poststop "
                        + "(confirms its drop), e.g. with: canister oci-config <bundle>");
                yield 2;
            }
        };
    }

    private int label(OciState state, long contid) {
        if (state.pid() <= 0) {
            System.err.println("canister oci-hook: the OCI state of container " + state.id() + " has no pid; "
                    + "run the hook as createRuntime, when the container's init exists");
            return 2;
        }
        Path file = mount.resolve("proc").resolve(Integer.toString(state.pid())).resolve(ContidService.RUNTIME_FILE);
        String value = ContidValue.format(contid);
        try {
            ControlFileIo.writeOnce(file, value);
            return 0;
        } catch (ErrnoException e) {
            System.err.println("canister oci-hook: container " + state.id() + ": cannot set container ID " + value
                    + " on its init " + state.pid() + ": "
                    + ContidAdvice.explain(e, ContidAdvice.Op.SET, state.pid(), value, mount));
            return ContidCommand.status(e);
        }
    }

    private int confirmDrop(OciState state, long contid) {
        String id = ContidValue.format(contid);
        Path file = mount.resolve(ContidService.CONTAINERS_FILE);
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        String live;
        while (true) {
            try {
                live = liveMembers(ControlFileIo.read(file), id);
            } catch (ErrnoException e) {
                System.err.println("canister oci-hook: container " + state.id() + ": cannot read " + file + ": "
                        + e.getMessage() + (e.call().startsWith("open") ? " (is the daemon running? canister run)" : ""));
                return 2;
            }
            if (live == null) {
                return 0;
            }
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            LockSupport.parkNanos(20_000_000L);
        }
        System.err.println("canister oci-hook: container " + state.id() + ": container ID " + id + " still has " + live
                + " live task(s) " + timeoutMs + " ms after the container stopped, so no drop record was written yet: "
                + "processes of this container outlived it, or another container uses the same ID (the ID was then "
                + "refused at createRuntime); find them with: canister ps | grep " + id);
        return 1;
    }

    /** The MEMBERS column of {@code id}'s row when it is live, else null (dropped or not listed). */
    static String liveMembers(String contidsText, String id) {
        for (String line : contidsText.split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 6 && f[0].equals(id)) {
                return f[5].equals("live") ? f[3] : null;
            }
        }
        return null;
    }
}
