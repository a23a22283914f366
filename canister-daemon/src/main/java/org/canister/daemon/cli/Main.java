package org.canister.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code canister} command: the daemon ({@code run}) and thin clients of the control
 * filesystem and sockets it serves. Clients get the daemon's errno plus a sentence.
 */
@Command(name = "canister", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Container-security daemon: audit container IDs, p9auth, IMA namespaces, Checmate socket policy.",
        subcommands = {RunCommand.class, DoctorCommand.class, PsCommand.class, AotTrainCommand.class,
                ContidCommand.class, OciHookCommand.class, OciConfigCommand.class, AuditCommand.class})
public final class Main implements Runnable {
    /** The version printed by --version and in the status file. */
    public static final String VERSION = "0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Integer fast = FastPath.tryRun(args);
        System.exit(fast != null ? fast : execute(args));
    }

    /** Runs a command line and returns the exit code (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("canister: " + ex.getMessage());
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Picocli version provider. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"canister " + VERSION};
        }
    }
}
