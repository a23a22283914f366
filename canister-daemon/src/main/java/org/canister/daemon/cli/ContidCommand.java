package org.canister.daemon.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.canister.linux.ErrnoException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code canister contid set|get|capcontid}: thin clients of {@code proc/<pid>/audit_containerid}
 * and {@code audit_capcontainerid} in the control filesystem. Each is one open and one write(2) (or
 * read(2)), so it gets exactly the daemon's errno, which it prints with a sentence; exit status 1
 * when the daemon refused, 2 when there is no daemon or no such process.
 *
 * <p>The command is a separate process, so as a plain writer it could label only its own children
 * (ghak90's EXDEV rule) and nothing a person points it at. By default {@code set} and
 * {@code capcontid} therefore write the {@code *_runtime} files, which judge the write as the
 * command's parent's, i.e. the shell's: {@code sleep 100 & canister contid set $! 42} does what
 * {@code echo 42 > .../proc/$!/audit_containerid} from that shell does. {@code --self} writes the v11
 * files as the command itself.
 */
@Command(name = "contid", description = "Set or read audit container IDs (ghak90) through the control filesystem.",
        subcommands = {ContidCommand.Set.class, ContidCommand.Get.class, ContidCommand.CapContid.class})
public final class ContidCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options shared by the subcommands. */
    static class Common {
        @Option(names = "--mount", description = "Control filesystem mount point (default ${DEFAULT-VALUE}).",
                defaultValue = "/run/canister/fs")
        Path mount;

        Path taskFile(int pid, String name) {
            return mount.resolve("proc").resolve(Integer.toString(pid)).resolve(name);
        }
    }

    /** Exit status for a failure: 2 when the file could not be opened (no daemon, no such task), else 1. */
    static int status(ErrnoException e) {
        return e.call().startsWith("open") ? 2 : 1;
    }

    @Command(name = "set", description = "Label process PID (not yet forked, no threads) with container ID ID.")
    static final class Set extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PID", description = "The container's first process.")
        int pid;

        @Parameters(index = "1", paramLabel = "ID", description = "Decimal unsigned 64-bit container ID.")
        String id;

        @Option(names = "--self", description = "Write audit_containerid as this command itself (v11 rules: it "
                + "may label only its own descendants), not for the shell that runs it.")
        boolean self;

        @Override
        public Integer call() {
            Path file = taskFile(pid, self ? "audit_containerid" : "audit_containerid_runtime");
            try {
                ControlFileIo.writeOnce(file, id);
                return 0;
            } catch (ErrnoException e) {
                err().println("canister contid set: " + ContidAdvice.explain(e, ContidAdvice.Op.SET, pid, id, mount));
                return status(e);
            }
        }
    }

    @Command(name = "get", description = "Print the container ID of process PID (18446744073709551615: none).")
    static final class Get extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;

        @Override
        public Integer call() {
            try {
                String v = ControlFileIo.read(taskFile(pid, "audit_containerid"));
                System.out.println(v.strip());
                return 0;
            } catch (ErrnoException e) {
                err().println("canister contid get: " + ContidAdvice.explain(e, ContidAdvice.Op.GET, pid, "", mount));
                return status(e);
            }
        }
    }

    @Command(name = "capcontid", description = "Grant (1) or revoke (0) process PID the right to set container IDs.")
    static final class CapContid extends Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PID")
        int pid;

        @Parameters(index = "1", paramLabel = "0|1")
        String value;

        @Option(names = "--self", description = "Write audit_capcontainerid as this command itself (v11 rules).")
        boolean self;

        @Override
        public Integer call() {
            Path file = taskFile(pid, self ? "audit_capcontainerid" : "audit_capcontainerid_runtime");
            try {
                ControlFileIo.writeOnce(file, value);
                return 0;
            } catch (ErrnoException e) {
                err().println("canister contid capcontid: "
                        + ContidAdvice.explain(e, ContidAdvice.Op.CAPCONTID, pid, value, mount));
                return status(e);
            }
        }
    }

    private static PrintStream err() {
        return System.err;
    }
}
