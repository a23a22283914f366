package org.canister.daemon.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.canister.core.CanisterException;
import org.canister.core.contid.ContidValue;
import org.canister.daemon.audit.AuditTail;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canister audit tail [--contid ID]}: follow the live, annotated audit stream of {@code audit.sock}. */
@Command(name = "audit", description = "Follow Canister's live audit stream.", subcommands = {AuditCommand.Tail.class})
public final class AuditCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "tail", description = "Print events as they happen (auditd RAW lines), optionally only those of one container.")
    static final class Tail implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--contid", paramLabel = "ID",
                description = "Only events whose container chain contains ID (so nested containers too).")
        String contid;

        @Option(names = "--socket", description = "The stream socket (default ${DEFAULT-VALUE}).",
                defaultValue = "/run/canister/audit.sock")
        Path socket;

        @Override
        public Integer call() throws InterruptedException {
            Long id = null;
            if (contid != null) {
                try {
                    id = ContidValue.parse(contid);
                } catch (CanisterException e) {
                    spec.commandLine().getErr().println("canister audit tail: --contid " + e.getMessage()
                            + " (" + e.errno().name() + ")");
                    return 2;
                }
            }
            SocketChannel ch;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                spec.commandLine().getErr().println("canister audit tail: cannot connect to " + socket + " (" + e.getMessage()
                        + "); is canisterd running with audit.socket enabled? Reading it needs root or the socket's group.");
                return 2;
            }
            try (ch) {
                AuditTail.follow(Channels.newInputStream(ch), id, System.out);
            } catch (IOException e) {
                // closing after the daemon went away
            }
            spec.commandLine().getErr().println("canister audit tail: the daemon closed the stream");
            return 0;
        }
    }
}
