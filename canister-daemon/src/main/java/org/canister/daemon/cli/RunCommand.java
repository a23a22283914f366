package org.canister.daemon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.canister.daemon.Daemon;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canister run}: the daemon in the foreground until SIGTERM/SIGINT. */
@Command(name = "run", description = "Run the daemon in the foreground (SIGTERM/SIGINT unmount and restore kernel settings).")
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML config (default /etc/canister/canister.yaml when present, else embedded defaults).")
    Path configFile;

    @Option(names = "--mount", description = "Control filesystem mount point (overrides the config).")
    Path mount;

    @Option(names = "--state-dir", description = "State directory (overrides the config).")
    Path stateDir;

    @Option(names = "--log-dir", description = "Log directory (overrides the config).")
    Path logDir;

    @Option(names = "--audit-rules", paramLabel = "FILE",
            description = "Kernel audit rules in auditctl syntax (overrides audit.rules-file, default /etc/canister/audit.rules).")
    Path auditRules;

    @Override
    public Integer call() throws Exception {
        CanisterConfig config;
        try {
            config = new ConfigLoader().load(configFile).withDaemon(mount, stateDir, logDir);
            if (auditRules != null) {
                if (!java.nio.file.Files.isReadable(auditRules)) {
                    System.err.println("canister run: audit rules file " + auditRules + " does not exist or is not readable;"
                            + " give a readable file to --audit-rules or leave the flag out");
                    return 2;
                }
                config = config.withAudit(config.audit().withRulesFile(auditRules));
            }
        } catch (ConfigLoader.ConfigException e) {
            System.err.println("canister run: " + e.getMessage());
            return 2;
        }
        // The hook is in place before anything is mounted, so a SIGTERM that arrives during start
        // waits for the start to finish (startLock) and then undoes it: no stale mount is left.
        Object startLock = new Object();
        AtomicReference<Daemon> running = new AtomicReference<>();
        Thread hook = Thread.ofPlatform().name("canister-shutdown").unstarted(() -> {
            Daemon d;
            synchronized (startLock) {
                d = running.get();
            }
            if (d == null) {
                return; // a failed start exits with its own status
            }
            d.close();
            System.err.println("canister: stopped");
            System.err.flush();
            // A stop by SIGTERM/SIGINT is a clean exit: 0, not 128+signal (systemd, runit, tests).
            Runtime.getRuntime().halt(0);
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Daemon daemon;
        synchronized (startLock) {
            try {
                daemon = Daemon.start(config, System.err);
            } catch (Daemon.StartupException e) {
                System.err.println("canister run: " + e.getMessage());
                return 1;
            }
            running.set(daemon);
        }
        daemon.awaitClose();
        return 0;
    }
}
